"""Regenerate every figure of the chapter: python scripts/make_figures.py [--out DIR]."""

from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "docs" / "figures"

# Each module exposes render_all(out_dir) -> list[Path] of the files it wrote.
FIGURE_MODULES: tuple[str, ...] = ("attention_figures", "rnn2d_figures", "bench_figures")


def render_all(out_dir: Path) -> list[Path]:
    """Draw every figure into out_dir and return the paths written."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    written: list[Path] = []
    for name in FIGURE_MODULES:
        written.extend(importlib.import_module(name).render_all(out_dir))
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="folder for the SVG files")
    args = parser.parse_args(argv)
    if args.out.exists() and not args.out.is_dir():
        parser.exit(2, f"error: --out: {args.out} is not a folder\n")
    for path in render_all(args.out):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
