"""Figures of Problem 1: attention grids for the worked example and counts against n.

python scripts/attention_figures.py [--out DIR] writes every attention figure as SVG.
"""

from __future__ import annotations

import math
import textwrap
from dataclasses import dataclass, field, replace
from functools import partial

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, PathPatch
from matplotlib.path import Path as MplPath
from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator

from chapter.figures.files import FigureTable, figures_command, narrow
from chapter.figures.style import (
    COMPUTED,
    EMPTY,
    GRID,
    INK,
    SECONDARY,
    SECONDARY_HATCH,
    SERIES,
    new_figure,
)
from chapter.model.attention import DRAW_MAX, PATTERNS, row_counts

# The worked example of the page: n tokens, look-back t, window w, Sparse Transformer stride l.
N, T, W, L = 12, 3, 4, 4
# A window that does not divide N, for the extension of part (c).
W_PARTIAL = 5
# Largest grid drawn with legible row counts and tick labels.
MAX_DRAW_N = DRAW_MAX


@dataclass(frozen=True)
class Grid:
    """One attention pattern at one size: the mask a grid figure draws."""

    pattern: str
    n: int
    params: dict[str, int] = field(default_factory=dict)

    @property
    def mask(self) -> np.ndarray:
        """The boolean (n, n) mask, queries as rows."""
        return PATTERNS[self.pattern].mask(self.n, **self.params)

    @property
    def count(self) -> int:
        """Scores computed, from the closed form."""
        return PATTERNS[self.pattern].count(self.n, **self.params)

    @property
    def name(self) -> str:
        """The pattern's name, e.g. 'Strided'."""
        return PATTERNS[self.pattern].label

    @property
    def label(self) -> str:
        """Pattern name with its numbers, e.g. 'Strided mask, n = 12, t = 3'."""
        return PATTERNS[self.pattern].title(self.n, **self.params)

    @property
    def alt(self) -> str:
        """Alt text: what the grid shows, with its numbers."""
        return PATTERNS[self.pattern].alt(self.n, **self.params)


@dataclass(frozen=True)
class Layer:
    """Cells drawn in one style: the legend label, the cells and how they look."""

    label: str
    cells: np.ndarray
    facecolor: str
    hatch: str | None = None


def layers(grid: Grid) -> list[Layer]:
    """The shaded cells of a grid, split into the styles they are drawn in.

    A pattern the registry declares as a union of heads (the Sparse Transformer's) has
    its first head shaded and each later head's extra cells hatched, so the parts read
    apart.
    """
    pattern = PATTERNS[grid.pattern]
    heads = pattern.head_masks(grid.n, **grid.params)
    if not heads:
        return [Layer("computed score", grid.mask, COMPUTED)]
    (first, *later), drawn = heads, heads[0]
    result = [Layer(pattern.heads[0].label, first, COMPUTED)]
    for head, cells in zip(pattern.heads[1:], later, strict=True):
        result.append(Layer(head.label, cells & ~drawn, SECONDARY, SECONDARY_HATCH))
        drawn = drawn | cells
    return result


def _cell_size(n: int) -> float:
    """Inches per cell: large for the worked example, small enough that n = 64 fits a page."""
    return min(0.26, 6.4 / n)


def _ticks(n: int, step: int | None = None) -> list[int]:
    """1-based positions to label: 1 and every multiple of step (every one for small n)."""
    step = step or (1 if n <= 16 else 4 if n <= 32 else 8)
    return [p for p in range(1, n + 1) if p == 1 or p % step == 0]


def row_runs(cells: np.ndarray) -> list[tuple[int, int, int]]:
    """Maximal runs of shaded cells as (row i, first key j, last key j + 1), 0-based."""
    runs = []
    for i, row in enumerate(cells):
        # A run starts where the row turns True and ends where it turns False.
        edges = np.flatnonzero(np.diff(np.concatenate(([0], row.astype(np.int8), [0]))))
        runs.extend((i, int(start), int(stop)) for start, stop in edges.reshape(-1, 2))
    return runs


