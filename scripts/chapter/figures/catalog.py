"""Regenerate every figure of the chapter: python scripts/make_figures.py [--out DIR].

The figures are those of every module in FIGURE_MODULES, each of which lists its
own in a FIGURES table: file name -> function drawing the figure.
"""

from __future__ import annotations

from chapter.figures import attention, bench, rnn2d
from chapter.figures.files import FigureTable, figures_command

# A new figure module joins here; its figures are then drawn and checked like the rest.
FIGURE_MODULES = (attention, bench, rnn2d)


def figure_tables() -> dict[str, FigureTable]:
    """The FIGURES table of every figure module, by module name."""
    return {module.__name__: module.FIGURES for module in FIGURE_MODULES}


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
