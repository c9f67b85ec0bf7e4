"""Pin the build date to the last commit, so two builds of one commit are identical."""

from __future__ import annotations

import os
import subprocess


def on_config(config):
    if "SOURCE_DATE_EPOCH" not in os.environ:
        result = subprocess.run(
            ["git", "log", "-1", "--format=%ct"],
            # `mkdocs build -f mkdocs-course.yml` gives a relative path, whose folder is "".
            cwd=os.path.dirname(os.path.abspath(config.config_file_path)),
            capture_output=True,
            text=True,
            check=False,
        )
        # Outside a git checkout (a source archive) the build date stays "now".
        if result.returncode == 0 and result.stdout.strip():
            os.environ["SOURCE_DATE_EPOCH"] = result.stdout.strip()
    return config
