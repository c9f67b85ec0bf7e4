"""scripts/make_pdf.py: the chapter as one PDF, and its refusals of bad input."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import stat
import statistics
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml
from browser import require_chromium, serve
from conftest import ROOT
from printed import Printed, flat, read_printed

from chapter.publishing import pdf as make_pdf

SCRIPT = ROOT / "scripts" / "make_pdf.py"
PROBLEMS = [f"Problem {p}({part})" for p in (1, 2) for part in "abc"]


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args], capture_output=True, text=True, check=False
    )


class _Text(HTMLParser):
    """The h1 of a built page, and the text of its first collapsible block."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.h1, self.details = "", ""
        self._where: list[str] = []
        self._h1_seen = False

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in ("h1", "details", "summary", "a"):
            self._where.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if self._where and self._where[-1] == tag:
            self._where.pop()
        self._h1_seen |= tag == "h1"

    def handle_data(self, data: str) -> None:
        if "a" in self._where:  # the heading's permalink sign
            return
        if self._where[:1] == ["h1"] and not self._h1_seen:
            self.h1 += data
        elif "details" in self._where and "summary" not in self._where:
            self.details += data


def page_text(site: Path, path: str) -> _Text:
    parser = _Text()
    parser.feed((site / path / "index.html").read_text(encoding="utf-8"))
    return parser


class _LeadIns(HTMLParser):
    """For each equation anchor of a built page, the last words of prose before it.

    Formulas are drawn, so their text is in neither the PDF's text nor these words.
    """

    SKIPPED = ("mjx-container", "svg", "script", "style")

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.words: dict[str, str] = {}
        self._text: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self._skipping += tag in self.SKIPPED
        anchor = dict(attrs).get("id") or ""
        if tag == "span" and anchor.startswith("eq-"):
            self.words[anchor] = " ".join(" ".join(self._text).split()[-3:])

    def handle_endtag(self, tag: str) -> None:
        self._skipping -= tag in self.SKIPPED

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self._text.append(data)


def sheet_links(printed: Printed, number: int) -> tuple[list[tuple[str, int]], list[str]]:
    """A sheet's links: (text, sheet it opens) for those inside the PDF, and web addresses."""
    reader = printed.reader
    sheets = {page.indirect_reference.idnum: k for k, page in enumerate(reader.pages)}
    runs = [(run.x, run.y, run.text) for run in printed.runs[number]]
    inside, web = [], []
    for annotation in reader.pages[number].annotations or []:
        annotation = annotation.get_object()
        if "/A" in annotation:
            web.append(str(annotation["/A"]["/URI"]))
            continue
        x0, y0, x1, y1 = (float(v) for v in annotation["/Rect"])
        text = "".join(t for x, y, t in runs if x0 - 1 <= x <= x1 and y0 - 1 <= y <= y1)
        inside.append((flat(text), sheets[annotation["/Dest"][0].idnum]))
    return inside, web


def part_starts(reader) -> dict[str, int]:
    """The first sheet of each nav page, from the outline."""
    starts: dict[str, int] = {}

    def walk(outline: list) -> None:
        for item in outline:
            if isinstance(item, list):
                walk(item)
            else:
                starts.setdefault(item.title, reader.get_destination_page_number(item))

    walk(reader.outline)
    return starts


def assert_in_order(text: str, needles: list[str]) -> None:
    at = 0
    for needle in needles:
        found = text.find(needle, at)
        assert found >= 0, f"{needle!r} missing after position {at}"
        at = found + len(needle)


@pytest.fixture(scope="module")
def chapter(built_site: Path, tmp_path_factory: pytest.TempPathFactory) -> Printed:
    """The chapter printed from the built site on the default paper, A4."""
    require_chromium()
    out = tmp_path_factory.mktemp("pdf") / "chapter.pdf"
    result = run("--site", str(built_site), "--out", str(out))
    assert result.returncode == 0, result.stderr
    printed = read_printed(out)
    printed.log = result.stderr
    return printed


