"""The 2D RNN of Problem 2: reference implementations and its counts.

h^{i,j} = sigma(W_in x^{i,j} + W_left h^{i-1,j} + W_top h^{i,j-1}), no biases,
zero state outside the grid. ``x`` has shape (n, n, c) and is indexed
``x[i, j]``: i is the column (its "left" neighbour is i - 1) and j is the row
(its "top" neighbour is j - 1), so an image stored as ``img[row, col]`` enters
as ``img.transpose(1, 0, 2)``. Indices are 0-based here; the page counts from 1.

Run ``python scripts/rnn2d.py --n N --c C --h H`` for the counts of one layer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from chapter.model.expressions import evaluate, expression_tree
from chapter.shared.cli import ArgumentParser, whole_number

Activation = Callable[[np.ndarray], np.ndarray]


def init_weights(
    c: int, h: int, rng: np.random.Generator, dtype=np.float64
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Random (w_in (h, c), w_left (h, h), w_top (h, h)), scaled so tanh stays unsaturated."""
    w_in = rng.normal(0.0, 1.0 / np.sqrt(c), size=(h, c)).astype(dtype)
    # Two recurrent inputs share the variance budget of one.
    w_left = rng.normal(0.0, 1.0 / np.sqrt(2 * h), size=(h, h)).astype(dtype)
    w_top = rng.normal(0.0, 1.0 / np.sqrt(2 * h), size=(h, h)).astype(dtype)
    return w_in, w_left, w_top


def rnn2d_loop(
    x: np.ndarray,
    w_in: np.ndarray,
    w_left: np.ndarray,
    w_top: np.ndarray,
    activation: Activation = np.tanh,
) -> np.ndarray:
    """All hidden states (n, n, h), one cell at a time in row-major order."""
    n = x.shape[0]
    h = w_in.shape[0]
    dtype = np.result_type(x, w_in, w_left, w_top)
    out = np.zeros((n, n, h), dtype=dtype)
    zero = np.zeros(h, dtype=dtype)
    for i in range(n):
        for j in range(n):
            left = out[i - 1, j] if i > 0 else zero
            top = out[i, j - 1] if j > 0 else zero
            out[i, j] = activation(w_in @ x[i, j] + w_left @ left + w_top @ top)
    return out


# --8<-- [start:wavefront]
# The step count as an expression, like the layer's other counts (_count evaluates
# them), so that the practice questions ask for this very formula.
WAVEFRONT_STEPS = "2 * n - 1"


def wavefront_steps(n: int) -> int:
    """Sequential steps of the wavefront: one per anti-diagonal s = i + j, so 2n - 1."""
    return _count(WAVEFRONT_STEPS, n=n)


def diagonal_cells(n: int, s: int) -> range:
    """The columns i of the cells (i, s - i) on anti-diagonal s that lie in the grid."""
    return range(max(0, s - n + 1), min(s, n - 1) + 1)


def _diagonal_view(skewed: np.ndarray, n: int) -> np.ndarray:
    """The (n, n, h) view of a skewed array whose [i, j] is skewed[i + j, i]."""
    rows, slots, depth = skewed.strides
    return np.lib.stride_tricks.as_strided(
        skewed, shape=(n, n, skewed.shape[2]), strides=(rows + slots, rows, depth)
    )


def rnn2d_wavefront(
    x: np.ndarray,
    w_in: np.ndarray,
    w_left: np.ndarray,
    w_top: np.ndarray,
    activation: Activation = np.tanh,
) -> np.ndarray:
    """All hidden states (n, n, h), one batched step per anti-diagonal (2n - 1 steps)."""
    n = x.shape[0]
    h = w_in.shape[0]
    dtype = np.result_type(x, w_in, w_left, w_top)
    steps = wavefront_steps(n)
    # PixelRNN's skew, with diagonals as rows: cell (i, j) lives at [i + j, i],
    # so anti-diagonal s is the contiguous row s. _diagonal_view addresses the
    # skewed array by (i, j), so skewing and unskewing are one copy each.
    skew_u = np.zeros((steps, n, h), dtype=dtype)
    # The input term depends on no state: one matmul for all n^2 cells up front.
    _diagonal_view(skew_u, n)[...] = (x.reshape(n * n, -1) @ w_in.T).reshape(n, n, h)
    # States one row and one slot further on: row s + 1 holds diagonal s, slot
    # i + 1 holds column i. The left neighbour (i-1, j) is then slot i and the
    # top neighbour (i, j-1) slot i + 1 of row s; row 0, slot 0 and never-written
    # slots are the zero state outside the grid.
    skew = np.zeros((steps + 1, n + 1, h), dtype=dtype)
    # Slots i and i + 1 sit side by side in memory, so cell i's two neighbours
    # are one row of 2h numbers, and both recurrent products are one matmul.
    w_both = np.concatenate([w_left.T, w_top.T]).astype(dtype)
    item = skew.itemsize
    in_place = isinstance(activation, np.ufunc)
    for s in range(steps):
        cells = diagonal_cells(n, s)
        lo, hi = cells.start, cells.stop
        neighbours = np.lib.stride_tricks.as_strided(
            skew[s, lo:], shape=(hi - lo, 2 * h), strides=(h * item, item), writeable=False
        )
        pre = neighbours @ w_both
        pre += skew_u[s, lo:hi]
        if in_place:
            activation(pre, out=skew[s + 1, lo + 1 : hi + 1])
        else:
            skew[s + 1, lo + 1 : hi + 1] = activation(pre)
    return _diagonal_view(skew[1:, 1:], n).copy()


