"""The part of the lab grader that runs the submission: python lab_harness.py [--uid UID].

grade_lab.py starts this file inside the sandbox of lab_sandbox.py, in an empty
scratch folder, and writes the job to its standard input: the notebook's code cells
and every exercise's hidden inputs (never the expected answers, which stay with the
judge). It reads the whole job before any submitted code runs, drops to UID when
started as root, then runs every code cell in order as Run All would (magics
included) and calls each exercise's function on its cases. What came back is
written into the scratch folder, one file per cell and per exercise, rewritten
after each case: only JSON of plain numbers, strings and base64 arrays (never
pickles). At the end the run is sealed (see seal): whatever the submission left
running is killed or replaced and every file written again from memory. The judge
reads those files after this process and everything it started are gone, and
trusts none of their bytes.

A case may measure instead of returning the answer: "calls" is how many times the
call used a helper of the notebook, by name; "peak" the peak memory the call
allocated (tracemalloc); "lines" the number of Python lines run in code outside
this file, counting each item that map, filter, starmap or reduce feed to a
callable as a line, so that a loop moved into C still counts. While a measurement runs, the
functions that could switch it off (sys.settrace, sys.setprofile, tracemalloc.stop
and their kin) are replaced by ones that record the attempt; a measurement whose
tracer or tracing was switched off anyway reports itself as tampered with.
"""

from __future__ import annotations

import base64
import builtins
import contextlib
import ctypes
import functools
import itertools
import json
import numbers
import os
import signal
import sys
import threading
import time
import tracemalloc

import numpy as np

# Results past this many elements are refused rather than written: no case needs more.
MAX_RESULT_ELEMENTS = 100_000
# Exception names and messages are cut here before they leave the sandbox (and again
# by the judge, which trusts nothing).
MAX_TEXT = 300
NUMBER_KINDS = "biuf"
PR_SET_NO_NEW_PRIVS = 38
# Seconds a cell may always take, however late: a cell of definitions takes milliseconds.
MOMENT = 2.0
# Folders every user may write in: in a mount namespace each gets a private, empty tmpfs.
PRIVATE_TMPS = ("/tmp", "/var/tmp", "/dev/shm")

_settrace, _gettrace, _setprofile = sys.settrace, sys.gettrace, sys.setprofile
_start, _stop, _traced, _reset_peak, _is_tracing = (
    tracemalloc.start,
    tracemalloc.stop,
    tracemalloc.get_traced_memory,
    tracemalloc.reset_peak,
    tracemalloc.is_tracing,
)
_monotonic = time.monotonic
_map, _filter, _starmap, _reduce = (
    builtins.map,
    builtins.filter,
    itertools.starmap,
    functools.reduce,
)


class StepTimeout(BaseException):
    """Raised by the step alarm: this cell or case ran past its time."""


class _TooManyLines(BaseException):
    """Raised from the tracer to stop a call that has already run past the limit."""


# Values in and out: JSON with arrays as base64 of their bytes.


def encode(value: object) -> dict:
    """A JSON description of an argument the judge sends: a whole number or an array."""
    if isinstance(value, np.ndarray):
        data = np.ascontiguousarray(value)
        return {
            "dtype": data.dtype.str,
            "shape": list(data.shape),
            "data": base64.b64encode(data.tobytes()).decode(),
        }
    return {"int": int(value)}


def decode_array(described: dict) -> np.ndarray:
    """The array of an encode() description; ValueError unless it is one, exactly."""
    dtype = np.dtype(str(described["dtype"]))
    shape = described["shape"]
    if dtype.kind not in NUMBER_KINDS or dtype.hasobject or dtype.itemsize > 16:
        raise ValueError("not an array of numbers")
    if not isinstance(shape, list) or len(shape) > 8:
        raise ValueError("bad shape")
    if not all(type(side) is int and 0 <= side <= MAX_RESULT_ELEMENTS for side in shape):
        raise ValueError("bad shape")
    size = int(np.prod(shape, dtype=np.int64))
    if size > MAX_RESULT_ELEMENTS:
        raise ValueError("too large")
    data = base64.b64decode(str(described["data"]), validate=True)
    if len(data) != size * dtype.itemsize:
        raise ValueError("size does not match the shape")
    return np.frombuffer(data, dtype=dtype).reshape(shape).copy()


