"""Give the interactive pieces their data: the pattern registry of scripts/attention.py
and the practice questions of scripts/practice.py, as JSON.

The files are generated into the site as assets/patterns.json and assets/practice.json
on every build, and under `mkdocs serve` too, so the JavaScript holds no formula of its
own: it evaluates the expression trees and shows what they say.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from mkdocs.structure.files import File

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))

from attention import ALT, KERNELS, PATTERNS, TITLE, N, Param, expression_tree  # noqa: E402
from practice import practice_data  # noqa: E402

DEST = "assets/patterns.json"
PRACTICE_DEST = "assets/practice.json"


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
                "where": _where(p.where),
                "rowRule": {"text": p.row_rule, "tree": expression_tree(p.row_rule)},
                "kernel": _kernel(p.name),
            }
            for p in PATTERNS.values()
        ],
    }


def _where(pairs: tuple[tuple[str, str], ...]) -> list[dict]:
    return [{"name": name, "text": text, "tree": expression_tree(text)} for name, text in pairs]


def _kernel(pattern: str) -> dict | None:
    """The tiles of the benchmark kernel that serves this pattern, if one does."""
    kernel = KERNELS.get(pattern)
    if kernel is None:
        return None
    return {
        "label": kernel.label,
        "tiles": kernel.tiles,
        "wholeGrid": kernel.whole_grid,
        "rule": expression_tree(kernel.rule),
        "where": _where(kernel.where),
    }


def _json(data: dict) -> str:
    return json.dumps(data, separators=(",", ":"), sort_keys=True) + "\n"


def on_files(files, config):
    files.append(File.generated(config, DEST, content=_json(explorer_data())))
    files.append(File.generated(config, PRACTICE_DEST, content=_json(practice_data())))
    return files
