"""The 2D RNN: counting formulas against instrumented counts, loop against wavefront."""

from __future__ import annotations

import itertools
from collections import Counter
from math import comb

import numpy as np
import pytest
from conftest import random_problem

from chapter.model import rnn2d

SMALL = list(itertools.product([1, 2, 3, 5], [1, 2, 3], [1, 2, 4]))


@pytest.mark.parametrize(("c", "h"), [(1, 1), (3, 32), (7, 5), (64, 128)])
def test_parameter_count_matches_weight_arrays(c: int, h: int) -> None:
    weights = rnn2d.init_weights(c, h, np.random.default_rng(0))
    assert [w.shape for w in weights] == [(h, c), (h, h), (h, h)]
    assert rnn2d.parameter_count(c, h) == sum(w.size for w in weights)


def test_init_weights_dtype() -> None:
    weights = rnn2d.init_weights(3, 4, np.random.default_rng(0), dtype=np.float32)
    assert all(w.dtype == np.float32 for w in weights)


@pytest.mark.parametrize(("n", "c", "h"), SMALL)
def test_operation_formulas_match_instrumented_count(n: int, c: int, h: int) -> None:
    x, w_in, w_left, w_top = random_problem(n, c, h)
    hidden, count = rnn2d.rnn2d_counted(x, w_in, w_left, w_top)
    assert count.multiplies == rnn2d.multiply_count(n, c, h)
    assert count.adds == rnn2d.add_count(n, c, h)
    assert count.nonlinearities == rnn2d.nonlinearity_count(n, h)
    assert count.multiplies + count.adds == rnn2d.operation_count(n, c, h)
    np.testing.assert_allclose(hidden, rnn2d.rnn2d_loop(x, w_in, w_left, w_top), rtol=0, atol=1e-12)


@pytest.mark.parametrize(("n", "c", "h"), SMALL)
def test_border_saving_matches_instrumented_count(n: int, c: int, h: int) -> None:
    x, w_in, w_left, w_top = random_problem(n, c, h)
    hidden, count = rnn2d.rnn2d_counted(x, w_in, w_left, w_top, skip_border=True)
    saved = rnn2d.operation_count(n, c, h) - (count.multiplies + count.adds)
    assert saved == rnn2d.border_saving(n, h)
    np.testing.assert_allclose(hidden, rnn2d.rnn2d_loop(x, w_in, w_left, w_top), rtol=0, atol=1e-12)


def test_worked_example_on_the_page() -> None:
    # n = 32, c = 3, h = 16: the numbers the page works through.
    assert rnn2d.parameter_count(3, 16) == 560
    assert rnn2d.multiply_count(32, 3, 16) == 573_440
    assert rnn2d.add_count(32, 3, 16) == 557_056
    assert rnn2d.operation_count(32, 3, 16) == 1_130_496
    assert rnn2d.nonlinearity_count(32, 16) == 16_384
    assert rnn2d.border_saving(32, 16) == 32_768
    assert (rnn2d.cell_updates(32), rnn2d.wavefront_steps(32)) == (1024, 63)


@pytest.mark.parametrize(("n", "c", "h"), [(1, 1, 1), (2, 3, 4), (7, 3, 5), (16, 2, 8), (33, 4, 6)])
def test_loop_and_wavefront_agree(n: int, c: int, h: int) -> None:
    x, w_in, w_left, w_top = random_problem(n, c, h, seed=n)
    loop = rnn2d.rnn2d_loop(x, w_in, w_left, w_top)
    wave = rnn2d.rnn2d_wavefront(x, w_in, w_left, w_top)
    assert wave.shape == (n, n, h)
    np.testing.assert_allclose(wave, loop, rtol=1e-12, atol=1e-14)


