"""Benchmark figures: measured speedup against the count ratio, drawn from the committed
docs/data/benchmark.json. python scripts/bench_figures.py [--data FILE] [--out DIR]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
from cli import ArgumentParser
from matplotlib.axes import Axes
from matplotlib.ticker import FormatStrFormatter
from plot_style import GRID, INK, SERIES, new_figure, save_svg

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = ROOT / "docs" / "data" / "benchmark.json"
DEFAULT_OUT = ROOT / "docs" / "figures"

ATTENTION_CASES = ("windowed attention", "sliding-window attention")
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


def _speedup_plot(ax: Axes, data: dict, cases: tuple[str, ...], baseline: str) -> None:
    """Log-log speedup against count ratio, with the ideal y = x and half of it."""
    ratios = np.concatenate([_records(data, case)[0] for case in cases])
    speedups = np.concatenate([_records(data, case)[1] for case in cases])
    low = min(ratios.min(), speedups.min(), 1.0) / 1.2
    high = max(ratios.max(), speedups.max()) * 1.5
    ideal = np.array([low, high])
    ax.plot(ideal, ideal, color=INK, linewidth=1.0, label="ideal: speedup = count ratio")
    ax.plot(ideal, ideal / 2, color=GRID, linewidth=1.0, linestyle="--", label="half the ideal")
    for case, style, (offset, align) in zip(cases, SERIES[1:], LABEL_PLACES, strict=False):
        ratio, speedup, sizes = _records(data, case)
        ax.plot(ratio, speedup, label=case, markersize=6, **style)
        for x, y, n in zip(ratio, speedup, sizes, strict=True):
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
    ax.set_xlabel("count ratio (work saved, by counting)")
    ax.set_ylabel(f"measured speedup over {baseline}")
    ax.grid(True, which="major", color=GRID, linewidth=0.4, alpha=0.6)
    ax.legend(loc="upper left", fontsize=8)


def render_all(out_dir: Path, data_path: Path = DEFAULT_DATA) -> list[Path]:
    """Draw the benchmark figures into out_dir and return the paths written."""
    data = json.loads(data_path.read_text())
    fig, ax = new_figure(6.0, 5.2)
    _speedup_plot(ax, data, ATTENTION_CASES, "dense masked attention")
    ax.set_title("Attention kernels against one dense masked score matrix")
    written = [save_svg(fig, out_dir / "bench-attention.svg")]
    fig, ax = new_figure(4.8, 4.2)
    _speedup_plot(ax, data, RNN_CASES, "the double loop")
    ax.set_title("2D RNN: wavefront against the double loop")
    written.append(save_svg(fig, out_dir / "bench-rnn2d.svg"))
    return written


def main(argv: list[str] | None = None) -> int:
    parser = ArgumentParser(prog="bench_figures.py", description=__doc__)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="benchmark JSON")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="folder for the SVG files")
    args = parser.parse_args(argv)
    if not args.data.is_file():
        parser.exit(2, f"{parser.prog}: error: --data: {args.data} is not a file\n")
    if args.out.exists() and not args.out.is_dir():
        parser.exit(2, f"{parser.prog}: error: --out: {args.out} is not a folder\n")
    for path in render_all(args.out, args.data):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
