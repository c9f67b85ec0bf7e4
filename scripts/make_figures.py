"""Regenerate every figure of the chapter: python scripts/make_figures.py [--out DIR].

The figures are those of every scripts/*_figures.py module, each of which lists
its own in a FIGURES table: file name -> function drawing the figure.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

from figure_files import FigureTable, figures_command

SCRIPTS = Path(__file__).resolve().parent


def figure_tables() -> dict[str, FigureTable]:
    """The FIGURES table of every figure module, by module name."""
    modules = sorted(p.stem for p in SCRIPTS.glob("*_figures.py") if p.stem != "make_figures")
    return {name: importlib.import_module(name).FIGURES for name in modules}


def all_figures() -> FigureTable:
    """Every figure of the chapter, by file name; two modules may not draw one file."""
    figures: dict = {}
    for module, table in figure_tables().items():
        if clash := figures.keys() & table.keys():
            raise ValueError(f"{module} draws {sorted(clash)}, which another module draws")
        figures.update(table)
    return figures


def main(argv: list[str] | None = None) -> int:
    return figures_command(all_figures(), "make_figures.py", __doc__, argv)


if __name__ == "__main__":
    sys.exit(main())
