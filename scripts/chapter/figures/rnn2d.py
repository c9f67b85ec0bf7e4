"""Figures of Problem 2, the 2D RNN: python scripts/rnn2d_figures.py [--out DIR].

Every picture puts column i across (left to right) and row j down, and counts
from 1 as the page does; the data come from rnn2d, whose formulas the tests check.
"""

from __future__ import annotations

from functools import partial

import numpy as np
from matplotlib.colors import LinearSegmentedColormap, LogNorm
from matplotlib.figure import Figure
from matplotlib.patches import Circle, FancyArrowPatch, Patch, Rectangle

from chapter.figures.files import FigureTable, figures_command, narrow
from chapter.figures.style import (
    COMPUTED,
    EMPTY,
    GRID,
    HIGHLIGHT,
    INK,
    SECONDARY,
    SECONDARY_HATCH,
    SERIES,
    new_figure,
)
from chapter.model import rnn2d

TITLE_PAD = 34  # room for the column ticks and label above each grid
# A white-to-dark-blue ramp: its luminance falls steadily, so it reads in grey.
RAMP = LinearSegmentedColormap.from_list("rnn2d-ramp", [EMPTY, COMPUTED])
LIGHT = "#c6d4e1"  # a pale tint of COMPUTED for a third, lighter category

# Grid size and 0-based cells of the figures, shared with their tests.
WAVEFRONT_N = 6
RECEPTIVE = (9, 5, 4)  # n, i, j: output cell (6, 5) on the page, off the diagonal
INFLUENCE = (10, 6, 6, 0.5)  # n, i, j and a = b


def _grid_axes(ax, columns: int, rows: int, xlabel: str = "column i") -> None:
    """Square cells at integer (x, j), 1-based, with j growing downwards as in an image."""
    ax.set_xlim(0.5, columns + 0.5)
    ax.set_ylim(rows + 0.5, 0.5)
    ax.set_aspect("equal")
    for side in ("top", "right", "bottom", "left"):
        ax.spines[side].set_visible(False)
    ax.xaxis.tick_top()
    ax.xaxis.set_label_position("top")
    ax.set_xticks(range(1, columns + 1))
    ax.set_yticks(range(1, rows + 1))
    ax.tick_params(length=0, labelsize=8)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("row j")


def _cell(
    ax, i: int, j: int, face: str, hatch: str | None = None, edge: str = GRID, lw: float = 0.8
) -> None:
    ax.add_patch(
        Rectangle(
            (i - 0.5, j - 0.5), 1, 1, facecolor=face, edgecolor=edge, hatch=hatch, linewidth=lw
        )
    )


def _arrow(ax, start, end, color: str, lw: float = 1.2, **kw) -> None:
    ax.add_patch(
        FancyArrowPatch(
            start, end, arrowstyle="-|>", mutation_scale=10, color=color, linewidth=lw, **kw
        )
    )


