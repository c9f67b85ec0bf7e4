"""The pattern registry: its expressions against brute-force masks, the table and the
explorer data generated from it, and the hooks that put them into the site (the table's
marker: tests/test_markers.py)."""

from __future__ import annotations

import gzip
import json
import re
from fractions import Fraction
from math import prod
from pathlib import Path

import numpy as np
import pytest
from registry_cases import explorer_params

from chapter.model.attention import (
    DRAW_MAX,
    PATTERNS,
    TABLE_N,
    TABLES,
    markdown_table,
    row_counts,
    table_entries,
)
from chapter.model.expressions import evaluate, expression_tree
from chapter.model.practice import questions
from chapter.site import explorer_data


def brute_mask(pattern, n: int, **params: int) -> np.ndarray:
    """The mask cell by cell, from the rule evaluated on plain ints."""
    tree = expression_tree(pattern.rule)
    return np.array(
        [[bool(evaluate(tree, {"i": i, "j": j, **params})) for j in range(n)] for i in range(n)],
        dtype=bool,
    ).reshape(n, n)


# Lengths and parameter values around the edges: 1, small, prime, powers of two and
# their neighbours, and the explorer's largest.
EDGES = (0, 1, 2, 3, 4, 5, 7, 8, 11, 12, 16, 17, 31, 32, 33, 63, 64)
NS = tuple(n for n in EDGES if n >= 1)


def edge_params(pattern) -> list[dict[str, int]]:
    """Every value of a one-parameter pattern's parameter; for two parameters, every
    combination of the edge values the explorer accepts."""
    if len(pattern.params) < 2:
        return explorer_params(pattern)
    return _combinations(pattern, lambda p: [v for v in EDGES if p.low <= v <= p.high])


def _combinations(pattern, values) -> list[dict[str, int]]:
    combos: list[dict[str, int]] = [{}]
    for p in pattern.params:
        combos = [
            {**combo, p.name: value}
            for combo in combos
            for value in values(p)
            if p.at_most is None or value <= combo[p.at_most]
        ]
    return combos


@pytest.mark.parametrize("name", list(PATTERNS))
def test_closed_form_and_row_rule_match_the_mask(name: str) -> None:
    """For every length at the edges and every parameter value (two parameters: their
    edge values), the closed form counts the mask and the row rule counts each row."""
    pattern = PATTERNS[name]
    for n in NS:
        for params in edge_params(pattern):
            mask = pattern.mask(n, **params)
            assert mask.sum() == pattern.count(n, **params), (n, params)
            rows = [pattern.row_count(i, n, **params) for i in range(1, n + 1)]
            assert row_counts(mask).tolist() == rows, (n, params)


@pytest.mark.slow
@pytest.mark.parametrize("name", list(PATTERNS))
def test_numpy_masks_equal_the_rule_cell_by_cell(name: str) -> None:
    pattern = PATTERNS[name]
    for n in (1, 5, 12, 17):
        for params in edge_params(pattern)[:: 3 if len(pattern.params) == 1 else 1]:
            assert (pattern.mask(n, **params) == brute_mask(pattern, n, **params)).all()


def test_counts_stay_exact_for_huge_n() -> None:
    n = 10**15
    assert PATTERNS["causal"].count(n) == n * (n + 1) // 2
    assert PATTERNS["windowed"].count(n, w=7) == (n // 7) * 28 + (n % 7) * (n % 7 + 1) // 2


@pytest.mark.parametrize(
    "text",
    ["__import__('os')", "n.real", "n if t else w", "n << 2", "f(n)", "min(n, key=t)", "1.5"],
)
def test_expressions_outside_the_small_language_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="unsupported"):
        expression_tree(text)


def _paths(p: int, q: int) -> int:
    """Monotone lattice paths p steps right and q steps down, counted one by one."""
    if p == 0 or q == 0:
        return 1
    return _paths(p - 1, q) + _paths(p, q - 1)


def test_powers_and_binomials_match_repeated_products_and_path_counts() -> None:
    tree = expression_tree("comb(p + q, p) * a ** p * b ** q")
    for p in range(7):
        for q in range(7):
            for a, b in [(0, 0), (1, 1), (2, 3), (Fraction(1, 2), Fraction(3, 5))]:
                expected = _paths(p, q) * prod([a] * p) * prod([b] * q)
                assert evaluate(tree, {"p": p, "q": q, "a": a, "b": b}) == expected, (p, q, a, b)


