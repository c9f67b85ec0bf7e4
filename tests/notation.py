"""How the pages write math, read the way the notation page's rules need it: the symbols
of a TeX formula, the formulas of each part of the chapter (its pages from the nav), the
notation table with the rows the registry adds, and the clashes between a pattern's
names and the symbols the chapter already uses."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import yaml
from conftest import ROOT

from chapter.model.attention import PATTERNS, Pattern
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


def site_nav() -> list:
    """mkdocs.yml's nav."""
    return yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))["nav"]


def place_texts(nav: list | None = None, docs: Path = DOCS) -> dict[str, list[str]]:
    """The formulas of each part of the chapter that the notation table names: Problem K
    is every page whose nav title starts with K, and the lab parts come from its notebooks."""
    places: dict[str, list[str]] = {}
    for title, name in nav_pages(site_nav() if nav is None else nav):
        problem = NAV_PROBLEM.match(title)
        if name.endswith(".ipynb"):
            for part, text in lab_parts(docs / name).items():
                places.setdefault(part, []).extend(math_spans(text, dollars=True))
        elif problem:
            # A marker in a formula is a number the build fills in, not a symbol.
            text = MARKER.sub("", page_markdown(docs / name))
            places.setdefault(f"Problem {problem[1]}", []).extend(math_spans(text))
    return places


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


def notation_meanings() -> dict[str, str]:
    """Symbol -> its meaning, as the notation page's own rows give it."""
    return {
        symbol: cells[1]
        for cells in table_rows(NOTATION.read_text(encoding="utf-8"))
        for math in math_spans(cells[0])
        for symbol in symbols(math)
    }


def helper_symbol(pattern: Pattern, name: str) -> str:
    """How the pages write one of a pattern's helper names (s of the strided count is t')."""
    return dict(pattern.symbols).get(name, name)


def symbol_collisions(pattern: Pattern) -> list[str]:
    """Where a pattern's parameters and helper names, as the pages write them, take a
    symbol the chapter already gives another meaning; empty when none does.

    A parameter's symbol may be on the notation page only in a row of its own (a row
    whose meaning starts with the parameter's label, as "look-back" for t) and never among
    the letters of one derivation; a helper name is never a parameter's symbol, n, i or j.
    """
    meanings, letters = notation_meanings(), local_letters()
    params: dict[str, set] = {}
    for other in PATTERNS.values():
        for p in other.params:
            params.setdefault(p.page_symbol, set()).add(p)
    helpers = {
        helper_symbol(other, name): other.name
        for other in PATTERNS.values()
        for name, _ in other.where
    }
    found = []
    for p in pattern.params:
        symbol, word = p.page_symbol, p.label.split()[0].lower()
        if len(params[symbol]) > 1:
            found.append(f"{symbol}: the symbol of {len(params[symbol])} different parameters")
        parts = sorted(part for part, used in letters.items() if symbol in used)
        if parts:
            found.append(f"{symbol}: already a letter of its own in {', '.join(parts)}")
        meaning = meanings.get(symbol)
        if meaning is not None and not meaning.lower().startswith(word):
            found.append(f"{symbol}: means {meaning!r} on the notation page")
        if symbol in helpers:
            found.append(f"{symbol}: a helper name of the {helpers[symbol]} pattern")
    for name, _ in pattern.where:
        symbol = helper_symbol(pattern, name)
        if symbol in params or symbol in ("n", "i", "j"):
            found.append(f"{symbol}: a helper name that is written as a parameter")
    return found
