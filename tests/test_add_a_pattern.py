"""A new attention pattern is one registry entry: register a throw-away one and every
consumer finds it, the grid command, the explorer's data, the patterns table, the
practice pool, the notation page and its check (pages from the nav) and the figures'
heads. A consumer that keeps a list of patterns of its own fails here."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from notation import (
    DOCS,
    local_letters,
    math_spans,
    notation_table,
    place_texts,
    site_nav,
    symbol_collisions,
    symbols,
)

from chapter.figures.attention import Grid, layers
from chapter.model.attention import (
    PATTERNS,
    TABLE_N,
    Head,
    Param,
    Pattern,
    Practice,
    markdown_table,
)
from chapter.model.expressions import evaluate
from chapter.model.practice import answer, every_draw, mistakes, practice_data, questions
from chapter.site import notation_rows
from chapter.site.explorer_data import explorer_data


def free_letter() -> str:
    """A letter no pattern, notation row or derivation of the chapter uses yet."""
    used = set(notation_table()).union(*local_letters().values())
    for pattern in PATTERNS.values():
        used |= {p.page_symbol for p in pattern.params} | {name for name, _ in pattern.where}
    return next(c for c in "zyxvukhgfb" if c not in used | {"n", "i", "j"})


# Every g-th earlier key, back to the first: the token itself and a dilated look-back,
# with g a letter nothing else uses, so that real patterns added later leave it free.
G = free_letter()
GAP = Param(G, f"Gap {G}", 1, 2, "distance between two keys a token sees")
DILATED = Pattern(
    name="throwaway-dilated",
    label="Throw-away dilated",
    params=(GAP,),
    rule=f"j <= i and (i - j) % {G} == 0",
    closed_form=f"n + {G} * q * (q - 1) / 2 + r * q",
    where=(("q", f"n // {G}"), ("r", f"n % {G}")),
    row_rule=f"(i - 1) // {G} + 1",
    tex=rf"n + {G}\,q(q-1)/2 + r q",
    row_tex=rf"\lfloor (i-1)/{G} \rfloor + 1",
    time_tex=rf"\Theta(n^2 d/{G})",
    memory_tex=rf"\Theta(n^2/{G})",
    heads=(
        Head("the token itself", "j == i"),
        Head("every earlier key a gap apart", f"j < i and (i - j) % {G} == 0"),
    ),
    tables={"glance": {G: 2}},
    practice=Practice(
        "Row i sees itself and every key a whole number of gaps before it.",
        (("n * n", "That is full attention: a row sees only some earlier keys."),),
    ),
)
# The page text and nav line of the checklist: a page of Problem 1.
PAGE = rf"""# Throw-away dilated attention

Row \(i\) computes \(\lfloor (i-1)/{G} \rfloor + 1\) scores.
"""
NAV_LINE = {"1.1 Throw-away dilated attention": "throwaway-dilated.md"}


@pytest.fixture
def dilated(monkeypatch: pytest.MonkeyPatch) -> Pattern:
    monkeypatch.setitem(PATTERNS, DILATED.name, DILATED)
    return DILATED


def test_the_entry_counts_its_own_mask() -> None:
    for g in range(1, 6):
        for n in range(1, 25):
            mask = DILATED.mask(n, g)
            assert mask.sum() == DILATED.count(n, g), (n, g)
            rows = [DILATED.row_count(i, n, g) for i in range(1, n + 1)]
            assert mask.sum(axis=1).tolist() == rows, (n, g)


def test_the_grid_command_offers_counts_and_draws_it(dilated: Pattern, command) -> None:
    status, out, _ = command("attention_grid", ["--help"])
    assert status == 0 and dilated.name in out and f"--{G}" in out
    args = ["--pattern", dilated.name, "--n", "12", f"--{G}", "2", "--out", "grid.svg"]
    status, out, err = command("attention_grid", args)
    assert status == 0, err
    assert out.splitlines()[-1] == str(dilated.count(12, 2))
    status, _, err = command("attention_grid", ["--pattern", dilated.name, "--n", "12"])
    assert status == 2 and f"--{G}" in err


def test_the_figures_draw_its_heads(dilated: Pattern) -> None:
    grid = Grid(dilated.name, 12, {G: 2})
    drawn = layers(grid)
    assert [layer.label for layer in drawn] == [head.label for head in dilated.heads]
    assert (np.logical_or.reduce([layer.cells for layer in drawn]) == grid.mask).all()


def test_the_explorer_data_evaluates_it(dilated: Pattern) -> None:
    data = json.loads(json.dumps(explorer_data()))
    (entry,) = (p for p in data["patterns"] if p["name"] == dilated.name)
    assert [p["name"] for p in entry["params"]] == [G]
    for n, g in [(1, 1), (12, 2), (17, 5)]:
        env = {"n": n, G: g}
        for helper in entry["where"]:
            env[helper["name"]] = evaluate(helper["tree"], env)
        assert evaluate(entry["closedForm"]["tree"], env) == dilated.count(n, g)


def test_the_patterns_table_lists_it(dilated: Pattern) -> None:
    last = markdown_table("glance").splitlines()[-1]
    assert last.startswith(rf"| Throw-away dilated, \({G} = 2\) |")
    assert f"| {dilated.count(TABLE_N, 2)} |" in last


def test_the_practice_pool_asks_about_it(dilated: Pattern) -> None:
    (question,) = (q for q in questions() if q.name == f"{dilated.name}-count")
    assert question.name in [q["name"] for q in practice_data()["questions"]]
    for env in every_draw(question):
        expected = dilated.mask(env["n"], env[G]).sum()
        assert answer(question, env) == expected
        assert expected not in mistakes(question, env)


def test_the_notation_page_lists_its_parameter(dilated: Pattern) -> None:
    rows = notation_rows.rows(DOCS.joinpath("notation.md").read_text()).splitlines()
    start = rf"| \({G}\) | distance between two keys a token sees (Throw-away dilated) |"
    assert [row for row in rows if row.startswith(start)]
    assert notation_table()[G] == {"Problem 1"}


def test_its_page_joins_the_notation_check(dilated: Pattern, tmp_path: Path) -> None:
    for item in DOCS.iterdir():
        (tmp_path / item.name).symlink_to(item)
    (tmp_path / "throwaway-dilated.md").write_text(PAGE, encoding="utf-8")
    nav = site_nav()
    nav.insert(2, NAV_LINE)
    problem = place_texts(nav, tmp_path)["Problem 1"]
    (formula,) = math_spans(PAGE)[1:]
    assert formula in problem
    known = set(notation_table()) | local_letters()["Problem 1"]
    assert set(symbols(formula)) <= known
    assert not symbol_collisions(dilated)


@pytest.mark.parametrize(
    ("param", "clash"),
    [
        (Param("r", "Rate r", 1, 2, "dilation rate"), "a letter of its own in Problem 1"),
        (Param("d", "Dilation d", 1, 2, "dilation"), "means 'head dimension"),
        (Param("q", "Gap q", 1, 2, "gap"), "a helper name"),
        (Param("t", "Gap t", 1, 2, "gap"), "2 different parameters"),
    ],
    ids=["r", "d", "q", "t"],
)
def test_a_parameter_that_takes_a_used_symbol_is_named(
    param: Param, clash: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    pattern = Pattern(
        **{
            **DILATED.__dict__,
            "params": (param,),
            "rule": f"j <= i and (i - j) % {param.name} == 0",
        }
    )
    monkeypatch.setitem(PATTERNS, pattern.name, pattern)
    assert any(clash in found for found in symbol_collisions(pattern)), symbol_collisions(pattern)
