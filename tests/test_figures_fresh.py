"""Committed figures are exactly what the figure scripts draw today."""

from __future__ import annotations

from pathlib import Path

import make_figures
import pytest
from conftest import ROOT

COMMITTED = ROOT / "docs" / "figures"


@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("figures")
    make_figures.render_all(out)
    return out


def test_every_figure_module_draws_something(fresh: Path) -> None:
    assert make_figures.FIGURE_MODULES
    assert sorted(fresh.glob("*.svg"))


def test_committed_figures_are_not_stale(fresh: Path) -> None:
    stale = [
        p.name for p in sorted(fresh.iterdir())
        if not (COMMITTED / p.name).is_file() or (COMMITTED / p.name).read_bytes() != p.read_bytes()
    ]
    assert not stale, f"stale or missing figures (run scripts/make_figures.py): {stale}"


def test_no_committed_figure_is_orphaned(fresh: Path) -> None:
    orphans = sorted({p.name for p in COMMITTED.iterdir()} - {p.name for p in fresh.iterdir()})
    assert not orphans, f"figures no script draws any more: {orphans}"


def test_drawing_twice_gives_the_same_bytes(fresh: Path, tmp_path: Path) -> None:
    make_figures.render_all(tmp_path)
    changed = [
        p.name for p in fresh.iterdir() if (tmp_path / p.name).read_bytes() != p.read_bytes()
    ]
    assert not changed, f"figures that differ between two runs: {changed}"
