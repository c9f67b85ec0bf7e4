"""House rules for the teaching text that a reader would trip over if they broke.

A collapsed solution is titled "Solution" and nothing more, and a symbol of the
notation page appears only in the parts of the chapter that the page lists for
it, so that no symbol takes a second meaning; every symbol a formula uses is on
that page. The notation table is the one place that says which symbol belongs where.
"""

from __future__ import annotations

import re

import pytest
from notation import (
    DOCS,
    MARKER,
    local_letters,
    notation_table,
    place_texts,
    symbols,
)

SOLUTION_TITLE = re.compile(r'^\s*\?\?\?\+?\s+success\b\s*(?:"([^"]*)")?', re.M)


PLACES = sorted(place_texts())


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
