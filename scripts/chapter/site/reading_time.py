"""Put "About N minutes to read" under the title of every page in the nav.

The estimate counts the words a reader reads as prose: code, math, scripts and
figures' SVG are left out, and so are the hidden hover texts of the glossary.
It is computed from the rendered page, so snippets and notebook cells count.
The line is part of the page content, so instant navigation swaps it with the
rest of the page; search leaves it out of its index and its previews.
"""

from __future__ import annotations

import math
import re
from html.parser import HTMLParser

# Silent reading of technical prose with formulas; general prose runs near 240.
WORDS_PER_MINUTE = 200
# Elements whose text is not prose.
SKIPPED_TAGS = {"pre", "code", "script", "style", "svg", "math"}
# Classes of elements whose text is not prose: math, and notebook code cells with outputs.
SKIPPED_CLASSES = {"arithmatex", "jp-CodeCell"}
# Notebook Markdown cells keep their TeX as text.
TEX = re.compile(r"\$\$.*?\$\$|\$[^$]*\$|\\\(.*?\\\)|\\\[.*?\\\]", re.S)
WORD = re.compile(r"[^\W\d_](?:[\w'’-]*\w)?")
FIRST_H1 = re.compile(r"<h1\b[^>]*>.*?</h1>", re.S)


class _ProseText(HTMLParser):
    """Collects the text of an HTML fragment outside skipped elements."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip_tag = ""
        self._skip_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self._skip_depth:
            self._skip_depth += tag == self._skip_tag
            return
        classes = set((dict(attrs).get("class") or "").split())
        if tag in SKIPPED_TAGS or classes & SKIPPED_CLASSES:
            self._skip_tag, self._skip_depth = tag, 1

    def handle_endtag(self, tag: str) -> None:
        if self._skip_depth and tag == self._skip_tag:
            self._skip_depth -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip_depth:
            self.parts.append(data)


def prose_words(html: str) -> int:
    """How many words of prose the HTML fragment holds."""
    parser = _ProseText()
    parser.feed(html)
    parser.close()
    return len(WORD.findall(TEX.sub(" ", " ".join(parser.parts))))


def reading_minutes(words: int) -> int:
    """Whole minutes to read that many words, at least one."""
    return max(1, math.ceil(words / WORDS_PER_MINUTE))


def reading_time_html(words: int) -> str:
    minutes = reading_minutes(words)
    unit = "minute" if minutes == 1 else "minutes"
    return f'<p class="reading-time" data-search-exclude>About {minutes} {unit} to read</p>'


_nav_pages: set[str] = set()


def on_nav(nav, config, files):
    _nav_pages.clear()
    _nav_pages.update(page.file.src_uri for page in nav.pages)
    return nav


def on_page_content(html, page, config, files):
    if page.file.src_uri not in _nav_pages:
        return html
    line = reading_time_html(prose_words(html))
    heading = FIRST_H1.search(html)
    if heading is None:
        # Material renders the title itself above a page without an <h1>.
        return line + html
    return html[: heading.end()] + line + html[heading.end() :]