@pytest.mark.slow
@pytest.mark.browser
def test_every_sheet_is_on_a4_by_default(chapter: Printed) -> None:
    """The default prints every sheet on A4 (--paper letter's sheets are checked on the
    course edition's PDF, in test_course_edition.py). What a paper changes on the page,
    the column's width, is checked on the narrowest by
    test_every_formula_and_table_fits_the_printed_column; the text is read on A4 only."""
    for sheet in chapter.reader.pages:
        size = (float(sheet.mediabox.width), float(sheet.mediabox.height))
        # Chromium rounds a sheet to whole pixels.
        assert size == pytest.approx((595.3, 841.9), abs=1.5)


@pytest.mark.slow
@pytest.mark.browser
def test_pdf_holds_every_page_and_problem_in_nav_order(built_site: Path, chapter) -> None:
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text())
    pages = make_pdf.nav_pages(config)
    assert len(pages) >= 6
    texts = chapter.texts
    # After the title page and the contents, whose list of titles proves nothing.
    body = " ".join(texts[2:])
    titles = [flat(page_text(built_site, p.path).h1) for p in pages]
    assert_in_order(body, titles)
    # The site's chrome stays off paper.
    for chrome in ("Skip to content", "Back to top", "Type to start searching", "Made with"):
        assert chrome not in body
    assert_in_order(body, PROBLEMS)
    # Each problem sits on its own chapter's pages.
    assert_in_order(body, [titles[1], PROBLEMS[0], PROBLEMS[2], titles[2], PROBLEMS[3]])


@pytest.mark.slow
@pytest.mark.browser
def test_outline_and_contents_point_at_each_page(built_site: Path, chapter) -> None:
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text())
    pages = make_pdf.nav_pages(config)
    items = part_starts(chapter.reader)
    contents = chapter.texts[1]
    contents_links = dict(sheet_links(chapter, 1)[0])
    for page in pages:
        h1 = flat(page_text(built_site, page.path).h1)
        number = items[page.title]
        assert h1 in chapter.texts[number], page.title
        assert re.search(re.escape(page.title) + rf"\s*{number + 1}\b", contents), page.title
        assert contents_links[page.title] == number, page.title


@pytest.mark.slow
@pytest.mark.browser
def test_title_page_and_open_solutions(built_site: Path, chapter) -> None:
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text())
    title = chapter.texts[0]
    assert f"Version {cff['version']}" in title
    assert "CC BY 4.0" in title and "MIT" in title
    assert cff["url"] in title
    # A solution's text is printed, not only its "Solution" summary.
    solution = flat(page_text(built_site, "efficient-attention/").details)
    first_words = " ".join(solution.split()[:3])
    printed = " ".join(chapter.texts)
    assert first_words in printed, f"{first_words!r}: the solutions were not printed open"
    assert stat.S_IMODE(chapter.path.stat().st_mode) == 0o666 & ~_umask()


@pytest.mark.slow
@pytest.mark.browser
def test_equation_references_open_the_sheet_of_their_equation(built_site: Path, chapter) -> None:
    html = (built_site / "efficient-attention" / "index.html").read_text(encoding="utf-8")
    lead_ins = _LeadIns()
    lead_ins.feed(html)
    numbers = dict(re.findall(r'<a href="#(eq-[a-z0-9-]+)">(\(1\.\d+\))</a>', html))
    assert len(numbers) >= 5
    starts = part_starts(chapter.reader)
    first, end = starts["1 Efficient self-attention"], starts["2 RNNs for images"]
    checked = []
    for number in range(first, end):
        for text, sheet in sheet_links(chapter, number)[0]:
            for anchor, label in numbers.items():
                if text.startswith(label):
                    assert first <= sheet < end, label
                    words = lead_ins.words[anchor]
                    assert words in chapter.texts[sheet], (label, words)
                    checked.append((number, label))
    # The chapter's first sheet refers to (1.1), and later sheets to equations
    # printed sheets before them.
    assert (first, "(1.1)") in checked
    assert len(checked) >= 8, checked


