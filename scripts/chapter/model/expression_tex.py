"""The registry's expressions written as the pages write math: TeX from an expression tree.

The widgets show a closed form, a row rule or a conversion as a formula drawn like the
page's own (chapter.site.explorer_data puts the TeX on the page for chapter.site.static_math
to draw). Writing the TeX from the very tree the widget evaluates keeps one formula in one
place: n * (s + 1) - s * (s + 1) / 2 becomes n(t'+1) - t'(t'+1)/2 with s shown as t'.
"""

from __future__ import annotations

import re

from chapter.model.expressions import Tree, expression_tree

# How tightly each operator binds; a tighter operand needs no parentheses. A remainder
# binds loosest of all, so that it is bracketed inside a sum, as in ((i - 1) mod w) + 1.
_MOD, _SUM, _PRODUCT, _POWER, _ATOM = 0, 1, 2, 3, 4
_COMMAND_END = re.compile(r"\\[A-Za-z]+$")
_COMPARE = {"<": "<", "<=": r"\le", "==": "=", ">=": r"\ge", ">": ">"}


def tex(text: str, names: dict[str, str] | None = None) -> str:
    """The TeX of a registry expression; `names` gives the page's symbol for a name."""
    return _tex(expression_tree(text), names or {})[0]


def _tex(tree: Tree, names: dict[str, str]) -> tuple[str, int]:
    """(TeX, how tightly it binds)."""
    if isinstance(tree, bool):
        return str(tree), _ATOM
    if isinstance(tree, int):
        return str(tree), _ATOM
    if isinstance(tree, str):
        return names.get(tree, tree), _ATOM
    op, *operands = tree
    parts = [_tex(operand, names) for operand in operands]
    if op in ("+", "-"):
        (a, a_level), (b, b_level) = parts
        # a - (b + c) keeps its brackets; a + b - c needs none.
        right = b if b_level > _SUM or (op == "+" and b_level == _SUM) else f"({b})"
        return f"{_wrap(a, a_level, _SUM)} {op} {right}", _SUM
    if op == "*":
        return _product(_factors(tree), names)
    if op == "/":
        (a, a_level), (b, b_level) = parts
        return f"{_wrap(a, a_level, _PRODUCT)}/{_wrap(b, b_level, _ATOM)}", _PRODUCT
    if op == "//":
        (a, a_level), (b, b_level) = parts
        return rf"\lfloor {_wrap(a, a_level, _PRODUCT)}/{_wrap(b, b_level, _ATOM)} \rfloor", _ATOM
    if op == "%":
        (a, a_level), (b, b_level) = parts
        return rf"{_wrap(a, a_level, _PRODUCT)} \bmod {_wrap(b, b_level, _PRODUCT)}", _MOD
    if op == "**":
        (a, a_level), (b, _) = parts
        return f"{_wrap(a, a_level, _ATOM)}^{{{b}}}", _POWER
    if op == "neg":
        ((a, a_level),) = parts
        return f"-{_wrap(a, a_level, _PRODUCT)}", _SUM
    if op in ("min", "max"):
        return rf"\{op}({', '.join(p for p, _ in parts)})", _ATOM
    if op == "comb":
        (a, _), (b, _) = parts
        return rf"\binom{{{a}}}{{{b}}}", _ATOM
    if op in _COMPARE:
        (a, _), (b, _) = parts
        return f"{a} {_COMPARE[op]} {b}", 0
    if op in ("and", "or"):
        word = r"\text{ and }" if op == "and" else r"\text{ or }"
        return word.join(_wrap(p, level, 1) for p, level in parts), 0
    raise ValueError(f"no TeX for operator {op!r}")


def _wrap(text: str, level: int, needed: int) -> str:
    return text if level >= needed else f"({text})"


def _factors(tree: Tree) -> list[Tree]:
    """The factors of a product, a * b * c read as one list."""
    if isinstance(tree, list) and tree[0] == "*":
        return [f for operand in tree[1:] for f in _factors(operand)]
    return [tree]


def _product(factors: list[Tree], names: dict[str, str]) -> tuple[str, int]:
    """Factors side by side, as 2h or n(n+1), a repeated name as a power (h^2); a dot
    before a number that is not first."""
    runs: list[tuple[Tree, int]] = []
    for factor in factors:
        if runs and runs[-1][0] == factor and isinstance(factor, str):
            runs[-1] = (factor, runs[-1][1] + 1)
        else:
            runs.append((factor, 1))
    if len(runs) == 1 and runs[0][1] > 1:
        return f"{names.get(runs[0][0], runs[0][0])}^{runs[0][1]}", _POWER
    out = ""
    for operand, power in runs:
        text, level = _tex(operand, names)
        text = _wrap(text, level, _PRODUCT) + (f"^{power}" if power > 1 else "")
        if out and (text[0].isdigit() or isinstance(operand, int)):
            out += r" \cdot "
        elif _COMMAND_END.search(out) and text[0].isalpha():
            out += " "
        out += text
    return out, _PRODUCT