def test_loop_and_wavefront_agree_with_another_activation() -> None:
    x, w_in, w_left, w_top = random_problem(9, 2, 3, seed=1)
    relu = lambda v: np.maximum(v, 0.0)  # noqa: E731
    np.testing.assert_allclose(
        rnn2d.rnn2d_wavefront(x, w_in, w_left, w_top, relu),
        rnn2d.rnn2d_loop(x, w_in, w_left, w_top, relu),
        rtol=1e-12,
        atol=1e-14,
    )


def test_every_version_keeps_single_precision() -> None:
    x, *weights = random_problem(4, 2, 3)
    x, weights = x.astype(np.float32), [w.astype(np.float32) for w in weights]
    for version in (rnn2d.rnn2d_loop, rnn2d.rnn2d_wavefront):
        assert version(x, *weights).dtype == np.float32, version.__name__
    assert rnn2d.rnn2d_counted(x, *weights)[0].dtype == np.float32


def test_loop_follows_the_equation_with_zero_border() -> None:
    n, c, h = 4, 2, 3
    x, w_in, w_left, w_top = random_problem(n, c, h)
    hidden = rnn2d.rnn2d_loop(x, w_in, w_left, w_top)
    np.testing.assert_allclose(hidden[0, 0], np.tanh(w_in @ x[0, 0]))
    np.testing.assert_allclose(hidden[2, 0], np.tanh(w_in @ x[2, 0] + w_left @ hidden[1, 0]))
    np.testing.assert_allclose(hidden[0, 3], np.tanh(w_in @ x[0, 3] + w_top @ hidden[0, 2]))
    expected = np.tanh(w_in @ x[2, 3] + w_left @ hidden[1, 3] + w_top @ hidden[2, 2])
    np.testing.assert_allclose(hidden[2, 3], expected)


@pytest.mark.parametrize("n", [1, 2, 5, 12])
def test_wavefront_takes_2n_minus_1_steps_of_one_diagonal_each(n: int) -> None:
    x, w_in, w_left, w_top = random_problem(n, 2, 3)
    batches: list[int] = []

    def counting_tanh(v: np.ndarray) -> np.ndarray:
        batches.append(v.shape[0])
        return np.tanh(v)

    rnn2d.rnn2d_wavefront(x, w_in, w_left, w_top, counting_tanh)
    # The cells of each anti-diagonal s = i + j, counted on the grid itself.
    diagonals = Counter(i + j for i, j in itertools.product(range(n), repeat=2))
    assert batches == [diagonals[s] for s in range(len(diagonals))]
    assert len(batches) == rnn2d.wavefront_steps(n)
    assert sum(batches) == rnn2d.cell_updates(n)


@pytest.mark.parametrize("n", [1, 4, 7])
def test_diagonal_cells_partition_the_grid(n: int) -> None:
    seen = [(i, s - i) for s in range(rnn2d.wavefront_steps(n)) for i in rnn2d.diagonal_cells(n, s)]
    assert sorted(seen) == [(i, j) for i in range(n) for j in range(n)]


@pytest.mark.parametrize("n", [1, 2, 5, 9])
def test_skew_layout_puts_each_cell_at_its_step_and_column(n: int) -> None:
    expected = np.full((rnn2d.wavefront_steps(n), n), -1)
    for i, j in itertools.product(range(n), range(n)):
        expected[i + j, i] = i * n + j
    np.testing.assert_array_equal(rnn2d.skew_layout(n), expected)
    for s in range(rnn2d.wavefront_steps(n)):
        row = rnn2d.skew_layout(n)[s]
        assert [divmod(int(c), n) for c in row[row >= 0]] == [
            (i, s - i) for i in rnn2d.diagonal_cells(n, s)
        ]


