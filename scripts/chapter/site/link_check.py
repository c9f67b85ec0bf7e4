"""Check every internal link and image of the built site, wherever it came from.

MkDocs validates the links it rewrites in Markdown, but not those in raw HTML,
in notebook Markdown cells or in templates. After the build this hook reads every
HTML file of the site: each internal href and src must name a file of the site,
and a #fragment an id on the page it points to. Each broken one is a warning
naming the source file of its page, so `mkdocs build --strict` fails on it.
"""

from __future__ import annotations

import logging
from html.parser import HTMLParser
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

log = logging.getLogger("mkdocs.hooks.link_check")

_sources: dict[str, str] = {}


class _Page(HTMLParser):
    """The ids of one HTML page and the href and src values it uses."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("id", "name") and tag != "meta" and value:
                self.ids.add(value)
            elif name in ("href", "src") and value is not None:
                self.urls.append(value)


def _parse(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


def broken_links(site: Path, base_path: str = "/") -> list[tuple[str, str]]:
    """(HTML file, url) for every internal href or src in site that resolves to nothing.

    base_path is the path of the site's root on its server (from site_url), which
    absolute links such as those of the 404 page start with.
    """
    pages = {path.relative_to(site).as_posix(): _parse(path) for path in site.rglob("*.html")}
    broken = []
    for name, page in sorted(pages.items()):
        for url in page.urls:
            parts = urlsplit(url)
            if parts.scheme or parts.netloc:
                continue  # another host, or data:, mailto:, javascript:
            target = _resolve(name, unquote(parts.path), base_path)
            missing = target is None or not (site / target).is_file()
            # A fragment must name an id of the HTML page it points to.
            if missing or (
                parts.fragment
                and target.endswith(".html")
                and unquote(parts.fragment) not in pages[target].ids
            ):
                broken.append((name, url))
    return broken


def _resolve(page: str, path: str, base_path: str) -> str | None:
    """The site file that path, used on page, points to; None when it leaves the site."""
    if path == "":
        return page
    if path.startswith("/"):
        if not path.startswith(base_path):
            return None
        joined = PurePosixPath(path[len(base_path) :])
    else:
        joined = PurePosixPath(page).parent / path
    parts: list[str] = []
    for part in joined.parts:
        if part == "..":
            if not parts:
                return None
            parts.pop()
        elif part not in (".", ""):
            parts.append(part)
    target = "/".join(parts)
    if path.endswith("/") or not PurePosixPath(target).suffix:
        return f"{target}/index.html".lstrip("/")
    return target


def on_pre_build(config):
    _sources.clear()


def on_post_page(output, page, config):
    _sources[page.file.dest_uri] = f"Doc file '{page.file.src_uri}'"
    return output


def on_post_build(config):
    base_path = urlsplit(config.site_url or "/").path or "/"
    if not base_path.endswith("/"):
        base_path += "/"
    for name, url in broken_links(Path(config.site_dir), base_path):
        source = _sources.get(name, f"Built file '{name}'")
        log.warning("%s: link or image %r points to nothing in the built site", source, url)
