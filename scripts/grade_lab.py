"""Grade a submitted lab notebook: python scripts/grade_lab.py SUBMISSION.ipynb [--seed SEED].

The submission runs in a fresh Jupyter kernel, in an empty temporary folder, under
one time limit (--timeout, 120 s by default; no single cell or exercise may take
more than a quarter of it). Then each exercise's hidden tests (lab_hidden_tests.py,
cases drawn from --seed) call the submitted function in that kernel through
lab_harness.py, and the answers are judged here, against the chapter's reference
code, outside the kernel. One line per exercise, then "score: X / Y".

Which cells run, whatever the notebook's check cells contain:
* cells tagged `setup`, `definitions` or `exercise` run whole;
* cells tagged `checks` or `timing` never run, so an answer that leans on a check
  helper fails with a NameError;
* every other code cell contributes only its top-level imports, functions and classes
  (no plots, no timings, no check calls), and none at all if it defines a `check_*`
  function: that is the checks cell with its tag lost.
A cell that raises or runs out of time is noted and the next one runs; an exercise
whose function is missing, raises, is wrong or breaks a structure test scores 0.
Printed output is drained and counted, never kept; past 10 kB a note says how much.

`--gradescope DIR` writes a Gradescope autograder (setup.sh, run_autograder, this
grader, the reference code and the seed) into DIR; its run_autograder calls
`--autograder-root`, which grades the one notebook in ROOT/submission and writes
ROOT/results/results.json in Gradescope's format.

Why not otter-grader or nbgrader: both grade whole notebooks with tests written
into the assignment, and neither draws hidden inputs from an instructor's seed.
otter-grader 7.0.0 pulls in pandas, jupytext, ipywidgets, nbconvert[webpdf] and
python-on-whales and grades locally through Docker; nbgrader 0.9.6 pulls in
JupyterLab, Jupyter Server and SQLAlchemy and keeps a course database. Neither
is needed for what this file does with jupyter_client, which the site build
already installs.
"""

from __future__ import annotations

import ast
import json
import os
import queue
import stat
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

import lab_hidden_tests
import nbformat
import numpy as np
from cli import ArgumentParser, fail, one_line, path_argument, whole_number
from jupyter_client import KernelManager
from safe_files import UnsafePath, check_folder, check_targets, read_notebook, write_files

SCRIPTS = Path(__file__).resolve().parent
HARNESS = SCRIPTS / "lab_harness.py"
DEFAULT_SEED = 2020
DEFAULT_TIMEOUT = 120
# A notebook with its figures is a few MB; one past this is not a lab submission.
MAX_NOTEBOOK_BYTES = 20_000_000
# Printed output is never kept; past this many characters the report mentions it.
NOTED_OUTPUT = 10_000
RUN_WHOLE = {"setup", "definitions", "exercise"}
NEVER_RUN = {"checks", "timing"}
DEFINITIONS = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
HARNESS_NAME = "_lab_grader_harness"
# What the bundle installs on Gradescope, at the versions this grader is tested with.
GRADING_PACKAGES = ("numpy", "matplotlib", "ipykernel", "jupyter_client", "nbformat")
BUNDLE_SCRIPTS = (
    "grade_lab.py",
    "lab_hidden_tests.py",
    "lab_harness.py",
    "cli.py",
    "safe_files.py",
    "attention.py",
    "attention_kernels.py",
    "rnn2d.py",
)


# The submission and which of its code runs.


def read_submission(path: Path) -> nbformat.NotebookNode:
    """The notebook at path; ValueError with a one-line reason if it is not one."""
    text, raw = read_notebook(path, MAX_NOTEBOOK_BYTES)
    if not isinstance(raw, dict) or raw.get("nbformat") != 4:
        raise ValueError(f"{path}: not a notebook in format 4")
    try:
        notebook = nbformat.reads(text, as_version=4)
        nbformat.validate(notebook)
    except (nbformat.ValidationError, AttributeError, TypeError, KeyError) as error:
        raise ValueError(f"{path}: invalid notebook: {one_line(str(error))[:200]}") from None
    return notebook


