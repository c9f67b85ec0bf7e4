"""The lab's hidden tests: cases drawn from a seed, answers from the chapter's code.

Each exercise has its points, a function drawing its cases from a NumPy generator
seeded with (seed, exercise number) -- so one exercise's cases do not change when
another's do -- and a judge. Expected values come from the tested reference code
(attention.py masks, attention_kernels.py kernels, rnn2d.py recurrence and counts),
never from the notebook, and never enter the submission's sandbox. An exercise
earns the share of its answer points that matches the share of answer cases passed,
and its structure points when every answer is right and its structure cases pass;
grade_lab.py runs the cases contained and judges them.

Structure cases measure rather than compare:
* cell_operations must count by running its products: three calls of the notebook's
  counted_matvec per cell, as the notebook's own check asks;
* the two efficient kernels may not allocate an n x n array: their tracemalloc peak
  at n = 3072, d = 2 must stay under 3n^2/4 bytes, which n x n booleans alone
  exceed, while a kernel that gathers copies of each query's t + 1 keys and values
  peaks at 0.3 to 0.4 n^2;
* nor may they loop over queries in Python: doubling n from 1024 to 2048 must add
  fewer Python lines of the submission than the 1024 queries it adds (a loop over
  queries adds at least two per query);
* the wavefront must take a number of Python steps linear in n: with L(n) the lines
  run at grid side n, L(32) - L(16) may be at most 3 (L(16) - L(8)). A loop of 2n - 1
  batched steps gives a ratio of 2, a double loop over cells 4, whatever its constant cost.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from math import isqrt

import numpy as np

from chapter.model import attention, rnn2d
from chapter.model import kernels as attention_kernels

# Agreement with the reference within float64 rounding of a few dozen operations.
RTOL, ATOL = 1e-7, 1e-9
MEMORY_N, MEMORY_D, KERNEL_PARAMETER = 3072, 2, 16
MEMORY_BOUND = 3 * MEMORY_N * MEMORY_N // 4
LINES_N, LINES_D = 1024, 4
WAVEFRONT_SIDES = (8, 16, 32)
# A limit on lines counted, so that a double loop under the tracer stops early.
LINE_LIMIT = 200_000


@dataclass
class Case:
    """One call: its label for messages, its arguments, what is expected (or, for a
    structure case, what is measured: "peak" or "lines")."""

    label: str
    args: tuple
    expected: object = None
    measure: str = "value"
    # For measure "calls": the notebook's helper whose calls are counted.
    helper: str = ""


@dataclass(frozen=True)
class Exercise:
    name: str
    points: int
    cases: Callable[[np.random.Generator], list[Case]]
    # Judges the measured structure cases, in order; None when all pass, else why not.
    structure: Callable[[list[int]], str | None] | None = field(default=None)
    # Of the points, those the structure earns once every answer is right.
    structure_points: int = 1


# Answer judges: None when got matches expected, else why not, as (what a student may
# see, the whole reason). The first never holds an input or an expected value.


def judge_mask(got: object, expected: np.ndarray) -> tuple[str, str] | None:
    if not isinstance(got, np.ndarray):
        return "not a NumPy array", f"expected a NumPy array, got {_kind(got)}"
    if got.shape != expected.shape:
        return "wrong shape", f"expected shape {expected.shape}, got {got.shape}"
    if got.dtype != bool:
        return "not a boolean array", f"expected a boolean array, got dtype {got.dtype}"
    wrong = np.argwhere(got != expected)
    if len(wrong):
        i, j = wrong[0]
        return (
            "wrong entries",
            f"{len(wrong)} of {expected.size} entries differ, first at [{i}, {j}]",
        )
    return None


def judge_floats(got: object, expected: np.ndarray) -> tuple[str, str] | None:
    if not isinstance(got, np.ndarray):
        return "not a NumPy array", f"expected a NumPy array, got {_kind(got)}"
    if got.shape != expected.shape:
        return "wrong shape", f"expected shape {expected.shape}, got {got.shape}"
    if got.dtype.kind != "f":
        return "not an array of floats", f"expected an array of floats, got dtype {got.dtype}"
    if not np.all(np.isfinite(got)):
        return "inf or nan in the result", "the result holds inf or nan"
    error = np.abs(got - expected) - RTOL * np.abs(expected)
    if np.max(error, initial=0.0) > ATOL:
        largest = np.max(np.abs(got - expected))
        return "wrong values", f"largest difference from the expected values {largest:.2e}"
    return None


def whole(value: object) -> int | None:
    """value as an int if it is a whole number: an int, a NumPy integer (the harness
    sends both as int) or a float with no fractional part; None otherwise."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and np.isfinite(value) and value.is_integer():
        return int(value)
    return None


