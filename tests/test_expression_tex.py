"""The widgets write the registry's expressions as the pages write math: TeX drawn at build
time, never Python syntax, and the same TeX the pages use where they state the rule."""

from __future__ import annotations

import re

import pytest

from chapter.model.attention import PATTERNS, WINDOW_NAMES
from chapter.model.expression_tex import tex
from chapter.site.explorer_data import WIDGETS, _tex_in


def plain(text: str) -> str:
    """TeX without its spaces, which do not change what is drawn."""
    return re.sub(r"\s|\\,", "", text)


@pytest.mark.parametrize("pattern", PATTERNS.values(), ids=lambda p: p.name)
def test_row_rules_read_as_the_pages_write_them(pattern) -> None:
    """Each row rule's TeX is the one Table 1.1 shows, written by hand in the registry."""
    assert plain(tex(pattern.row_rule, dict(pattern.symbols))) == plain(pattern.row_tex)


# The closed forms the explorer evaluates, as the pages write them: t' = min(t, n - 1) on
# the Problem 1 page, and the windowed count of a window that need not divide n.
CLOSED = {
    "full": "n^2",
    "causal": "n(n+1)/2",
    "strided": "n(t'+1)-t'(t'+1)/2",
    "windowed": r"\lfloorn/w\rfloorw(w+1)/2+r(r+1)/2",
    "sparse-strided": plain(PATTERNS["sparse-strided"].tex),
    "sparse-fixed": plain(PATTERNS["sparse-fixed"].tex),
}


@pytest.mark.parametrize("pattern", PATTERNS.values(), ids=lambda p: p.name)
def test_closed_forms_read_as_the_pages_write_them(pattern) -> None:
    assert plain(tex(pattern.closed_form, dict(pattern.symbols))) == CLOSED[pattern.name]


def test_conversions_use_the_pages_floor() -> None:
    assert [tex(row.t) for row in WINDOW_NAMES if row.even] == [r"\lfloor W/2 \rfloor"]


def test_no_widget_formula_is_written_in_python() -> None:
    """No *, //, %, ** or bare min( in any formula a widget shows."""
    formulas = {t for data in WIDGETS.values() for t in _tex_in(data())}
    assert len(formulas) >= 15
    python = re.compile(r"\*|//|%|(?<!\\)\b(min|max)\(")
    assert not [t for t in formulas if python.search(t)]