def _text(value: object) -> str:
    return str(value)[:MAX_TEXT]


def describe(value: object, depth: int = 0) -> dict:
    """A JSON description of a returned value."""
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in NUMBER_KINDS:
            return {"kind": "other", "type": f"array of dtype {_text(value.dtype)}"}
        if value.size > MAX_RESULT_ELEMENTS:
            return {"kind": "other", "type": "array too large"}
        return {"kind": "array", **encode(np.array(value))}
    if isinstance(value, (bool, np.bool_)):
        return {"kind": "other", "type": "bool"}
    if isinstance(value, numbers.Integral):
        return {"kind": "int", "value": int(value)}
    if isinstance(value, numbers.Real):
        return {"kind": "float", "value": repr(float(value))}
    if isinstance(value, (tuple, list)) and len(value) <= 16 and depth < 2:
        return {"kind": "sequence", "items": [describe(item, depth + 1) for item in value]}
    return {"kind": "other", "type": _text(type(value).__name__)}


def _argument(spec: dict) -> object:
    return decode_array(spec) if "dtype" in spec else int(spec["int"])


# Measurements that the measured function cannot switch off unnoticed.


class _Guard:
    """While active, the switches of tracing and tracemalloc only record an attempt,
    and map, filter, starmap and reduce count every item they feed to a callable."""

    def __init__(self) -> None:
        self.tampered = ""
        self.items = 0

    def _refuse(self, name: str):
        def refuse(*args, **kwargs):
            self.tampered = self.tampered or name

        return refuse

    def _counted(self, iterable):
        for item in iterable:
            self.items += 1
            yield item

    def __enter__(self) -> _Guard:
        guard = self
        self.saved = [
            (sys, "settrace", sys.settrace),
            (sys, "setprofile", sys.setprofile),
            (threading, "settrace", threading.settrace),
            (threading, "setprofile", threading.setprofile),
            (tracemalloc, "stop", tracemalloc.stop),
            (tracemalloc, "start", tracemalloc.start),
            (tracemalloc, "reset_peak", tracemalloc.reset_peak),
            (tracemalloc, "clear_traces", tracemalloc.clear_traces),
            (builtins, "map", builtins.map),
            (builtins, "filter", builtins.filter),
            (itertools, "starmap", itertools.starmap),
            (functools, "reduce", functools.reduce),
        ]
        for owner, name, _ in self.saved[:8]:
            setattr(owner, name, self._refuse(f"{owner.__name__}.{name}"))
        builtins.map = lambda f, first, *rest: _map(f, guard._counted(first), *rest)
        builtins.filter = lambda f, it: _filter(f, guard._counted(it))
        itertools.starmap = lambda f, it: _starmap(f, guard._counted(it))
        functools.reduce = lambda f, it, *init: _reduce(f, guard._counted(it), *init)
        return self

    def __exit__(self, *exc) -> None:
        for owner, name, original in self.saved:
            setattr(owner, name, original)


def count_lines(function, args: list, limit: int) -> tuple[int, str]:
    """Python lines run outside this file during function(*args), up to limit, plus
    items fed to a callable by map and its kin; and what switched the count off, if
    anything did."""
    count = 0

    def local(frame, event, arg):
        nonlocal count
        if event == "line":
            count += 1
            if count > limit:
                raise _TooManyLines
        return local

    def tracer(frame, event, arg):
        return None if frame.f_code.co_filename == __file__ else local

    with _Guard() as guard:
        previous = _gettrace()
        threading._trace_hook = tracer  # threads the function starts are counted too
        _settrace(tracer)
        try:
            function(*args)
        except _TooManyLines:
            pass
        finally:
            still = _gettrace() is tracer
            _settrace(previous)
            threading._trace_hook = None
    if not still:
        guard.tampered = guard.tampered or "the tracer was removed"
    return count + guard.items, guard.tampered


def peak_memory(function, args: list) -> tuple[int, str]:
    """Bytes allocated at the peak of function(*args), beyond what was held before, and
    what switched tracemalloc off, if anything did."""
    with _Guard() as guard:
        _start()
        try:
            base = _traced()[0]
            _reset_peak()
            function(*args)
            still = _is_tracing()
            peak = _traced()[1] - base if still else 0
        finally:
            _stop()
    if not still:
        guard.tampered = guard.tampered or "tracemalloc was stopped"
    return peak, guard.tampered