def perturbation_field(n: int, i: int, j: int) -> np.ndarray:
    """Which inputs change h^{i,j} when nudged, with random tanh weights."""
    x, w_in, w_left, w_top = random_problem(n, 2, 3, seed=7)
    base = rnn2d.rnn2d_loop(x, w_in, w_left, w_top)[i, j]
    field = np.zeros((n, n), dtype=bool)
    for a, b in itertools.product(range(n), range(n)):
        nudged = x.copy()
        nudged[a, b] += 0.5
        field[a, b] = not np.array_equal(rnn2d.rnn2d_loop(nudged, w_in, w_left, w_top)[i, j], base)
    return field


@pytest.mark.parametrize(("n", "i", "j"), [(5, 4, 4), (6, 2, 4), (6, 0, 0), (4, 3, 0)])
def test_rnn_receptive_field_matches_perturbation(n: int, i: int, j: int) -> None:
    field = rnn2d.rnn_receptive_field(n, i, j)
    np.testing.assert_array_equal(field, perturbation_field(n, i, j))
    assert field.sum() == (i + 1) * (j + 1)


def grown_field(n: int, i: int, j: int, layers: int) -> np.ndarray:
    """Grow the set from (i, j) by one 3 x 3 neighbourhood per layer, inside the grid."""
    field = np.zeros((n, n), dtype=bool)
    field[i, j] = True
    for _ in range(layers):
        grown = field.copy()
        for a, b in zip(*np.nonzero(field), strict=True):
            grown[max(a - 1, 0) : a + 2, max(b - 1, 0) : b + 2] = True
        field = grown
    return field


@pytest.mark.parametrize(
    ("n", "i", "j", "layers"), [(9, 4, 4, 1), (9, 4, 4, 3), (9, 1, 7, 2), (5, 2, 2, 4)]
)
def test_conv_receptive_field_matches_grown_neighbourhoods(
    n: int, i: int, j: int, layers: int
) -> None:
    field = rnn2d.conv_receptive_field(n, i, j, layers)
    np.testing.assert_array_equal(field, grown_field(n, i, j, layers))


def test_conv_receptive_field_is_2l_plus_1_squared_inside_the_grid() -> None:
    for layers in range(1, 5):
        assert rnn2d.conv_receptive_field(11, 5, 5, layers).sum() == (2 * layers + 1) ** 2


@pytest.mark.parametrize(
    ("w_in", "w_left", "w_top"), [(1.0, 0.5, 0.5), (0.7, 0.9, 0.3), (2.0, -0.6, 1.1)]
)
def test_influence_map_matches_jacobian_of_linear_loop(
    w_in: float, w_left: float, w_top: float
) -> None:
    n, i, j = 6, 5, 3
    weights = [np.array([[w]]) for w in (w_in, w_left, w_top)]
    jacobian = np.zeros((n, n))
    # The network is linear, so the response to a unit input is its Jacobian column.
    for a, b in itertools.product(range(n), range(n)):
        x = np.zeros((n, n, 1))
        x[a, b, 0] = 1.0
        jacobian[a, b] = rnn2d.rnn2d_loop(x, *weights, activation=lambda v: v)[i, j, 0]
    influence = rnn2d.influence_map(n, i, j, w_in, w_left, w_top)
    np.testing.assert_allclose(influence, jacobian, rtol=1e-12, atol=1e-15)
    assert influence[i - 2, j - 1] == pytest.approx(w_in * comb(3, 2) * w_left**2 * w_top)


def test_shifting_the_image_down_and_right_shifts_the_states() -> None:
    # No biases and tanh(0) = 0: the zero columns and rows that come in stay at zero state.
    x, w_in, w_left, w_top = random_problem(6, 2, 3)
    shifted = np.zeros_like(x)
    shifted[2:, 1:] = x[:-2, :-1]
    hidden = rnn2d.rnn2d_loop(x, w_in, w_left, w_top)
    moved = rnn2d.rnn2d_loop(shifted, w_in, w_left, w_top)
    np.testing.assert_allclose(moved[2:, 1:], hidden[:-2, :-1], rtol=0, atol=1e-15)
    assert not moved[:2].any() and not moved[:, :1].any()