def _runs_path(cells: np.ndarray) -> MplPath:
    """One compound path of rectangles, one per run: a small SVG for any pattern."""
    runs = row_runs(cells)
    vertices = [
        corner
        for i, start, stop in runs
        for corner in ((start, i), (stop, i), (stop, i + 1), (start, i + 1), (start, i))
    ]
    codes = [MplPath.MOVETO, MplPath.LINETO, MplPath.LINETO, MplPath.LINETO, MplPath.CLOSEPOLY]
    return MplPath(np.array(vertices, dtype=float).reshape(-1, 2), codes * len(runs))


def draw_grid(ax: Axes, grid: Grid, *, counts: bool = True, tick_step: int | None = None) -> None:
    """Draw the n x n grid: shaded computed cells, the diagonal marked, row counts beside."""
    n = grid.n
    for layer in layers(grid):
        if not layer.cells.any():
            continue
        patch = PathPatch(
            _runs_path(layer.cells),
            facecolor=layer.facecolor,
            edgecolor="none",
            hatch=layer.hatch,
            hatchcolor=INK,
            linewidth=0,
        )
        patch.set_gid(layer.label)
        ax.add_patch(patch)
    # Cell borders over the fills, so empty and shaded cells are both visible;
    # one compound path keeps the SVG small.
    ends = [end for e in range(n + 1) for end in ((0, e), (n, e), (e, 0), (e, n))]
    borders = MplPath(np.array(ends, dtype=float), [MplPath.MOVETO, MplPath.LINETO] * 2 * (n + 1))
    ax.add_patch(PathPatch(borders, fill=False, edgecolor=GRID, linewidth=0.5))
    centres = np.arange(n) + 0.5
    ax.plot(
        centres,
        centres,
        linestyle="none",
        marker="o",
        markersize=_marker(n),
        markerfacecolor=EMPTY,
        markeredgecolor=EMPTY,
    )
    ax.set_xlim(0, n)
    ax.set_ylim(n, 0)
    ax.set_aspect("equal")
    ax.set_facecolor(EMPTY)
    for spine in ax.spines.values():
        spine.set_visible(True)
        spine.set_color(INK)
    positions = _ticks(n, tick_step)
    for axis in (ax.xaxis, ax.yaxis):
        # Label p sits at the centre of cell p, whose 0-based span is p-1..p.
        axis.set_major_locator(FixedLocator([p - 0.5 for p in positions]))
        axis.set_major_formatter(FuncFormatter(lambda x, _: f"{round(x + 0.5)}"))
        axis.set_minor_locator(NullLocator())
    ax.xaxis.tick_top()
    ax.xaxis.set_label_position("top")
    ax.tick_params(length=0, labelsize=_fontsize(n))
    ax.set_xlabel("key j")
    ax.set_ylabel("query i")
    if counts:
        _write_counts(ax, grid)


def _marker(n: int) -> float:
    return max(1.5, 3.5 * 12 / max(n, 12))


def _fontsize(n: int) -> float:
    # 9 pt for the worked example: legible when a phone draws the grid 330 px wide.
    return 9 if n <= 16 else 6.5 if n <= 32 else 5


def _write_counts(ax: Axes, grid: Grid) -> None:
    """Each row's count to the right of the grid, and the total under it."""
    n, size = grid.n, _fontsize(grid.n)
    for i, c in enumerate(row_counts(grid.mask)):
        ax.text(n + 0.35, i + 0.5, f"{c}", ha="left", va="center", fontsize=size, color=INK)
    ax.text(n + 0.35, -0.35, "row\ncount", ha="left", va="bottom", fontsize=size, color=INK)
    ax.text(
        n + 0.35,
        n + 0.25,
        f"= {grid.count}",
        ha="left",
        va="top",
        fontsize=size,
        color=INK,
        fontweight="bold",
    )


