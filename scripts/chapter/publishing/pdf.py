"""Print the whole chapter to one PDF: a title page, contents, then every page in nav order.

Each page of the built site is printed by Debian's Chromium from a server on
127.0.0.1, with the site's own print stylesheet and script; pypdf joins the
parts, adds an outline, stamps page numbers and points every link to a page of
the chapter at its place in the PDF. What a page's printed column cannot hold (the
page wider than it, a formula past its box or shrunk under MIN_ZOOM) is warned of
on stderr, one line each; the PDF is written all the same.
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urldefrag, urljoin

from markupsafe import Markup

from chapter.shared import templates
from chapter.shared.cli import ArgumentParser, fail
from chapter.shared.paths import ROOT
from chapter.shared.safe_files import UnsafePath, check_target, write_file
from chapter.shared.server import CHROMIUM, CHROMIUM_ARGS, page_urls, serve

CONFIG = ROOT / "mkdocs.yml"
CITATION = ROOT / "CITATION.cff"
TEMPLATES = Path(__file__).parent / "templates"

MARGIN_MM = {"top": 18, "bottom": 20, "left": 16, "right": 16}


@dataclass(frozen=True)
class Paper:
    """A paper size Chromium knows by name, and its size in millimetres."""

    name: str
    width_mm: float
    height_mm: float

    def pdf_options(self) -> dict:
        """Playwright's page.pdf options for this paper and the chapter's margins."""
        return {"format": self.name, "margin": {k: f"{v}mm" for k, v in MARGIN_MM.items()}}

    def column_px(self) -> int:
        """The width of the printed column in CSS pixels (96 to the inch), rounded down."""
        return int((self.width_mm - MARGIN_MM["left"] - MARGIN_MM["right"]) / 25.4 * 96)


PAPERS = {"a4": Paper("A4", 210, 297), "letter": Paper("Letter", 215.9, 279.4)}
# A page counts as printed once its math is typeset and its images are in.
# MathJax is optional: a site that renders math at build time has no MathJax.
PAGE_READY = (TEMPLATES / "page_ready.js").read_text(encoding="utf-8")
# The page laid out as on paper, before it is printed: every collapsible block open,
# and a display formula still wider than the column drawn smaller to fit it (the
# zoom of each one is returned), rather than Chromium shrinking the whole page.
FIT_TO_PAPER = (TEMPLATES / "fit_to_paper.js").read_text(encoding="utf-8")
PRINT_OVERFLOW = (TEMPLATES / "print_overflow.js").read_text(encoding="utf-8")
# A formula drawn smaller to fit keeps most of its size: one that needs more must be
# written on more lines instead.
MIN_ZOOM = 0.8
# Every link to the site, the page's own anchors included, is printed as its
# published address, which make_pdf then points at the PDF's own pages when it
# names one of them (those need no printed address; the site's other files do).
# Chromium makes a named destination only for a place that a same-page link
# points at, so hidden links to the anchors that any page links to make one each.
PRINT_LINKS = (TEMPLATES / "print_links.js").read_text(encoding="utf-8")
# The title page, the contents and the page numbers, printed from these.
_PAGES = templates.environment(TEMPLATES, autoescape=True)


@dataclass
class NavPage:
    """One page of the nav: its label, its place in the site, and the sections above it."""

    title: str
    path: str
    sections: tuple[str, ...]


def nav_pages(config: dict) -> list[NavPage]:
    """The nav's pages in order (external links skipped), with their site paths."""
    pages: list[NavPage] = []

    def walk(items: list, sections: tuple[str, ...]) -> None:
        for item in items:
            title, target = next(iter(item.items())) if isinstance(item, dict) else (None, item)
            if isinstance(target, list):
                walk(target, (*sections, title or ""))
            elif "://" not in target:
                pages.append(NavPage(title or "", site_path(target), sections))

    walk(config["nav"], ())
    return pages


def site_path(src: str) -> str:
    """Where MkDocs (directory URLs) puts the page built from docs/src."""
    stem = src.rsplit(".", 1)[0]
    if stem == "index":
        return ""
    return stem.removesuffix("/index") + "/"


