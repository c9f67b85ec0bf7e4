"""The attention figures draw exactly their masks, and the page describes each one."""

from __future__ import annotations

import re

import numpy as np
import pytest
from conftest import ROOT
from matplotlib import pyplot as plt
from matplotlib.axes import Axes
from matplotlib.patches import PathPatch
from matplotlib.path import Path as MplPath

from chapter.figures.attention import (
    GRIDS,
    GROWTH_FILE,
    GROWTH_N,
    OVERVIEW,
    OVERVIEW_FILE,
    Grid,
    draw_grid,
    growth_series,
    layers,
    overview_figure,
    row_runs,
)
from chapter.figures.style import new_figure
from chapter.model.attention import PATTERNS, row_counts

PAGE = ROOT / "docs" / "efficient-attention.md"
# Grids of other sizes too, including windows that do not divide n.
EXTRA_GRIDS = [
    Grid("causal", 1),
    Grid("strided", 7, {"t": 0}),
    Grid("strided", 30, {"t": 40}),
    Grid("windowed", 13, {"w": 5}),
    Grid("windowed", 64, {"w": 64}),
    Grid("sparse-strided", 20, {"l": 3}),
    Grid("sparse-fixed", 20, {"l": 5, "c": 2}),
]
ALL_GRIDS = list(GRIDS.values()) + EXTRA_GRIDS


def drawn_cells(ax: Axes, n: int) -> dict[str, np.ndarray]:
    """Read back the shaded cells of each layer from the patches drawn on ax."""
    found = {}
    for patch in ax.patches:
        if not isinstance(patch, PathPatch) or patch.get_gid() is None:
            continue
        cells = np.zeros((n, n), dtype=bool)
        path = patch.get_path()
        starts = np.flatnonzero(path.codes == MplPath.MOVETO)
        for start in starts:
            corners = path.vertices[start : start + 4]
            (j0, i0), (j1, i1) = corners.min(axis=0), corners.max(axis=0)
            assert not cells[int(i0) : int(i1), int(j0) : int(j1)].any(), "cells drawn twice"
            cells[int(i0) : int(i1), int(j0) : int(j1)] = True
        found[patch.get_gid()] = cells
    return found


@pytest.fixture
def ax():
    fig, ax = new_figure()
    yield ax
    plt.close(fig)


@pytest.mark.parametrize("grid", ALL_GRIDS, ids=lambda g: g.label)
def test_layers_split_the_mask_exactly(grid: Grid) -> None:
    parts = [layer.cells for layer in layers(grid)]
    assert (np.logical_or.reduce(parts) == grid.mask).all()
    assert sum(p.sum() for p in parts) == grid.mask.sum() == grid.count


@pytest.mark.parametrize("grid", ALL_GRIDS, ids=lambda g: g.label)
def test_drawn_cells_are_the_true_entries_of_the_mask(grid: Grid, ax: Axes) -> None:
    draw_grid(ax, grid)
    drawn = drawn_cells(ax, grid.n)
    expected = {layer.label: layer.cells for layer in layers(grid) if layer.cells.any()}
    assert drawn.keys() == expected.keys()
    for label, cells in expected.items():
        assert (drawn[label] == cells).all(), label
    assert (
        np.logical_or.reduce(list(drawn.values()))
        == PATTERNS[grid.pattern].mask(grid.n, **grid.params)
    ).all()


@pytest.mark.parametrize("grid", ALL_GRIDS, ids=lambda g: g.label)
def test_row_counts_written_beside_the_grid(grid: Grid, ax: Axes) -> None:
    draw_grid(ax, grid)
    beside = sorted(
        (t for t in ax.texts if t.get_position()[0] > grid.n), key=lambda t: t.get_position()[1]
    )
    numbers = [t.get_text() for t in beside if 0 < t.get_position()[1] < grid.n]
    assert numbers == [str(c) for c in row_counts(grid.mask)]
    assert f"= {grid.count}" in [t.get_text() for t in beside]


def test_row_runs_cover_each_row() -> None:
    cells = np.array([[1, 1, 0, 1], [0, 0, 0, 0], [1, 1, 1, 1]], dtype=bool)
    assert row_runs(cells) == [(0, 0, 2), (0, 3, 4), (2, 0, 4)]


def test_overview_panels_draw_their_masks() -> None:
    fig = overview_figure()
    try:
        for ax, name in zip(fig.axes, OVERVIEW, strict=True):
            grid = GRIDS[name]
            drawn = drawn_cells(ax, grid.n)
            assert (np.logical_or.reduce(list(drawn.values())) == grid.mask).all(), name
    finally:
        plt.close(fig)


def test_growth_series_are_the_closed_forms_and_grow_as_claimed() -> None:
    series = dict(growth_series())
    assert len(series) == 5
    for counts in series.values():
        assert len(counts) == len(GROWTH_N)
    full = next(c for label, c in series.items() if label.startswith("full"))
    windowed = next(c for label, c in series.items() if label.startswith("windowed"))
    assert full == [n * n for n in GROWTH_N]
    # Log-log slope between the two largest n: 2 for full attention, 1 for windows.
    ratio = np.log(GROWTH_N[-1] / GROWTH_N[-2])
    assert np.log(full[-1] / full[-2]) / ratio == pytest.approx(2)
    assert np.log(windowed[-1] / windowed[-2]) / ratio == pytest.approx(1, abs=0.01)


def images_on_page() -> dict[str, str]:
    """Figure file name -> alt text, for every image the page shows."""
    text = PAGE.read_text(encoding="utf-8")
    return {name: alt for alt, name in re.findall(r"!\[([^\]]*)\]\(figures/([^)]+)\)", text)}


def test_page_shows_every_attention_figure_with_alt_text() -> None:
    shown = images_on_page()
    expected = set(GRIDS) | {OVERVIEW_FILE, GROWTH_FILE}
    assert expected <= shown.keys(), f"figures missing from the page: {expected - shown.keys()}"
    for name, alt in shown.items():
        assert len(alt) > 20, f"{name}: alt text too short to describe the figure"


@pytest.mark.parametrize("name", sorted(GRIDS))
def test_grid_alt_text_states_the_count(name: str) -> None:
    grid = GRIDS[name]
    assert images_on_page()[name] == grid.alt


def test_every_figure_has_a_caption() -> None:
    lines = PAGE.read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines):
        if re.match(r"\s*!\[[^\]]*\]\(figures/", line):
            following = [rest.strip() for rest in lines[number + 1 :] if rest.strip()]
            assert following[0] == "/// caption", f"line {number + 1}: figure without a caption"