def definitions_only(source: str) -> str:
    """The cell's top-level imports, functions and classes; "" if it defines a check_*
    function or does not parse."""
    lines = [line for line in source.splitlines() if not line.startswith(("%", "!"))]
    try:
        tree = ast.parse("\n".join(lines))
    except (SyntaxError, ValueError):
        return ""
    kept = [node for node in tree.body if isinstance(node, DEFINITIONS)]
    if any(getattr(node, "name", "").startswith("check_") for node in kept):
        return ""
    return ast.unparse(ast.Module(body=kept, type_ignores=[])) if kept else ""


def code_to_run(notebook: nbformat.NotebookNode) -> list[tuple[str, str]]:
    """(label, code) for each code cell that runs, in notebook order, by the rule above."""
    runs = []
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type != "code":
            continue
        tags = set(cell.get("metadata", {}).get("tags", []))
        label = f"cell {index} ({cell.get('id', 'no id')})"
        if tags & NEVER_RUN:
            continue
        code = cell.source if tags & RUN_WHOLE else definitions_only(cell.source)
        if code.strip():
            runs.append((label, code))
    return runs


# The kernel.


@dataclass
class Outcome:
    """How one execution ended: "ok", "error" (with the error), "timeout" or "dead"."""

    status: str
    error: str = ""


class Kernel:
    """A fresh ipykernel whose process output goes nowhere and whose printed output is
    drained and counted, so a submission that prints without end cannot fill memory."""

    def __init__(self, cwd: Path) -> None:
        self.manager = KernelManager(kernel_name="python3")
        self.manager.start_kernel(
            cwd=str(cwd),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env={**os.environ, "MPLBACKEND": "Agg", "PYDEVD_DISABLE_FILE_VALIDATION": "1"},
        )
        self.client = self.manager.client()
        self.client.start_channels()
        # Empty while the kernel runs; then what happened to it, for the report.
        self.dead = ""
        self.printed = 0

    def wait_ready(self, timeout: float) -> bool:
        try:
            self.client.wait_for_ready(timeout=max(timeout, 0.1))
        except RuntimeError:
            return False
        return True

    def execute(self, code: str, timeout: float) -> Outcome:
        """Run code; past timeout seconds interrupt it, and kill the kernel if that fails."""
        if self.dead:
            return Outcome("dead")
        msg_id = self.client.execute(
            code, store_history=False, allow_stdin=False, stop_on_error=False
        )
        finished = self._wait_idle(msg_id, time.monotonic() + timeout)
        if finished is not None:
            return finished
        self.manager.interrupt_kernel()
        if self._wait_idle(msg_id, time.monotonic() + 5) is None:
            self.stop("ignored an interrupt and was stopped")
        return Outcome("timeout")

    def _wait_idle(self, msg_id: str, deadline: float) -> Outcome | None:
        """The outcome once msg_id's execution is over, or None at the deadline."""
        error = ""
        while (remaining := deadline - time.monotonic()) > 0:
            try:
                message = self.client.get_iopub_msg(timeout=min(remaining, 1.0))
            except queue.Empty:
                if not self.manager.is_alive():
                    self.stop("died")
                    return Outcome("dead")
                continue
            if message["parent_header"].get("msg_id") != msg_id:
                continue
            kind, content = message["msg_type"], message["content"]
            if kind == "stream":
                self.printed += len(content.get("text", ""))
            elif kind == "error":
                error = one_line(f"{content['ename']}: {content['evalue']}")[:300]
            elif kind == "status" and content["execution_state"] == "idle":
                return Outcome("error", error) if error else Outcome("ok")
        return None

    def stop(self, why: str) -> None:
        """Stop the kernel, once, and remember why."""
        if not self.dead:
            self.dead = why
            self.client.stop_channels()
            self.manager.shutdown_kernel(now=True)