def legend_handles(styles: list[Layer]) -> list:
    """Legend entries for the given cell styles, empty cells and the diagonal marker."""
    handles: list = [
        Patch(
            facecolor=layer.facecolor,
            hatch=layer.hatch,
            edgecolor=INK,
            linewidth=0.5,
            label=layer.label,
        )
        for layer in styles
    ]
    handles.append(Patch(facecolor=EMPTY, edgecolor=GRID, linewidth=0.5, label="not computed"))
    handles.append(
        Line2D(
            [],
            [],
            linestyle="none",
            marker="o",
            markerfacecolor=EMPTY,
            markeredgecolor=INK,
            markeredgewidth=0.6,
            markersize=5,
            label="diagonal: query meets itself",
        )
    )
    return handles


# Margins around a single grid, in inches: tick labels and "query i" on the left,
# row counts on the right, title and "key j" on top, the legend below.
LEFT, RIGHT, TOP, BOTTOM = 0.6, 0.65, 0.95, 0.75


def grid_figure(grid: Grid) -> Figure:
    """A figure of one grid with its title, row counts and legend."""
    side = grid.n * _cell_size(grid.n)
    width, height = max(side + LEFT + RIGHT, 4.0), side + TOP + BOTTOM
    fig, ax = new_figure(width, height)
    left = LEFT + (width - side - LEFT - RIGHT) / 2
    ax.set_position((left / width, BOTTOM / height, side / width, side / height))
    draw_grid(ax, grid)
    title = f"{grid.label}\n{grid.count} of {grid.n * grid.n} scores computed"
    fig.text(0.5, 1 - 0.08 / height, title, ha="center", va="top", fontsize=10.5, color=INK)
    fig.legend(
        handles=legend_handles(layers(grid)),
        loc="lower center",
        ncol=2,
        fontsize=9,
        handlelength=1.4,
        columnspacing=1.0,
        borderaxespad=0.2,
    )
    return fig


# The grids of the page, by file name.
GRIDS: dict[str, Grid] = {
    "attention-full.svg": Grid("full", N),
    "attention-causal.svg": Grid("causal", N),
    "attention-strided.svg": Grid("strided", N, {"t": T}),
    "attention-windowed.svg": Grid("windowed", N, {"w": W}),
    "attention-windowed-partial.svg": Grid("windowed", N, {"w": W_PARTIAL}),
    "attention-sparse-strided.svg": Grid("sparse-strided", N, {"l": L}),
    "attention-sparse-fixed.svg": Grid("sparse-fixed", N, {"l": L, "c": 1}),
}

# The overview panel order: the homework's four, then the Sparse Transformer's two.
OVERVIEW = (
    "attention-full.svg",
    "attention-causal.svg",
    "attention-strided.svg",
    "attention-windowed.svg",
    "attention-sparse-strided.svg",
    "attention-sparse-fixed.svg",
)


def overview_figure(narrow: bool = False) -> Figure:
    """All patterns side by side at n = N, each titled with its count: three by two, or
    two by three on a phone."""
    if narrow:
        fig, axes = new_figure(4.2, 7.6, nrows=3, ncols=2)
    else:
        fig, axes = new_figure(9.6, 7.2, nrows=2, ncols=3)
    for ax, name in zip(axes.flat, OVERVIEW, strict=True):
        grid = GRIDS[name]
        draw_grid(ax, grid, counts=False, tick_step=4)
        params = "".join(f", {k} = {v}" for k, v in grid.params.items())
        title = f"{grid.name}{params}"
        if narrow:  # "Sparse Transformer strided, l = 4" is wider than a narrow panel
            title = textwrap.fill(title, 20)
        ax.set_title(f"{title}\n{grid.count} of {grid.n * grid.n}", fontsize=9.5, pad=4)
        ax.set_xlabel("")
        ax.set_ylabel("")
        ax.tick_params(labelsize=8)
    # The legend's two styles, from the first panel drawn as a union of heads.
    computed, second, *_ = next(
        found for found in (layers(GRIDS[name]) for name in OVERVIEW) if len(found) > 1
    )
    handles = legend_handles(
        [
            replace(computed, label="computed score"),
            replace(second, label="Sparse Transformer's second head"),
        ]
    )
    if narrow:
        fig.legend(handles=handles, loc="lower center", ncol=2, fontsize=8, handlelength=1.4)
        fig.subplots_adjust(left=0.07, right=0.97, top=0.93, bottom=0.1, wspace=0.3, hspace=0.5)
    else:
        fig.legend(handles=handles, loc="lower center", ncol=5, fontsize=8, handlelength=1.4)
        fig.subplots_adjust(left=0.03, right=0.97, top=0.9, bottom=0.08, wspace=0.3, hspace=0.32)
    return fig


