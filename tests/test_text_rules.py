"""House rules for the teaching text that a reader would trip over if they broke.

A collapsed solution is titled "Solution" and nothing more, and a symbol of the
notation page appears only in the parts of the chapter that the page lists for
it, so that no symbol takes a second meaning; every symbol a formula uses is on
that page. The notation table is the one place that says which symbol belongs where.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from conftest import ROOT

from chapter.site import notation_rows

DOCS = ROOT / "docs"
NOTATION = DOCS / "notation.md"
SNIPPETS = DOCS / "snippets"
# A Markdown snippet a page includes, and the leading number of a nav title ("1 ...",
# "1.2 ..."): the problem a page belongs to.
SNIPPET = re.compile(r'^\s*--8<-- "([^"]+\.md)"\s*$', re.M)
NAV_PROBLEM = re.compile(r"^(\d+)[.\s]")
PATTERN_SYMBOLS = "<!-- chapter:pattern-symbols -->"

MARKER = re.compile(r"<!--\s*chapter:.*?-->", re.S)
SOLUTION_TITLE = re.compile(r'^\s*\?\?\?\+?\s+success\b\s*(?:"([^"]*)")?', re.M)

# Commands whose brace argument is a word, not symbols.
TEXT_COMMANDS = {
    "text",
    "textbf",
    "mathrm",
    "mathbb",
    "mathit",
    "operatorname",
    "label",
    "tag",
    "eqref",
    "ref",
    "begin",
    "end",
}
GREEK = {
    "alpha",
    "beta",
    "gamma",
    "delta",
    "Delta",
    "epsilon",
    "kappa",
    "lambda",
    "mu",
    "pi",
    "rho",
    "sigma",
    "tau",
    "phi",
    "psi",
    "omega",
    "Theta",
}
COMMAND = re.compile(r"\\([A-Za-z]+)")
# A subscript made of these is an index (q_i, s_{ij}, i_0), not part of the symbol's name.
INDEX = re.compile(r"[ij0-9+\-,' ]*")


def _group(math: str, k: int) -> tuple[str, int]:
    """The brace group or single character at k (after spaces), and where it ends."""
    while k < len(math) and math[k] == " ":
        k += 1
    if k >= len(math):
        return "", k
    if math[k] != "{":
        return math[k], k + 1
    depth = 0
    for end in range(k, len(math)):
        depth += {"{": 1, "}": -1}.get(math[end], 0)
        if depth == 0:
            return math[k + 1 : end], end + 1
    return math[k + 1 :], len(math)


def symbols(math: str) -> list[str]:
    """The symbols a TeX formula uses: single letters, named subscripts kept (W_in,
    c_s), index subscripts dropped (q_i is q), Greek letters as commands (\\tau)."""
    found, k = [], 0
    while k < len(math):
        char = math[k]
        if char == "\\":
            command = COMMAND.match(math, k)
            if not command:
                k += 2
                continue
            k = command.end()
            if command.group(1) in TEXT_COMMANDS:
                _, k = _group(math, k)
            elif command.group(1) in GREEK:
                found.append("\\" + command.group(1))
            continue
        k += 1
        if not (char.isascii() and char.isalpha()):
            continue
        if math.startswith("_", k):
            sub, end = _group(math, k + 1)
            name = re.sub(r"\\[A-Za-z]+|[{} ]", "", sub)
            if not INDEX.fullmatch(name):
                found.append(f"{char}_{name}")
                k = end
                continue
        found.append(char)
    return found


def math_spans(text: str, dollars: bool = False) -> list[str]:
    """The formulas of a Markdown text, code left out."""
    text = re.sub(r"^\s*(```|~~~).*?^\s*\1", "", text, flags=re.S | re.M)
    text = re.sub(r"`[^`\n]*`", "", text)
    patterns = [r"\\\((.+?)\\\)", r"\\\[(.+?)\\\]"]
    if dollars:
        patterns += [r"\$\$(.+?)\$\$", r"(?<!\$)\$([^$]+?)\$(?!\$)"]
    return [m for pattern in patterns for m in re.findall(pattern, text, re.S)]


def lab_parts(notebook: Path) -> dict[str, str]:
    """A lab notebook's Markdown cells, split into parts A-B (attention) and C (the 2D RNN)."""
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    parts, current = {"lab A–B": [], "lab C": []}, "lab A–B"
    for cell in cells:
        if cell["cell_type"] != "markdown":
            continue
        source = "".join(cell["source"])
        heading = re.match(r"## (\S+)", source)
        if heading:
            current = {"A.": "lab A–B", "B.": "lab A–B", "C.": "lab C"}.get(heading.group(1))
        if current:
            parts[current].append(source)
    return {name: "\n\n".join(texts) for name, texts in parts.items()}


def nav_pages(items: list) -> Iterator[tuple[str, str]]:
    """(nav title, page) for every page of mkdocs.yml's nav, in order."""
    for item in items:
        for title, value in item.items() if isinstance(item, dict) else [("", item)]:
            if isinstance(value, list):
                yield from nav_pages(value)
            else:
                yield title, value


def page_markdown(path: Path) -> str:
    """A page's Markdown with the Markdown snippets it includes inlined."""
    text = path.read_text(encoding="utf-8")
    return SNIPPET.sub(lambda m: page_markdown(SNIPPETS / m[1]), text)


