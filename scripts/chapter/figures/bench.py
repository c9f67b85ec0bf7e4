"""Benchmark figures: measured speedup against the count ratio, drawn from the committed
docs/data/benchmark.json. python scripts/bench_figures.py [--data FILE] [--out DIR]
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from functools import partial
from pathlib import Path

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FormatStrFormatter

from chapter.figures.files import draw_figures, figures_parser, narrow
from chapter.figures.style import GRID, INK, SERIES, new_figure
from chapter.shared.cli import fail, path_argument
from chapter.shared.paths import DOCS
from chapter.shared.safe_files import UnsafePath, read_input

DEFAULT_DATA = DOCS / "data" / "benchmark.json"
# Far above any benchmark run's size, far below what would strain memory.
MAX_DATA_BYTES = 4_000_000

ATTENTION_CASES = ("windowed attention", "sliding-window attention")
# The same kernels against JAX's attention, in runs that had JAX (scripts/bench.py).
JAX_CASES = ("windowed attention, JAX mask", "sliding-window attention, JAX local window")
RNN_CASES = ("2D RNN wavefront",)
# Where each series writes its "n = ..." labels, in points from the marker:
# one above and one below, so that points at similar ratios stay readable.
# Size labels: right of the windowed points, left of the sliding-window ones,
# so that neither covers the other series.
LABEL_PLACES = (((9, -4), "left"), ((-9, 0), "right"))


def _records(data: dict, case: str) -> tuple[np.ndarray, np.ndarray, list[int]]:
    """Count ratios, speedups and sizes n of one case, in order of n."""
    rows = sorted((r for r in data["records"] if r["case"] == case), key=lambda r: r["n"])
    ratio = np.array([r["count_ratio"] for r in rows])
    speedup = np.array([r["speedup"] for r in rows])
    return ratio, speedup, [r["n"] for r in rows]


def _limits(data: dict, cases: tuple[str, ...]) -> tuple[float, float]:
    """Axis limits that hold every ratio and speedup of the cases, and 1."""
    ratios = np.concatenate([_records(data, case)[0] for case in cases])
    speedups = np.concatenate([_records(data, case)[1] for case in cases])
    return min(ratios.min(), speedups.min(), 1.0) / 1.2, max(ratios.max(), speedups.max()) * 1.5


def _speedup_plot(
    ax: Axes,
    data: dict,
    cases: tuple[str, ...],
    baseline: str,
    limits: tuple[float, float],
    ratio: tuple[str, str] = ("count ratio", ""),
) -> None:
    """Log-log speedup against a ratio (the records' count_ratio; ratio is its name and
    formula), with the reference line y = x and half of it."""
    name, formula = ratio
    low, high = limits
    ideal = np.array([low, high])
    ax.plot(ideal, ideal, color=INK, linewidth=1.0, label=f"speedup = {name}")
    ax.plot(ideal, ideal / 2, color=GRID, linewidth=1.0, linestyle="--", label=f"half the {name}")
    for case, style, (offset, align) in zip(cases, SERIES[1:], LABEL_PLACES, strict=False):
        ratios, speedup, sizes = _records(data, case)
        ax.plot(ratios, speedup, label=case, markersize=6, **style)
        for x, y, n in zip(ratios, speedup, sizes, strict=True):
            ax.annotate(
                f"n = {n}",
                (x, y),
                textcoords="offset points",
                xytext=offset,
                ha=align,
                fontsize=8,
                color=style["color"],
                bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.5},
            )
    ax.set_xscale("log")
    ax.set_yscale("log")
    for axis in (ax.xaxis, ax.yaxis):
        axis.set_major_formatter(FormatStrFormatter("%g"))
    ax.set_xlim(low, high)
    ax.set_ylim(low, high)
    ax.set_aspect("equal")
    ax.set_xlabel(f"{name} {formula}".strip())
    ax.set_ylabel(f"measured speedup over {baseline}")
    ax.grid(True, which="major", color=GRID, linewidth=0.4, alpha=0.6)
    ax.legend(loc="upper left", fontsize=8)


def read_data(path: Path = DEFAULT_DATA) -> dict:
    """The benchmark records of one JSON file; UnsafePath or ValueError with one line if not."""
    try:
        data = json.loads(read_input(path, MAX_DATA_BYTES))
    except RecursionError:
        raise ValueError("nested too deeply") from None
    records = data.get("records") if isinstance(data, dict) else None
    if not isinstance(records, list) or not all(map(_is_record, records)):
        raise ValueError("needs a list of records as scripts/bench.py writes them")
    missing = set(ATTENTION_CASES + RNN_CASES) - {record["case"] for record in records}
    if missing:
        raise ValueError(f"no records of {', '.join(sorted(missing))}")
    return data


def _is_record(record: object) -> bool:
    """A record the plots can use: a case name, a size and two finite positive ratios."""
    return (
        isinstance(record, dict)
        and isinstance(record.get("case"), str)
        and type(record.get("n")) is int
        and all(
            type(record.get(key)) in (int, float) and 0 < record[key] < math.inf
            for key in ("count_ratio", "speedup")
        )
    )


def attention_figure(data: dict | None = None, narrow: bool = False) -> Figure:
    """Attention kernels against one dense masked score matrix and, if the run timed
    JAX, against JAX's attention too (the committed run by default): side by side, or
    one above the other on a phone."""
    data = read_data() if data is None else data
    timed = {record["case"] for record in data["records"]}
    if not set(JAX_CASES) <= timed:
        fig, ax = new_figure(4.2, 4.4) if narrow else new_figure(6.0, 5.2)
        _speedup_plot(
            ax, data, ATTENTION_CASES, "dense masked attention", _limits(data, ATTENTION_CASES)
        )
        ax.set_title("Attention kernels against one dense masked score matrix")
        return fig
    if narrow:
        fig, (dense, jax) = new_figure(4.2, 9.0, nrows=2)
        # Room on the right for the size labels of the largest n.
        fig.subplots_adjust(left=0.16, right=0.86, top=0.95, bottom=0.06, hspace=0.3)
    else:
        fig, (dense, jax) = new_figure(11.0, 5.4, ncols=2)
        # Room between the panels for the size labels right of the left panel's points.
        fig.subplots_adjust(wspace=0.35)
    limits = _limits(data, ATTENTION_CASES + JAX_CASES)
    _speedup_plot(dense, data, ATTENTION_CASES, "dense masked attention", limits)
    dense.set_title("Against one dense masked score matrix (NumPy)", fontsize=9 if narrow else None)
    _speedup_plot(jax, data, JAX_CASES, "JAX's dot_product_attention", limits)
    jax.set_title(
        "Against JAX's dot_product_attention, same pattern", fontsize=9 if narrow else None
    )
    return fig


def rnn_figure(data: dict | None = None, narrow: bool = False) -> Figure:
    """The 2D RNN's wavefront against its double loop (the committed run by default)."""
    fig, ax = new_figure(4.0, 3.9) if narrow else new_figure(4.8, 4.2)
    data = read_data() if data is None else data
    # The wavefront does the same work as the loop in fewer sequential steps: its
    # records' count_ratio is the step ratio n² / (2n − 1).
    _speedup_plot(
        ax,
        data,
        RNN_CASES,
        "the double loop",
        _limits(data, RNN_CASES),
        ratio=("step ratio", "n² / (2n − 1)"),
    )
    ax.set_title("2D RNN: wavefront against the double loop", fontsize=10 if narrow else None)
    return fig


FIGURES: dict[str, Callable[..., Figure]] = {
    "bench-attention.svg": attention_figure,
    narrow("bench-attention.svg"): partial(attention_figure, narrow=True),
    "bench-rnn2d.svg": rnn_figure,
    narrow("bench-rnn2d.svg"): partial(rnn_figure, narrow=True),
}


def main(argv: list[str] | None = None) -> int:
    parser = figures_parser("bench_figures.py", __doc__)
    parser.add_argument(
        "--data",
        type=path_argument,
        default=DEFAULT_DATA,
        metavar="FILE",
        help="benchmark JSON (default: docs/data/benchmark.json)",
    )
    args = parser.parse_args(argv)
    try:
        data = read_data(args.data)
    except UnsafePath as error:
        fail(parser, "--data", str(error))
    except ValueError as error:
        fail(parser, "--data", f"{args.data}: not benchmark JSON: {error}")
    figures = {name: partial(draw, data) for name, draw in FIGURES.items()}
    return draw_figures(parser, args.out, figures)
