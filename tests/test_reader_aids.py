"""The reader aids: glossary hover text and list, reading time, version footer, report link."""

from __future__ import annotations

import re
import textwrap
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml
from conftest import ROOT, build_site, stage_hooks
from mkdocs.exceptions import PluginError

from chapter.site import glossary, reading_time

GLOSSARY_FILE = ROOT / "docs/snippets/glossary.md"
ABBR = re.compile(r"<abbr\b[^>]*>")
# Elements that must never hold glossary hover text.
ABBR_FREE = re.compile(
    r"<(h[1-6]|a|code|pre|summary|dt)\b[^>]*>(?:(?!</\1>).)*?<abbr\b"
    r'|<(span|div) class="arithmatex">(?:(?!</\2>).)*?<abbr\b',
    re.S,
)


def citation() -> dict:
    return yaml.safe_load((ROOT / "CITATION.cff").read_text())


def site_pages(site: Path) -> list[Path]:
    """Every HTML page of the built site, the 404 page included."""
    return sorted(p for p in site.rglob("*.html") if "assets" not in p.relative_to(site).parts)


def nav_pages(site: Path) -> dict[str, Path]:
    """Each page in the sitemap (every page of the nav): published URL -> built file."""
    locs = re.findall(r"<loc>([^<]+)</loc>", (site / "sitemap.xml").read_text())
    prefix = locs[0]
    return {loc: site / loc.removeprefix(prefix) / "index.html" for loc in locs}


