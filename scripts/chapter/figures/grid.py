"""Draw the attention grid of one pattern and print how many scores it computes.

Example: python scripts/attention_grid.py --pattern strided --n 12 --t 3 --out grid.svg
"""

from __future__ import annotations

import io
from pathlib import Path

from matplotlib import pyplot as plt
from matplotlib.figure import Figure

from chapter.figures.attention import MAX_DRAW_N, Grid, grid_figure
from chapter.figures.files import svg_bytes
from chapter.model.attention import PATTERNS, N, parameters
from chapter.shared.cli import ArgumentParser, fail, path_argument, whole_number
from chapter.shared.safe_files import UnsafePath, check_target, write_file

FORMATS = (".svg", ".png")
PNG_DPI = 200
# Largest n, t and w: counting takes no time at any size, and this keeps each
# count a number a reader can take in.
MAX_N = 1_000_000

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
    )
    parser.add_argument(
        "--pattern", required=True, choices=tuple(PATTERNS), help="which attention pattern"
    )
    parser.add_argument(
        "--n",
        required=True,
        type=whole_number(N.low, MAX_N),
        metavar="N",
        help=f"{N.help}, from {N.low} to {MAX_N}",
    )
    for name, (p, patterns) in parameters().items():
        owners = " and ".join(pattern.name for pattern in patterns)
        limit = f" and at most --{p.at_most}" if p.at_most else ""
        parser.add_argument(
            f"--{name}",
            type=whole_number(p.low, MAX_N),
            metavar=name.upper(),
            help=f"{owners} only: {p.help}; from {p.low} to {MAX_N}{limit}",
        )
    parser.add_argument(
        "--out",
        type=path_argument,
        metavar="FILE",
        help=f"draw the grid into FILE, .svg or .png (N <= {MAX_DRAW_N})",
    )
    return parser


def checked_grid(parser: ArgumentParser, argv: list[str] | None) -> tuple[Grid, Path | None]:
    """Parse argv and reject, with one line on stderr, anything the pattern cannot use."""
    args = parser.parse_args(argv)
    for name, (_, patterns) in parameters().items():
        owners = [pattern.name for pattern in patterns]
        given = getattr(args, name) is not None
        if args.pattern in owners and not given:
            fail(parser, f"--{name}", f"the {args.pattern} pattern needs --{name}")
        if args.pattern not in owners and given:
            takes = "pattern takes" if len(owners) == 1 else "patterns take"
            fail(parser, f"--{name}", f"only the {' and '.join(owners)} {takes} --{name}")
    params = {p.name: getattr(args, p.name) for p in PATTERNS[args.pattern].params}
    for p in PATTERNS[args.pattern].params:
        if p.at_most and params[p.name] > params[p.at_most]:
            fail(
                parser,
                f"--{p.name}",
                f"at most --{p.at_most} = {params[p.at_most]}, got {params[p.name]}",
            )
    if args.out is not None:
        _check_out(parser, args.out, args.n)
    return Grid(args.pattern, args.n, params), args.out


def _check_out(parser: ArgumentParser, out: Path, n: int) -> None:
    if n > MAX_DRAW_N:
        fail(
            parser,
            "--n",
            f"at most {MAX_DRAW_N} to draw a legible grid, got {n} (leave out --out to only count)",
        )
    if out.suffix.lower() not in FORMATS:
        fail(parser, "--out", f"must end in .svg or .png, got {out.name!r}")
    try:
        check_target(out)
    except UnsafePath as error:
        fail(parser, "--out", str(error))


def figure_bytes(fig: Figure, suffix: str) -> bytes:
    """fig as an SVG or PNG file's bytes, and close it."""
    if suffix.lower() == ".svg":
        return svg_bytes(fig)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=PNG_DPI, metadata={"Software": None})
    plt.close(fig)
    return buffer.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    grid, out = checked_grid(parser, argv)
    if out is not None:
        try:
            write_file(out, figure_bytes(grid_figure(grid), out.suffix))
        except UnsafePath as error:
            fail(parser, "--out", str(error))
        print(f"wrote {out}")
    share = grid.count / (grid.n * grid.n)
    print(f"{grid.alt} ({share:.1%})")
    print(grid.count)
    return 0
