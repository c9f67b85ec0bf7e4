"""The 2D RNN figures draw what rnn2d computes, and the page shows each with alt text."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from conftest import ROOT
from matplotlib import pyplot as plt
from matplotlib.axes import Axes
from matplotlib.colors import to_hex
from matplotlib.patches import Rectangle

from chapter.figures import rnn2d as rnn2d_figures
from chapter.figures.style import COMPUTED, EMPTY, HIGHLIGHT, SECONDARY
from chapter.model import rnn2d

PAGE = ROOT / "docs" / "rnns-for-images.md"


def cell_colours(ax: Axes) -> dict[tuple[int, int], str]:
    """The face colour of each unit cell drawn on ax, keyed by its 1-based (column, row)."""
    cells = {}
    for patch in ax.patches:
        if isinstance(patch, Rectangle) and patch.get_width() == 1:
            x, y = patch.get_xy()
            cells[(round(x + 0.5), round(y + 0.5))] = to_hex(patch.get_facecolor())
    return cells


def labels(ax: Axes) -> dict[tuple[int, int], str]:
    """The text drawn in each cell of ax, keyed by its 1-based (x, row)."""
    return {tuple(round(v) for v in t.get_position()): t.get_text() for t in ax.texts}


@pytest.fixture
def receptive_axes():
    fig = rnn2d_figures.receptive_field()
    yield fig.axes[0], fig.axes[1]
    plt.close(fig)


def test_rnn_panel_shades_exactly_the_receptive_field(receptive_axes) -> None:
    rnn_ax, _ = receptive_axes
    n, out_i, out_j = rnn2d_figures.RECEPTIVE
    colours = cell_colours(rnn_ax)
    assert len(colours) == n * n
    field = rnn2d.rnn_receptive_field(n, out_i, out_j)
    for (i, j), colour in colours.items():
        if (i, j) == (out_i + 1, out_j + 1):
            assert colour == to_hex(HIGHLIGHT)
        else:
            assert colour == to_hex(COMPUTED if field[i - 1, j - 1] else EMPTY), (i, j)


def test_conv_panel_shades_each_layer_ring(receptive_axes) -> None:
    _, conv_ax = receptive_axes
    n, out_i, out_j = rnn2d_figures.RECEPTIVE
    colours = cell_colours(conv_ax)
    # Every cell of the panel is drawn, so a panel that draws nothing fails here.
    assert len(colours) == n * n
    one, two, three = (rnn2d.conv_receptive_field(n, out_i, out_j, L) for L in (1, 2, 3))
    for (i, j), colour in colours.items():
        a, b = i - 1, j - 1
        if (a, b) == (out_i, out_j):
            expected = HIGHLIGHT
        elif one[a, b]:
            expected = COMPUTED
        elif two[a, b]:
            expected = SECONDARY
        elif three[a, b]:
            expected = rnn2d_figures.LIGHT
        else:
            expected = EMPTY
        assert colour == to_hex(expected), (i, j)


def test_wavefront_labels_each_cell_with_its_step() -> None:
    fig = rnn2d_figures.wavefront()
    grid_ax, skew_ax = fig.axes
    cells = range(1, rnn2d_figures.WAVEFRONT_N + 1)
    assert labels(grid_ax) == {(i, j): str(i + j - 1) for i in cells for j in cells}
    skewed = labels(skew_ax)
    assert skewed == {(i + j - 1, j): f"{i},{j}" for i in cells for j in cells}
    assert max(t for t, _ in skewed) == rnn2d.wavefront_steps(rnn2d_figures.WAVEFRONT_N)
    plt.close(fig)


def test_influence_map_shows_the_formula() -> None:
    fig = rnn2d_figures.influence()
    n, i, j, w = rnn2d_figures.INFLUENCE
    shown = fig.axes[0].images[0].get_array()
    # imshow takes rows first: row j, column i.
    np.testing.assert_allclose(shown.filled(0.0), rnn2d.influence_map(n, i, j, 1.0, w, w).T)
    assert shown.mask[j + 1 :, :].all() and shown.mask[:, i + 1 :].all()
    plt.close(fig)


def test_the_command_writes_the_four_svgs(tmp_path: Path) -> None:
    assert rnn2d_figures.main(["--out", str(tmp_path)]) == 0
    written = sorted(tmp_path.iterdir())
    assert [p.name for p in written] == sorted(rnn2d_figures.FIGURES)
    for path in written:
        assert path.read_bytes().lstrip().startswith(b"<?xml")


def test_every_figure_is_on_the_page_with_alt_text_and_caption() -> None:
    page = PAGE.read_text(encoding="utf-8")
    # A narrow variant takes its figure's place on phones (chapter/site/figure_variants.py).
    shown = [name for name in rnn2d_figures.FIGURES if not name.endswith("-narrow.svg")]
    assert len(shown) == 4
    for name in shown:
        match = re.search(rf"!\[([^\]]*)\]\(figures/{re.escape(name)}\)", page)
        assert match, f"{name} is not on the page"
        assert len(match.group(1).split()) >= 6, f"{name} needs alt text that says what it shows"
        after = page[match.end() : match.end() + 600]
        assert "/// caption" in after, f"{name} needs a caption"