def place_texts() -> dict[str, list[str]]:
    """The formulas of each part of the chapter that the notation table names: Problem K
    is every page whose nav title starts with K, and the lab parts come from its notebooks."""
    nav = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))["nav"]
    places: dict[str, list[str]] = {}
    for title, name in nav_pages(nav):
        problem = NAV_PROBLEM.match(title)
        if name.endswith(".ipynb"):
            for part, text in lab_parts(DOCS / name).items():
                places.setdefault(part, []).extend(math_spans(text, dollars=True))
        elif problem:
            # A marker in a formula is a number the build fills in, not a symbol.
            text = MARKER.sub("", page_markdown(DOCS / name))
            places.setdefault(f"Problem {problem[1]}", []).extend(math_spans(text))
    return places


PLACES = sorted(place_texts())


def notation_markdown() -> str:
    """The notation page with the rows the registry adds to its table."""
    text = NOTATION.read_text(encoding="utf-8")
    return text.replace(PATTERN_SYMBOLS, notation_rows.rows(text))


def table_rows(markdown: str) -> list[list[str]]:
    """The cells of each row of the notation table: symbol, meaning, first use, parts."""
    rows = [
        [c.strip() for c in line.strip().strip("|").split("|")] for line in markdown.splitlines()
    ]
    return [cells for cells in rows if len(cells) == 4 and cells[0].startswith("\\(")]


def notation_table() -> dict[str, set[str]]:
    """Symbol -> the parts of the chapter where the notation page allows it."""
    allowed: dict[str, set[str]] = {}
    for cells in table_rows(notation_markdown()):
        where = {p.strip() for p in cells[3].split(",")}
        for math in math_spans(cells[0]):
            for symbol in symbols(math):
                allowed.setdefault(symbol, set()).update(where)
    return allowed


def local_letters() -> dict[str, set[str]]:
    """Part -> the letters the notation page lists as used for one derivation only there,
    plus the standard notation it names (O, e, ...), which every part may use."""
    text = NOTATION.read_text(encoding="utf-8")
    standard = re.search(r"^Standard notation has no row:(.*?)(?:\n\n|\Z)", text, re.S | re.M)
    everywhere = {
        s for math in math_spans(standard.group(1) if standard else "") for s in symbols(math)
    }
    letters = {}
    for part, listed in re.findall(
        r"^- ((?:Problem \d|lab [A-C–]+)): (.*?)(?=^- |^$)", text, re.S | re.M
    ):
        letters[part] = everywhere | {s for math in math_spans(listed) for s in symbols(math)}
    return letters


def test_symbol_reader() -> None:
    score = r"s_{ij} = \frac{q_i \cdot k_j}{\sqrt{d}}"
    assert symbols(score) == ["s", "i", "j", "q", "i", "k", "j", "d"]
    assert symbols(r"W_{\mathrm{in}}\, x^{i,j} + c_s") == ["W_in", "x", "i", "j", "c_s"]
    assert symbols(r"\tau = i + j - 1, \text{ steps } \Delta i") == [
        "\\tau",
        "i",
        "j",
        "\\Delta",
        "i",
    ]


def test_notation_table_names_known_places_and_the_key_symbols() -> None:
    allowed = notation_table()
    known = set(place_texts())
    for symbol, where in allowed.items():
        assert where <= known, f"notation table: {symbol} listed for unknown parts {where - known}"
    for symbol in ("n", "t", "d", "q", "k", "s", "w", "h", "c", "\\tau", "c_s"):
        assert symbol in allowed, f"notation table has no row for {symbol}"


@pytest.mark.parametrize("place", PLACES)
def test_symbols_keep_one_meaning(place: str) -> None:
    allowed = notation_table()
    misused = sorted(
        {
            f"{symbol} in \\({math.strip()[:50]}\\)"
            for math in place_texts()[place]
            for symbol in symbols(math)
            if symbol in allowed and place not in allowed[symbol]
        }
    )
    assert not misused, f"{place} uses symbols the notation page keeps elsewhere: {misused}"


@pytest.mark.parametrize("place", PLACES)
def test_every_symbol_is_on_the_notation_page(place: str) -> None:
    known = set(notation_table()) | local_letters().get(place, set())
    missing = sorted(
        {
            f"{symbol} in \\({math.strip()[:50]}\\)"
            for math in place_texts()[place]
            for symbol in symbols(math)
            if symbol not in known
        }
    )
    assert not missing, f"{place} uses symbols the notation page does not list: {missing}"


@pytest.mark.parametrize(
    "path", sorted(p.relative_to(DOCS).as_posix() for p in DOCS.rglob("*.md")), ids=str
)
def test_collapsed_solutions_are_titled_solution(path: str) -> None:
    text = (DOCS / path).read_text(encoding="utf-8")
    titles = [m.group(1) for m in SOLUTION_TITLE.finditer(text)]
    spoilers = [title for title in titles if title != "Solution"]
    assert not spoilers, f"{path}: a solution title gives more than 'Solution': {spoilers}"


def test_the_attention_benchmark_names_the_kernels_in_one_order() -> None:
    """Windowed first, sliding window second, as the tiles table lists them, in every
    sentence that names both, so that "A and B" pairs read the same way throughout."""
    text = MARKER.sub("", (DOCS / "snippets/attention-benchmark.md").read_text(encoding="utf-8"))
    flat = " ".join(re.sub(r"^```.*?^```", "", text, flags=re.S | re.M).split())
    for sentence in re.split(r"(?<=[.!?:;])\s+(?=[A-Z\\`(!])|\s*///\s*", flat):
        windowed = re.search(r"\bwindowed\b", sentence, re.I)
        sliding = re.search(r"\bsliding[- ]window\b", sentence, re.I)
        if windowed and sliding:
            assert windowed.start() < sliding.start(), f"sliding window named first: {sentence}"