def count_calls(namespace: dict, helper: str, function, args: list) -> tuple[int, str]:
    """How many times function(*args) calls the notebook's helper, by its global name."""
    original = namespace.get(helper)
    calls = 0

    def counted(*arguments, **keywords):
        nonlocal calls
        calls += 1
        return original(*arguments, **keywords)

    if not callable(original):
        return 0, ""
    namespace[helper] = counted
    try:
        function(*args)
    finally:
        namespace[helper] = original
    return calls, ""


def code_names(function) -> list[str]:
    """The global names a function's code (nested functions included) refers to."""
    names: set[str] = set()
    pending = [getattr(function, "__code__", None)]
    while pending:
        code = pending.pop()
        if code is None or len(names) > 10_000:
            continue
        names.update(code.co_names)
        pending.extend(const for const in code.co_consts if hasattr(const, "co_names"))
    return sorted(names)


# Running the job.


def _alarm(signum, frame) -> None:
    raise StepTimeout


def _limit(seconds: float) -> None:
    signal.setitimer(signal.ITIMER_REAL, max(seconds, 0.001))


# Every file this process wrote, by name, as it stands: written again at the end.
_written: dict[str, object] = {}
SEAL = "sealed.json"
# Runs in place of this process at the end: writes every result file again, the seal
# last, from what this process kept in memory (JSON text on the file descriptor argv[1]).
_WRITER = """
import json, os, sys
with os.fdopen(int(sys.argv[1]), "rb") as source:
    files = json.loads(source.read())
for name, text in files.items():
    with open(name + ".tmp", "w", encoding="utf-8") as out:
        out.write(text)
    os.replace(name + ".tmp", name)
"""


def _write(name: str, data: object) -> None:
    """data as JSON in the scratch folder, replacing the file whole."""
    _written[name] = data
    with open(f"{name}.tmp", "w", encoding="utf-8") as fh:
        json.dump(data, fh)
    os.replace(f"{name}.tmp", name)


def _error(error: BaseException) -> dict:
    if isinstance(error, StepTimeout):
        return {"kind": "timeout"}
    return {"kind": "error", "type": _text(type(error).__name__), "message": _text(error)}


def _call(namespace: dict, function, args: list, case: dict, step: float) -> dict:
    _limit(step)
    try:
        if case["measure"] == "calls":
            value, tampered = count_calls(namespace, case["helper"], function, args)
        elif case["measure"] == "peak":
            value, tampered = peak_memory(function, args)
        elif case["measure"] == "lines":
            value, tampered = count_lines(function, args, case["limit"])
        else:
            return describe(function(*args))
        return {"kind": "measure", "value": int(value), "tampered": _text(tampered)}
    except (Exception, SystemExit, StepTimeout) as error:  # noqa: BLE001 - any failure counts
        return _error(error)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)


def run_exercise(namespace: dict, number: int, exercise: dict, step: float) -> None:
    """Call the exercise's function on each case, rewriting its result file after each."""
    for name, source in exercise.get("substitute", {}).items():
        exec(compile(source, f"<reference {name}>", "exec"), namespace)  # noqa: S102
    function = namespace.get(exercise["name"])
    if not callable(function):
        _write(f"exercise-{number}.json", {"missing": True})
        return
    done: dict = {"uses": code_names(function), "cases": []}
    for case in exercise["cases"]:
        args = [_argument(spec) for spec in case["args"]]
        done["cases"].append(_call(namespace, function, args, case, step))
        _write(f"exercise-{number}.json", done)


def _reap() -> None:
    with contextlib.suppress(ChildProcessError):
        while os.waitpid(-1, os.WNOHANG)[0]:
            pass


