"""The home page links the site's own PDF only when the site has one."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import yaml
from conftest import ROOT
from mkdocs.exceptions import PluginError

from chapter.site import pdf_link

SITE = "https://example.org/book/"
HOME = f'<p class="pdf-download"><a href="{SITE}chapter.pdf">Download the chapter as PDF</a></p>'


class Files:
    def __init__(self, *paths: str) -> None:
        self.paths = paths

    def get_file_from_path(self, path: str):
        return SimpleNamespace(src_uri=path) if path in self.paths else None


def home(html: str, files: Files, site_url: str = SITE) -> str:
    page = SimpleNamespace(file=SimpleNamespace(src_uri="index.md"))
    return pdf_link.on_page_content(html, page, SimpleNamespace(site_url=site_url), files)


def test_without_a_pdf_in_the_site_the_published_one_is_linked() -> None:
    assert home(HOME, Files("index.md")) == HOME


def test_mkdocs_serve_keeps_the_published_link() -> None:
    """`mkdocs serve` sets site_url to its own address; the page still links the
    published PDF, found by its path."""
    assert home(HOME, Files("index.md"), "http://127.0.0.1:8000/book/") == HOME
    with pytest.raises(PluginError, match="published PDF"):
        home(HOME, Files("index.md"), "http://127.0.0.1:8000/other/")


def test_with_a_pdf_in_the_site_its_own_copy_is_linked() -> None:
    assert 'href="chapter.pdf"' in home(HOME, Files("index.md", "chapter.pdf"))


def test_a_home_page_without_the_link_stops_the_build() -> None:
    with pytest.raises(PluginError, match="published PDF"):
        home("<p>No link</p>", Files())


def test_the_home_page_source_has_the_published_link() -> None:
    text = (ROOT / "docs" / "index.md").read_text(encoding="utf-8")

    site_url = yaml.safe_load((ROOT / "mkdocs.yml").read_text())["site_url"]
    assert f"]({site_url}chapter.pdf)" in text
