"""Committed figures are exactly what the figure scripts draw today.

The committed bytes were drawn by another run, so a figure that came out
differently from run to run would show here as stale."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from conftest import ROOT, SCRIPTS, run_script

from chapter.figures import catalog as make_figures

COMMITTED = ROOT / "docs" / "figures"
# Draws all fifteen figures in a process of its own.
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # The one command a maintainer runs, in a process of its own: drawn in this one,
    # the figures would pick up whatever Matplotlib settings earlier tests left behind.
    out = tmp_path_factory.mktemp("figures")
    result = run_script("make_figures.py", "--out", str(out), timeout=300)
    assert result.returncode == 0, result.stderr
    return out


def declared_figures(module: Path) -> bool:
    """Whether a module's source assigns a module-level FIGURES table."""
    tree = ast.parse(module.read_text(encoding="utf-8"))
    targets = [
        node.target if isinstance(node, ast.AnnAssign) else node.targets[0]
        for node in tree.body
        if isinstance(node, ast.AnnAssign | ast.Assign)
    ]
    return any(isinstance(t, ast.Name) and t.id == "FIGURES" for t in targets)


def test_every_figure_module_draws_something(fresh: Path) -> None:
    # Read from the sources, not from make_figures, so a module it fails to find shows.
    declaring = sorted(
        ".".join(p.relative_to(SCRIPTS).with_suffix("").parts)
        for p in (SCRIPTS / "chapter").rglob("*.py")
        if declared_figures(p)
    )
    assert declaring, "no module declares a FIGURES table"
    tables = make_figures.figure_tables()
    assert sorted(tables) == declaring
    drawn = {p.name for p in fresh.iterdir()}
    for module, table in tables.items():
        assert table, f"{module}.FIGURES is empty"
        assert set(table) <= drawn, f"{module} figures not drawn: {sorted(set(table) - drawn)}"


def test_committed_figures_are_not_stale(fresh: Path) -> None:
    stale = [
        p.name
        for p in sorted(fresh.iterdir())
        if not (COMMITTED / p.name).is_file() or (COMMITTED / p.name).read_bytes() != p.read_bytes()
    ]
    assert not stale, f"stale or missing figures (run scripts/make_figures.py): {stale}"


def test_no_committed_figure_is_orphaned(fresh: Path) -> None:
    orphans = sorted({p.name for p in COMMITTED.iterdir()} - {p.name for p in fresh.iterdir()})
    assert not orphans, f"figures no script draws any more: {orphans}"