@pytest.mark.slow
@pytest.mark.browser
def test_links_to_other_pages_open_that_page(built_site: Path, chapter) -> None:
    starts = part_starts(chapter.reader)
    home = dict(sheet_links(chapter, starts["Home"])[0])
    assert home["Efficient self-attention"] == starts["1 Efficient self-attention"]
    assert home["RNNs for images"] == starts["2 RNNs for images"]
    # The notation page points into the problem pages: at the score formula
    # (1.1), and at sections whose anchors both problem pages share.
    lead_ins = _LeadIns()
    lead_ins.feed((built_site / "efficient-attention" / "index.html").read_text(encoding="utf-8"))
    problems = {
        "Problem 1, the score": ("1 Efficient self-attention", lead_ins.words["eq-score"]),
        "Problem 1, the setting": ("1 Efficient self-attention", "The setting"),
        "Problem 2, the setting": ("2 RNNs for images", "The setting"),
        "Problem 1, going further": ("1 Efficient self-attention", "Going further"),
    }
    after = {
        "1 Efficient self-attention": "2 RNNs for images",
        "2 RNNs for images": "3 Lab notebook",
    }
    found = set()
    for number in range(starts["Notation"], starts["References"]):
        links = sheet_links(chapter, number)[0]
        # A link broken over two lines is two rectangles, one after the other.
        for (text, sheet), (rest, _) in zip(links, [*links[1:], ("", 0)], strict=False):
            for label, (part, words) in problems.items():
                if f"{text} {rest}".startswith(label):
                    assert starts[part] <= sheet < starts[after[part]], label
                    assert words in chapter.texts[sheet], label
                    found.add(label)
    assert found == set(problems)


@pytest.mark.slow
@pytest.mark.browser
def test_web_links_keep_their_address_and_none_leave_for_the_print_server(
    built_site: Path, chapter
) -> None:
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text())
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text())
    paths = [p.path for p in make_pdf.nav_pages(config)]
    web = [uri for number in range(len(chapter.texts)) for uri in sheet_links(chapter, number)[1]]
    # The only local addresses are the ones the pages print on purpose.
    local = re.compile(r'href="(http://127\.0\.0\.1[^"]*)"')
    written = {uri for path in paths for uri in local.findall(page_html(built_site, path))}
    assert {uri for uri in web if uri.startswith("http://127.0.0.1")} <= written
    # Links to the chapter's pages go inside the PDF; only the title page's
    # "Online" link keeps the site's address.
    inside = [uri for uri in web if make_pdf.pdf_place(uri, cff["url"], paths) is not None]
    assert inside == [cff["url"]], inside
    assert cff["url"] in sheet_links(chapter, 0)[1]
    # The site's files that are not pages of the PDF keep their address.
    assert cff["url"] + "lab/attention-lab-student.ipynb" in web
    arxiv = re.compile(r'href="(https://arxiv\.org/[^"]+)"')
    references = set(arxiv.findall(page_html(built_site, "references/")))
    assert len(references) >= 5
    assert references <= set(web)


# The smallest median text size of a printed sheet: nothing printed shrunk to fit.
MIN_POINTS = 9.5
# Fewer characters than this on a sheet, and it holds no running text.
MIN_TEXT = 40


@pytest.mark.slow
@pytest.mark.browser
def test_every_sheet_prints_at_a_readable_size(chapter: Printed) -> None:
    printed = chapter
    small, measured = {}, 0
    for number, runs in enumerate(printed.runs):
        # The page number stamped at the foot is not the sheet's text (digits are left
        # out); a sheet that is all figure (its labels are drawn, not text) has no text
        # to measure.
        sizes = [run.size for run in runs if run.text.strip() and not run.text.isdigit()]
        if len(sizes) < MIN_TEXT:
            continue
        measured += 1
        if statistics.median(sizes) < MIN_POINTS:
            small[number + 1] = round(statistics.median(sizes), 2)
    assert not small, f"sheets whose median text is under {MIN_POINTS} pt: {small}"
    assert measured >= len(printed.runs) - 3


