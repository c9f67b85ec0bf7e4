"""Attention kernels of the benchmark: dense masked attention and the two efficient patterns.

All three share one softmax (which normalises the weights or the output, whichever
a query has fewer of), so a timing difference comes from the scores each one
computes, not from different code. The masks they implement are defined in
attention.py; the tests compare every kernel with dense_attention under that mask.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from chapter.model.attention import causal_mask

# Bytes of scores the block kernels hold at once: small enough for the L2 cache.
TILE_BYTES = 128 * 1024


def _softmax_times(
    tile: np.ndarray, v1: np.ndarray, out: np.ndarray, sv: np.ndarray | None = None
) -> None:
    """Write the softmax over keys of the scores in tile (overwritten) times v into out.

    tile holds the scores of one or more blocks as (keys, blocks, queries): keys
    outermost, so that the maximum runs along long contiguous rows; a maximum over
    a short last axis costs NumPy more than the product does. v1 is
    (blocks, keys, d + 1), v with a last column of ones, or v alone when there are
    no more keys than d; sv, if given, is scratch space for the product with it."""
    tile -= tile.max(axis=0)
    np.exp(tile, out=tile)
    d = out.shape[-1]
    if len(tile) <= d:
        # Fewer weights than outputs per query: normalise the weights, along the
        # same long rows, rather than the output one short row at a time.
        tile /= tile.sum(axis=0)
        np.matmul(tile.transpose(1, 2, 0), v1[..., :d], out=out)
    else:
        # The column of ones makes the one product also sum each query's weights.
        sv = np.matmul(tile.transpose(1, 2, 0), v1, out=sv)
        np.divide(sv[..., :d], sv[..., d:], out=out)


def _scale(d: int, dtype: np.dtype) -> np.generic:
    """1 / sqrt(d) in dtype, for the queries or, in the windowed kernel, the scores."""
    return dtype.type(1 / np.sqrt(d))


def dense_attention(q: np.ndarray, k: np.ndarray, v: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """softmax(q k^T / sqrt(d)) v over the keys mask allows, from one n x n score
    matrix; every row of mask must allow at least one key."""
    n, d = q.shape
    s = (q * _scale(d, q.dtype)) @ k.T
    np.copyto(s, -np.inf, where=~mask)
    v1 = np.ones((1, n, d + 1), dtype=v.dtype)
    v1[0, :, :d] = v
    out = np.empty_like(q)
    # One n x n block seen with keys as rows, the layout _softmax_times takes:
    # a view, so NumPy still reduces along the rows as they lie in memory.
    _softmax_times(s.T[:, None], v1, out[None])
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
    only, with the additive (b + lookback, b) mask bias (keys as rows)."""
    n, d = q.shape
    width = b + lookback
    blocks = -(-n // b)
    step = max(1, min(blocks, TILE_BYTES // (b * width * q.dtype.itemsize)))
    qs, ks, vs = _buffers(step * b, lookback, d, q.dtype)
    # Overlapping views: block j's keys as a (width, d) and values as a
    # (width, d + 1) matrix, without copies.
    kb = np.lib.stride_tricks.sliding_window_view(ks, width, axis=0)[::b].transpose(0, 2, 1)
    v1 = np.lib.stride_tricks.sliding_window_view(vs, width, axis=0)[::b].transpose(0, 2, 1)
    qt = qs.reshape(step, b, d).transpose(0, 2, 1)
    tile = np.empty((width, step, b), dtype=q.dtype)
    # The bias repeated for every block of a step: one contiguous addition.
    biases = np.repeat(bias[:, None], step, axis=1)
    sv = np.empty((step, b, d + 1), dtype=q.dtype)
    out = np.empty((blocks * b, d), dtype=q.dtype)
    for first in _tiles(q, k, v, qs, ks, vs):
        m = min(step, blocks - first // b)
        s = tile[:, :m]
        np.matmul(kb[:m], qt[:m], out=s.transpose(1, 0, 2))
        s += biases[:, :m]
        # Blocks near the start reach back before position 0: mask that padding.
        for j in range(min(m, -(-(lookback - first) // b))):
            s[: lookback - first - j * b, j] = -np.inf
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
    n = q.shape[0]
    w = min(w, n)
    whole = n - n % w
    out = np.empty_like(q)
    _windows(q[:whole], k[:whole], v[:whole], w, out[:whole])
    # A short last window is the same pattern with the window its own length.
    if whole < n:
        _windows(q[whole:], k[whole:], v[whole:], n - whole, out[whole:])
    return out


def _windows(q: np.ndarray, k: np.ndarray, v: np.ndarray, w: int, out: np.ndarray) -> None:
    """windowed_attention for n a multiple of w, into out."""
    n, d = q.shape
    a = w // 2
    windows = n // w
    dtype = q.dtype
    # Windows in chunks whose score tiles fit the cache, in buffers reused per chunk.
    chunk = max(1, min(windows, TILE_BYTES // ((w - a) * w * q.itemsize)))
    # Keys as rows (see _softmax_times); the masks repeated for every window of a
    # chunk. The second half sees all of the first half's keys: only its own
    # a x a triangle needs a mask.
    first_half = np.repeat(_additive(causal_mask(a).T, dtype)[:, None], chunk, axis=1)
    second_half = np.repeat(_additive(causal_mask(w - a).T, dtype)[:, None], chunk, axis=1)
    tile_a = np.empty((a, chunk, a), dtype=dtype)
    tile_b = np.empty((w, chunk, w - a), dtype=dtype)
    sv = np.empty((chunk, w - a, d + 1), dtype=dtype)
    # Few keys per query: _softmax_times then reads v without its column of ones,
    # so the values need no copy.
    vs = v if w <= d else np.ones((chunk * w, d + 1), dtype=dtype)
    scale = _scale(d, dtype)
    for start in range(0, windows, chunk):
        m = min(chunk, windows - start)
        rows = slice(start * w, (start + m) * w)
        # Queries and keys are read in place; the scale goes on the scores, of
        # which a window has fewer than queries' entries, and which are in cache.
        qw = q[rows].reshape(m, w, d)
        if vs is v:
            vw = v[rows].reshape(m, w, d)
        else:
            vs[: m * w, :d] = v[rows]
            vw = vs[: m * w].reshape(m, w, d + 1)
        kw = k[rows].reshape(m, w, d)
        ow = out[rows].reshape(m, w, d)
        if a:
            s = tile_a[:, :m]
            np.matmul(kw[:, :a], qw[:, :a].transpose(0, 2, 1), out=s.transpose(1, 0, 2))
            s *= scale
            s += first_half[:, :m]
            _softmax_times(s, vw[:, :a], ow[:, :a], sv[:m, :a])
        s = tile_b[:, :m]
        np.matmul(kw, qw[:, a:].transpose(0, 2, 1), out=s.transpose(1, 0, 2))
        s *= scale
        s[a:] += second_half[:, :m]
        _softmax_times(s, vw, ow[:, a:], sv[:m])


def sliding_window_attention(
    q: np.ndarray, k: np.ndarray, v: np.ndarray, t: int, b: int = 16
) -> np.ndarray:
    """Attention under strided_mask(n, t), scoring for each block of b queries only
    the keys from t before the block to its end: b x (b + t) per block."""
    n = q.shape[0]
    t = min(t, n - 1)
    b = min(b, n)
    c = np.arange(b + t)[:, None]
    r = np.arange(b)[None, :]
    return _block_attention(q, k, v, b, t, _additive((r <= c) & (c <= r + t), q.dtype))