def judge_integers(got: object, expected: int | tuple[int, ...]) -> tuple[str, str] | None:
    if isinstance(expected, tuple):
        if not isinstance(got, tuple | list) or len(got) != len(expected):
            return "not a pair", f"expected a pair (multiplies, adds), got {_kind(got)}"
        numbers = [whole(item) for item in got]
        if None in numbers:
            return "not whole numbers", f"expected whole numbers, got {_kind(got)}"
        got = tuple(numbers)
    else:
        number = whole(got)
        if number is None:
            return "not a whole number", f"expected a whole number, got {_kind(got)}"
        got = number
    return None if got == expected else ("wrong value", f"expected {expected}, got {got}")


def _kind(value: object) -> str:
    if isinstance(value, tuple | list):
        return f"a {type(value).__name__} of {len(value)}"
    return type(value).__name__


def judge(expected: object, got: object) -> tuple[str, str] | None:
    """Compare one answer with its expected value, by the kind of the expected value."""
    if isinstance(expected, np.ndarray):
        return (judge_mask if expected.dtype == bool else judge_floats)(got, expected)
    return judge_integers(got, expected)


def public(label: str) -> str:
    """A case's label as a student may see it: 0 and 1 kept (they name edge cases),
    every other number hidden, so no hidden input can be read from feedback."""
    return re.sub(r"(?<![\w.])(?!(?:0|1)(?![\w.]))\d+(?:\.\d+)?(?:e[+-]?\d+)?", "…", label)


# Cases. Sizes avoid the notebook's own check cases, so copying those answers fails.


def _some(rng: np.random.Generator, low: int, high: int, size: int) -> list[int]:
    """size whole numbers from low to high inclusive, as Python ints."""
    return [int(x) for x in rng.integers(low, high + 1, size=size)]


def causal_mask_cases(rng: np.random.Generator) -> list[Case]:
    return [Case(f"n = {n}", (n,), attention.causal_mask(n)) for n in [1, *_some(rng, 13, 64, 4)]]


def strided_mask_cases(rng: np.random.Generator) -> list[Case]:
    cases = []
    for n in _some(rng, 13, 48, 4):
        for t in (0, int(rng.integers(1, n - 1)), n - 1, n + int(rng.integers(1, 6))):
            cases.append(Case(f"n = {n}, t = {t}", (n, t), attention.strided_mask(n, t)))
    return cases


def windowed_mask_cases(rng: np.random.Generator) -> list[Case]:
    cases = []
    for w, windows in zip(_some(rng, 1, 9, 4), _some(rng, 2, 7, 4), strict=True):
        n = w * windows
        cases.append(Case(f"n = {n}, w = {w}", (n, w), attention.windowed_mask(n, w)))
    n = int(rng.integers(13, 30))
    cases.append(Case(f"n = {n}, w = {n}", (n, n), attention.windowed_mask(n, n)))
    return cases


def _random_mask(rng: np.random.Generator, n: int) -> np.ndarray:
    mask = rng.random((n, n)) < 0.5
    mask[np.arange(n), np.arange(n)] = True  # every row keeps at least one key
    return mask