# Grading.


@dataclass
class Result:
    name: str
    score: int
    points: int
    message: str


@dataclass
class Report:
    results: list[Result]
    notes: list[str]
    seconds: float

    @property
    def score(self) -> int:
        return sum(result.score for result in self.results)

    @property
    def points(self) -> int:
        return sum(result.points for result in self.results)


@dataclass
class Other:
    """A returned value that is neither an array of numbers, a whole number nor a pair."""

    type_name: str


def _decode(described: dict, arrays) -> object:
    kind = described["kind"]
    if kind == "array":
        return arrays[described["key"]]
    if kind == "int":
        return int(described["value"])
    if kind == "sequence":
        return tuple(_decode(item, arrays) for item in described["items"])
    return Other(str(described.get("type", "unknown")))


def _write_cases(folder: Path, cases: list[lab_hidden_tests.Case]) -> None:
    folder.mkdir()
    arrays: dict[str, np.ndarray] = {}
    specs = []
    for i, case in enumerate(cases):
        args = []
        for j, arg in enumerate(case.args):
            if isinstance(arg, np.ndarray):
                arrays[f"c{i}a{j}"] = arg
                args.append({"array": f"c{i}a{j}"})
            else:
                args.append({"int": int(arg)})
        specs.append({"args": args, "measure": case.measure, "limit": lab_hidden_tests.LINE_LIMIT})
    np.savez(folder / "inputs.npz", **arrays)
    (folder / "cases.json").write_text(json.dumps(specs))


def _judge(exercise: lab_hidden_tests.Exercise, cases: list, folder: Path) -> tuple[int, str]:
    """Points and message for one exercise from what its cases returned."""
    try:
        returned = json.loads((folder / "results.json").read_text())
        arrays = np.load(folder / "outputs.npz", allow_pickle=False)
    except (OSError, ValueError):
        return 0, "the grader could not read the results back from the kernel"
    if returned == [{"missing": True}]:
        return 0, f"missing: the notebook defines no function {exercise.name}"
    if len(returned) != len(cases):
        return 0, "the grader could not read the results back from the kernel"
    measured = []
    with arrays:
        for case, described in zip(cases, returned, strict=True):
            if described.get("kind") == "error":
                error = f"{described['type']}: {one_line(described['message'])}"
                return 0, f"{case.label}: raised {error}"
            got = _decode(described, arrays)
            if case.measure == "value":
                reason = lab_hidden_tests.judge(case.expected, got)
                if reason:
                    return 0, f"{case.label}: {reason}"
            else:
                measured.append(got)
    if exercise.structure is not None:
        reason = exercise.structure(measured)
        if reason:
            return 0, reason
    return exercise.points, f"passed {len(cases)} hidden cases"


