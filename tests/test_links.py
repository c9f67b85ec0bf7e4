"""Every internal link and image of the built site resolves, wherever it was written."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import nbformat
import pytest
import yaml
from conftest import ROOT, build_site, stage_hooks

from chapter.site import link_check


def _site_base_path() -> str:
    return urlsplit(yaml.safe_load((ROOT / "mkdocs.yml").read_text())["site_url"]).path


@pytest.mark.slow
def test_every_internal_link_of_the_built_site_resolves(built_site: Path) -> None:
    assert link_check.broken_links(built_site, _site_base_path()) == []


@pytest.mark.slow
def test_the_crawl_reads_links_images_and_fragments(built_site: Path) -> None:
    page = link_check._parse(built_site / "efficient-attention/index.html")
    internal = [u for u in page.urls if not urlsplit(u).scheme]
    assert any(u.endswith(".svg") for u in internal), "no figure found on the page"
    assert any(u.startswith("#") for u in internal), "no fragment link found on the page"
    assert len(page.ids) > 20


def _site(tmp_path: Path, pages: dict[str, str]) -> Path:
    for name, text in pages.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    return tmp_path


@pytest.mark.parametrize(
    ("url", "broken"),
    [
        ("../b/", False),
        ("../b/index.html#part", False),
        ("../b/#nowhere", True),
        ("../img/x.svg", False),
        ("../img/y.svg", True),
        ("/root/b/#part", False),
        ("/root/img/x.svg?v=1", False),
        ("/elsewhere/b/", True),
        ("../../../b/", True),
        ("#top", False),
        ("#bottom", True),
        ("", False),
        ("https://example.org/missing", False),
        ("data:image/png;base64,AAAA", False),
    ],
)
def test_broken_links_resolves_like_a_browser(tmp_path: Path, url: str, broken: bool) -> None:
    site = _site(
        tmp_path,
        {
            "a/index.html": f'<h1 id="top">A</h1><a href="{url}">x</a>',
            "b/index.html": '<h2 id="part">B</h2>',
            "img/x.svg": "<svg/>",
        },
    )
    found = link_check.broken_links(site, "/root/")
    assert found == ([("a/index.html", url)] if broken else [])


@pytest.fixture
def small_project(tmp_path: Path) -> Path:
    """A small MkDocs project with one notebook page and the link-check stage."""
    project = tmp_path / "project"
    (project / "docs").mkdir(parents=True)
    (project / "mkdocs.yml").write_text(
        yaml.safe_dump(
            {
                "site_name": "Links",
                "site_url": "https://example.org/links/",
                "plugins": [{"mkdocs-jupyter": {"include": ["*.ipynb"], "cache": False}}],
                "hooks": [stage_hooks(project, "link_check")],
                "markdown_extensions": ["attr_list", "md_in_html"],
            }
        )
    )
    (project / "docs/index.md").write_text("# Home\n\nSee [the lab](lab.ipynb).\n")
    _write_notebook(project / "docs/lab.ipynb", "# Lab\n\nBack [home](../).")
    return project


def _write_notebook(path: Path, markdown: str) -> None:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell(markdown)]
    nbformat.write(nb, path)


def _warnings(project: Path, tmp_path: Path) -> list[str]:
    result = build_site(tmp_path / "out", project)
    log = result.stdout + result.stderr
    assert (result.returncode == 0) == ("WARNING" not in log), log
    return [line for line in log.splitlines() if "points to nothing" in line]


@pytest.mark.slow
def test_the_small_project_builds(small_project: Path, tmp_path: Path) -> None:
    assert _warnings(small_project, tmp_path) == []


@pytest.mark.slow
def test_broken_link_in_a_notebook_cell_fails_the_build(
    small_project: Path, tmp_path: Path
) -> None:
    _write_notebook(
        small_project / "docs/lab.ipynb",
        "# Lab\n\nSee [a page](no-such-page.md) and ![a figure](no-such-figure.svg).",
    )
    found = _warnings(small_project, tmp_path)
    assert len(found) == 2, found
    assert all("'lab.ipynb'" in line for line in found)
    assert "no-such-page.md" in found[0] and "no-such-figure.svg" in found[1]


@pytest.mark.slow
def test_broken_raw_html_image_and_fragment_fail_the_build(
    small_project: Path, tmp_path: Path
) -> None:
    (small_project / "docs/index.md").write_text(
        '# Home\n\n<figure><img src="figures/no-such.svg" alt="A grid"></figure>\n\n'
        '<p><a href="lab/#no-such-section">The lab</a></p>\n'
    )
    found = _warnings(small_project, tmp_path)
    assert len(found) == 2, found
    assert all("'index.md'" in line for line in found)
    assert "figures/no-such.svg" in found[0] and "lab/#no-such-section" in found[1]
