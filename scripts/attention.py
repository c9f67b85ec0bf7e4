"""Attention masks of Problem 1 and their dot-product counts.

A mask is a boolean (n, n) array: rows are queries, columns are keys, and
``mask[i, j]`` is True when the score q_i . k_j is computed. Indices are
0-based here; the pages count rows from 1.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np


def _positions(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Query index i (as a column) and key index j (as a row)."""
    i = np.arange(n)[:, None]
    j = np.arange(n)[None, :]
    return i, j


def full_mask(n: int) -> np.ndarray:
    """Every query attends to every key."""
    return np.ones((n, n), dtype=bool)


def causal_mask(n: int) -> np.ndarray:
    """Each query attends to itself and every earlier key."""
    i, j = _positions(n)
    return j <= i


def strided_mask(n: int, t: int) -> np.ndarray:
    """The homework's "strided" pattern: at most t earlier keys, plus itself."""
    i, j = _positions(n)
    return (j <= i) & (i - j <= t)


def windowed_mask(n: int, w: int) -> np.ndarray:
    """Causal attention inside consecutive windows of w tokens; a last,
    shorter window holds the n mod w tokens left over when w does not divide n."""
    i, j = _positions(n)
    return (j <= i) & (i // w == j // w)


def sparse_strided_mask(n: int, l: int) -> np.ndarray:  # noqa: E741 - the paper's name
    """Sparse Transformer "strided" (Child et al., 2019): the last l keys
    including itself, plus every l-th earlier key."""
    i, j = _positions(n)
    return (j <= i) & ((i - j < l) | ((i - j) % l == 0))


def sparse_fixed_mask(n: int, l: int, c: int = 1) -> np.ndarray:  # noqa: E741
    """Sparse Transformer "fixed": causal inside blocks of l keys, plus the
    last c keys of every earlier block (the "summary" positions)."""
    i, j = _positions(n)
    same_block = i // l == j // l
    summary = j % l >= l - c
    return (j <= i) & (same_block | summary)


def full_count(n: int) -> int:
    """n^2 scores."""
    return n * n


def causal_count(n: int) -> int:
    """Row i (1-based) computes i scores: 1 + 2 + ... + n = n(n+1)/2."""
    return n * (n + 1) // 2


def strided_count(n: int, t: int) -> int:
    """Row i computes min(i-1, t) + 1 scores: n(t+1) - t(t+1)/2 for t <= n-1,
    and the causal n(n+1)/2 once t >= n-1."""
    t = min(t, n - 1)
    return n * (t + 1) - t * (t + 1) // 2


def windowed_count(n: int, w: int) -> int:
    """floor(n/w) full windows of w(w+1)/2 scores, then a last window of
    r = n mod w tokens with r(r+1)/2; n(w+1)/2 when w divides n."""
    full_windows, r = divmod(n, w)
    return full_windows * w * (w + 1) // 2 + r * (r + 1) // 2


def sparse_strided_count(n: int, l: int) -> int:  # noqa: E741
    """Row i (0-based) computes min(i, l-1) + 1 local scores plus floor(i/l)
    strided ones."""
    local = causal_count(n) if n <= l else causal_count(l) + (n - l) * l
    q, r = divmod(n, l)
    return local + l * q * (q - 1) // 2 + r * q


def sparse_fixed_count(n: int, l: int, c: int = 1) -> int:  # noqa: E741
    """Row i (0-based) computes i mod l + 1 scores in its block plus c for
    each earlier block."""
    q, r = divmod(n, l)
    in_blocks = windowed_count(n, l)
    return in_blocks + c * (l * q * (q - 1) // 2 + r * q)


@dataclass(frozen=True)
class Pattern:
    """A named mask with its closed-form count and the parameters it takes."""

    name: str
    title: str
    mask: Callable[..., np.ndarray]
    count: Callable[..., int]
    params: tuple[str, ...]


PATTERNS: dict[str, Pattern] = {
    p.name: p
    for p in (
        Pattern("full", "Full", full_mask, full_count, ()),
        Pattern("causal", "Causal", causal_mask, causal_count, ()),
        Pattern("strided", "Strided (look-back t)", strided_mask, strided_count, ("t",)),
        Pattern("windowed", "Windowed (window w)", windowed_mask, windowed_count, ("w",)),
        Pattern(
            "sparse-strided",
            "Sparse Transformer strided",
            sparse_strided_mask,
            sparse_strided_count,
            ("l",),
        ),
        Pattern(
            "sparse-fixed",
            "Sparse Transformer fixed",
            sparse_fixed_mask,
            sparse_fixed_count,
            ("l", "c"),
        ),
    )
}


def row_counts(mask: np.ndarray) -> np.ndarray:
    """Scores computed by each query row."""
    return mask.sum(axis=1)