def architecture() -> Figure:
    """A 4 x 4 grid of hidden units, each fed by its input, its left and its top neighbour."""
    n, gap, radius, offset, side = 4, 2.1, 0.45, 0.8, 0.42
    focus = (3, 2)
    # 5 inches: its 10 pt labels stay legible when a phone draws it 358 px wide.
    fig, ax = new_figure(5.0, 5.0)
    ax.set_aspect("equal")
    ax.axis("off")

    def centre(i: int, j: int) -> tuple[float, float]:
        return (i * gap, -j * gap)

    def towards(a: tuple[float, float], b: tuple[float, float], r: float) -> tuple[float, float]:
        """The point at distance r from a on the way to b."""
        d = np.hypot(b[0] - a[0], b[1] - a[1])
        return (a[0] + (b[0] - a[0]) * r / d, a[1] + (b[1] - a[1]) * r / d)

    for i in range(1, n + 1):
        for j in range(1, n + 1):
            here = centre(i, j)
            hot = (i, j) == focus
            colour, lw = (HIGHLIGHT, 2.0) if hot else (GRID, 1.1)
            ax.add_patch(
                Circle(
                    here,
                    radius,
                    facecolor=EMPTY,
                    edgecolor=colour if hot else INK,
                    linewidth=lw,
                    zorder=3,
                )
            )
            ax.text(
                *here,
                rf"$h^{{{i},{j}}}$",
                ha="center",
                va="center",
                fontsize=10,
                color=INK,
                zorder=4,
            )
            # The input x^{i,j} sits below-left of its hidden unit.
            box = (here[0] - offset, here[1] - offset)
            corner = (box[0] - side / 2, box[1] - side / 2)
            ax.add_patch(
                Rectangle(
                    corner, side, side, facecolor=LIGHT, edgecolor=INK, linewidth=0.8, zorder=3
                )
            )
            _arrow(
                ax, towards(box, here, side * 0.6), towards(here, box, radius), colour, lw, zorder=2
            )
            for source in ((i - 1, j), (i, j - 1)):
                there = centre(*source)
                if 0 in source:
                    # Outside the grid the state is zero: a dashed arrow marks the padding.
                    ax.text(*there, "0", ha="center", va="center", fontsize=10, color=GRID)
                    _arrow(
                        ax,
                        towards(there, here, 0.3),
                        towards(here, there, radius),
                        GRID,
                        1.0,
                        linestyle=(0, (2, 2)),
                    )
                else:
                    _arrow(
                        ax,
                        towards(there, here, radius),
                        towards(here, there, radius),
                        colour,
                        lw,
                        zorder=2,
                    )

    fx, fy = centre(*focus)
    ax.text(
        fx - gap / 2,
        fy + 0.15,
        r"$W_{\mathrm{left}}$",
        ha="center",
        va="bottom",
        color=HIGHLIGHT,
        fontsize=11,
    )
    ax.text(
        fx + 0.15,
        fy + gap / 2,
        r"$W_{\mathrm{top}}$",
        ha="left",
        va="center",
        color=HIGHLIGHT,
        fontsize=11,
    )
    ax.text(
        fx - 0.6,
        fy - 0.12,
        r"$W_{\mathrm{in}}$",
        ha="right",
        va="top",
        color=HIGHLIGHT,
        fontsize=11,
    )
    ax.text(
        fx - offset, fy - offset - side / 2 - 0.05, r"$x^{3,2}$", ha="center", va="top", fontsize=10
    )

    # The direction of the indices, as in an image: i to the right, j downwards.
    y_top = centre(0, 0)[1] + 0.6
    _arrow(ax, (centre(1, 0)[0] - 0.4, y_top), (centre(n, 0)[0] + 0.4, y_top), INK, 1.0)
    ax.text(centre(n, 0)[0] + 0.4, y_top + 0.15, "i (column)", ha="right", va="bottom", fontsize=10)
    x_left = centre(0, 0)[0] - 0.6
    _arrow(ax, (x_left, centre(0, 1)[1] + 0.4), (x_left, centre(0, n)[1] - 0.4), INK, 1.0)
    ax.text(
        x_left - 0.15,
        centre(0, n)[1] - 0.4,
        "j (row)",
        ha="right",
        va="bottom",
        rotation=90,
        fontsize=10,
    )

    ax.set_xlim(x_left - 0.6, centre(n, 0)[0] + 0.7)
    ax.set_ylim(centre(0, n)[1] - offset - 0.5, y_top + 0.6)
    fig.subplots_adjust(left=0.01, right=0.99, top=0.99, bottom=0.01)
    return fig


def wavefront(narrow: bool = False) -> Figure:
    """Each cell's sequential step on the grid, and the skewed layout: one column per step
    (side by side, or one above the other on a phone)."""
    n = WAVEFRONT_N
    steps = rnn2d.wavefront_steps(n)
    if narrow:
        fig, (grid_ax, skew_ax) = new_figure(4.0, 5.6, nrows=2)
    else:
        fig, (grid_ax, skew_ax) = new_figure(
            6.4, 3.0, ncols=2, gridspec_kw={"width_ratios": [n, steps]}
        )
    _grid_axes(grid_ax, n, n)
    _grid_axes(skew_ax, steps, n, xlabel="step τ = i + j − 1")

    for s in range(steps):
        face = RAMP(0.12 + 0.88 * s / (steps - 1))
        ink = EMPTY if s >= steps / 2 else INK
        for i0 in rnn2d.diagonal_cells(n, s):
            i, j = i0 + 1, s - i0 + 1
            _cell(grid_ax, i, j, face)
            grid_ax.text(i, j, str(s + 1), ha="center", va="center", fontsize=9, color=ink)
            # Skewed: row j slides right by j - 1, so the cell lands in column t = s + 1.
            _cell(skew_ax, s + 1, j, face)
            skew_ax.text(
                s + 1,
                j,
                f"{i},{j}",
                ha="center",
                va="center",
                fontsize=8 if narrow else 6.5,
                color=ink,
            )
    for t in range(1, steps + 1):
        for j in range(1, n + 1):
            if not 1 <= t - j + 1 <= n:
                _cell(skew_ax, t, j, EMPTY, edge="#dddddd", lw=0.5)
    grid_ax.set_title(f"{n} × {n} grid: step of each cell", fontsize=10, pad=TITLE_PAD)
    skew_ax.set_title(f"Skewed: one column per step, {steps} steps", fontsize=10, pad=TITLE_PAD)
    fig.tight_layout()
    return fig