# --8<-- [end:wavefront]


def skew_layout(n: int) -> np.ndarray:
    """Where rnn2d_wavefront keeps each cell: (2n - 1, n) ints, the row-major index
    i n + j of the cell at [step, slot], or -1 for a slot no cell uses."""
    skewed = np.full((wavefront_steps(n), n, 1), -1)
    _diagonal_view(skewed, n)[..., 0] = np.arange(n * n).reshape(n, n)
    return skewed[..., 0]


@dataclass
class OpCount:
    """Scalar operations tallied one by one as the instrumented loop performs them."""

    multiplies: int = 0
    adds: int = 0
    nonlinearities: int = 0


def _matvec_counted(w: np.ndarray, v: np.ndarray, count: OpCount) -> np.ndarray:
    rows, cols = w.shape
    out = np.empty(rows, dtype=np.result_type(w, v))
    for r in range(rows):
        acc = w[r, 0] * v[0]
        count.multiplies += 1
        for k in range(1, cols):
            acc = acc + w[r, k] * v[k]
            count.multiplies += 1
            count.adds += 1
        out[r] = acc
    return out


def _sum_counted(vectors: list[np.ndarray], count: OpCount) -> np.ndarray:
    total = vectors[0].copy()
    for v in vectors[1:]:
        for r in range(total.shape[0]):
            total[r] = total[r] + v[r]
            count.adds += 1
    return total


def rnn2d_counted(
    x: np.ndarray,
    w_in: np.ndarray,
    w_left: np.ndarray,
    w_top: np.ndarray,
    activation: Activation = np.tanh,
    skip_border: bool = False,
) -> tuple[np.ndarray, OpCount]:
    """The double loop with scalar arithmetic, counting every multiply, add and
    activation; skip_border drops the products with a zero neighbour state."""
    n = x.shape[0]
    h = w_in.shape[0]
    dtype = np.result_type(x, w_in, w_left, w_top)
    out = np.zeros((n, n, h), dtype=dtype)
    zero = np.zeros(h, dtype=dtype)
    count = OpCount()
    for i in range(n):
        for j in range(n):
            left = out[i - 1, j] if i > 0 else zero
            top = out[i, j - 1] if j > 0 else zero
            terms = [_matvec_counted(w_in, x[i, j], count)]
            if i > 0 or not skip_border:
                terms.append(_matvec_counted(w_left, left, count))
            if j > 0 or not skip_border:
                terms.append(_matvec_counted(w_top, top, count))
            pre = _sum_counted(terms, count)
            for r in range(h):
                out[i, j, r] = activation(pre[r])
                count.nonlinearities += 1
    return out, count


# The closed-form counts, each written once (WAVEFRONT_STEPS stands with the wavefront
# above): the functions below evaluate them, and the practice questions
# (scripts/chapter/model/practice.py) ask for them.
PARAMETERS = "h * c + 2 * h * h"
MULTIPLIES = "n * n * (h * c + 2 * h * h)"
ADDS = "n * n * (h * c + 2 * h * h - h)"
OPERATIONS = "n * n * (2 * h * c + 4 * h * h - h)"
NONLINEARITIES = "n * n * h"
BORDER_SAVING = "2 * n * 2 * h * h"
CELL_UPDATES = "n * n"


def _count(expression: str, **values: int) -> int:
    return int(evaluate(expression_tree(expression), values))


def parameter_count(c: int, h: int) -> int:
    """W_in is h x c, W_left and W_top are h x h: hc + 2h^2, whatever n is."""
    return _count(PARAMETERS, c=c, h=h)