class _Hrefs(HTMLParser):
    """The address of every link in an HTML page, as written."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        href = dict(attrs).get("href")
        if tag == "a" and href is not None:
            self.hrefs.append(href)


def pdf_place(url: str, published: str, paths: list[str]) -> tuple[int, str] | None:
    """The nav page (its index in paths) and the anchor id url leads to; None outside the PDF."""
    if not url.startswith(published):
        return None
    path, fragment = urldefrag(url.removeprefix(published))
    if path not in paths:
        return None
    return paths.index(path), unquote(fragment)


def linked_anchors(site: Path, pages: list[NavPage], published: str) -> list[list[str]]:
    """For each nav page, the ids on it that links on any nav page point at."""
    paths = [p.path for p in pages]
    anchors: list[set[str]] = [set() for _ in pages]
    for page in pages:
        parser = _Hrefs()
        parser.feed((site / page.path / "index.html").read_text(encoding="utf-8"))
        for href in parser.hrefs:
            place = pdf_place(urljoin(published + page.path, href), published, paths)
            if place is not None and place[1]:
                anchors[place[0]].add(place[1])
    return [sorted(ids) for ids in anchors]


def uri_links(reader) -> list[tuple[int, list, str]]:
    """Each web link printed in a PDF: the page it is on, its rectangle and its address."""
    links = []
    for number, page in enumerate(reader.pages):
        for annotation in page.annotations or []:
            annotation = annotation.get_object()
            action = annotation.get("/A")
            if annotation.get("/Subtype") == "/Link" and action and action.get("/S") == "/URI":
                links.append((number, annotation["/Rect"], str(action["/URI"])))
    return links


def anchor_sheets(reader) -> dict[str, int]:
    """The sheet of each anchor Chromium made a named destination for."""
    return {
        unquote(name.removeprefix("/")): reader.get_destination_page_number(dest)
        for name, dest in reader.named_destinations.items()
    }


def citation_data() -> dict:
    """Title, version, date, licence and citation, from CITATION.cff."""
    import yaml

    return yaml.safe_load(CITATION.read_text(encoding="utf-8"))


def title_page_html(cff: dict, copyright_html: str) -> str:
    """The title page: title, version and date, licence, and how to cite."""
    authors = ", ".join(
        a.get("name") or f"{a['given-names']} {a['family-names']}" for a in cff["authors"]
    )
    return _PAGES.get_template("title_page.html.j2").render(
        title=cff["title"],
        authors=authors,
        version=cff["version"],
        released=date.fromisoformat(str(cff["date-released"])),
        copyright=Markup(copyright_html),
        url=cff["url"],
    )


def contents_html(pages: list[NavPage], numbers: list[int], published: str) -> str:
    """The contents page: each nav page under its sections, with its printed page number."""
    rows, shown = [], ()
    for page, number in zip(pages, numbers, strict=True):
        for depth, section in enumerate(page.sections):
            if shown[: depth + 1] != page.sections[: depth + 1]:
                rows.append({"depth": depth, "title": section, "number": None})
        shown = page.sections
        rows.append(
            {
                "depth": len(page.sections),
                "title": page.title,
                "href": published + page.path,
                "number": number,
            }
        )
    return _PAGES.get_template("contents.html.j2").render(rows=rows)


def numbers_html(first: int, count: int, paper: Paper) -> str:
    """One sheet per page, blank but for its number at the foot."""
    return _PAGES.get_template("page_numbers.html.j2").render(
        paper=paper.name,
        height=f"{paper.height_mm - 1}mm",
        numbers=range(first, first + count),
    )


def print_html(browser, content: str, paper: Paper) -> bytes:
    """A PDF of a standalone HTML document (no network: it loads nothing)."""
    page = browser.new_page()
    try:
        page.set_content(content)
        return page.pdf(**paper.pdf_options(), print_background=True)
    finally:
        page.close()


def fit_to_paper(page, paper: Paper) -> list[float]:
    """Lay page out in print media at the paper's column width and fit its formulas to it;
    the zoom of each formula drawn smaller."""
    page.set_viewport_size({"width": paper.column_px(), "height": 1000})
    page.emulate_media(media="print")
    return page.evaluate(FIT_TO_PAPER)


def print_site_page(
    context,
    url: str,
    local: str,
    published: str,
    paths: list[str],
    anchors: list[str],
    paper: Paper,
) -> tuple[bytes, list[str]]:
    """A PDF of one page of the site, as its print stylesheet lays it out, and what of
    it the paper's column cannot hold (PRINT_OVERFLOW, formulas under MIN_ZOOM).

    Every link to the site comes out as its published address; each of anchors
    (ids on this page) gets a named destination.
    """
    page = context.new_page()
    try:
        response = page.goto(url, wait_until="load")
        if response is None or not response.ok:
            raise RuntimeError(f"{url}: the local server answered {response and response.status}")
        page.evaluate(PAGE_READY)
        page.evaluate(PRINT_LINKS, [local, published, paths, anchors])
        zooms = fit_to_paper(page, paper)
        unfit = page.evaluate(PRINT_OVERFLOW, paper.column_px())
        unfit += [f"a formula drawn at {zoom:.0%} of its size" for zoom in zooms if zoom < MIN_ZOOM]
        # Printing fires the page's beforeprint handlers (Material's opens every
        # collapsible block), as printing from the browser's menu does.
        pdf = page.pdf(**paper.pdf_options(), print_background=True, outline=True, tagged=True)
        return pdf, unfit
    finally:
        page.close()


def build_site(site: Path, config: Path = CONFIG) -> None:
    """`mkdocs build --strict` into site; its log on stderr and exit 1 if it fails.

    The build runs in a process group of its own, killed whole if this run stops,
    so that no notebook kernel or math engine outlives it.
    """
    process = subprocess.Popen(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(config), "-d", str(site)],
        cwd=ROOT,
        env=dict(os.environ, NO_MKDOCS_2_WARNING="1"),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        log, _ = process.communicate()
    except BaseException:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        raise
    if process.returncode != 0:
        sys.stderr.write(log)
        sys.exit(1)


def is_built_site(folder: Path) -> bool:
    """Whether folder holds a site MkDocs built: its home page and sitemap."""
    return (folder / "sitemap.xml").is_file() and (folder / "index.html").is_file()


def site_problem(site: Path) -> str | None:
    """Why --site cannot be used (None if it can): only a built site is read, and only a
    missing or empty folder is built into, so nothing of the user's is ever replaced."""
    if site.exists() and not site.is_dir():
        return f"{site} is not a folder"
    if site.is_dir() and not is_built_site(site) and any(site.iterdir()):
        return f"{site} holds files but no built site; name a built site, an empty or a new folder"
    return None


