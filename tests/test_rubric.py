"""The rubric on the instructors page: every formula it gives for an answer or a reading
equals what the chapter's Python model computes, over many sizes."""

from __future__ import annotations

import re
from collections.abc import Callable
from fractions import Fraction
from itertools import product

import numpy as np
import pytest
from conftest import ROOT

from chapter.model import rnn2d
from chapter.model.attention import (
    causal_count,
    causal_mask,
    full_count,
    strided_count,
    windowed_mask,
)

PAGE = ROOT / "docs/instructors.md"
SIZES = range(1, 13)


def _rubric() -> str:
    text = PAGE.read_text(encoding="utf-8")
    return text[text.index("## Rubric") : text.index("## Grade the lab")]


def _item(label: str) -> str:
    """The rubric's table row of a part ("2(b)") or its bullet for a reading ("2(b) in")."""
    start = f"| {label} |" if re.fullmatch(r"\d\([a-c]\)", label) else f"- **{label}"
    found = [block for block in re.split(r"\n(?=- \*\*|\| )", _rubric()) if block.startswith(start)]
    assert len(found) == 1, f"{label}: {len(found)} items"
    return found[0]


_ENDS = set("abcdefghijklmnopqrstuvwxyz0123456789)")


def _python(tex: str) -> str:
    """A formula in the page's TeX as a Python expression: powers, and the products
    the TeX writes by juxtaposition (2hc, n(n + 1), n^2 h)."""
    tokens = re.findall(r"\d+|[a-z]|[-+/()^]", tex)
    assert "".join(tokens) == re.sub(r"\s+", "", tex), f"unread TeX in {tex!r}"
    out: list[str] = []
    for token in tokens:
        if out and out[-1][-1] in _ENDS and (token.isalnum() or token == "("):
            out.append("*")
        out.append("**" if token == "^" else f"F({token})" if token.isdigit() else token)
    return "".join(out)


def _value(tex: str, **sizes: int) -> Fraction:
    return eval(_python(tex), {"F": Fraction, "__builtins__": {}}, sizes)  # noqa: S307


def _union_count(n: int, w: int) -> int:
    """1(c) read as a union: every earlier key, and every key of the query's window."""
    window = windowed_mask(n, w)
    return int((causal_mask(n) | window | window.T).sum())


# (label of the item, its formula as the page writes it, the sizes it takes, the model)
FORMULAS: list[tuple[str, str, str, Callable[..., int]]] = [
    ("1(a)", "n(n+1)/2", "n", causal_count),
    ("1(b)", "n(t+1) - t(t+1)/2", "nt", lambda n, t: strided_count(n, t)),
    ("1(c)", "n(w+1)/2", "nw", lambda n, w: int(windowed_mask(n, w).sum())),
    (
        "1(b) with \\(t\\) as the whole window",
        "nt - t(t - 1)/2",
        "nt",
        lambda n, t: strided_count(n, t - 1),
    ),
    (
        "1(c) as full attention",
        "n w",
        "nw",
        lambda n, w: n // w * full_count(w),
    ),
    ("1(c) as a union", "n(n + w)/2", "nw", _union_count),
    ("2(a)", "hc + 2h^2", "ch", rnn2d.parameter_count),
    ("2(a) with a bias", "hc + 2h^2 + h", "ch", lambda c, h: rnn2d.parameter_count(c, h) + h),
    (
        "2(a) with weights counted per cell",
        "n^2 (hc + 2h^2)",
        "nch",
        lambda n, c, h: n * n * rnn2d.parameter_count(c, h),
    ),
    ("2(b)", "n^2 (2hc + 4h^2 - h)", "nch", rnn2d.operation_count),
    (
        "2(b) counting",
        "n^2 (2hc + 4h^2)",
        "nch",
        lambda n, c, h: rnn2d.operation_count(n, c, h) + rnn2d.nonlinearity_count(n, h),
    ),
    (
        "2(b) skipping the border",
        "n^2 (2hc + 4h^2 - h) - 4nh^2",
        "nch",
        lambda n, c, h: rnn2d.operation_count(n, c, h) - rnn2d.border_saving(n, h),
    ),
    ("2(b) multiply-adds", "n^2 (hc + 2h^2)", "nch", rnn2d.multiply_count),
    (
        "2(b) in FLOPs",
        "2n^2 (hc + 2h^2)",
        "nch",
        lambda n, c, h: 2 * rnn2d.multiply_count(n, c, h),
    ),
]


def _sizes(names: str) -> list[dict[str, int]]:
    cases = [dict(zip(names, values, strict=True)) for values in product(SIZES, repeat=len(names))]
    # Problem 1's questions hold for 1 <= t <= n - 1 (the t-window reading from t = 1)
    # and for windows that divide n.
    return [
        s for s in cases if "n" not in s or (s.get("t", 1) < s["n"] and s["n"] % s.get("w", 1) == 0)
    ]


@pytest.mark.parametrize(("label", "tex", "names", "model"), FORMULAS, ids=[f[0] for f in FORMULAS])
def test_rubric_formula_is_the_models_count(
    label: str, tex: str, names: str, model: Callable[..., int]
) -> None:
    # The formula, whole or as the result of a chain (a = b = tex).
    shown = re.search(rf"(\\\(|= ){re.escape(tex)}\\\)", _item(label))
    assert shown, f"{label} does not show {tex}"
    for sizes in _sizes(names):
        assert _value(tex, **sizes) == model(*sizes.values()), (label, sizes)


def test_union_reading_is_causal_plus_the_window_upper_triangles() -> None:
    # The union holds the causal triangle, plus w(w - 1)/2 later keys in each window.
    for n, w in [(12, 4), (12, 3), (8, 8), (5, 1)]:
        assert _union_count(n, w) == causal_count(n) + n // w * w * (w - 1) // 2


def test_tex_reader_multiplies_what_the_page_juxtaposes() -> None:
    assert _python("2n^2 (hc + 2h^2)") == "F(2)*n**F(2)*(h*c+F(2)*h**F(2))"
    assert _value("n(n + w)/2", n=12, w=4) == 96
    assert np.isclose(float(_value("nt - t(t - 1)/2", n=12, t=3)), 33)