@pytest.mark.parametrize("exponent", [-1, Fraction(1, 2), 0.5, True])
def test_powers_take_only_whole_exponents(exponent) -> None:
    with pytest.raises(ValueError, match="whole exponent"):
        evaluate(expression_tree("a ** e"), {"a": 2, "e": exponent})


def test_parameters_by_position_or_name_and_nothing_else() -> None:
    fixed = PATTERNS["sparse-fixed"]
    assert fixed.count(12, 4, 1) == fixed.count(12, l=4, c=1) == fixed.count(12, 4, c=1) == 42
    with pytest.raises(TypeError):
        fixed.count(12, l=4)
    with pytest.raises(TypeError):
        PATTERNS["causal"].count(12, t=3)


def test_titles_and_alt_text() -> None:
    assert PATTERNS["windowed"].title(12, w=5) == "Windowed mask, n = 12, w = 5"
    alt = "Windowed mask, n = 12, w = 5: 33 of 144 scores computed"
    assert PATTERNS["windowed"].alt(12, w=5) == alt
    assert [p.choice for p in PATTERNS.values()][2:4] == ["Strided (t)", "Windowed (w)"]


def table_rows(markdown: str) -> list[list[str]]:
    return [
        [cell.strip() for cell in line.strip("|").split("|")] for line in markdown.splitlines()[2:]
    ]


def test_glance_table_numbers_are_brute_force_mask_sums() -> None:
    rows = table_rows(markdown_table("glance"))
    labels = ["Full", "Causal", r"Strided, \(t = 3\)", r"Windowed, \(w = 4\)"]
    assert [row[0] for row in rows] == labels
    n = TABLE_N
    for row, (pattern, params) in zip(rows, table_entries("glance"), strict=True):
        total = int(brute_mask(pattern, n, **params).sum())
        assert row[3] == str(total)
        assert row[4] == f"{round(100 * total / n**2)}%"
    assert [row[3] for row in rows] == ["144", "78", "42", "30"]
    assert rows[2][5:] == [r"\(\Theta(n(t+1)d)\)", r"\(\Theta(n(t+1))\)"]


def test_explorer_data_is_small_and_evaluates_to_the_counts() -> None:
    data = json.loads(json.dumps(explorer_data.explorer_data()))
    assert len(gzip.compress(json.dumps(data).encode())) < 5_000
    assert [p["name"] for p in data["patterns"]] == list(PATTERNS)
    assert (data["n"]["min"], data["n"]["max"]) == (1, DRAW_MAX)
    for entry in data["patterns"]:
        pattern = PATTERNS[entry["name"]]
        assert [p["name"] for p in entry["params"]] == list(pattern.param_names)
        for params in explorer_params(pattern)[::5]:
            for n in (1, 12, 64):
                env = {"n": n, **params}
                for name in entry["where"]:
                    env[name["name"]] = evaluate(name["tree"], env)
                assert evaluate(entry["closedForm"]["tree"], env) == pattern.count(n, **params)


@pytest.mark.slow
def test_the_explorer_script_holds_no_pattern(built_site: Path) -> None:
    """The built site serves the registry's data; the script names no pattern or formula."""
    served = json.loads((built_site / "assets" / "patterns.json").read_text())
    assert served == json.loads(json.dumps(explorer_data.explorer_data()))
    script = (built_site / "javascripts" / "mask-explorer.js").read_text()
    for name in PATTERNS:
        assert f'"{name}"' not in script and f"{name}:" not in script, name
    # The shapes the mask rules took when the script had its own copy of them.
    assert not re.search(r"j\s*<=\s*i|i\s*-\s*j|Math\.floor\([ij]\s*/", script), "a mask rule"


@pytest.mark.parametrize("name", [p.name for p in PATTERNS.values() if p.heads])
def test_heads_split_the_mask_into_parts_it_holds(name: str) -> None:
    """A pattern declared as a union of heads is exactly that union; the figures draw it so."""
    pattern = PATTERNS[name]
    for params in explorer_params(pattern)[::5]:
        for n in (1, 7, 12, 33):
            mask, heads = pattern.mask(n, **params), pattern.head_masks(n, **params)
            assert (np.logical_or.reduce(heads) == mask).all(), (n, params)
            assert all((head <= mask).all() for head in heads), (n, params)


def test_each_entry_names_known_tables_with_its_own_parameters() -> None:
    for pattern in PATTERNS.values():
        for table, params in pattern.tables.items():
            assert table in TABLES, (pattern.name, table)
            assert tuple(params) == pattern.param_names, (pattern.name, table)


def test_practice_question_names_are_unique() -> None:
    names = [q.name for q in questions()]
    assert len(names) == len(set(names)), names