@contextmanager
def built_site(site: Path | None, work: Path, config: Path = CONFIG) -> Iterator[Path]:
    """The given built site, or a site built for this run: into site (a new or empty
    folder, emptied again if the build does not finish), or into work."""
    if site is None:
        build_site(work / "site", config)
        yield work / "site"
    elif is_built_site(site):
        yield site
    else:
        created = not site.exists()
        try:
            build_site(site, config)
        except BaseException:
            if created:
                shutil.rmtree(site, ignore_errors=True)
            else:
                for entry in site.iterdir():  # the folder was empty: all of it is this build's
                    if entry.is_dir() and not entry.is_symlink():
                        shutil.rmtree(entry, ignore_errors=True)
                    else:
                        entry.unlink(missing_ok=True)
            raise
        yield site


@contextmanager
def workspace() -> Iterator[Path]:
    """A private temporary folder for this run, removed however the run ends.

    It is the temporary folder of everything the run starts (the site build and
    its notebook kernel, the browser and its profile), so that their leftovers
    go with it.
    """
    folder = Path(tempfile.mkdtemp(prefix="make-pdf-"))
    saved = os.environ.get("TMPDIR"), tempfile.tempdir
    os.environ["TMPDIR"] = tempfile.tempdir = str(folder)
    try:
        yield folder
    finally:
        if saved[0] is None:
            os.environ.pop("TMPDIR", None)
        else:
            os.environ["TMPDIR"] = saved[0]
        tempfile.tempdir = saved[1]
        shutil.rmtree(folder, ignore_errors=True)


