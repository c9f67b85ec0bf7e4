"""The printed side of the course kit: each student's sheet, the grader's key book, the
fonts they need and the Chromium that prints them. The pages are Jinja templates in
templates/ beside this file; the numbers come from variants.py."""

from __future__ import annotations

import base64
import html
import io
import os
import re
import shutil
import subprocess
import unicodedata
from bisect import bisect_right
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import jinja2
import numpy as np

from chapter.shared import templates

TEMPLATES = Path(__file__).resolve().parent / "templates"
PAPERS = {"a4": "A4", "letter": "Letter"}
MARGIN = {"top": "14mm", "bottom": "14mm", "left": "16mm", "right": "16mm"}
TITLE = "Homework 4, Problems 1 and 2"

# Where Chromium or Chrome lives when it is not on PATH: Debian and Ubuntu, macOS, Windows.
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
CHROMIUM_PLACES = (
    "/usr/bin/chromium",
    "/Applications/Chromium.app/Contents/MacOS/Chromium",
    "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
    r"C:\Program Files\Google\Chrome\Application\chrome.exe",
    r"C:\Program Files (x86)\Google\Chrome\Application\chrome.exe",
)


def _environment(autoescape: bool) -> jinja2.Environment:
    env = templates.environment(TEMPLATES, autoescape)
    env.filters["md"] = markdown_text
    return env


def markdown_text(text: str) -> str:
    """text shown as itself in Markdown and in the HTML it becomes."""
    return re.sub(r"([\\`*_\[\]#!])", r"\\\1", html.escape(str(text), quote=False))


_HTML = _environment(autoescape=True)
_TEXT = _environment(autoescape=False)


def grid_svg(shaded: np.ndarray, label: str) -> str:
    """An n x n grid as SVG, the cells of shaded filled: queries as rows, keys as columns."""
    cells = [(int(i), int(j)) for i, j in np.argwhere(shaded)]
    return _TEXT.get_template("grid.svg.j2").render(n=len(shaded), cells=cells, label=label)


def css() -> str:
    return (TEMPLATES / "print.css").read_text(encoding="utf-8")


@dataclass(frozen=True)
class SheetText:
    """What a sheet prints besides the numbers: the course, the due date, the points."""

    course: str
    due: str
    points: tuple[int, int]


def sheet_markdown(student_id: str, name: str, variant, text: SheetText) -> str:
    """Problems 1 and 2 with the student's numbers, an answer box under each question."""
    return _TEXT.get_template("sheet.md.j2").render(
        student_id=student_id,
        name=name,
        v=variant,
        course=text.course,
        due=text.due,
        points=text.points,
    )


def sheet_html(markdown_source: str, grids: dict[str, bytes], title: str) -> str:
    """A self-contained page of a sheet: its blank grids inlined as data URIs."""
    import markdown

    body = markdown.markdown(markdown_source, extensions=["sane_lists"])
    for name, data in grids.items():
        uri = "data:image/svg+xml;base64," + base64.b64encode(data).decode("ascii")
        body = body.replace(f'src="{name}"', f'src="{uri}"')
    return _HTML.get_template("sheet.html.j2").render(
        title=title, css=jinja2.filters.Markup(css()), body=jinja2.filters.Markup(body)
    )


def key_html(pages: list[dict], title: str) -> str:
    """The key book: one page per student, grids drawn inline."""
    for page in pages:
        page["grids"] = [(c, jinja2.filters.Markup(svg)) for c, svg in page["grids"]]
    return _HTML.get_template("key.html.j2").render(
        title=title, css=jinja2.filters.Markup(css()), pages=pages
    )


# Fonts.


def _printed(text: str) -> set[str]:
    """The characters of text that need a glyph: not spaces, controls or format marks."""
    return {ch for ch in text if unicodedata.category(ch)[0] not in "ZC"}


