"""The one plotting style every figure of the chapter uses.

It fixes the backend, sizes and fonts, and writes SVG that is byte-identical
from run to run (fixed hash salt, no date, glyphs as paths), with a palette
that reads in greyscale and for colour-blind readers: categories differ in
luminance and hatching, never in hue alone.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402  (the backend must be chosen first)
from matplotlib.figure import Figure  # noqa: E402

RC = {
    "svg.hashsalt": "efficient-attention-2d-rnns",
    "svg.fonttype": "path",
    "font.family": "DejaVu Sans",
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.labelsize": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "legend.frameon": False,
    "figure.facecolor": "white",
    "axes.facecolor": "white",
    "savefig.facecolor": "white",
    "path.simplify": False,
    "lines.linewidth": 1.8,
}

# Okabe-Ito colours, chosen so that each also has a distinct grey value.
INK = "#1a1a1a"
COMPUTED = "#0b3d66"  # dark blue: the main "computed" shade, near-black in greyscale
SECONDARY = "#e69f00"  # orange: a second kind of computed cell, mid grey, drawn hatched
HIGHLIGHT = "#d55e00"  # vermillion: one cell or line to point at
EMPTY = "white"
GRID = "#9a9a9a"
SECONDARY_HATCH = "////"

# Line series differ in colour, line style and marker together.
SERIES = (
    {"color": "#000000", "linestyle": "-", "marker": "o"},
    {"color": "#0072b2", "linestyle": "--", "marker": "s"},
    {"color": "#d55e00", "linestyle": "-.", "marker": "^"},
    {"color": "#009e73", "linestyle": ":", "marker": "D"},
    {"color": "#cc79a7", "linestyle": (0, (5, 1, 1, 1, 1, 1)), "marker": "v"},
    {"color": "#e69f00", "linestyle": (0, (1, 1)), "marker": "P"},
)

plt.rcParams.update(RC)


def new_figure(width: float = 6.4, height: float = 4.0, **subplots_kw) -> tuple[Figure, object]:
    """A figure of the given size in inches and its axes, in the house style."""
    return plt.subplots(figsize=(width, height), **subplots_kw)
