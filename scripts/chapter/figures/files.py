"""The figure scripts' one way of drawing their files: every target checked first,
every figure drawn in memory, then all of them written or none."""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping
from pathlib import Path

from matplotlib.figure import Figure

from chapter.figures.style import plt
from chapter.shared.cli import ArgumentParser, fail, path_argument
from chapter.shared.paths import DOCS
from chapter.shared.safe_files import UnsafePath, check_targets, write_files

FIGURES_DIR = DOCS / "figures"

# A figure module's table: the file name of each figure and the function drawing it.
FigureTable = Mapping[str, Callable[[], Figure]]


def narrow(name: str) -> str:
    """The file name of a figure's narrow variant, drawn for phones: its panels stacked or
    its width cut so that every label stays legible in a phone's column. The site shows
    it in place of the figure on narrow screens (chapter/site/figure_variants.py)."""
    return name.removesuffix(".svg") + "-narrow.svg"


def svg_bytes(fig: Figure) -> bytes:
    """fig as reproducible SVG (no date, no creator), and close it."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    plt.close(fig)
    return buffer.getvalue()


def write_figures(folder: Path, figures: FigureTable) -> list[Path]:
    """Check every target, draw every figure in memory, then write them all or none.

    UnsafePath, with nothing written, if any of that fails.
    """
    check_targets(folder, figures)
    return write_files(folder, {name: svg_bytes(draw()) for name, draw in figures.items()})


def figures_parser(prog: str, description: str | None) -> ArgumentParser:
    """The command line of a figure script: --out, the folder to draw into."""
    parser = ArgumentParser(prog=prog, description=description)
    parser.add_argument(
        "--out",
        type=path_argument,
        default=FIGURES_DIR,
        metavar="DIR",
        help="existing folder for the SVG files (default: docs/figures)",
    )
    return parser


def draw_figures(parser: ArgumentParser, folder: Path, figures: FigureTable) -> int:
    """Write the figures into folder and list the files, or fail on --out."""
    try:
        written = write_figures(folder, figures)
    except UnsafePath as error:
        fail(parser, "--out", str(error))
    for path in written:
        print(path)
    return 0


def figures_command(
    figures: FigureTable, prog: str, description: str | None, argv: list[str] | None = None
) -> int:
    """The command of a figure script: draw its figures into --out (docs/figures)."""
    parser = figures_parser(prog, description)
    args = parser.parse_args(argv)
    return draw_figures(parser, args.out, figures)
