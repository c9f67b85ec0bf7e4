"""The widgets write the registry's expressions as the pages write math: TeX drawn at build
time, never Python syntax, and the same TeX the pages use where they state the rule. The
TeX an entry holds for the pages, read back, gives the numbers of its expressions."""

from __future__ import annotations

import re

import pytest
from registry_cases import explorer_params

from chapter.model.attention import PATTERNS, WINDOW_NAMES
from chapter.model.expression_tex import tex
from chapter.model.expressions import evaluate, expression_tree
from chapter.site.explorer_data import WIDGETS, _tex_in


def plain(text: str) -> str:
    """TeX without its spaces, which do not change what is drawn."""
    return re.sub(r"\s|\\,", "", text)


@pytest.mark.parametrize("pattern", PATTERNS.values(), ids=lambda p: p.name)
def test_row_rules_read_as_the_pages_write_them(pattern) -> None:
    """Each row rule's TeX is the one Table 1.1 shows, written by hand in the registry."""
    assert plain(tex(pattern.row_rule, dict(pattern.symbols))) == plain(pattern.row_tex)


# The closed forms the explorer shows, as the pages write them: t' = min(t, n - 1) on
# the Problem 1 page, and the windowed count of a window that need not divide n.
CLOSED = {
    "full": "n^2",
    "causal": "n(n+1)/2",
    "strided": "n(t'+1)-t'(t'+1)/2",
    "windowed": r"\lfloorn/w\rfloorw(w+1)/2+r(r+1)/2",
}


@pytest.mark.parametrize(("name", "page_tex"), CLOSED.items())
def test_closed_forms_read_as_the_pages_write_them(name: str, page_tex: str) -> None:
    pattern = PATTERNS[name]
    assert plain(tex(pattern.closed_form, dict(pattern.symbols))) == page_tex


TEX_TOKEN = re.compile(r"\\(lfloor|rfloor|bmod|min|max|cdot|,)|([a-z]'?)|(\d+)|(\S)")
TEX_COMMANDS = {"lfloor": "((", "rfloor": ") // 1)", "bmod": ") % (", "cdot": "*", ",": ""}


def tex_expression(text: str) -> str:
    """The registry's TeX read back as an expression: products side by side, /, \\lfloor
    and \\rfloor, \\min and \\max, and \\bmod between the two sides of its bracket (or of
    the formula), as the registry writes it; anything else is an error."""
    out: list[str] = []
    for command, name, number, char in TEX_TOKEN.findall(text):
        if char and char not in "+-/(),^":
            raise ValueError(f"no expression for {char!r} in {text!r}")
        token = TEX_COMMANDS.get(command, command) or name.replace("'", "_") or number
        token = token or {"^": "**"}.get(char, char)
        if not token:  # a thin space
            continue
        ends = (
            out and (out[-1][-1].isalnum() or out[-1][-1] == ")") and out[-1] not in ("min", "max")
        )
        if ends and token and (token[0].isalnum() or token[0] == "("):
            out.append("*")  # side by side: a product
        out.append(token)
    return "(" + "".join(out) + ")"


def test_tex_reads_back() -> None:
    assert tex_expression(r"c\,(l\,q(q-1)/2 + r q)") == "(c*(l*q*(q-1)/2+r*q))"
    assert tex_expression(r"((i-1) \bmod w) + 1") == "(((i-1)) % (w)+1)"
    assert tex_expression(r"\min(i, t') + c \lfloor n/l \rfloor") == "(min(i,t_)+c*((n/l) // 1))"
    with pytest.raises(ValueError, match="sqrt"):
        tex_expression(r"\sqrt{n}")


@pytest.mark.parametrize("pattern", PATTERNS.values(), ids=lambda p: p.name)
def test_the_pages_tex_is_the_registry_expression(pattern) -> None:
    """The hand-written TeX of each count and row rule, read back, gives the registry's
    numbers wherever the entry says it holds (the strided count's TeX for t <= n - 1)."""
    count_tree, row_tree = (
        expression_tree(tex_expression(t)) for t in (pattern.tex, pattern.row_tex)
    )
    names = dict(pattern.symbols)
    checked = 0
    combos = explorer_params(pattern)
    for params in combos[:: max(1, len(combos) // 10)]:
        for n in (*range(1, 14), 17, 24, 40):
            env = {"n": n, **params}
            for name, text in pattern.where:
                env[names.get(name, name).replace("'", "_")] = env[name] = evaluate(
                    expression_tree(text), env
                )
            if not evaluate(expression_tree(pattern.tex_holds), env):
                continue
            checked += 1
            assert evaluate(count_tree, env) == pattern.count(n, **params), (n, params)
            for i in range(1, n + 1):
                assert evaluate(row_tree, {**env, "i": i}) == pattern.row_count(i, n, **params)
    assert checked >= 10, "the TeX was checked at too few points"


def test_conversions_use_the_pages_floor() -> None:
    assert [tex(row.t) for row in WINDOW_NAMES if row.even] == [r"\lfloor W/2 \rfloor"]


def test_no_widget_formula_is_written_in_python() -> None:
    """No *, //, %, ** or bare min( in any formula a widget shows."""
    formulas = {t for data in WIDGETS.values() for t in _tex_in(data())}
    assert len(formulas) >= 15
    python = re.compile(r"\*|//|%|(?<!\\)\b(min|max)\(")
    assert not [t for t in formulas if python.search(t)]
