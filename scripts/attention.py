"""Attention masks of Problem 1 and their dot-product counts.

A mask is a boolean (n, n) array: rows are queries, columns are keys, and
``mask[i, j]`` is True when the score q_i . k_j is computed. Indices are
0-based here; the pages count rows from 1.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

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


# Attention kernels: dense masked attention and the two efficient patterns.
# All three share one softmax, so a timing difference comes from the scores
# each one computes, not from different code.

# Bytes of scores the block kernels hold at once: small enough for the L2 cache.
TILE_BYTES = 128 * 1024


def _softmax_times(
    s: np.ndarray, v1: np.ndarray, out: np.ndarray, sv: np.ndarray | None = None
) -> None:
    """Write the row softmax of the scores s (overwritten) times v into out.

    v1 is v with a last column of ones, so the one product also sums each row's
    weights; sv, if given, is scratch space for that product."""
    s -= s.max(axis=-1, keepdims=True)
    np.exp(s, out=s)
    sv = np.matmul(s, v1, out=sv)
    # Dividing the (.., d) result is cheaper than normalising every weight.
    np.divide(sv[..., :-1], sv[..., -1:], out=out)


def _scale(d: int, dtype: np.dtype) -> np.generic:
    """1 / sqrt(d) in dtype; the kernels scale q rather than the many more scores."""
    return dtype.type(1 / np.sqrt(d))


def dense_attention(q: np.ndarray, k: np.ndarray, v: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """softmax(q k^T / sqrt(d)) v over the keys mask allows, from one n x n score
    matrix; every row of mask must allow at least one key."""
    n, d = q.shape
    s = (q * _scale(d, q.dtype)) @ k.T
    np.copyto(s, -np.inf, where=~mask)
    v1 = np.ones((n, d + 1), dtype=v.dtype)
    v1[:, :d] = v
    out = np.empty_like(q)
    _softmax_times(s, v1, out)
    return out


def _copy_rows(src: np.ndarray, first: int, dst: np.ndarray) -> None:
    """dst[i] = src[first + i], with zeros for rows outside src."""
    lo, hi = max(first, 0), min(first + len(dst), len(src))
    dst[: lo - first] = 0
    dst[lo - first : hi - first] = src[lo:hi]
    dst[max(hi - first, 0) :] = 0


def _block_attention(
    q: np.ndarray, k: np.ndarray, v: np.ndarray, b: int, lookback: int, bias: np.ndarray
) -> np.ndarray:
    """Queries in blocks of b; the block starting at s scores keys [s - lookback, s + b)
    only, with the additive (b, b + lookback) mask bias."""
    n, d = q.shape
    width = b + lookback
    blocks = -(-n // b)
    step = max(1, min(blocks, TILE_BYTES // (b * width * q.dtype.itemsize)))
    rows = step * b
    # One working set per step, reused: it stays in cache, and fresh arrays
    # would cost a page fault per 4 KiB.
    qs = np.empty((step, b, d), dtype=q.dtype)
    ks = np.empty((lookback + rows, d), dtype=q.dtype)
    vs = np.ones((lookback + rows, d + 1), dtype=q.dtype)
    tile = np.empty((step, b, width), dtype=q.dtype)
    sv = np.empty((step, b, d + 1), dtype=q.dtype)
    # Overlapping views: block j's keys as a (d, width) and values as a
    # (width, d + 1) matrix, without copies.
    kt = np.lib.stride_tricks.sliding_window_view(ks, width, axis=0)[::b]
    v1 = np.lib.stride_tricks.sliding_window_view(vs, width, axis=0)[::b].transpose(0, 2, 1)
    out = np.empty((blocks * b, d), dtype=q.dtype)
    scale = _scale(d, q.dtype)
    for first in range(0, n, rows):
        m = min(step, blocks - first // b)
        _copy_rows(q, first, qs.reshape(rows, d))
        qs *= scale
        _copy_rows(k, first - lookback, ks)
        _copy_rows(v, first - lookback, vs[:, :d])
        s = np.matmul(qs[:m], kt[:m], out=tile[:m])
        s += bias
        # Blocks near the start reach back before position 0: mask that padding.
        for j in range(min(m, -(-(lookback - first) // b))):
            s[j, :, : lookback - first - j * b] = -np.inf
        _softmax_times(s, v1[:m], out[first : first + m * b].reshape(m, b, d), sv[:m])
    return out[:n]


def _additive(allowed: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """0 where allowed, -inf elsewhere: a mask added to the scores."""
    return np.where(allowed, 0, -np.inf).astype(dtype)


def windowed_attention(q: np.ndarray, k: np.ndarray, v: np.ndarray, w: int) -> np.ndarray:
    """Attention under windowed_mask(n, w), scoring 3/4 of each w x w diagonal block.

    A window's first half only needs its own causal a x a triangle; its second half
    needs all of the first half and a causal triangle of its own: two products per
    window instead of one full w x w block, which would score the empty corner too."""
    n, d = q.shape
    w = min(w, n)
    a = w // 2
    windows = -(-n // w)
    dtype = q.dtype
    first_half = _additive(causal_mask(a), dtype)
    second_half = _additive(np.tril(np.ones((w - a, w), dtype=bool), a), dtype)
    # Windows in chunks whose score tiles fit the cache, in buffers reused per chunk.
    chunk = max(1, min(windows, TILE_BYTES // ((w - a) * w * q.itemsize)))
    qs = np.empty((chunk * w, d), dtype=dtype)
    ks = np.empty((chunk * w, d), dtype=dtype)
    vs = np.ones((chunk * w, d + 1), dtype=dtype)
    tile_a = np.empty((chunk, a, a), dtype=dtype)
    tile_b = np.empty((chunk, w - a, w), dtype=dtype)
    sv_a = np.empty((chunk, a, d + 1), dtype=dtype)
    sv_b = np.empty((chunk, w - a, d + 1), dtype=dtype)
    out = np.empty((windows * w, d), dtype=dtype)
    scale = _scale(d, dtype)
    for first in range(0, windows, chunk):
        m = min(chunk, windows - first)
        start = first * w
        # The last window may be short: zero rows pad it, and the causal masks
        # keep every real query away from the padding keys after it.
        _copy_rows(q, start, qs)
        qs *= scale
        _copy_rows(k, start, ks)
        _copy_rows(v, start, vs[:, :d])
        qw, kw, vw = (x[: m * w].reshape(m, w, -1) for x in (qs, ks, vs))
        ow = out[start : start + m * w].reshape(m, w, d)
        if a:
            s = np.matmul(qw[:, :a], kw[:, :a].transpose(0, 2, 1), out=tile_a[:m])
            s += first_half
            _softmax_times(s, vw[:, :a], ow[:, :a], sv_a[:m])
        s = np.matmul(qw[:, a:], kw.transpose(0, 2, 1), out=tile_b[:m])
        s += second_half
        _softmax_times(s, vw, ow[:, a:], sv_b[:m])
    return out[:n]


def sliding_window_attention(
    q: np.ndarray, k: np.ndarray, v: np.ndarray, t: int, b: int = 16
) -> np.ndarray:
    """Attention under strided_mask(n, t), scoring for each block of b queries only
    the keys from t before the block to its end: b x (b + t) per block."""
    n = q.shape[0]
    t = min(t, n - 1)
    b = min(b, n)
    r = np.arange(b)[:, None]
    c = np.arange(b + t)[None, :]
    return _block_attention(q, k, v, b, t, _additive((r <= c) & (c <= r + t), q.dtype))
