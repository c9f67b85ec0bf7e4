"""Give the mask explorer its data: the pattern registry of scripts/attention.py as JSON.

The file is generated into the site as assets/patterns.json on every build, and
under `mkdocs serve` too, so the explorer's JavaScript holds no formula of its own:
it evaluates the registry's expression trees and draws what they say.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from mkdocs.structure.files import File

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))

from attention import ALT, PATTERNS, TITLE, N, Param, expression_tree  # noqa: E402

DEST = "assets/patterns.json"


def _param(p: Param) -> dict:
    return {
        "name": p.name,
        "label": p.label,
        "min": p.low,
        "max": p.high,
        "default": p.default,
        "atMost": p.at_most,
    }


def explorer_data() -> dict:
    """Everything the explorer needs to know about the patterns, as plain data."""
    return {
        "title": TITLE,
        "alt": ALT,
        "n": _param(N),
        "patterns": [
            {
                "name": p.name,
                "label": p.label,
                "choice": p.choice,
                "params": [_param(param) for param in p.params],
                "rule": expression_tree(p.rule),
                "closedForm": {"text": p.closed_form, "tree": expression_tree(p.closed_form)},
                "where": [
                    {"name": name, "text": text, "tree": expression_tree(text)}
                    for name, text in p.where
                ],
            }
            for p in PATTERNS.values()
        ],
    }


def on_files(files, config):
    content = json.dumps(explorer_data(), separators=(",", ":"), sort_keys=True)
    files.append(File.generated(config, DEST, content=content + "\n"))
    return files