def seal(own_user: bool) -> None:
    """End the run so that nothing the submission started can change its results: kill
    every other process of this user (when it is one of its own), then replace this
    process, and with it every thread the submission started, by a small writer that
    writes every result again from memory, and the seal last. The judge believes
    measurements only from a sealed run."""
    files = {name: json.dumps(data) for name, data in _written.items()}
    files[SEAL] = json.dumps(True)
    fd = os.memfd_create("results", 0)
    data = json.dumps(files).encode()
    while data:
        data = data[os.write(fd, data) :]
    os.lseek(fd, 0, os.SEEK_SET)
    if own_user:
        for _ in range(50):
            try:
                os.kill(-1, signal.SIGKILL)
            except ProcessLookupError:
                break
            _reap()
            time.sleep(0.01)
    _reap()
    os.execv(sys.executable, [sys.executable, "-I", "-S", "-c", _WRITER, str(fd)])


def run_job(job: dict) -> None:
    """Every cell in order, then every exercise; results into the current folder."""
    from IPython.core.interactiveshell import InteractiveShell

    signal.signal(signal.SIGALRM, _alarm)
    shell = InteractiveShell.instance()
    step = float(job["step"])
    # The cells share half of the run, so that slow cells (timings, checks of a slow
    # kernel) leave the hidden tests their time; past it each cell gets a moment only,
    # enough for the definitions a notebook's later cells hold.
    cells_end = _monotonic() + float(job["cells_share"])
    for number, code in enumerate(job["cells"]):
        _limit(max(min(step, cells_end - _monotonic()), MOMENT))
        try:
            outcome = shell.run_cell(code, silent=True, store_history=False)
            error = outcome.error_before_exec or outcome.error_in_exec
        except StepTimeout as stopped:
            error = stopped
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        _write(f"cell-{number}.json", _error(error) if error else {"kind": "ok"})
    for number, exercise in enumerate(job["exercises"]):
        run_exercise(shell.user_ns, number, exercise, step)


# Entering the sandbox.


_MS_RDONLY, _MS_NOSUID, _MS_NODEV, _MS_NOEXEC, _MS_REMOUNT, _MS_BIND, _MS_REC = (
    1,
    2,
    4,
    8,
    32,
    4096,
    16384,
)


def _mount(source: str, target: str, kind: str | None, flags: int, options: str = "") -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.mount(
        source.encode(), target.encode(), kind.encode() if kind else None, flags, options.encode()
    ):
        raise OSError(ctypes.get_errno(), f"cannot mount {target}")


def _expose(closed: str, paths: list[str]) -> None:
    """Cover the folder closed (one the sandbox user may not enter, such as /root) with
    an empty tmpfs, and put back read-only only paths, the interpreter's files."""
    staged = []
    for index, path in enumerate(paths):
        stage = f".expose-{index}"  # relative to the scratch folder, the current one
        os.mkdir(stage)
        _mount(path, stage, None, _MS_BIND | _MS_REC)
        staged.append((stage, path))
    _mount("none", closed, "tmpfs", _MS_NOSUID | _MS_NODEV, "size=1m,mode=755")
    libc = ctypes.CDLL(None, use_errno=True)
    for stage, path in staged:
        os.makedirs(path, mode=0o755, exist_ok=True)
        _mount(stage, path, None, _MS_BIND | _MS_REC)
        _mount("none", path, None, _MS_BIND | _MS_REMOUNT | _MS_RDONLY)
        libc.umount2(stage.encode(), 2)  # MNT_DETACH
        os.rmdir(stage)


def _hide(paths: list[str]) -> None:
    """Cover each path with an empty tmpfs, in this private mount namespace: read-only
    for the grader's folders, private and writable for /tmp and its kin."""
    for path in paths:
        flags = _MS_NOSUID | _MS_NODEV | _MS_NOEXEC
        if path in PRIVATE_TMPS:
            _mount("none", path, "tmpfs", flags, "size=64m,mode=1777")
        else:
            _mount("none", path, "tmpfs", flags | _MS_RDONLY, "size=4k,mode=000")


def drop_privileges(uid: int) -> None:
    """Become uid (group uid, no supplementary groups) for good, with no way back."""
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)


def main() -> None:
    job = json.loads(sys.stdin.buffer.read())
    sys.stdin.close()
    os.close(0)
    for closed, paths in job.get("expose", {}).items():
        _expose(closed, paths)
    if job.get("hide"):
        _hide(job["hide"])
    if job.get("uid") is not None:
        drop_privileges(int(job["uid"]))
    run_job(job)
    seal(job.get("uid") is not None)


if __name__ == "__main__":
    main()
