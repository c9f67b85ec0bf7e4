"""Draw the attention grid of one pattern and print how many scores it computes.

Example: python scripts/attention_grid.py --pattern strided --n 12 --t 3 --out grid.svg
"""

from __future__ import annotations

import io
import os
import sys
from pathlib import Path

from attention import PATTERNS, N, Param
from attention_figures import MAX_DRAW_N, Grid, grid_figure
from cli import ArgumentParser, fail, non_negative_int, positive_int
from matplotlib import pyplot as plt
from matplotlib.figure import Figure
from plot_style import save_svg

PATTERN_CHOICES = tuple(PATTERNS)
# Every parameter of the registry, and the patterns that take it.
PARAMS: dict[str, Param] = {p.name: p for pattern in PATTERNS.values() for p in pattern.params}
OWNERS = {
    name: tuple(pattern.name for pattern in PATTERNS.values() if name in pattern.param_names)
    for name in PARAMS
}
# The smallest value a parameter takes decides how its text is read.
READERS = {0: non_negative_int, 1: positive_int}
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
    parser.add_argument("--n", required=True, type=READERS[N.low], metavar="N",
                        help=f"{N.help}, at least {N.low}")
    for name, p in PARAMS.items():
        limit = f" and at most --{p.at_most}" if p.at_most else ""
        parser.add_argument(f"--{name}", type=READERS[p.low], metavar=name.upper(),
                            help=f"{' and '.join(OWNERS[name])} only: {p.help}; "
                            f"at least {p.low}{limit}")
    parser.add_argument("--out", type=Path, metavar="FILE",
                        help=f"draw the grid into FILE, .svg or .png (N <= {MAX_DRAW_N})")
    return parser


def checked_grid(parser: ArgumentParser, argv: list[str] | None) -> tuple[Grid, Path | None]:
    """Parse argv and reject, with one line on stderr, anything the pattern cannot use."""
    args = parser.parse_args(argv)
    for name, owners in OWNERS.items():
        given = getattr(args, name) is not None
        if args.pattern in owners and not given:
            fail(parser, f"--{name}", f"the {args.pattern} pattern needs --{name}")
        if args.pattern not in owners and given:
            takes = "pattern takes" if len(owners) == 1 else "patterns take"
            fail(parser, f"--{name}", f"only the {' and '.join(owners)} {takes} --{name}")
    params = {p.name: getattr(args, p.name) for p in PATTERNS[args.pattern].params}
    for p in PATTERNS[args.pattern].params:
        if p.at_most and params[p.name] > params[p.at_most]:
            fail(parser, f"--{p.name}", f"at most --{p.at_most} = {params[p.at_most]}, "
                 f"got {params[p.name]}")
    if args.out is not None:
        _check_out(parser, args.out, args.n)
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
