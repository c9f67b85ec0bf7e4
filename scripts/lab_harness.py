"""The part of the lab grader that runs inside the submission's kernel.

grade_lab.py loads this file into the kernel before any submitted code, then
for each exercise calls run(namespace, name, folder): it reads the cases from
folder/cases.json and folder/inputs.npz, calls the submitted function on each,
and writes what came back to folder/results.json and folder/outputs.npz. Only
JSON and arrays of plain numbers cross back (never pickles: the grader must not
run objects the submission built). Expected values never enter the kernel.

A case may measure instead of returning the answer: "peak" is the peak memory
the call allocated (tracemalloc), "lines" the number of Python lines run in the
submission's own code, a file outside the interpreter's installation.
"""

from __future__ import annotations

import json
import numbers
import sys
import sysconfig
import tracemalloc
from pathlib import Path

import numpy as np

# Results past this many elements are refused rather than written: no case needs more.
MAX_RESULT_ELEMENTS = 5_000_000
# Where the interpreter and installed packages live; any other file is the submission's.
_LIBRARY_ROOTS = tuple(
    {sys.prefix, sys.base_prefix, sys.exec_prefix, *sysconfig.get_paths().values()}
)
# The harness keeps its own references, so that a submission that replaces
# tracemalloc.start or sys.settrace in its namespace does not change what is measured.
_start, _stop, _traced, _reset_peak = (
    tracemalloc.start,
    tracemalloc.stop,
    tracemalloc.get_traced_memory,
    tracemalloc.reset_peak,
)
_settrace, _gettrace = sys.settrace, sys.gettrace


class _TooManyLines(Exception):
    """Raised from the tracer to stop a call that has already run past the limit."""


def _is_submission(filename: str) -> bool:
    if filename.startswith("<frozen") or filename == __file__:
        return False
    return not filename.startswith(_LIBRARY_ROOTS)


def count_lines(function, args: list, limit: int) -> int:
    """Python lines run in the submission's code during function(*args), up to limit."""
    count = 0

    def local(frame, event, arg):
        nonlocal count
        if event == "line":
            count += 1
            if count > limit:
                raise _TooManyLines
        return local

    def tracer(frame, event, arg):
        return local if _is_submission(frame.f_code.co_filename) else None

    previous = _gettrace()
    _settrace(tracer)
    try:
        function(*args)
    except _TooManyLines:
        pass
    finally:
        _settrace(previous)
    return count


def peak_memory(function, args: list) -> int:
    """Bytes allocated at the peak of function(*args), beyond what was held before."""
    _start()
    try:
        base = _traced()[0]
        _reset_peak()
        function(*args)
        return _traced()[1] - base
    finally:
        _stop()


def _describe(value, key: str, arrays: dict) -> dict:
    """A JSON description of a returned value; arrays of numbers go into arrays[key]."""
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in "biuf":
            return {"kind": "other", "type": f"array of dtype {value.dtype}"}
        if value.size > MAX_RESULT_ELEMENTS:
            return {"kind": "other", "type": f"array of shape {value.shape}, too large"}
        arrays[key] = np.array(value)  # a plain copy: a subclass or a view stays behind
        return {"kind": "array", "key": key}
    if isinstance(value, bool | np.bool_):
        return {"kind": "other", "type": "bool"}
    if isinstance(value, numbers.Integral):
        return {"kind": "int", "value": int(value)}
    if isinstance(value, tuple | list) and len(value) <= 16:
        return {
            "kind": "sequence",
            "items": [_describe(item, f"{key}_{i}", arrays) for i, item in enumerate(value)],
        }
    return {"kind": "other", "type": type(value).__name__}


def _argument(spec: dict, inputs) -> object:
    return inputs[spec["array"]] if "array" in spec else spec["int"]


def run(namespace: dict, name: str, folder: str) -> None:
    """Call namespace[name] on every case in folder and write what came back there."""
    folder = Path(folder)
    cases = json.loads((folder / "cases.json").read_text())
    results: list[dict] = []
    arrays: dict[str, np.ndarray] = {}
    function = namespace.get(name)
    if not callable(function):
        results.append({"missing": True})
    else:
        with np.load(folder / "inputs.npz", allow_pickle=False) as stored:
            inputs = {key: stored[key] for key in stored.files}
        for index, case in enumerate(cases):
            # Each case gets its own copies: a function that writes into its inputs
            # must not change the next case.
            args = [
                np.array(a) if isinstance(a, np.ndarray) else a
                for a in (_argument(spec, inputs) for spec in case["args"])
            ]
            try:
                if case["measure"] == "peak":
                    results.append({"kind": "int", "value": peak_memory(function, args)})
                elif case["measure"] == "lines":
                    results.append(
                        {"kind": "int", "value": count_lines(function, args, case["limit"])}
                    )
                else:
                    results.append(_describe(function(*args), f"r{index}", arrays))
            except (Exception, SystemExit) as error:  # noqa: BLE001 - any failure scores 0
                results.append(
                    {"kind": "error", "type": type(error).__name__, "message": str(error)[:300]}
                )
    np.savez(folder / "outputs.npz", **arrays)
    (folder / "results.json").write_text(json.dumps(results))