def receptive_field(narrow: bool = False) -> Figure:
    """What one output cell sees: a 2D RNN layer against 1, 2, 3 stacked 3 x 3 convolutions."""
    n, i, j = RECEPTIVE
    if narrow:
        fig, (rnn_ax, conv_ax) = new_figure(4.0, 7.4, nrows=2)
    else:
        fig, (rnn_ax, conv_ax) = new_figure(6.4, 3.9, ncols=2)
    _grid_axes(rnn_ax, n, n)
    _grid_axes(conv_ax, n, n)

    rnn = rnn2d.rnn_receptive_field(n, i, j)
    for a in range(n):
        for b in range(n):
            _cell(rnn_ax, a + 1, b + 1, COMPUTED if rnn[a, b] else EMPTY)

    fields = [rnn2d.conv_receptive_field(n, i, j, layers) for layers in (1, 2, 3)]
    styles = [(COMPUTED, None), (SECONDARY, SECONDARY_HATCH), (LIGHT, None)]
    for a in range(n):
        for b in range(n):
            reached = [layers for layers, field in enumerate(fields) if field[a, b]]
            face, hatch = styles[reached[0]] if reached else (EMPTY, None)
            _cell(conv_ax, a + 1, b + 1, face, hatch)
    for ax in (rnn_ax, conv_ax):
        _cell(ax, i + 1, j + 1, HIGHLIGHT, edge=INK, lw=1.4)

    rnn_ax.set_title(
        f"2D RNN, one layer: {rnn.sum()} of {n * n} inputs", fontsize=10, pad=TITLE_PAD
    )
    sizes = ", ".join(str(f.sum()) for f in fields)
    conv_ax.set_title(f"3 × 3 convolutions: {sizes} inputs", fontsize=10, pad=TITLE_PAD)
    handles = [
        Patch(facecolor=HIGHLIGHT, edgecolor=INK, label=f"output ({i + 1}, {j + 1})"),
        Patch(facecolor=COMPUTED, edgecolor=GRID, label="seen after 1 layer"),
        Patch(facecolor=SECONDARY, edgecolor=GRID, hatch=SECONDARY_HATCH, label="after 2 layers"),
        Patch(facecolor=LIGHT, edgecolor=GRID, label="after 3 layers"),
    ]
    fig.legend(
        handles=handles,
        loc="lower center",
        ncols=2 if narrow else 4,
        fontsize=8,
        handlelength=1.4,
        columnspacing=1.2,
    )
    fig.tight_layout(rect=(0, 0.07 if narrow else 0.06, 1, 1))
    return fig


def influence(narrow: bool = False) -> Figure:
    """Linear activation, scalar weights: the influence of each input on one cell, and its decay."""
    n, i, j, w = INFLUENCE
    if narrow:
        fig, (map_ax, decay_ax) = new_figure(4.0, 7.4, nrows=2)
    else:
        fig, (map_ax, decay_ax) = new_figure(
            6.4, 3.5, ncols=2, gridspec_kw={"width_ratios": [1.0, 1.15]}
        )
    _grid_axes(map_ax, n, n)
    values = rnn2d.influence_map(n, i, j, 1.0, w, w)
    cmap = RAMP.with_extremes(bad=EMPTY)
    image = map_ax.imshow(
        np.ma.masked_equal(values.T, 0.0),
        cmap=cmap,
        norm=LogNorm(1e-3, 1.0),
        extent=(0.5, n + 0.5, n + 0.5, 0.5),
        interpolation="nearest",
    )
    for k in range(n + 1):
        map_ax.axhline(k + 0.5, color=GRID, linewidth=0.5)
        map_ax.axvline(k + 0.5, color=GRID, linewidth=0.5)
    _cell(map_ax, i + 1, j + 1, HIGHLIGHT, edge=INK, lw=1.4)
    fig.colorbar(image, ax=map_ax, shrink=0.8, pad=0.03).ax.tick_params(labelsize=8)
    map_ax.set_title(
        rf"influence on $h^{{{i + 1},{j + 1}}}$, $a = b = {w}$", fontsize=10, pad=TITLE_PAD
    )

    # Offsets (d/2, d/2) have C(d, d/2) paths; offsets (d, 0) have one.
    d_max = 16
    d = np.arange(0, d_max + 1, 2)
    curves = [(0.4, "diagonal"), (0.5, "diagonal"), (0.6, "diagonal"), (0.5, "straight")]
    for style, (weight, where) in zip(SERIES, curves, strict=False):
        grid = rnn2d.influence_map(d_max + 1, d_max, d_max, 1.0, weight, weight)
        p = d // 2 if where == "diagonal" else d
        y = grid[d_max - p, d_max - (d - p)]
        decay_ax.plot(d, y, markersize=4, label=f"{where} offset, a = b = {weight}", **style)
    decay_ax.set_yscale("log")
    decay_ax.set_xlabel("path length Δi + Δj")
    decay_ax.set_ylabel("influence")
    decay_ax.set_xticks(range(0, d_max + 1, 4))
    decay_ax.set_ylim(1e-8, 10)
    decay_ax.legend(fontsize=8, loc="lower left")
    decay_ax.set_title("decay with path length", fontsize=10)
    fig.tight_layout()
    return fig


FIGURES: FigureTable = {
    "rnn2d-architecture.svg": architecture,
    "rnn2d-wavefront.svg": wavefront,
    narrow("rnn2d-wavefront.svg"): partial(wavefront, narrow=True),
    "rnn2d-receptive-field.svg": receptive_field,
    narrow("rnn2d-receptive-field.svg"): partial(receptive_field, narrow=True),
    "rnn2d-influence.svg": influence,
    narrow("rnn2d-influence.svg"): partial(influence, narrow=True),
}


def main(argv: list[str] | None = None) -> int:
    return figures_command(FIGURES, "rnn2d_figures.py", __doc__, argv)