def multiply_count(n: int, c: int, h: int) -> int:
    """Per cell, three mat-vecs: hc + h^2 + h^2 multiplies; n^2 (hc + 2h^2) in all."""
    return _count(MULTIPLIES, n=n, c=c, h=h)


def add_count(n: int, c: int, h: int) -> int:
    """Per cell h(c-1) + 2h(h-1) adds in the mat-vecs and 2h to sum three vectors:
    hc + 2h^2 - h; n^2 (hc + 2h^2 - h) in all."""
    return _count(ADDS, n=n, c=c, h=h)


def operation_count(n: int, c: int, h: int) -> int:
    """Multiplies plus adds: n^2 (2hc + 4h^2 - h)."""
    return _count(OPERATIONS, n=n, c=c, h=h)


def nonlinearity_count(n: int, h: int) -> int:
    """One activation per hidden unit: n^2 h."""
    return _count(NONLINEARITIES, n=n, h=h)


def cell_updates(n: int) -> int:
    """Hidden states computed, one per cell: n^2, in any order, wavefront or loop."""
    return _count(CELL_UPDATES, n=n)


def border_saving(n: int, h: int) -> int:
    """Operations saved by skipping the 2n products with a zero neighbour: each
    skipped h x h mat-vec is h^2 multiplies, h(h-1) adds and h adds to sum it, 2h^2."""
    return _count(BORDER_SAVING, n=n, h=h)


# h^{i,j} depends on input x^{i-p, j-q} when it lies left of and above it (or is it).
REACHES = "p >= 0 and q >= 0"


def rnn_receptive_field(n: int, i: int, j: int) -> np.ndarray:
    """Boolean (n, n): the inputs x^{i',j'} that h^{i,j} depends on, i' <= i and j' <= j."""
    cols, rows = np.indices((n, n))
    return evaluate(expression_tree(REACHES), {"p": i - cols, "q": j - rows})


def conv_receptive_field(n: int, i: int, j: int, layers: int, k: int = 3) -> np.ndarray:
    """Boolean (n, n): the inputs seen by output (i, j) of `layers` stacked k x k
    convolutions with zero padding, a (layers (k-1) + 1)^2 square clipped to the grid."""
    cols, rows = np.indices((n, n))
    reach = layers * (k - 1) // 2
    return (np.abs(cols - i) <= reach) & (np.abs(rows - j) <= reach)


# The influence of input x^{i-p, j-q} on h^{i,j} (h = 1, c = 1, linear activation):
# w_in times a^p b^q (a = w_left, b = w_top) for each of the C(p + q, p) monotone
# lattice paths between them. The 2D RNN explorer evaluates the same expression.
INFLUENCE = "w_in * comb(p + q, p) * a ** p * b ** q"


def influence_map(n: int, i: int, j: int, w_in: float, w_left: float, w_top: float) -> np.ndarray:
    """d h^{i,j} / d x^{i',j'} for h = 1, c = 1 and a linear activation: a sum over
    monotone lattice paths, w_in C(p + q, p) w_left^p w_top^q with p = i - i', q = j - j'."""
    tree = expression_tree(INFLUENCE)
    weights = {"w_in": w_in, "a": w_left, "b": w_top}
    out = np.zeros((n, n))
    for p in range(i + 1):
        for q in range(j + 1):
            out[i - p, j - q] = evaluate(tree, {**weights, "p": p, "q": q})
    return out


# Largest n, c and h the command takes: far past any layer of the chapter, and small
# enough that every count prints at once.
MAX_SIZE = 100_000


def main(argv: list[str] | None = None) -> int:
    parser = ArgumentParser(
        prog="rnn2d.py",
        description="Parameters and scalar operations of one 2D RNN layer on an n x n grid.",
    )
    size = whole_number(1, MAX_SIZE)
    for name, meaning in (("n", "grid side"), ("c", "input channels"), ("h", "hidden size")):
        parser.add_argument(
            f"--{name}",
            type=size,
            required=True,
            metavar=name.upper(),
            help=f"{meaning} {name}, from 1 to {MAX_SIZE}",
        )
    args = parser.parse_args(argv)
    n, c, h = args.n, args.c, args.h
    print(f"parameters: {parameter_count(c, h)}")
    print(f"multiplies: {multiply_count(n, c, h)}")
    print(f"adds: {add_count(n, c, h)}")
    print(f"nonlinearities: {nonlinearity_count(n, h)}")
    print(f"operations: {operation_count(n, c, h)}")
    return 0
