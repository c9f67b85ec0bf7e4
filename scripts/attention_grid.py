"""Draw the attention grid of one pattern and print how many scores it computes.

Example: python scripts/attention_grid.py --pattern strided --n 12 --t 3 --out grid.svg
"""

from __future__ import annotations

import io
import os
import sys
from pathlib import Path

from attention_figures import MAX_DRAW_N, Grid, grid_figure
from cli import ArgumentParser, fail, non_negative_int, positive_int
from matplotlib import pyplot as plt
from matplotlib.figure import Figure
from plot_style import save_svg

PATTERN_CHOICES = ("full", "causal", "strided", "windowed")
# Which pattern takes which optional number.
OWNER = {"t": "strided", "w": "windowed"}
FORMATS = (".svg", ".png")
PNG_DPI = 200

EPILOG = f"""\
The last line of output is the number of query-key scores computed, so
`... | tail -n 1` gives it to another program. --w need not divide --n: the
last window then holds the n mod w tokens left over. Drawing needs n <= {MAX_DRAW_N};
without --out any n is counted, from the closed form.
"""


def build_parser() -> ArgumentParser:
    """The command line: pattern, sizes and an optional output file."""
    parser = ArgumentParser(
        prog="attention_grid.py",
        description="Count the query-key dot products of an attention pattern and "
        "optionally draw its n x n grid (queries as rows, keys as columns).",
        epilog=EPILOG,
        allow_abbrev=False,
    )
    parser.add_argument("--pattern", required=True, choices=PATTERN_CHOICES,
                        help="which attention pattern")
    parser.add_argument("--n", required=True, type=positive_int, metavar="N",
                        help="number of tokens, at least 1")
    parser.add_argument("--t", type=non_negative_int, metavar="T",
                        help="strided only: how many earlier positions each token sees, at least 0")
    parser.add_argument("--w", type=positive_int, metavar="W",
                        help="windowed only: window size, at least 1; need not divide N")
    parser.add_argument("--out", type=Path, metavar="FILE",
                        help=f"draw the grid into FILE, .svg or .png (N <= {MAX_DRAW_N})")
    return parser


def checked_grid(parser: ArgumentParser, argv: list[str] | None) -> tuple[Grid, Path | None]:
    """Parse argv and reject, with one line on stderr, anything the pattern cannot use."""
    args = parser.parse_args(argv)
    for name, owner in OWNER.items():
        given = getattr(args, name) is not None
        if owner == args.pattern and not given:
            fail(parser, f"--{name}", f"the {owner} pattern needs --{name}")
        if owner != args.pattern and given:
            fail(parser, f"--{name}", f"only the {owner} pattern takes --{name}")
    if args.out is not None:
        _check_out(parser, args.out, args.n)
    params = {name: getattr(args, name) for name, owner in OWNER.items() if owner == args.pattern}
    return Grid(args.pattern, args.n, params), args.out


def _check_out(parser: ArgumentParser, out: Path, n: int) -> None:
    if n > MAX_DRAW_N:
        fail(parser, "--n", f"at most {MAX_DRAW_N} to draw a legible grid, got {n} "
             "(leave out --out to only count)")
    if out.suffix.lower() not in FORMATS:
        fail(parser, "--out", f"must end in .svg or .png, got {out.name!r}")
    if out.is_dir():
        fail(parser, "--out", f"{out} is a folder, not a file")
    folder = out.parent
    if not folder.is_dir():
        problem = "is not a folder" if folder.exists() else "does not exist"
        fail(parser, "--out", f"{folder} {problem}")
    if not os.access(folder, os.W_OK) or (out.exists() and not os.access(out, os.W_OK)):
        fail(parser, "--out", f"cannot write {out}: permission denied")


def write(fig: Figure, out: Path) -> None:
    """Save fig as SVG or PNG, whole or not at all."""
    if out.suffix.lower() == ".svg":
        save_svg(fig, out)
        return
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=PNG_DPI, metadata={"Software": None})
    plt.close(fig)
    try:
        out.write_bytes(buffer.getvalue())
    except OSError:
        # A half-written PNG is worse than none.
        out.unlink(missing_ok=True)
        raise


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    grid, out = checked_grid(parser, argv)
    if out is not None:
        try:
            write(grid_figure(grid), out)
        except OSError as error:
            fail(parser, "--out", f"cannot write {out}: {error.strerror}")
        print(f"wrote {out}")
    share = grid.count / (grid.n * grid.n)
    print(f"{grid.alt} ({share:.1%})")
    print(grid.count)
    return 0


if __name__ == "__main__":
    sys.exit(main())