def grade(notebook: nbformat.NotebookNode, seed: int, timeout: int) -> Report:
    """Run the notebook's code and every exercise's hidden tests within timeout seconds."""
    start = time.monotonic()
    deadline = start + timeout
    step = timeout / 4

    def step_limit() -> float:
        return min(deadline - time.monotonic(), step)

    notes: list[str] = []
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="grade-lab-") as tmp:
        work = Path(tmp) / "work"
        work.mkdir()
        kernel = Kernel(work)
        try:
            ready = kernel.wait_ready(deadline - time.monotonic())
            load = (
                f"import importlib.util as _u, sys as _s\n"
                f"_spec = _u.spec_from_file_location({HARNESS_NAME!r}, {str(HARNESS)!r})\n"
                f"_s.modules[{HARNESS_NAME!r}] = _u.module_from_spec(_spec)\n"
                f"_spec.loader.exec_module(_s.modules[{HARNESS_NAME!r}])\n"
                f"del _u, _s, _spec"
            )
            if not ready or kernel.execute(load, step_limit()).status != "ok":
                kernel.stop("did not start")
            for label, code in code_to_run(notebook):
                if kernel.dead or step_limit() <= 0:
                    break
                outcome = kernel.execute(code, step_limit())
                if outcome.status == "error":
                    notes.append(f"{label} raised {outcome.error}")
                elif outcome.status == "timeout":
                    notes.append(f"{label} was stopped at the time limit")
            for number, exercise in enumerate(lab_hidden_tests.EXERCISES):
                if kernel.dead or step_limit() <= 0:
                    why = (
                        f"the kernel {kernel.dead}"
                        if kernel.dead
                        else (f"the {timeout} s time limit was reached")
                    )
                    results.append(Result(exercise.name, 0, exercise.points, f"not graded: {why}"))
                    continue
                cases = lab_hidden_tests.draw_cases(number, seed)
                folder = Path(tmp) / exercise.name
                _write_cases(folder, cases)
                limit = step_limit()
                call = (
                    f"__import__('sys').modules[{HARNESS_NAME!r}].run("
                    f"globals(), {exercise.name!r}, {str(folder)!r})"
                )
                outcome = kernel.execute(call, limit)
                if outcome.status == "ok":
                    score, message = _judge(exercise, cases, folder)
                elif outcome.status == "timeout":
                    score, message = 0, f"stopped after {limit:.0f} s"
                elif outcome.status == "dead":
                    score, message = 0, f"not graded: the kernel {kernel.dead}"
                else:
                    score, message = 0, f"the tests could not run in the kernel: {outcome.error}"
                results.append(Result(exercise.name, score, exercise.points, message))
        finally:
            kernel.stop("was stopped")
    if kernel.dead != "was stopped":
        notes.append(f"the kernel {kernel.dead}")
    if kernel.printed > NOTED_OUTPUT:
        notes.append(f"the submission printed {kernel.printed} characters (not shown)")
    return Report(results, notes, time.monotonic() - start)


def report_lines(report: Report) -> list[str]:
    lines = [f"note: {note}" for note in report.notes]
    lines += [f"{r.name}: {r.score} / {r.points} ({r.message})" for r in report.results]
    lines.append(f"score: {report.score} / {report.points}")
    return lines


# Gradescope.


def gradescope_results(report: Report) -> dict:
    """Gradescope's results.json for a report: one test per exercise."""
    return {
        "score": report.score,
        "execution_time": round(report.seconds),
        "output": "\n".join(report.notes),
        "tests": [
            {
                "name": r.name,
                "score": r.score,
                "max_score": r.points,
                "output": r.message,
                "visibility": "visible",
            }
            for r in report.results
        ],
    }


def ungraded(reason: str) -> Report:
    """A report of zero points everywhere, for a submission that cannot be graded."""
    results = [
        Result(e.name, 0, e.points, f"not graded: {reason}") for e in lab_hidden_tests.EXERCISES
    ]
    return Report(results, [reason], 0.0)


def bundle_files(seed: int, timeout: int) -> dict[str, bytes]:
    """The autograder's files: scripts, requirements, setup.sh and run_autograder."""
    files = {name: (SCRIPTS / name).read_bytes() for name in BUNDLE_SCRIPTS}
    files["requirements.txt"] = "".join(
        f"{package}=={version(package)}\n" for package in GRADING_PACKAGES
    ).encode()
    files["setup.sh"] = (
        b"#!/usr/bin/env bash\n"
        b"# Gradescope runs this once, as root, when it builds the autograder's image.\n"
        b"set -euo pipefail\n"
        b"apt-get install -y --no-install-recommends python3 python3-venv\n"
        b"python3 -m venv /autograder/venv\n"
        b"/autograder/venv/bin/pip install --no-cache-dir -r /autograder/source/requirements.txt\n"
    )
    files["run_autograder"] = (
        "#!/bin/sh\n"
        "# Gradescope runs this for each submission. AUTOGRADER_ROOT moves /autograder for tests.\n"
        'root="${AUTOGRADER_ROOT:-/autograder}"\n'
        f'exec "$root/venv/bin/python" "$root/source/grade_lab.py" --autograder-root "$root" '
        f"--seed {seed} --timeout {timeout}\n"
    ).encode()
    return files


