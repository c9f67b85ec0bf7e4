"""Shared test set-up: paths, the scripts folder on the import path, and one built site."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = ROOT / "scripts"

sys.path.insert(0, str(SCRIPTS))


def build_site(dest: Path, project: Path = ROOT) -> subprocess.CompletedProcess:
    """Run `mkdocs build --strict` on project's mkdocs.yml into dest; return the process."""
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1")
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(dest)],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture(scope="session")
def built_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site, built once per test run with --strict; fails on any warning."""
    dest = tmp_path_factory.mktemp("site")
    result = build_site(dest)
    log = result.stdout + result.stderr
    assert result.returncode == 0, f"mkdocs build --strict failed:\n{log}"
    warnings = [line for line in log.splitlines() if line.startswith(("WARNING", "ERROR"))]
    assert not warnings, "mkdocs build printed warnings:\n" + "\n".join(warnings)
    return dest