def _softmax(scores: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """The masked softmax of each row, from the reference attention: with keys the
    identity (d = n) and queries the scores times sqrt(n), q k^T / sqrt(d) is the
    scores, and values the identity return the attention weights themselves."""
    n = scores.shape[-1]
    eye = np.eye(n)
    rows = scores.reshape(-1, n, n)
    out = [attention_kernels.dense_attention(s * np.sqrt(n), eye, eye, mask) for s in rows]
    return np.array(out).reshape(scores.shape)


def masked_softmax_cases(rng: np.random.Generator) -> list[Case]:
    cases = []
    for label, shape, scale, masked_score in (
        ("random mask", (int(rng.integers(7, 20)),) * 2, 1.0, None),
        ("scores near 500", (int(rng.integers(7, 20)),) * 2, 500.0, None),
        ("masked scores of 50000", (int(rng.integers(7, 20)),) * 2, 1.0, 5e4),
        (
            "a batch sharing one mask",
            (int(rng.integers(2, 5)),) + (int(rng.integers(7, 13)),) * 2,
            1.0,
            None,
        ),
    ):
        mask = _random_mask(rng, shape[-1])
        scores = scale * rng.standard_normal(shape)
        if masked_score is not None:
            scores = np.where(mask, scores, masked_score)
        cases.append(Case(f"shape {shape}, {label}", (scores, mask), _softmax(scores, mask)))
    return cases


def _qkv(rng: np.random.Generator, n: int, d: int, scale: float = 1.0) -> tuple:
    q, k, v = rng.standard_normal((3, n, d))
    return scale * q, k, v


def dense_attention_cases(rng: np.random.Generator) -> list[Case]:
    cases = []
    for n, d, scale in (
        (int(rng.integers(9, 40)), int(rng.integers(2, 9)), 1.0),
        (int(rng.integers(9, 40)), int(rng.integers(2, 9)), 1.0),
        (int(rng.integers(9, 20)), 4, 150.0),
    ):
        q, k, v = _qkv(rng, n, d, scale)
        mask = _random_mask(rng, n)
        expected = attention_kernels.dense_attention(q, k, v, mask)
        cases.append(
            Case(f"n = {n}, d = {d}, random mask, scale {scale:g}", (q, k, v, mask), expected)
        )
    return cases


def _kernel_structure_cases(rng: np.random.Generator, name: str) -> list[Case]:
    big = _qkv(rng, MEMORY_N, MEMORY_D)
    return [
        Case(
            f"peak memory at n = {MEMORY_N}, {name} = {KERNEL_PARAMETER}",
            (*big, KERNEL_PARAMETER),
            measure="peak",
        ),
        *(
            Case(
                f"Python lines at n = {n}",
                (*_qkv(rng, n, LINES_D), KERNEL_PARAMETER),
                measure="lines",
            )
            for n in (LINES_N, 2 * LINES_N)
        ),
    ]


def _kernel_structure(measured: list[int]) -> str | None:
    peak, lines, doubled_lines = measured
    if peak > MEMORY_BOUND:
        return (
            f"allocates {peak / 1e6:.1f} MB at n = {MEMORY_N}, over the "
            f"{MEMORY_BOUND / 1e6:.1f} MB an n x n-free kernel needs"
        )
    if doubled_lines - lines >= LINES_N:
        return (
            f"loops over queries in Python: {doubled_lines - lines} more lines run "
            f"for {LINES_N} more queries"
        )
    return None


def windowed_attention_cases(rng: np.random.Generator) -> list[Case]:
    cases = []
    for w, windows in (
        (1, int(rng.integers(3, 9))),
        (int(rng.integers(2, 9)), 1),
        *((int(rng.integers(2, 9)), int(rng.integers(2, 7))) for _ in range(2)),
    ):
        n, d = w * windows, int(rng.integers(2, 9))
        q, k, v = _qkv(rng, n, d)
        expected = attention_kernels.windowed_attention(q, k, v, w)
        cases.append(Case(f"n = {n}, d = {d}, w = {w}", (q, k, v, w), expected))
    return cases + _kernel_structure_cases(rng, "w")


def sliding_window_attention_cases(rng: np.random.Generator) -> list[Case]:
    cases = []
    n = int(rng.integers(13, 40))
    for t in (0, int(rng.integers(1, n - 1)), int(rng.integers(1, n - 1)), n + 3):
        d = int(rng.integers(2, 9))
        q, k, v = _qkv(rng, n, d)
        expected = attention_kernels.sliding_window_attention(q, k, v, t)
        cases.append(Case(f"n = {n}, d = {d}, t = {t}", (q, k, v, t), expected))
    return cases + _kernel_structure_cases(rng, "t")


def _rnn_inputs(rng: np.random.Generator, n: int, c: int, h: int) -> tuple:
    return (rng.standard_normal((n, n, c)), *rnn2d.init_weights(c, h, rng))


def rnn2d_cases(rng: np.random.Generator) -> list[Case]:
    cases = []
    for n, c, h in (
        (1, int(rng.integers(1, 5)), int(rng.integers(1, 7))),
        *(
            (int(rng.integers(3, 10)), int(rng.integers(1, 5)), int(rng.integers(1, 7)))
            for _ in range(3)
        ),
    ):
        args = _rnn_inputs(rng, n, c, h)
        cases.append(Case(f"n = {n}, c = {c}, h = {h}", args, rnn2d.rnn2d_loop(*args)))
    return cases


def rnn2d_wavefront_cases(rng: np.random.Generator) -> list[Case]:
    return rnn2d_cases(rng) + [
        Case(f"Python lines at n = {n}", _rnn_inputs(rng, n, 2, 3), measure="lines")
        for n in WAVEFRONT_SIDES
    ]


def _wavefront_structure(measured: list[int]) -> str | None:
    small, middle, large = measured
    if large - middle > 3 * (middle - small):
        sides = ", ".join(map("{}: {}".format, WAVEFRONT_SIDES, measured))
        return (
            f"Python work grows faster than n (lines run at n = {sides}): not 2n - 1 batched steps"
        )
    return None


def cell_operations_cases(rng: np.random.Generator) -> list[Case]:
    counted = (int(rng.integers(2, 9)), int(rng.integers(2, 17)))
    return [
        Case(f"c = {c}, h = {h}", (c, h), (rnn2d.multiply_count(1, c, h), rnn2d.add_count(1, c, h)))
        for c, h in [(1, 1), *zip(_some(rng, 2, 64, 3), _some(rng, 2, 256, 3), strict=True)]
    ] + [Case("calls of counted_matvec", counted, measure="calls", helper="counted_matvec")]


def _counted_structure(measured: list[int]) -> str | None:
    """As the notebook's check asks: the counts come from running the three products."""
    (calls,) = measured
    if calls != 3:
        return f"counts without running them: {calls} calls of counted_matvec, not 3"
    return None


def grid_operations_cases(rng: np.random.Generator) -> list[Case]:
    return [
        Case(
            f"n = {n}, c = {c}, h = {h}",
            (n, c, h),
            (rnn2d.multiply_count(n, c, h), rnn2d.add_count(n, c, h)),
        )
        for n, c, h in [
            (1, 1, 1),
            *zip(_some(rng, 2, 512, 3), _some(rng, 1, 64, 3), _some(rng, 2, 256, 3), strict=True),
        ]
    ]


def _receptive_side(layers: int, k: int) -> int:
    """The side of the square of inputs one output sees, from the reference field."""
    n = layers * (k - 1) + 3  # room for the whole square around the centre
    return isqrt(int(rnn2d.conv_receptive_field(n, n // 2, n // 2, layers, k).sum()))


def conv_stack_receptive_field_cases(rng: np.random.Generator) -> list[Case]:
    cases = [
        Case(f"layers = {layers}, k left at its default", (layers,), _receptive_side(layers, 3))
        for layers in _some(rng, 1, 30, 3)
    ]
    for layers, k in zip(_some(rng, 1, 30, 3), rng.choice([3, 5, 7], size=3), strict=True):
        k = int(k)
        cases.append(Case(f"layers = {layers}, k = {k}", (layers, k), _receptive_side(layers, k)))
    return cases


def _conv_weights(layers: int, c: int, h: int, k: int) -> int:
    """Weights of the stack, counted from the shape of each layer's kernel (no biases)."""
    shapes = [(h, c, k, k)] + [(h, h, k, k)] * (layers - 1)
    return sum(int(np.prod(shape)) for shape in shapes)


def conv_stack_parameters_cases(rng: np.random.Generator) -> list[Case]:
    cases = []
    for layers, c, h in zip(
        _some(rng, 1, 12, 2), _some(rng, 1, 8, 2), _some(rng, 2, 64, 2), strict=True
    ):
        cases.append(
            Case(
                f"layers = {layers}, c = {c}, h = {h}, k left at its default",
                (layers, c, h),
                _conv_weights(layers, c, h, 3),
            )
        )
    for layers, c, h, k in zip(
        _some(rng, 1, 12, 2),
        _some(rng, 1, 8, 2),
        _some(rng, 2, 64, 2),
        rng.choice([3, 5], size=2),
        strict=True,
    ):
        cases.append(
            Case(
                f"layers = {layers}, c = {c}, h = {h}, k = {k}",
                (layers, c, h, int(k)),
                _conv_weights(layers, c, h, int(k)),
            )
        )
    return cases


# The grading table: every exercise, in the lab's order, with its points.
EXERCISES: tuple[Exercise, ...] = (
    Exercise("causal_mask", 1, causal_mask_cases),
    Exercise("strided_mask", 1, strided_mask_cases),
    Exercise("windowed_mask", 1, windowed_mask_cases),
    Exercise("masked_softmax", 2, masked_softmax_cases),
    Exercise("dense_attention", 2, dense_attention_cases),
    Exercise("windowed_attention", 3, windowed_attention_cases, _kernel_structure),
    Exercise("sliding_window_attention", 3, sliding_window_attention_cases, _kernel_structure),
    Exercise("rnn2d_loop", 2, rnn2d_cases),
    Exercise("rnn2d_wavefront", 3, rnn2d_wavefront_cases, _wavefront_structure),
    Exercise("cell_operations", 1, cell_operations_cases, _counted_structure),
    Exercise("grid_operations", 1, grid_operations_cases),
    Exercise("conv_stack_receptive_field", 1, conv_stack_receptive_field_cases),
    Exercise("conv_stack_parameters", 1, conv_stack_parameters_cases),
)


def draw_cases(exercise_number: int, seed: int) -> list[Case]:
    """The cases of EXERCISES[exercise_number] for this seed, the same on every call."""
    return EXERCISES[exercise_number].cases(np.random.default_rng([seed, exercise_number]))


# Reference versions of the exercises that others may call, sent into the submission's
# sandbox only when the student's own version failed, so that one mistake costs once.
REFERENCE_HELPERS = {
    "causal_mask": """def causal_mask(n):
    return np.tri(n, dtype=bool)
""",
    "strided_mask": """def strided_mask(n, t):
    rows, cols = np.indices((n, n))
    return (cols <= rows) & (rows - cols <= t)
""",
    "windowed_mask": """def windowed_mask(n, w):
    rows, cols = np.indices((n, n))
    return (cols <= rows) & (rows // w == cols // w)
""",
    "masked_softmax": """def masked_softmax(scores, mask):
    scores = np.where(mask, scores, -np.inf)
    e = np.exp(scores - scores.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)
""",
    "dense_attention": """def dense_attention(q, k, v, mask):
    scores = np.where(mask, q @ k.T / np.sqrt(q.shape[-1]), -np.inf)
    e = np.exp(scores - scores.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True) @ v
""",
    "cell_operations": """def cell_operations(c, h):
    return h * c + 2 * h * h, h * c + 2 * h * h - h
""",
}
