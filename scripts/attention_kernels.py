"""Attention kernels of the benchmark: dense masked attention and the two efficient patterns.

All three share one softmax, so a timing difference comes from the scores each
one computes, not from different code. The masks they implement are defined in
attention.py; the tests compare every kernel with dense_attention under that mask.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
from attention import causal_mask

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


def _buffers(
    rows: int, lookback: int, d: int, dtype: np.dtype
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Working queries, keys and values for one step of `rows` queries; the values
    carry a last column of ones (see _softmax_times)."""
    qs = np.empty((rows, d), dtype=dtype)
    ks = np.empty((lookback + rows, d), dtype=dtype)
    vs = np.ones((lookback + rows, d + 1), dtype=dtype)
    return qs, ks, vs


def _tiles(
    q: np.ndarray, k: np.ndarray, v: np.ndarray, qs: np.ndarray, ks: np.ndarray, vs: np.ndarray
) -> Iterator[int]:
    """The loop both kernels share: step over the queries len(qs) at a time, filling
    qs with the scaled queries from `first` and ks, vs with the keys and values from
    len(ks) - len(qs) rows earlier (zero outside the sequence); yield `first`.

    The same buffers are refilled each step: they stay in cache, and fresh arrays
    would cost a page fault per 4 KiB."""
    n, d = q.shape
    lookback = len(ks) - len(qs)
    scale = _scale(d, q.dtype)
    for first in range(0, n, len(qs)):
        _copy_rows(q, first, qs)
        qs *= scale
        _copy_rows(k, first - lookback, ks)
        _copy_rows(v, first - lookback, vs[:, :d])
        yield first


def _block_attention(
    q: np.ndarray, k: np.ndarray, v: np.ndarray, b: int, lookback: int, bias: np.ndarray
) -> np.ndarray:
    """Queries in blocks of b; the block starting at s scores keys [s - lookback, s + b)
    only, with the additive (b, b + lookback) mask bias."""
    n, d = q.shape
    width = b + lookback
    blocks = -(-n // b)
    step = max(1, min(blocks, TILE_BYTES // (b * width * q.dtype.itemsize)))
    qs, ks, vs = _buffers(step * b, lookback, d, q.dtype)
    # Overlapping views: block j's keys as a (d, width) and values as a
    # (width, d + 1) matrix, without copies.
    kt = np.lib.stride_tricks.sliding_window_view(ks, width, axis=0)[::b]
    v1 = np.lib.stride_tricks.sliding_window_view(vs, width, axis=0)[::b].transpose(0, 2, 1)
    qb = qs.reshape(step, b, d)
    tile = np.empty((step, b, width), dtype=q.dtype)
    sv = np.empty((step, b, d + 1), dtype=q.dtype)
    out = np.empty((blocks * b, d), dtype=q.dtype)
    for first in _tiles(q, k, v, qs, ks, vs):
        m = min(step, blocks - first // b)
        s = np.matmul(qb[:m], kt[:m], out=tile[:m])
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
    tile_a = np.empty((chunk, a, a), dtype=dtype)
    tile_b = np.empty((chunk, w - a, w), dtype=dtype)
    sv_a = np.empty((chunk, a, d + 1), dtype=dtype)
    sv_b = np.empty((chunk, w - a, d + 1), dtype=dtype)
    out = np.empty((windows * w, d), dtype=dtype)
    qs, ks, vs = _buffers(chunk * w, 0, d, dtype)
    # The last window may be short: zero rows pad it, and the causal masks
    # keep every real query away from the padding keys after it.
    for start in _tiles(q, k, v, qs, ks, vs):
        m = min(chunk, windows - start // w)
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
