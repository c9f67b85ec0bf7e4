"""The benchmark's numbers as the chapter's prose states them, from docs/data/benchmark.json.

A quantity is either of one record (a case at one size: its speed-up, count
ratio, times) or of the whole run (a setting, the machine, a formula of the
settings). Each is formatted with the decimals the prose asks for, so the
sentence reads as it was written; a quantity the run did not record is an
error, never a blank.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable
from pathlib import Path

import numpy as np

from chapter.model.kernels import sliding_window_attention

# The data file, relative to docs_dir.
BENCHMARK = Path("data") / "benchmark.json"

# The prose's short names for the cases of the run, and the setting that lists the
# sizes each was run at (one list per problem, so `largest` is one size in a sentence
# that compares two cases).
CASES = {
    "windowed": ("windowed attention", "attention_n"),
    "windowed-jax": ("windowed attention, JAX mask", "attention_n"),
    "sliding": ("sliding-window attention", "attention_n"),
    "sliding-jax": ("sliding-window attention, JAX local window", "attention_n"),
    "rnn2d": ("2D RNN wavefront", "rnn_n"),
}

# The sliding-window kernel's query block is an argument of the code, not of the run.
QUERY_BLOCK = inspect.signature(sliding_window_attention).parameters["b"].default

# Quantities of one record, given the run's settings.
OF_A_RECORD: dict[str, Callable[[dict, dict], float]] = {
    "speedup": lambda r, s: r["speedup"],
    "count-ratio": lambda r, s: r["count_ratio"],
    "percent-of-count-ratio": lambda r, s: 100 * r["efficiency"],
    "baseline-ms": lambda r, s: 1e3 * r["baseline_s"],
    "kernel-ms": lambda r, s: 1e3 * r["kernel_s"],
    "score-matrix-mib": lambda r, s: r["n"] ** 2 * np.dtype(s["dtype"]).itemsize / 2**20,
}

# Quantities of the whole run, given its settings and its machine.
OF_THE_RUN: dict[str, Callable[[dict, dict], object]] = {
    **{key: (lambda s, m, key=key: s[key]) for key in ("d", "w", "t", "c", "h", "dtype")},
    "cores": lambda s, m: m["cores"],
    "cpu": lambda s, m: m["cpu"],
    "numpy": lambda s, m: m["numpy"],
    "jax": lambda s, m: m["jax"],
    # "scipy-openblas 0.3.31.188.0": the version is the last word.
    "openblas": lambda s, m: m["blas"].split()[-1],
    # What the tiles of the two kernels compute per query row, and what the pattern needs.
    "windowed-tile-scores": lambda s, m: 3 * s["w"] / 4,
    "windowed-needed-scores": lambda s, m: (s["w"] + 1) / 2,
    "sliding-tile-scores": lambda s, m: QUERY_BLOCK + s["t"],
    "sliding-needed-scores": lambda s, m: s["t"] + 1,
    "query-block": lambda s, m: QUERY_BLOCK,
}

# Quantities of the sizes a case was measured at.
OF_THE_SIZES: dict[str, Callable[[list[int]], int]] = {"smallest-n": min, "largest-n": max}


def read_benchmark(docs_dir: Path) -> dict:
    """The recorded run."""
    return json.loads((docs_dir / BENCHMARK).read_text(encoding="utf-8"))


def _whole(text: str | None, what: str) -> int | None:
    if text is None:
        return None
    if not text.isdigit():
        raise ValueError(f"{what}={text!r} is not a whole number")
    return int(text)


def _case_sizes(data: dict, case: str | None, name: str) -> list[int]:
    """The sizes the run was asked to measure the case at."""
    if case not in CASES:
        raise ValueError(f"{name} needs a case, one of {', '.join(CASES)}; got {case!r}")
    return data["settings"][CASES[case][1]]


def quantity(
    data: dict,
    name: str,
    case: str | None = None,
    n: str | None = None,
    digits: str | None = None,
    parts: str | None = None,
) -> str:
    """The quantity `name` of the run, as the prose writes it: `digits` decimals for a
    number (0 unless given), the first `parts` parts of a version. A quantity of one
    record is of the case's size `n`: a number, `smallest` or `largest`."""
    places, keep = _whole(digits, "digits"), _whole(parts, "parts")
    known = [*OF_A_RECORD, *OF_THE_SIZES, *OF_THE_RUN]
    if name not in known:
        raise ValueError(f"unknown quantity {name!r}; known: {', '.join(sorted(known))}")
    if name in OF_A_RECORD:
        if n is None:
            raise ValueError(f"{name} is a quantity of one size: give n=")
        sizes = _case_sizes(data, case, name)
        size = OF_THE_SIZES[f"{n}-n"](sizes) if f"{n}-n" in OF_THE_SIZES else _whole(n, "n")
        found = [r for r in data["records"] if r["case"] == CASES[case][0] and r["n"] == size]
        if not found:
            raise ValueError(f"the run recorded no {CASES[case][0]!r} at n = {size}")
        value: object = OF_A_RECORD[name](found[0], data["settings"])
    elif n is not None:
        raise ValueError(f"{name} is not a quantity of one size: leave out n=")
    elif name in OF_THE_SIZES:
        value = OF_THE_SIZES[name](_case_sizes(data, case, name))
    elif name in OF_THE_RUN:
        if case is not None:
            raise ValueError(f"{name} is a quantity of the whole run: leave out {case!r}")
        try:
            value = OF_THE_RUN[name](data["settings"], data["machine"])
        except KeyError as missing:
            raise ValueError(f"the run did not record {missing}") from None
    if isinstance(value, str):
        if places is not None:
            raise ValueError(f"{name} is {value!r}, not a number: leave out digits=")
        return ".".join(value.split(".")[:keep]) if keep else value
    if keep is not None:
        raise ValueError(f"{name} is a number, not a version: leave out parts=")
    return f"{value:.{places or 0}f}"
