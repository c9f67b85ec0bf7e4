"""Regenerate every figure of the chapter: python scripts/make_figures.py [--out DIR]."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

from cli import figures_command

# Each module exposes render_all(out_dir) -> list[Path] of the files it wrote.
FIGURE_MODULES: tuple[str, ...] = ("attention_figures", "rnn2d_figures", "bench_figures")


def render_all(out_dir: Path) -> list[Path]:
    """Draw every figure into out_dir and return the paths written."""
    written: list[Path] = []
    for name in FIGURE_MODULES:
        written.extend(importlib.import_module(name).render_all(out_dir))
    return written


def main(argv: list[str] | None = None) -> int:
    return figures_command(render_all, "make_figures.py", __doc__, argv)


if __name__ == "__main__":
    sys.exit(main())