class Stopped(BaseException):
    """SIGTERM or SIGINT arrived: unwind, removing every temporary file on the way."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _stop(signum: int, _frame: object) -> None:
    raise Stopped(signum)


def make_pdf(site: Path, config: dict, paper: Paper = PAPERS["a4"]) -> tuple[bytes, list[str]]:
    """The chapter's PDF, from a built site, and what its pages' printed column cannot
    hold, one line each, naming the page."""
    from playwright.sync_api import sync_playwright
    from pypdf import PdfReader, PdfWriter

    pages = nav_pages(config)
    paths = [p.path for p in pages]
    cff = citation_data()
    published = page_urls(site)[0]
    anchors = linked_anchors(site, pages, published)
    with serve(site) as local, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(color_scheme="light")
            context.route(  # the PDF is printed offline: nothing but this server
                "**/*",
                lambda route: (
                    route.continue_()
                    if route.request.url.startswith(local) or route.request.url.startswith("data:")
                    else route.abort()
                ),
            )
            printed = [
                print_site_page(
                    context, urljoin(local, p.path), local, published, paths, ids, paper
                )
                for p, ids in zip(pages, anchors, strict=True)
            ]
            parts = [PdfReader(io.BytesIO(pdf)) for pdf, _ in printed]
            unfit = [
                f"{page.title}: {what}"
                for page, (_, found) in zip(pages, printed, strict=True)
                for what in found
            ]
            title = PdfReader(
                io.BytesIO(print_html(browser, title_page_html(cff, config["copyright"]), paper))
            )
            # The contents come before the pages they number, and their own length
            # shifts those numbers: lay them out once to count their pages.
            contents_count = 1
            while True:
                first = len(title.pages) + contents_count + 1
                numbers = []
                for part in parts:
                    numbers.append(first)
                    first += len(part.pages)
                listing = contents_html(pages, numbers, published)
                contents = PdfReader(io.BytesIO(print_html(browser, listing, paper)))
                if len(contents.pages) == contents_count:
                    break
                contents_count = len(contents.pages)
            total = first - 1
            stamps = PdfReader(
                io.BytesIO(
                    print_html(
                        browser,
                        numbers_html(len(title.pages) + 1, total - len(title.pages), paper),
                        paper,
                    )
                )
            )
        finally:
            browser.close()

    writer = PdfWriter()
    writer.append(title, outline_item=cff["title"], import_outline=False)
    # Parts share anchor names ("what-you-will-learn"), which appending would merge
    # into one list of names: their pages are added bare, and their links made
    # again once all pages are in.
    links: list[tuple[int, list, str]] = []

    def add_unlinked(reader) -> None:
        links.extend((len(writer.pages) + n, rect, uri) for n, rect, uri in uri_links(reader))
        for sheet in reader.pages:
            writer.add_page(sheet, excluded_keys=["/Annots"])

    add_unlinked(contents)
    writer.add_outline_item(title="Contents", page_number=len(title.pages))
    sections: dict[tuple[str, ...], object] = {}
    starts, sheets = [], []
    for page, part in zip(pages, parts, strict=True):
        start = len(writer.pages)
        starts.append(start)
        sheets.append(anchor_sheets(part))
        add_unlinked(part)
        parent = None
        for depth in range(1, len(page.sections) + 1):
            key = page.sections[:depth]
            if key not in sections:
                sections[key] = writer.add_outline_item(
                    title=key[-1], page_number=start, parent=parent
                )
            parent = sections[key]
        item = writer.add_outline_item(title=page.title, page_number=start, parent=parent)
        headings = part.outline
        if len(headings) <= 2 and headings and not isinstance(headings[0], list):
            # The page's own title is the nav item: keep only the sections under it.
            headings = headings[1] if len(headings) == 2 else []
        _copy_outline(writer, part, headings, item, start)
    for sheet, stamp in zip(writer.pages[len(title.pages) :], stamps.pages, strict=True):
        sheet.merge_page(stamp)
        sheet.compress_content_streams()  # merging leaves the page's drawing uncompressed
    for number, rect, uri in links:
        writer.add_annotation(number, pdf_link(writer, rect, uri, published, paths, starts, sheets))
    writer.compress_identical_objects()  # each part embeds the same fonts again
    writer.add_metadata(
        {
            "/Title": cff["title"],
            "/Author": ", ".join(a.get("name", "") for a in cff["authors"]),
            "/Subject": f"Version {cff['version']}, {cff['date-released']}",
        }
    )
    writer.page_mode = "/UseOutlines"
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue(), unfit


def pdf_link(
    writer, rect: list, uri: str, published: str, paths: list[str], starts: list[int], sheets: list
):
    """A link to the sheet that holds uri's place if uri names a page in the PDF, else to uri."""
    from pypdf.annotations import Link
    from pypdf.generic import Fit

    place = pdf_place(uri, published, paths)
    if place is None:
        return Link(rect=rect, url=uri)
    part, anchor = place
    # A link to a page without an anchor, or to one Chromium did not place, opens
    # the page's first sheet.
    sheet = starts[part] + sheets[part].get(anchor, 0)
    # The top of the sheet, not the anchor's own height: Chromium 156 puts some
    # anchors (inside solutions, footnotes) up to ~170 pt below where they print,
    # which would scroll the place itself out of view.
    top = writer.pages[sheet].mediabox.top
    return Link(rect=rect, target_page_index=sheet, fit=Fit.xyz(top=top))


