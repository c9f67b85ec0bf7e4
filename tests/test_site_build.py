"""The site builds strictly, reproducibly, and fails loudly on a broken page."""

from __future__ import annotations

import filecmp
import re
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import nbformat
import pytest
from conftest import ROOT, build_site

LAB = Path("docs/lab/attention-lab.ipynb")


def test_strict_build_has_every_page(built_site: Path) -> None:
    for page in (
        "index.html",
        "efficient-attention/index.html",
        "rnns-for-images/index.html",
        "lab/index.html",
        "lab/attention-lab/index.html",
        "references/index.html",
    ):
        assert (built_site / page).is_file(), f"{page} missing from the built site"
    assert (built_site / "assets/stylesheets/mathjax-svg.css").is_file()


def test_two_builds_of_one_commit_are_identical(built_site: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    result = build_site(again)
    assert result.returncode == 0, result.stderr
    differing = _differing_files(built_site, again)
    assert not differing, f"files differ between two builds: {differing}"


def test_build_date_is_the_last_commit_date(built_site: Path) -> None:
    epoch = subprocess.run(
        ["git", "log", "-1", "--format=%ct"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.strip()
    commit_day = datetime.fromtimestamp(int(epoch), UTC).strftime("%Y-%m-%d")
    sitemap = (built_site / "sitemap.xml").read_text()
    lastmods = set(re.findall(r"<lastmod>([^<]+)</lastmod>", sitemap))
    assert lastmods == {commit_day}


def _differing_files(a: Path, b: Path) -> list[str]:
    cmp = filecmp.dircmp(a, b)
    found = [str(Path(cmp.left).relative_to(a) / n) for n in cmp.left_only + cmp.right_only]
    (_, mismatch, errors) = filecmp.cmpfiles(a, b, cmp.common_files, shallow=False)
    found += mismatch + errors
    for sub in cmp.common_dirs:
        found += [f"{sub}/{name}" for name in _differing_files(a / sub, b / sub)]
    return found


@pytest.fixture
def project_copy(tmp_path: Path) -> Path:
    """A copy of the site's sources whose lab is a one-cell notebook, so builds are quick."""
    copy = tmp_path / "project"
    copy.mkdir()
    shutil.copy(ROOT / "mkdocs.yml", copy)
    shutil.copytree(ROOT / "hooks", copy / "hooks", ignore=shutil.ignore_patterns("__py*"))
    shutil.copytree(ROOT / "docs", copy / "docs")
    _write_notebook(copy / LAB, "print('ok')")
    return copy


def _write_notebook(path: Path, code: str) -> None:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# Lab"), nbformat.v4.new_code_cell(code)]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nbformat.write(nb, path)


def _failed_build(project: Path, tmp_path: Path) -> str:
    result = build_site(tmp_path / "out", project)
    assert result.returncode != 0, "the build should have failed"
    return result.stdout + result.stderr


def test_the_fixture_project_builds(project_copy: Path, tmp_path: Path) -> None:
    result = build_site(tmp_path / "out", project_copy)
    assert result.returncode == 0, result.stdout + result.stderr


def test_broken_link_fails_the_build(project_copy: Path, tmp_path: Path) -> None:
    page = project_copy / "docs/references.md"
    page.write_text(page.read_text() + "\nSee [the missing page](no-such-page.md).\n")
    log = _failed_build(project_copy, tmp_path)
    assert "references.md" in log and "no-such-page.md" in log


def test_missing_figure_fails_the_build(project_copy: Path, tmp_path: Path) -> None:
    page = project_copy / "docs/index.md"
    page.write_text(page.read_text() + "\n![A grid](figures/no-such-figure.svg)\n")
    log = _failed_build(project_copy, tmp_path)
    assert "index.md" in log and "no-such-figure.svg" in log


def test_notebook_cell_that_raises_fails_the_build(project_copy: Path, tmp_path: Path) -> None:
    _write_notebook(project_copy / LAB, "raise ValueError('broken lab cell')")
    log = _failed_build(project_copy, tmp_path)
    assert "attention-lab.ipynb" in log and "broken lab cell" in log