# Sequence lengths of the growth plot (powers of 4, so that sqrt(n) is whole), and the
# fixed look-back and window it compares.
GROWTH_N = tuple(4**k for k in range(2, 9))
GROWTH_T, GROWTH_W = 255, 256


def growth_series() -> list[tuple[str, list[int]]]:
    """(legend label, counts over GROWTH_N) for each pattern of the growth plot."""
    return [
        ("full: n² (slope 2)", [PATTERNS["full"].count(n) for n in GROWTH_N]),
        ("causal: n(n+1)/2 (slope 2)", [PATTERNS["causal"].count(n) for n in GROWTH_N]),
        (
            "Sparse Transformer strided, l = √n (slope 1.5)",
            [PATTERNS["sparse-strided"].count(n, l=math.isqrt(n)) for n in GROWTH_N],
        ),
        (
            f"strided, t = {GROWTH_T} (slope 1)",
            [PATTERNS["strided"].count(n, t=GROWTH_T) for n in GROWTH_N],
        ),
        (
            f"windowed, w = {GROWTH_W} (slope 1)",
            [PATTERNS["windowed"].count(n, w=GROWTH_W) for n in GROWTH_N],
        ),
    ]


def growth_figure(narrow: bool = False) -> Figure:
    """Scores computed against n on log-log axes: slope 2 for full and causal, 1 for windows."""
    fig, ax = new_figure(4.0, 5.0) if narrow else new_figure(6.4, 4.2)
    for (label, counts), style in zip(growth_series(), SERIES, strict=False):
        ax.plot(GROWTH_N, counts, label=label, markersize=4, **style)
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.xaxis.set_major_formatter(FuncFormatter(_short_number))
    # Minor ticks on log axes add little to the reading and much to the SVG.
    ax.xaxis.set_minor_locator(NullLocator())
    ax.yaxis.set_minor_locator(NullLocator())
    ax.set_xlabel("sequence length n")
    ax.set_ylabel("query-key scores computed")
    ax.grid(True, which="major", color=GRID, linewidth=0.4, alpha=0.6)
    if narrow:  # no room beside the lines: the legend goes under the plot
        ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.16))
    else:
        ax.legend(fontsize=8, loc="upper left")
    fig.tight_layout()
    return fig


def _short_number(x: float, _pos: int) -> str:
    return f"{int(x) // 1024}k" if x >= 1024 else f"{int(x)}"


GROWTH_FILE = "attention-counts.svg"
OVERVIEW_FILE = "attention-patterns.svg"


# Every figure of the page, by file name.
FIGURES: FigureTable = {
    **{name: partial(grid_figure, grid) for name, grid in GRIDS.items()},
    OVERVIEW_FILE: overview_figure,
    narrow(OVERVIEW_FILE): partial(overview_figure, narrow=True),
    GROWTH_FILE: growth_figure,
    narrow(GROWTH_FILE): partial(growth_figure, narrow=True),
}


def main(argv: list[str] | None = None) -> int:
    return figures_command(FIGURES, "attention_figures.py", __doc__, argv)
