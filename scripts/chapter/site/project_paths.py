"""Take the relative paths in mkdocs.yml from the folder of mkdocs.yml.

pymdownx.snippets reads its base_path from the folder mkdocs runs in, so
`mkdocs build -f /path/to/mkdocs.yml` run from anywhere else would find no
snippets. MkDocs' own !relative tag would do it too, but mkdocs.yml stays plain
YAML that any YAML reader can load.
"""

from __future__ import annotations

from pathlib import Path


def on_config(config):
    root = Path(config.config_file_path).parent
    snippets = config.mdx_configs.get("pymdownx.snippets")
    if snippets is not None:
        bases = snippets.get("base_path", ["."])
        bases = [bases] if isinstance(bases, str) else bases
        # An absolute base stays as it is: root / "/abs" is "/abs".
        snippets["base_path"] = [str(root / base) for base in bases]
    return config