class _Links(HTMLParser):
    """Every <a>'s attributes and visible text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[tuple[dict[str, str], str]] = []
        self._open: dict[str, str] | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self._open, self._text = {k: v or "" for k, v in attrs}, []

    def handle_data(self, data: str) -> None:
        if self._open is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._open is not None:
            self.links.append((self._open, " ".join("".join(self._text).split())))
            self._open = None


def report_links(html: str) -> list[tuple[dict[str, str], str]]:
    parser = _Links()
    parser.feed(html)
    return [(a, text) for a, text in parser.links if "report-mistake" in a.get("class", "")]


def abbreviated(html: str) -> list[str]:
    """The words that carry hover text, in order."""
    return re.findall(r"<abbr[^>]*>([^<]*)</abbr>", html)


# The glossary -------------------------------------------------------------


def test_glossary_defines_each_term_once(tmp_path: Path) -> None:
    terms = glossary.read_glossary(GLOSSARY_FILE)
    assert {"causal", "wavefront", "anti-diagonal", "softmax", "look-back"} <= set(terms)
    doubled = tmp_path / "glossary.md"
    doubled.write_text(GLOSSARY_FILE.read_text() + "*[Wavefront]: A second definition.\n")
    with pytest.raises(PluginError, match="defined twice"):
        glossary.read_glossary(doubled)


def test_glossary_definitions_write_symbols_as_a_reader_sees_them() -> None:
    # Hover text is plain text: k_j or s_{ij} would show as typed, not as the page's kⱼ.
    markup = re.compile(r"[_^\\{}$]")
    raw = {
        term: text
        for term, text in glossary.read_glossary(GLOSSARY_FILE).items()
        if markup.search(text)
    }
    assert not raw, f"TeX-like markup in hover text: {raw}"


def test_glossary_covers_plurals_and_capitals() -> None:
    spelled = glossary.forms(
        {"query": "Q.", "FLOP": "F.", "softmax": "S.", "key": "K.", "sliding window": "W."}
    )
    assert {
        "query",
        "queries",
        "Query",
        "Queries",
        "FLOPs",
        "softmaxes",
        "Keys",
        "sliding-window",
        "Sliding windows",
    } <= set(spelled)
    assert spelled["Queries"] == "Q."


@pytest.mark.slow
def test_glossary_hook_on_a_fixture_project(tmp_path: Path) -> None:
    project = tmp_path / "project"
    (project / "docs/snippets").mkdir(parents=True)
    (project / "docs/snippets/glossary.md").write_text(GLOSSARY_FILE.read_text())
    (project / "mkdocs.yml").write_text(
        textwrap.dedent(f"""\
        site_name: Glossary fixture
        theme:
          name: material
        exclude_docs: snippets/
        hooks: [{stage_hooks(project, "glossary", "markers")}]
        markdown_extensions:
          - abbr
          - pymdownx.arithmatex:
              generic: true
          - pymdownx.superfences
          - toc:
              permalink: true
        """)
    )
    (project / "docs/index.md").write_text(
        textwrap.dedent("""\
        # Causal attention and the wavefront

        Causal masks compute fewer scores than a full mask, see the
        [wavefront section](#the-wavefront) and `key`.

        \\(query \\cdot key\\) and the wavefront.

        ## The wavefront

        The wavefront and the wavefront again, one anti-diagonal at a time.

        ```python
        query = key
        ```

        ## Glossary
        <!-- chapter:glossary -->
        """)
    )
    result = build_site(tmp_path / "out", project)
    assert result.returncode == 0, result.stdout + result.stderr
    page = (tmp_path / "out/index.html").read_text()
    content = page[page.index("<article") : page.index("</article>")]
    assert not ABBR_FREE.search(content), ABBR_FREE.search(content).group(0)
    first, second, listed = re.split(r"<h2\b", content)
    # Not in the title, the link, the code or the math; "mask" after "masks" is a repeat.
    assert abbreviated(first) == ["Causal", "masks", "scores", "wavefront"]
    assert abbreviated(second) == ["wavefront", "anti-diagonal"]
    terms = glossary.read_glossary(GLOSSARY_FILE)
    listed_terms = re.findall(r'<dt id="glossary-[a-z-]+">([^<]+)</dt>', listed)
    assert listed_terms == sorted(terms, key=str.casefold)


@pytest.mark.slow
def test_glossary_hover_text_stays_out_of_titles_links_code_and_math(built_site: Path) -> None:
    for page in site_pages(built_site):
        html = page.read_text()
        found = ABBR_FREE.search(html)
        assert not found, f"{page.relative_to(built_site)}: {found.group(0)[-200:]}"
    chapter = (built_site / "efficient-attention/index.html").read_text()
    assert ABBR.search(chapter), "the chapter page shows no glossary hover text"


# Reading time ---------------------------------------------------------------


def test_prose_words_leave_out_code_and_math() -> None:
    html = (
        "<h1>Two words</h1><p>and three <code>a b c</code> more "
        '<span class="arithmatex">\\(x + y\\)</span> $z$ words</p><pre>d e f</pre>'
    )
    assert reading_time.prose_words(html) == 6
    assert reading_time.reading_minutes(1) == 1
    assert reading_time.reading_minutes(reading_time.WORDS_PER_MINUTE + 1) == 2


@pytest.mark.slow
def test_every_nav_page_states_its_reading_time(built_site: Path) -> None:
    for url, page in nav_pages(built_site).items():
        html = page.read_text()
        found = re.findall(r'</h1><p class="reading-time"[^>]*>About \d+ minutes? to read<', html)
        assert len(found) == 1, f"{url}: no reading time under the title"
    chapter = (built_site / "efficient-attention/index.html").read_text()
    minutes = int(re.search(r"About (\d+) minutes to read", chapter).group(1))
    assert 5 <= minutes <= 60, f"the first chapter reads in {minutes} minutes?"
    assert "reading-time" not in (built_site / "404.html").read_text()
    assert "minutes to read" not in (built_site / "search/search_index.json").read_text()


# Version footer and report link --------------------------------------------


@pytest.mark.slow
def test_every_page_footer_states_the_citation_version(built_site: Path) -> None:
    cff = citation()
    expected = f"Version {cff['version']}, {cff['date-released']}"
    pages = site_pages(built_site)
    assert built_site / "404.html" in pages
    for page in pages:
        footer = re.search(r'<p class="chapter-version">(.*?)</p>', page.read_text(), re.S)
        assert footer, f"{page.relative_to(built_site)}: no version in the footer"
        stated = " ".join(re.sub(r"<[^>]+>", " ", footer.group(1)).split())
        assert stated.startswith(expected + ":"), (
            f"{page.relative_to(built_site)} says {stated!r}, CITATION.cff {expected!r}"
        )


@pytest.mark.slow
def test_report_link_names_its_own_page(built_site: Path) -> None:
    repo = citation()["repository-code"]
    for url, page in nav_pages(built_site).items():
        links = report_links(page.read_text())
        assert len(links) == 1, f"{url}: {len(links)} report links"
        attrs, text = links[0]
        assert text == "Report a mistake on this page"
        address = urlsplit(attrs["href"])
        assert f"{address.scheme}://{address.netloc}{address.path}" == f"{repo}/issues/new"
        query = parse_qs(address.query, strict_parsing=True)
        assert f"Page: {url}\n" in query["body"][0], f"{url}: report link names another page"
        assert "target" not in attrs and "tabindex" not in attrs, "keep the link a plain link"


def test_changelog_opens_with_the_citation_version() -> None:
    cff = citation()
    changelog = (ROOT / "docs/changelog.md").read_text()
    newest = re.search(r"^### (\S+) \((\d{4}-\d\d-\d\d)\)$", changelog, re.M)
    assert newest.groups() == (str(cff["version"]), str(cff["date-released"]))


@pytest.mark.slow
def test_footer_links_the_changelog_from_every_page(built_site: Path) -> None:
    # A template link escapes --strict's link check, so check where it lands.
    for url, page in nav_pages(built_site).items():
        footer = re.search(r'<p class="chapter-version">(.*?)</p>', page.read_text(), re.S)
        href = re.search(r'<a href="([^"]+)">updates and corrections</a>', footer.group(1))[1]
        target = (page.parent / href / "index.html").resolve()
        assert target == (built_site / "changelog/index.html").resolve(), f"{url}: {href}"