def write_bundle(folder: Path, seed: int, timeout: int) -> None:
    files = bundle_files(seed, timeout)
    check_targets(folder, files)
    for path in write_files(folder, files):
        if path.name in ("setup.sh", "run_autograder"):
            mode = path.stat().st_mode
            path.chmod(mode | (mode & (stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)) >> 2)


def autograde(root: Path, seed: int, timeout: int) -> None:
    """Grade the one notebook in root/submission into root/results/results.json;
    a submission that cannot be graded gets zero points and the reason."""
    results = root / "results"
    results.mkdir(exist_ok=True)
    check_targets(results, ["results.json"])
    notebooks = sorted((root / "submission").glob("*.ipynb"))
    if len(notebooks) != 1:
        report = ungraded(f"expected one .ipynb notebook in the submission, found {len(notebooks)}")
    else:
        try:
            report = grade(read_submission(notebooks[0]), seed, timeout)
        except ValueError as error:
            report = ungraded(str(error).replace(str(root / "submission") + "/", ""))
    text = json.dumps(gradescope_results(report), indent=1) + "\n"
    write_files(results, {"results.json": text.encode()})


def main(argv: list[str] | None = None) -> int:
    parser = ArgumentParser(
        prog="grade_lab.py",
        description="Grade a lab notebook against hidden tests drawn from a seed, "
        "or write a Gradescope autograder.",
    )
    parser.add_argument(
        "submission", nargs="?", type=path_argument, help="the submitted notebook (.ipynb)"
    )
    parser.add_argument(
        "--seed",
        type=whole_number(0, 10**12),
        default=DEFAULT_SEED,
        help="seed of the hidden tests; keep yours private (default: %(default)s)",
    )
    parser.add_argument(
        "--timeout",
        type=whole_number(5, 3600),
        default=DEFAULT_TIMEOUT,
        help="seconds for the whole run, kernel start included (default: %(default)s)",
    )
    parser.add_argument(
        "--gradescope",
        type=path_argument,
        metavar="DIR",
        help="existing folder to write the Gradescope autograder into",
    )
    parser.add_argument(
        "--autograder-root",
        type=path_argument,
        metavar="ROOT",
        help="grade ROOT/submission/*.ipynb into ROOT/results/results.json "
        "(what the autograder's run_autograder calls)",
    )
    args = parser.parse_args(argv)
    if args.submission is None and args.gradescope is None and args.autograder_root is None:
        parser.error("give a SUBMISSION to grade, --gradescope DIR or --autograder-root ROOT")
    if args.autograder_root is not None:
        if args.submission is not None:
            fail(parser, "--autograder-root", "takes its submission from ROOT/submission")
        try:
            check_folder(args.autograder_root)
            autograde(args.autograder_root, args.seed, args.timeout)
        except (UnsafePath, OSError) as error:
            fail(parser, "--autograder-root", str(error))
        return 0
    if args.gradescope is not None:
        try:
            check_folder(args.gradescope)
            check_targets(args.gradescope, bundle_files(args.seed, args.timeout))
        except UnsafePath as error:
            fail(parser, "--gradescope", str(error))
    if args.submission is not None:
        try:
            notebook = read_submission(args.submission)
        except ValueError as error:
            fail(parser, "submission", str(error))
    if args.gradescope is not None:
        try:
            write_bundle(args.gradescope, args.seed, args.timeout)
        except UnsafePath as error:
            fail(parser, "--gradescope", str(error))
        print(f"wrote the autograder to {args.gradescope}", file=sys.stderr)
    if args.submission is not None:
        print("\n".join(report_lines(grade(notebook, args.seed, args.timeout))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