class _Paragraphs(HTMLParser):
    """The text of each paragraph of an HTML snippet."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self._open = False

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag == "p":
            self._open = True
            self.texts.append("")

    def handle_endtag(self, tag: str) -> None:
        self._open &= tag != "p"

    def handle_data(self, data: str) -> None:
        if self._open:
            self.texts[-1] += data


def widget_sentences() -> list[str]:
    """The opening words of every sentence the widgets' snippets write (introductions
    and fallbacks): none belongs on paper."""
    sentences = []
    for name in ("practice-attention", "practice-rnn2d", "window-converter", "rnn2d-explorer"):
        parser = _Paragraphs()
        parser.feed((ROOT / "docs" / "snippets" / f"{name}.html").read_text(encoding="utf-8"))
        sentences += [" ".join(flat(text).split()[:5]) for text in parser.texts]
    return sentences


@pytest.mark.slow
@pytest.mark.browser
def test_no_widget_reading_time_or_download_link_on_paper(chapter: Printed) -> None:
    body = " ".join(chapter.texts[2:])
    sentences = widget_sentences()
    assert len(sentences) >= 7
    # What the widgets' scripts draw: buttons, labels.
    for words in [*sentences, "New numbers", "minutes to read", "Download the chapter as PDF"]:
        assert words not in body, words
    assert "Open in Colab" not in body


# The theme's layout changes only at its breakpoints, 30em and 45em (480 and 720 px)
# among those a printed column could reach: a column between two of them is laid out
# like every other column there, only wider or narrower.
SAME_LAYOUT_PX = (480, 720)


def test_every_papers_column_is_laid_out_alike() -> None:
    """So the narrowest paper's column is the one a formula or table must fit."""
    for paper in make_pdf.PAPERS.values():
        assert SAME_LAYOUT_PX[0] <= paper.column_px() < SAME_LAYOUT_PX[1], paper


@pytest.mark.slow
@pytest.mark.browser
def test_every_formula_and_table_fits_the_printed_column(chapter: Printed) -> None:
    """make_pdf warns of a page wider than A4's column, or a formula drawn past its box
    or under make_pdf.MIN_ZOOM of its size to fit: printing the chapter, it warned of
    nothing. (Letter's column is wider and laid out alike: SAME_LAYOUT_PX.)"""
    assert "warning" not in chapter.log, chapter.log


@pytest.mark.slow
@pytest.mark.browser
def test_a_column_too_narrow_for_a_page_is_warned_of(built_site: Path, chromium) -> None:
    """The check above can fail: on A5, the page with the score formulas does not fit
    its column, and make_pdf's page printer says so."""
    paper = make_pdf.Paper("A5", 148, 210)
    context = chromium.new_context(color_scheme="light")
    with serve(built_site) as local:
        url = local + "efficient-attention/"
        pdf, unfit = make_pdf.print_site_page(context, url, local, local, [], [], paper)
    context.close()
    assert pdf.startswith(b"%PDF")
    assert any(what.startswith("page") and "px wide" in what for what in unfit), unfit


def page_html(site: Path, path: str) -> str:
    return (site / path / "index.html").read_text(encoding="utf-8")


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_publish_workflow_ships_the_pdf_at_the_site_root() -> None:
    text = (ROOT / ".github/workflows/pages.yml").read_text()
    build = text.index("mkdocs build --strict")
    pdf = text.index("scripts/make_pdf.py --site site --out site/chapter.pdf")
    upload = text.index("actions/upload-pages-artifact")
    assert build < pdf < upload


def _refused(result: subprocess.CompletedProcess, argument: str) -> None:
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and argument in lines[0], result.stderr