def _copy_outline(writer, reader, items: list, parent, offset: int) -> None:
    """Copy a part's heading outline under parent; its pages start at offset."""
    last = parent
    for entry in items:
        if isinstance(entry, list):
            _copy_outline(writer, reader, entry, last, offset)
            continue
        number = reader.get_destination_page_number(entry)
        last = writer.add_outline_item(
            title=entry.title, page_number=offset + number, parent=parent
        )


def check_out(parser: argparse.ArgumentParser, text: str) -> Path:
    """The --out path, if a PDF can be written there; otherwise a one-line error, exit 2."""
    if not text.strip():
        fail(parser, "--out", "must name a file, got an empty path")
    out = Path(text)
    if not out.parent.is_dir():
        fail(parser, "--out", f"folder {out.parent} does not exist")
    if out.is_symlink():
        fail(parser, "--out", f"{out} is a symbolic link; name a regular file")
    if out.exists():
        mode = out.stat().st_mode
        if stat.S_ISDIR(mode):
            fail(parser, "--out", f"{out} is a folder; name a file in it")
        if not stat.S_ISREG(mode):
            fail(parser, "--out", f"{out} is not a regular file")
    try:
        check_target(out)  # a read-only file or folder, before minutes of printing
    except UnsafePath as error:
        fail(parser, "--out", str(error))
    return out


class _Once(argparse.Action):
    """Store an option's value, refusing the option a second time: which would win?"""

    def __call__(self, parser, namespace, values, option_string=None) -> None:
        if getattr(namespace, f"_{self.dest}_given", False):
            fail(parser, option_string, "given twice; give it once")
        setattr(namespace, f"_{self.dest}_given", True)
        setattr(namespace, self.dest, values)


def main(argv: list[str] | None = None) -> int:
    parser = ArgumentParser(prog="make_pdf.py", description=__doc__.splitlines()[0])
    # A string, not a Path: Path("") is ".", which would hide an empty --out.
    parser.add_argument("--out", required=True, action=_Once, help="the PDF file to write")
    parser.add_argument(
        "--site",
        type=Path,
        action=_Once,
        help="a built site to print, or a new or empty folder to build it into "
        "(default: a temporary folder)",
    )
    parser.add_argument(
        "--paper",
        choices=sorted(PAPERS),
        default="a4",
        action=_Once,
        help="paper size (default: a4)",
    )
    parser.add_argument(
        "--config",
        type=Path,
        default=CONFIG,
        action=_Once,
        help="the MkDocs config to build and print (default: mkdocs.yml; "
        "mkdocs-course.yml prints the course edition)",
    )
    args = parser.parse_args(argv)
    if not args.config.is_file():
        fail(parser, "--config", f"{args.config} is not a file")
    out = check_out(parser, args.out)
    if args.site is not None and (problem := site_problem(args.site)):
        fail(parser, "--site", problem)
    if not CHROMIUM.is_file():
        parser.error(
            f"printing needs Debian's Chromium at {CHROMIUM}: "
            "install it with `apt-get install chromium`"
        )

    from mkdocs.config import load_config
    from mkdocs.exceptions import MkDocsException

    try:
        # The config as a build sees it: its hooks may change the nav (the course edition's do).
        config = load_config(str(args.config.resolve()))
        config = config.plugins.on_config(config)
    except MkDocsException as error:
        fail(parser, "--config", str(error))
    started = time.monotonic()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, _stop)
    try:
        config_file = Path(config.config_file_path)
        with workspace() as work, built_site(args.site, work, config_file) as site:
            data, unfit = make_pdf(site, config, PAPERS[args.paper])
            write_file(out, data)
    except UnsafePath as error:  # out changed while the chapter printed
        fail(parser, "--out", str(error))
    except Stopped as stop:
        name = signal.Signals(stop.signum).name
        sys.stderr.write(
            f"make_pdf.py: stopped by {name}; no PDF written, temporary files removed\n"
        )
        return 128 + stop.signum
    for what in unfit:
        sys.stderr.write(f"make_pdf.py: warning: {what} on {args.paper}'s column\n")
    print(f"{out}: {len(data) / 1e6:.1f} MB in {time.monotonic() - started:.0f} s")
    return 0
