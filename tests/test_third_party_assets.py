"""The built site loads nothing from another host: no CDN, no web fonts, no remote scripts."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import ROOT

# Attributes through which a browser fetches something while showing a page.
LOADING_ATTRS = {
    "script": ("src",),
    "img": ("src", "srcset"),
    "source": ("src", "srcset"),
    "iframe": ("src",),
    "embed": ("src",),
    "object": ("data",),
    "video": ("src", "poster"),
    "audio": ("src",),
    "track": ("src",),
    "input": ("src",),
}
# <link> fetches for these rel values; rel="canonical" or "alternate" only names a URL.
LOADING_RELS = {
    "stylesheet",
    "icon",
    "preload",
    "prefetch",
    "modulepreload",
    "manifest",
    "apple-touch-icon",
    "preconnect",
    "dns-prefetch",
    "font",
}
CSS_REFERENCES = re.compile(
    r"""@import\s+(?:url\()?\s*["']?([^"')\s;]+)|url\(\s*["']?([^"')\s]+)"""
)
# In scripts: markup whose src= loads (an href= loads only on a <link>), and
# dynamic imports of modules.
JS_REFERENCES = re.compile(
    r"""(?:(?:\bsrc|<link\b[^>]*\bhref)\s*=\s*\\?|\bimport\s*\(\s*)["']((?:https?:)?//[^"'\\]+)"""
)


def is_off_site(url: str) -> bool:
    """True for an absolute or protocol-relative URL (every site URL is relative)."""
    url = url.strip()
    return bool(re.match(r"^(?:[a-z][a-z0-9+.-]*:)?//", url, re.I))


class _LoadedUrls(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.urls: list[str] = []
        self._in = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        for name in LOADING_ATTRS.get(tag, ()):
            if name in values:
                self.urls.extend(u.split()[0] for u in values[name].split(",") if u.strip())
        if tag == "link" and LOADING_RELS & set(values.get("rel", "").lower().split()):
            self.urls.append(values.get("href", ""))
        if "style" in values:
            self.urls.extend(css_references(values["style"]))
        self._in = tag

    def handle_endtag(self, tag: str) -> None:
        self._in = ""

    def handle_data(self, data: str) -> None:
        if self._in == "style":
            self.urls.extend(css_references(data))
        elif self._in == "script":
            self.urls.extend(JS_REFERENCES.findall(data))


def css_references(css: str) -> list[str]:
    """Every URL a stylesheet imports or points at with url()."""
    return [a or b for a, b in CSS_REFERENCES.findall(css)]


def off_site_references(path: Path) -> list[str]:
    """The off-site URLs that the file at path would make a browser load."""
    text = path.read_text(encoding="utf-8", errors="replace")
    if path.suffix == ".html":
        parser = _LoadedUrls()
        parser.feed(text)
        urls = parser.urls
    elif path.suffix == ".css":
        urls = css_references(text)
    elif path.suffix == ".js":
        urls = css_references(text) + JS_REFERENCES.findall(text)
    else:  # SVG
        urls = css_references(text) + re.findall(r"""<image[^>]+href\s*=\s*["']([^"']+)""", text)
    return [u for u in urls if is_off_site(u)]


def scanned_files(site: Path) -> list[Path]:
    return [p for p in site.rglob("*") if p.suffix in {".html", ".css", ".js", ".svg"}]


@pytest.mark.slow
def test_built_site_loads_nothing_from_other_hosts(built_site: Path) -> None:
    files = scanned_files(built_site)
    assert len(files) > 10
    found = {str(p.relative_to(built_site)): off_site_references(p) for p in files}
    assert not {k: v for k, v in found.items() if v}


@pytest.mark.slow
def test_no_empty_script_src(built_site: Path) -> None:
    # An empty src makes the browser fetch the page itself again as a script.
    empty = [
        str(p.relative_to(built_site))
        for p in built_site.rglob("*.html")
        if re.search(r"<script[^>]*\bsrc=(\"\"|'')", p.read_text(encoding="utf-8"))
    ]
    assert not empty


def test_config_disables_google_fonts() -> None:
    # Material fetches Roboto from Google unless the theme says font: false.
    assert re.search(r"^\s+font:\s*false\s*$", (ROOT / "mkdocs.yml").read_text(), re.M)


def test_scanner_catches_each_kind_of_remote_load(tmp_path: Path) -> None:
    samples = {
        "a.html": '<script src="https://cdn.example.org/x.js"></script>',
        "b.html": '<link rel="stylesheet" href="//fonts.example.com/css">',
        "c.html": "<style>@import url('https://fonts.example.com/roboto.css');</style>",
        "d.html": '<img src="http://example.org/a.png" alt="a">',
        "e.css": "@font-face { src: url(https://fonts.example.com/r.woff2) }",
        "f.js": 'el.innerHTML = "<script src=\\"https://cdn.example.org/m.js\\">"',
        "h.js": "head.append('<link rel=stylesheet href=\"//fonts.example.com/a.css\">')",
        "i.html": '<script type="module">await import("https://cdn.example.org/m.mjs")</script>',
        "g.svg": '<svg><image href="https://example.org/p.png"/></svg>',
    }
    for name, text in samples.items():
        (tmp_path / name).write_text(text)
        assert off_site_references(tmp_path / name), f"{name} not caught"
    fine = tmp_path / "fine.html"
    fine.write_text(
        '<a href="https://arxiv.org/abs/1904.10509">paper</a>'
        '<link rel="canonical" href="https://example.org/page/">'
        '<script src="../javascripts/scroll-boxes.js"></script>'
        '<svg xmlns="http://www.w3.org/2000/svg"><use href="#cell"/></svg>'
    )
    assert off_site_references(fine) == []