def test_refuses_an_out_in_a_missing_folder(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    result = run("--site", str(site), "--out", str(tmp_path / "nowhere" / "chapter.pdf"))
    _refused(result, "--out")
    assert not (tmp_path / "nowhere").exists()
    assert not any(site.iterdir()), "validated after building"


def test_refuses_an_out_that_is_a_folder(tmp_path: Path) -> None:
    _refused(run("--out", str(tmp_path)), "--out")
    assert list(tmp_path.iterdir()) == []


def test_refuses_an_empty_out() -> None:
    result = run("--out", "")
    _refused(result, "--out")
    assert "empty" in result.stderr


def test_refuses_a_symlink_and_leaves_its_target(tmp_path: Path) -> None:
    target = tmp_path / "notes.txt"
    target.write_text("keep me")
    link = tmp_path / "chapter.pdf"
    link.symlink_to(target)
    _refused(run("--out", str(link)), "--out")
    assert link.is_symlink() and target.read_text() == "keep me"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["chapter.pdf", "notes.txt"]


def test_refuses_a_fifo_and_leaves_it(tmp_path: Path) -> None:
    fifo = tmp_path / "chapter.pdf"
    os.mkfifo(fifo)
    _refused(run("--out", str(fifo)), "--out")
    assert stat.S_ISFIFO(fifo.lstat().st_mode)
    assert [p.name for p in tmp_path.iterdir()] == ["chapter.pdf"]


def test_refuses_a_read_only_out_before_printing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    out = tmp_path / "chapter.pdf"
    out.write_text("old\n")
    out.chmod(0o444)
    # Root may write any file, so access() is told the truth a user would meet.
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda p, mode: mode != os.W_OK and real_access(p, mode))
    monkeypatch.setattr(make_pdf, "built_site", lambda *a: pytest.fail("built before checking"))
    with pytest.raises(SystemExit) as exit_info:
        make_pdf.main(["--out", str(out)])
    assert exit_info.value.code == 2
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1 and "--out" in lines[0] and "read-only" in lines[0]
    assert out.read_text() == "old\n"


def test_what_the_column_cannot_hold_is_warned_of_and_the_pdf_still_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    """make_pdf's command names each page's problem on stderr, one line each, and
    writes the PDF all the same (what makes the list: test_a_column_too_narrow_...)."""
    out = tmp_path / "chapter.pdf"
    unfit = ["Home: page 700 px wide", "1 Efficient self-attention: formula s: 690 px"]
    # Nothing is printed: any file stands in for Chromium.
    monkeypatch.setattr(make_pdf, "CHROMIUM", Path(sys.executable))
    monkeypatch.setattr(make_pdf, "built_site", lambda *a: contextlib.nullcontext(tmp_path))
    monkeypatch.setattr(make_pdf, "make_pdf", lambda *a: (b"%PDF-1.7 stand-in", unfit))
    assert make_pdf.main(["--out", str(out), "--paper", "letter"]) == 0
    assert capsys.readouterr().err.splitlines() == [
        f"make_pdf.py: warning: {what} on letter's column" for what in unfit
    ]
    assert out.read_bytes() == b"%PDF-1.7 stand-in"


def test_refuses_to_run_without_chromium(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    monkeypatch.setattr(make_pdf, "CHROMIUM", tmp_path / "no-chromium")
    site = tmp_path / "site"
    site.mkdir()
    with pytest.raises(SystemExit) as exit_info:
        make_pdf.main(["--site", str(site), "--out", str(tmp_path / "chapter.pdf")])
    assert exit_info.value.code == 2
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1 and "Chromium" in lines[0]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]
    assert not any(site.iterdir())


