"""The attention kernels equal dense masked attention, in float64 and float32,
and never hold an n x n array."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

from chapter.model import kernels as attention_kernels
from chapter.model.attention import causal_mask, full_mask, strided_mask, windowed_mask
from chapter.model.kernels import dense_attention, sliding_window_attention, windowed_attention

SIZES = (1, 2, 3, 5, 12, 33, 64, 100)


def qkv(n: int, d: int, seed: int = 0, dtype=np.float64) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(seed)
    return tuple(rng.standard_normal((n, d)).astype(dtype) for _ in range(3))


def naive_attention(q: np.ndarray, k: np.ndarray, v: np.ndarray) -> np.ndarray:
    """softmax(q k^T / sqrt(d)) v written out, one row at a time."""
    out = np.empty_like(v, shape=(q.shape[0], v.shape[1]))
    for i in range(q.shape[0]):
        scores = np.array([q[i] @ k[j] for j in range(k.shape[0])]) / np.sqrt(q.shape[1])
        weights = np.exp(scores) / np.exp(scores).sum()
        out[i] = weights @ v
    return out


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("d", [1, 8])
def test_dense_with_full_mask_is_plain_attention(n: int, d: int) -> None:
    q, k, v = qkv(n, d)
    np.testing.assert_allclose(
        dense_attention(q, k, v, full_mask(n)), naive_attention(q, k, v), rtol=0, atol=1e-12
    )


def test_dense_with_causal_mask_attends_to_the_past_only() -> None:
    q, k, v = qkv(12, 4)
    out = dense_attention(q, k, v, causal_mask(12))
    for i in range(12):
        np.testing.assert_allclose(
            out[i], naive_attention(q[i : i + 1], k[: i + 1], v[: i + 1])[0], rtol=0, atol=1e-12
        )


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("d", [1, 3, 16])
def test_windowed_equals_dense_masked(n: int, d: int) -> None:
    q, k, v = qkv(n, d, seed=n * d)
    # w = 1, every divisor and non-divisor of n, w = n and beyond it.
    for w in sorted({1, 2, 3, 4, 7, 16, 64, n - 1, n, n + 1, 2 * n} - {0}):
        expected = dense_attention(q, k, v, windowed_mask(n, w))
        got = windowed_attention(q, k, v, w)
        assert got.shape == (n, d)
        np.testing.assert_allclose(got, expected, rtol=0, atol=1e-10, err_msg=f"n={n} w={w}")


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("d", [1, 3, 16])
def test_sliding_window_equals_dense_masked(n: int, d: int) -> None:
    q, k, v = qkv(n, d, seed=n + d)
    # t = 0 (itself only), small look-backs, t = n - 1 (causal) and beyond n.
    for t in sorted({0, 1, 2, 5, 16, 127, n - 1, n, n + 5} - {-1}):
        expected = dense_attention(q, k, v, strided_mask(n, t))
        for b in (1, 3, 16, n):
            got = sliding_window_attention(q, k, v, t, b)
            assert got.shape == (n, d)
            np.testing.assert_allclose(
                got, expected, rtol=0, atol=1e-10, err_msg=f"n={n} t={t} b={b}"
            )


@pytest.mark.parametrize("tile_bytes", [1, 4096, 1 << 30])
def test_kernels_agree_whatever_the_tile_size(
    monkeypatch: pytest.MonkeyPatch, tile_bytes: int
) -> None:
    monkeypatch.setattr(attention_kernels, "TILE_BYTES", tile_bytes)
    n, d = 203, 8
    q, k, v = qkv(n, d, seed=7)
    np.testing.assert_allclose(
        windowed_attention(q, k, v, 10),
        dense_attention(q, k, v, windowed_mask(n, 10)),
        rtol=0,
        atol=1e-10,
    )
    np.testing.assert_allclose(
        sliding_window_attention(q, k, v, 37, 8),
        dense_attention(q, k, v, strided_mask(n, 37)),
        rtol=0,
        atol=1e-10,
    )


def test_large_scores_do_not_overflow() -> None:
    q, k, v = qkv(50, 4, seed=3)
    q *= 1e3  # scores near 1e3: exp would overflow without subtracting the row maximum
    for got, mask in [
        (windowed_attention(q, k, v, 8), windowed_mask(50, 8)),
        (sliding_window_attention(q, k, v, 9), strided_mask(50, 9)),
    ]:
        assert np.isfinite(got).all()
        np.testing.assert_allclose(got, dense_attention(q, k, v, mask), rtol=0, atol=1e-10)


def test_float32_in_float32_out_close_to_float64() -> None:
    n, d = 300, 16
    q, k, v = qkv(n, d, seed=5)
    q32, k32, v32 = (x.astype(np.float32) for x in (q, k, v))
    cases = [
        (dense_attention, strided_mask(n, 20), dense_attention(q, k, v, strided_mask(n, 20))),
        (windowed_attention, 32, dense_attention(q, k, v, windowed_mask(n, 32))),
        (sliding_window_attention, 20, dense_attention(q, k, v, strided_mask(n, 20))),
    ]
    for kernel, arg, expected in cases:
        got = kernel(q32, k32, v32, arg)
        assert got.dtype == np.float32, kernel.__name__
        np.testing.assert_allclose(got, expected, rtol=0, atol=1e-5, err_msg=kernel.__name__)


@pytest.mark.parametrize(
    "kernel",
    [
        lambda q, k, v: windowed_attention(q, k, v, 64),
        lambda q, k, v: sliding_window_attention(q, k, v, 127),
    ],
    ids=["windowed", "sliding-window"],
)
def test_kernels_never_hold_an_n_by_n_array(kernel) -> None:
    n, d = 20_000, 8
    q, k, v = qkv(n, d, seed=1)
    tracemalloc.start()
    try:
        kernel(q, k, v)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # The n x n scores would take 3.2 GB; the kernels need O(n d) plus one tile.
    assert peak < 20 * n * d * q.itemsize, f"peak {peak} bytes"
