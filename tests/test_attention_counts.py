"""Problem 1's counts against the formulas the pages write, and its masks against the
homework's and the paper's wording (every count against its mask: tests/test_registry.py)."""

from __future__ import annotations

import numpy as np
import pytest

from chapter.model.attention import (
    causal_count,
    causal_mask,
    full_count,
    row_counts,
    sparse_fixed_count,
    sparse_fixed_mask,
    sparse_strided_count,
    sparse_strided_mask,
    strided_count,
    strided_mask,
    windowed_count,
    windowed_mask,
)

NS = range(1, 65)
TS = range(0, 71)


def reference_mask(n: int, rule, **params: int) -> np.ndarray:
    """A mask built one cell at a time from a rule in the problem's own words (0-based)."""
    return np.array([[rule(i, j, **params) for j in range(n)] for i in range(n)], dtype=bool)


def homework_strided(i: int, j: int, t: int) -> bool:
    """The homework's strided rule: at most t positions prior to it, plus itself."""
    return 0 <= i - j <= t


def homework_windowed(i: int, j: int, w: int) -> bool:
    """The homework's windowed rule: its own window, positions up to and including itself."""
    return j <= i and i // w == j // w


# The paper's sets, written for arrays of query indices i and key indices j (0-based).


def paper_strided(i: np.ndarray, j: np.ndarray, l: int) -> np.ndarray:  # noqa: E741
    """Child et al. (2019): A1 = {max(0, i-l), ..., i} and A2 = {j : (i - j) mod l = 0}."""
    return (j <= i) & ((j >= np.maximum(0, i - l)) | ((i - j) % l == 0))


def paper_fixed(i: np.ndarray, j: np.ndarray, l: int, c: int) -> np.ndarray:  # noqa: E741
    """Child et al. (2019): A1 = {j : floor(j/l) = floor(i/l)}, A2 = {j : j mod l >= l - c}."""
    return (j <= i) & ((i // l == j // l) | (j % l >= l - c))


def test_full_and_causal_counts_are_the_pages_formulas() -> None:
    for n in NS:
        assert full_count(n) == n * n
        assert causal_count(n) == n * (n + 1) // 2
        assert row_counts(causal_mask(n)).tolist() == list(range(1, n + 1))


def test_strided_count_is_the_pages_formula_for_every_n_and_t() -> None:
    for n in NS:
        for t in TS:
            closed = n * (t + 1) - t * (t + 1) // 2 if t <= n - 1 else n * (n + 1) // 2
            assert strided_count(n, t) == closed, (n, t)
            # Rows counted from 1: row i sees min(i-1, t) earlier keys, plus itself.
            expected = [min(i - 1, t) + 1 for i in range(1, n + 1)]
            assert row_counts(strided_mask(n, t)).tolist() == expected, (n, t)


def test_strided_limits() -> None:
    for n in NS:
        assert strided_count(n, 0) == n
        assert (strided_mask(n, 0) == np.eye(n, dtype=bool)).all()
        for t in range(n - 1, n + 5):
            assert (strided_mask(n, t) == causal_mask(n)).all()


def test_windowed_count_is_the_pages_formula_when_w_divides_n() -> None:
    for n in NS:
        for w in (w for w in range(1, n + 1) if n % w == 0):
            assert windowed_count(n, w) == n * (w + 1) // 2, (n, w)
            expected = [(i - 1) % w + 1 for i in range(1, n + 1)]
            assert row_counts(windowed_mask(n, w)).tolist() == expected, (n, w)
        assert windowed_count(n, 1) == n
        assert (windowed_mask(n, n) == causal_mask(n)).all()


def test_windowed_count_with_a_last_shorter_window_is_the_pages_formula() -> None:
    for n in NS:
        for w in range(1, n + 8):
            q, r = divmod(n, w)
            assert windowed_count(n, w) == q * w * (w + 1) // 2 + r * (r + 1) // 2, (n, w)


@pytest.mark.parametrize("n", [1, 2, 5, 12, 17, 24])
def test_masks_follow_the_homework_wording(n: int) -> None:
    for t in range(n + 2):
        assert (strided_mask(n, t) == reference_mask(n, homework_strided, t=t)).all(), t
    for w in range(1, n + 2):
        assert (windowed_mask(n, w) == reference_mask(n, homework_windowed, w=w)).all(), w


def test_sparse_transformer_patterns_follow_the_paper() -> None:
    for n in range(1, 33):
        i, j = np.indices((n, n))
        for l in range(1, n + 3):  # noqa: E741 - the paper's name
            assert (sparse_strided_mask(n, l) == paper_strided(i, j, l)).all(), (n, l)
            for c in range(1, l + 1):
                assert (sparse_fixed_mask(n, l, c) == paper_fixed(i, j, l, c)).all(), (n, l, c)


def test_worked_example_numbers() -> None:
    # The numbers the page quotes for n = 12, t = 3, w = 4 (and w = 5, l = 4).
    n = 12
    assert (full_count(n), causal_count(n)) == (144, 78)
    assert strided_count(n, 3) == 42
    assert (windowed_count(n, 4), windowed_count(n, 5)) == (30, 33)
    assert (sparse_strided_count(n, 4), sparse_fixed_count(n, 4)) == (54, 42)