def font_coverage() -> Callable[[str], bool] | None:
    """Whether some installed font has a glyph for a character, from fontconfig's
    list of every font's character set; None when fontconfig is not installed."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return None
    listed = subprocess.run(
        [fc_list, "--format", "%{charset}\n"], capture_output=True, text=True, check=False
    ).stdout
    ranges: list[tuple[int, int]] = []
    for part in listed.split():
        low, _, high = part.partition("-")
        ranges.append((int(low, 16), int(high or low, 16)))
    ranges.sort()
    # Merged, so that one bisection answers.
    starts: list[int] = []
    ends: list[int] = []
    for low, high in ranges:
        if ends and low <= ends[-1] + 1:
            ends[-1] = max(ends[-1], high)
        else:
            starts.append(low)
            ends.append(high)

    def covered(ch: str) -> bool:
        k = bisect_right(starts, ord(ch)) - 1
        return k >= 0 and ord(ch) <= ends[k]

    return covered


def missing_glyphs(texts: Iterable[str], covered: Callable[[str], bool]) -> dict[str, str]:
    """Each text that has a character no installed font draws, with those characters."""
    missing = {}
    for text in texts:
        needed = _printed(text)
        lacking = list(dict.fromkeys(ch for ch in text if ch in needed and not covered(ch)))
        if lacking:
            missing[text] = "".join(lacking)
    return missing


# Chromium.


def _renumber_structure_ids(writer) -> None:
    """Number the tagged PDF's element ids from 0 in their own order.

    Chromium names a table cell after its DOM node, and the node counter of a page
    that printed earlier pages drifts from run to run; the ids only need to be unique
    and to agree between the elements, their /Headers and the /IDTree."""
    from pypdf.generic import ArrayObject, DictionaryObject, NameObject, TextStringObject

    tree = writer.root_object.get("/StructTreeRoot")
    if tree is None:
        return
    found: list[tuple[object, object]] = []  # where an id is written: (container, key)

    def walk(node: object) -> None:
        node = node.get_object()
        if isinstance(node, ArrayObject):
            for item in node:
                walk(item)
        elif isinstance(node, DictionaryObject):
            if "/ID" in node:
                found.append((node, NameObject("/ID")))
            for key in ("/Headers", "/Limits"):
                if key in node:
                    ids = node[key].get_object()
                    found.extend((ids, k) for k in range(len(ids)))
            if "/Names" in node:
                names = node["/Names"].get_object()
                found.extend((names, k) for k in range(0, len(names), 2))
            # Children, attributes (a cell's /Headers) and name-tree kids; never /P, /Pg
            # or a name's value, which lead back up the tree.
            for key in ("/K", "/A", "/Kids"):
                if key in node:
                    walk(node[key])

    walk(tree["/K"])
    if "/IDTree" in tree:
        walk(tree["/IDTree"])
    old = sorted({str(container[key]) for container, key in found})
    new = {name: f"id{k:06d}" for k, name in enumerate(old)}
    for container, key in found:
        container[key] = TextStringObject(new[str(container[key])])


class PrintError(RuntimeError):
    """The browser could not print; the message says why in one line."""


def find_chromium(given: Path | None) -> Path | None:
    """The browser that prints: --chromium, else the first on PATH, else a usual place."""
    if given is not None:
        return given if given.is_file() and os.access(given, os.X_OK) else None
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return Path(found)
    for place in CHROMIUM_PLACES:
        if Path(place).is_file():
            return Path(place)
    return None


def print_pdfs(
    pages: Iterable[tuple[str, str]],
    chromium: Path,
    paper: str,
    title: str,
    done: Callable[[str, bytes], None],
) -> None:
    """Print each (name, HTML) page to PDF and hand it to done(name, bytes).

    Chromium stamps the time into a PDF; pypdf rewrites its document information
    with a title only, so the same page gives the same bytes."""
    from playwright.sync_api import Error, sync_playwright
    from pypdf import PdfReader, PdfWriter

    from chapter.shared.server import CHROMIUM_ARGS

    with sync_playwright() as playwright:
        try:
            browser = playwright.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)
        except Error as error:
            raise PrintError(f"{chromium} did not start: {str(error).splitlines()[0]}") from None
        try:
            context = browser.new_context(color_scheme="light")
            # A page loads nothing: its grids are inline or data URIs.
            context.route(
                "**/*",
                lambda route: (
                    route.continue_() if route.request.url.startswith("data:") else route.abort()
                ),
            )
            page = context.new_page()
            for name, content in pages:
                page.set_content(content, wait_until="load")
                raw = page.pdf(
                    format=PAPERS[paper], margin=MARGIN, print_background=True, tagged=True
                )
                writer = PdfWriter(clone_from=PdfReader(io.BytesIO(raw)))
                writer.metadata = {"/Title": title}  # no dates, no producer
                _renumber_structure_ids(writer)
                out = io.BytesIO()
                writer.write(out)
                done(name, out.getvalue())
        finally:
            browser.close()