def test_refuses_a_folder_of_other_files_as_site_and_keeps_them(tmp_path: Path) -> None:
    site = tmp_path / "work"
    site.mkdir()
    (site / "notes.txt").write_text("keep me")
    (site / "drafts").mkdir()
    result = run("--site", str(site), "--out", str(tmp_path / "chapter.pdf"))
    _refused(result, "--site")
    assert (site / "notes.txt").read_text() == "keep me"
    assert sorted(p.name for p in site.iterdir()) == ["drafts", "notes.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["work"]


@pytest.mark.parametrize(
    "args",
    [
        ["--out", "{tmp}/a.pdf", "--out", "{tmp}/b.pdf"],
        ["--out", "{tmp}/a.pdf", "--paper", "a4", "--paper", "letter"],
        ["--out", "{tmp}/a.pdf", "--site", "{tmp}/s", "--site", "{tmp}/t"],
    ],
)
def test_refuses_an_option_given_twice(
    args: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    # Without Chromium, so that an accepted command line stops before any work.
    monkeypatch.setattr(make_pdf, "CHROMIUM", tmp_path / "no-chromium")
    with pytest.raises(SystemExit) as exit_info:
        make_pdf.main([a.replace("{tmp}", str(tmp_path)) for a in args])
    assert exit_info.value.code == 2
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1 and "twice" in lines[0] and args[-2] in lines[0], lines
    assert list(tmp_path.iterdir()) == []


def test_refuses_an_unknown_paper(tmp_path: Path) -> None:
    result = run("--out", str(tmp_path / "chapter.pdf"), "--paper", "a5")
    _refused(result, "--paper")
    assert list(tmp_path.iterdir()) == []


def _stop_when(process: subprocess.Popen, ready, timeout: float = 120) -> None:
    """Wait until ready() is true while the process still runs; fail if it ends first."""
    import time

    def now_ready() -> bool:
        try:
            return ready()
        except FileNotFoundError:  # a folder removed while it was being listed
            return False

    deadline = time.monotonic() + timeout
    while not now_ready():
        if process.poll() is not None:
            pytest.fail(f"the run ended first: {process.communicate()[1][-3000:]}")
        assert time.monotonic() < deadline, "the run never reached the point to stop it at"
        time.sleep(0.2)


@pytest.mark.slow
@pytest.mark.parametrize("signal_name", ["SIGTERM", "SIGINT"])
def test_a_signal_while_building_removes_every_temporary_file(
    tmp_path: Path, signal_name: str
) -> None:
    import signal

    temporary = tmp_path / "tmp"
    temporary.mkdir()
    out = tmp_path / "chapter.pdf"
    process = subprocess.Popen(
        [sys.executable, str(SCRIPT), "--out", str(out)],
        env=dict(os.environ, TMPDIR=str(temporary)),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    # Mid-build: the site's folder has files in it.
    _stop_when(process, lambda: any(p.is_file() for p in temporary.rglob("*")))
    number = getattr(signal, signal_name)
    process.send_signal(number)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 128 + number, stderr
    assert len(stderr.splitlines()) == 1 and signal_name in stderr, stderr
    assert list(temporary.iterdir()) == [], "temporary files left behind"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tmp"]


@pytest.mark.slow
@pytest.mark.browser
def test_a_signal_while_printing_removes_every_temporary_file(
    built_site: Path, tmp_path: Path
) -> None:
    import signal

    require_chromium()
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    out = tmp_path / "chapter.pdf"
    # Chromium now and then aborts on its own before the first page on a loaded machine;
    # that run never reached the moment this test is about, so it is started again.
    for attempt in range(3):
        process = subprocess.Popen(
            [sys.executable, str(SCRIPT), "--site", str(built_site), "--out", str(out)],
            env=dict(os.environ, TMPDIR=str(temporary)),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            # Chromium is running: its profile is in the temporary folder.
            _stop_when(process, lambda: any("playwright" in p.name for p in temporary.rglob("*")))
            break
        except pytest.fail.Exception:
            if attempt == 2:
                raise
            shutil.rmtree(temporary)
            temporary.mkdir()
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 128 + signal.SIGTERM, stderr
    assert list(temporary.iterdir()) == [], "temporary files left behind"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tmp"]


def test_the_print_stylesheet_keeps_make_pdfs_margins() -> None:
    # Chromium takes a page's margins from its @page rule over the ones make_pdf asks
    # for; the formulas and tables are fitted to the column those margins leave.
    css = (ROOT / "docs" / "stylesheets" / "print.css").read_text(encoding="utf-8")
    margins = re.search(r"@page\s*\{\s*margin:\s*([^;]+);", css)[1].split()
    top, sides, bottom = (float(m.removesuffix("mm")) for m in margins)
    expected = make_pdf.MARGIN_MM
    assert (top, sides, sides, bottom) == tuple(
        expected[k] for k in ("top", "left", "right", "bottom")
    )
