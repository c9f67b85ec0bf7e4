"""Grade a submitted lab notebook: python scripts/grade_lab.py SUBMISSION.ipynb [--seed SEED].

Every code cell runs in order, as Run All runs them, then each exercise's hidden
tests (lab_hidden_tests.py, cases drawn from --seed) call the submitted function:
all of it in a contained process (lab_sandbox.py runs lab_harness.py as another
user, in its own namespaces where the kernel allows, under limits), which gets
the inputs but never the expected answers. Once that process and everything it
started are gone, the answers it left are read back as untrusted bytes and judged
here against the chapter's reference code. One line per exercise, then
"score: X / Y"; partial credit is the share of answer cases passed.

The whole run has one time limit (--timeout, 120 s by default; no single cell or
case may take more than a quarter of it). Printed output is drained and counted,
never kept; past 10 kB a note says how much.

`--gradescope DIR` writes a Gradescope autograder (setup.sh, run_autograder, this
grader, the reference code, the hashed lock for Python 3.10 and the seed) into DIR;
its run_autograder calls `--autograder-root`, which grades the one notebook in
ROOT/submission and writes ROOT/results/results.json in Gradescope's format.

Why not otter-grader or nbgrader: both grade whole notebooks with tests written
into the assignment, and neither draws hidden inputs from an instructor's seed.
otter-grader 7.0.0 pulls in pandas, jupytext, ipywidgets, nbconvert[webpdf] and
python-on-whales and grades locally through Docker; nbgrader 0.9.6 pulls in
JupyterLab, Jupyter Server and SQLAlchemy and keeps a course database.
"""

from __future__ import annotations

import json
import modulefinder
import os
import shutil
import signal
import stat
import string
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from chapter.course import lab_harness, lab_hidden_tests, lab_sandbox
from chapter.course.lab_hidden_tests import REFERENCE_HELPERS as REFERENCE
from chapter.shared.cli import ArgumentParser, fail, path_argument, whole_number
from chapter.shared.paths import SCRIPTS
from chapter.shared.safe_files import (
    UnsafePath,
    check_folder,
    check_targets,
    read_input,
    read_notebook,
    write_files,
)

HARNESS = Path(__file__).with_name("lab_harness.py")
DEFAULT_SEED = 2020
DEFAULT_TIMEOUT = 120
# A notebook with its figures is a few MB; one past this is not a lab submission.
MAX_NOTEBOOK_BYTES = 20_000_000
# Printed output is never kept; past this many bytes the report mentions it.
NOTED_OUTPUT = 10_000
# A result file the submission's process left: anything larger is not believed.
MAX_RESULT_BYTES = 8_000_000
# The bundle's seed and time limit, beside grade_lab.py, readable by root only.
SETTINGS = "grading.json"
# Gradescope's two entry points, kept as files. setup.sh is a string.Template
# (${sandbox_user}), not Jinja: the bundle's code runs on the autograder's pins alone.
GRADESCOPE = Path(__file__).parent / "templates" / "gradescope"
GRADESCOPE_SCRIPTS = ("setup.sh", "run_autograder")


# The submission and which of its code runs.


def read_submission(path: Path) -> nbformat.NotebookNode:
    """The notebook at path; ValueError with a one-line reason if it is not one."""
    text, raw = read_notebook(path, MAX_NOTEBOOK_BYTES)
    # type(...) is int: "nbformat": 4.0 equals 4 but nbformat asserts on it.
    if not isinstance(raw, dict) or type(raw.get("nbformat")) is not int or raw["nbformat"] != 4:
        raise ValueError(f"{path}: not a notebook in format 4")
    try:
        notebook = nbformat.reads(text, as_version=4)
        nbformat.validate(notebook)
    except (nbformat.ValidationError, AttributeError, TypeError, KeyError, AssertionError) as error:
        raise ValueError(f"{path}: invalid notebook: {clean(str(error), 200)}") from None
    return notebook


def code_to_run(notebook: nbformat.NotebookNode) -> list[tuple[str, str]]:
    """(label, code) of every code cell, in notebook order: what Run All runs."""
    return [
        (f"cell {index} ({clean(str(cell.get('id', 'no id')), 40)})", cell.source)
        for index, cell in enumerate(notebook.cells)
        if cell.cell_type == "code" and cell.source.strip()
    ]


def clean(text: str, limit: int) -> str:
    """text on one line, control characters escaped, cut to limit characters: safe to
    print and to show, whoever wrote it."""
    escaped = "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in text[: limit + 1])
    return escaped[:limit] + ("…" if len(escaped) > limit else "")


# Grading.


@dataclass
class Result:
    name: str
    score: float
    points: int
    # What the student may see, and the instructor's whole account.
    message: str
    detail: str = ""


@dataclass
class Report:
    results: list[Result]
    notes: list[str]
    seconds: float

    @property
    def score(self) -> float:
        return round(sum(result.score for result in self.results), 2)

    @property
    def points(self) -> int:
        return sum(result.points for result in self.results)


@dataclass
class Other:
    """A returned value that is neither an array of numbers, a number nor a sequence."""

    type_name: str


class Unreadable(ValueError):
    """A result file the judge will not believe."""


def _value(described: object, depth: int = 0) -> object:
    """The value a case returned, from its description; Unreadable if malformed."""
    if not isinstance(described, dict) or depth > 2:
        raise Unreadable("not a description")
    kind = described.get("kind")
    if kind == "array":
        try:
            return lab_harness.decode_array(described)
        except (KeyError, TypeError, ValueError) as error:
            raise Unreadable(str(error)) from None
    if kind == "int" and type(described.get("value")) is int:
        return described["value"]
    if kind == "float" and isinstance(described.get("value"), str):
        try:
            return float(described["value"][:40])
        except ValueError:
            raise Unreadable("bad float") from None
    if kind == "sequence" and isinstance(described.get("items"), list):
        if len(described["items"]) > 16:
            raise Unreadable("too long")
        return tuple(_value(item, depth + 1) for item in described["items"])
    if kind == "other":
        return Other(clean(str(described.get("type", "unknown")), 60))
    raise Unreadable("unknown kind")


def _read_json(scratch: Path, name: str) -> object | None:
    """A file the submission could have written: never followed through a link, never
    a pipe or device, bounded, parsed with nesting bounded. None when absent."""
    try:
        data = read_input(scratch / name, MAX_RESULT_BYTES, follow_links=False)
    except UnsafePath as error:
        if not os.path.lexists(scratch / name):
            return None
        raise Unreadable(str(error).replace(str(scratch) + "/", "")) from None
    try:
        return json.loads(data)
    except (ValueError, RecursionError):
        raise Unreadable(f"{name} is not JSON") from None


@dataclass
class Returned:
    """What the submission's process left for one exercise."""

    missing: bool = False
    uses: tuple[str, ...] = ()
    cases: list = field(default_factory=list)
    unreadable: str = ""


def read_returned(scratch: Path, number: int) -> Returned | None:
    """Exercise number's results from the scratch folder; None if it never got there."""
    try:
        data = _read_json(scratch, f"exercise-{number}.json")
        if data is None:
            return None
        if data == {"missing": True}:
            return Returned(missing=True)
        if not isinstance(data, dict) or not isinstance(data.get("cases"), list):
            raise Unreadable("not a result")
        uses = data.get("uses", [])
        if not isinstance(uses, list):
            raise Unreadable("not a result")
        return Returned(uses=tuple(str(u)[:100] for u in uses[:10_000]), cases=data["cases"])
    except Unreadable as error:
        return Returned(unreadable=clean(str(error), 200))


def _case_outcome(case: lab_hidden_tests.Case, described: object) -> tuple[object, str, str]:
    """(measured value or None, student reason, instructor reason) of one case; reasons
    are empty when the case passed."""
    if not isinstance(described, dict):
        return None, "unreadable result", "unreadable result"
    kind = described.get("kind")
    if kind == "timeout":
        return None, "ran out of time", "ran out of time"
    if kind == "error":
        error = (
            f"{clean(str(described.get('type')), 60)}: {clean(str(described.get('message')), 200)}"
        )
        return None, f"raised {clean(str(described.get('type')), 60)}", f"raised {error}"
    if case.measure != "value":
        if kind != "measure" or type(described.get("value")) is not int:
            return None, "unreadable measurement", "unreadable measurement"
        tampered = clean(str(described.get("tampered", "")), 100)
        if tampered:
            why = f"switched off the measurement ({tampered})"
            return None, why, why
        return described["value"], "", ""
    try:
        got = _value(described)
    except Unreadable as error:
        return None, "unreadable result", f"unreadable result: {clean(str(error), 100)}"
    verdict = lab_hidden_tests.judge(case.expected, got)
    return (None, *verdict) if verdict else (None, "", "")


def judge_exercise(
    exercise: lab_hidden_tests.Exercise,
    cases: list,
    returned: Returned | None,
    why_not: str,
    sealed: bool = True,
) -> Result:
    """Points and messages for one exercise: the fraction of its answer cases passed
    times its answer points, plus a structure point when every answer is right and
    the structure tests pass."""
    name, points = exercise.name, exercise.points
    if returned is None:
        return Result(name, 0, points, f"not graded: {why_not}", f"not graded: {why_not}")
    if returned.missing:
        message = f"missing: the notebook defines no function {name}"
        return Result(name, 0, points, message, message)
    if returned.unreadable:
        message = f"the grader could not read the results back: {returned.unreadable}"
        return Result(name, 0, points, message, message)
    answers = [case for case in cases if case.measure == "value"]
    structure_points = exercise.structure_points if exercise.structure is not None else 0
    passed, failures, details, measured = 0, [], [], []
    for index, case in enumerate(cases):
        if index >= len(returned.cases):
            failures.append(f"{lab_hidden_tests.public(case.label)}: not run ({why_not})")
            details.append(f"{case.label}: not run ({why_not})")
            continue
        if case.measure != "value" and not sealed:
            # Something of the submission may have outlived the run and written these.
            failures.append(f"{lab_hidden_tests.public(case.label)}: not measured ({why_not})")
            details.append(f"{case.label}: not measured, the run was not sealed ({why_not})")
            continue
        value, public_reason, reason = _case_outcome(case, returned.cases[index])
        if reason:
            failures.append(f"{lab_hidden_tests.public(case.label)}: {public_reason}")
            details.append(f"{case.label}: {reason}")
        elif case.measure == "value":
            passed += 1
        else:
            measured.append(value)
    score = (points - structure_points) * passed / len(answers)
    if structure_points:
        if passed < len(answers):
            pass  # speed is only judged for a kernel that computes the right answers
        elif len(measured) == len(cases) - len(answers):
            reason = exercise.structure(measured)
            if reason:
                failures.append(reason)
                details.append(reason)
            else:
                score += structure_points
    summary = f"passed {passed} of {len(answers)} answer cases"
    if structure_points and passed == len(answers):
        summary += ", structure " + ("failed" if failures else "passed")
    message = "; ".join([summary, *failures[:3]])
    more = [f"and {len(details) - 6} more failing cases"] if len(details) > 6 else []
    detail = "; ".join([summary, *details[:6], *more])
    return Result(name, round(score, 2), points, clean(message, 500), clean(detail, 4000))


def _job(cells: list[str], seed: int, step: float, substitutes: dict) -> tuple[bytes, list]:
    """The harness's job, and each exercise's cases (expected answers stay here)."""
    exercises, all_cases = [], []
    for number, exercise in enumerate(lab_hidden_tests.EXERCISES):
        cases = lab_hidden_tests.draw_cases(number, seed)
        all_cases.append(cases)
        exercises.append(
            {
                "name": exercise.name,
                "cases": [
                    {
                        "args": [lab_harness.encode(arg) for arg in case.args],
                        "measure": case.measure,
                        "limit": lab_hidden_tests.LINE_LIMIT,
                        "helper": case.helper,
                    }
                    for case in cases
                ],
                **(
                    {"substitute": substitutes[exercise.name]}
                    if exercise.name in substitutes
                    else {}
                ),
            }
        )
    job = {"cells": cells, "exercises": exercises, "step": step, "cells_share": 2 * step}
    return json.dumps(job).encode(), all_cases


def _hidden_paths() -> list[str]:
    """What a submission in a mount namespace must not see: the grader's code and seed,
    the chapter's worked lab and caches, and the folders every user may write in."""
    paths = [SCRIPTS, *(SCRIPTS.parent / name for name in ("docs", "site", ".cache", ".git"))]
    keep = Path(sys.prefix).resolve()
    found = [
        str(path)
        for path in paths
        if path.is_dir() and not path.is_symlink() and not keep.is_relative_to(path.resolve())
    ]
    # A /tmp that holds the interpreter (a checkout under /tmp) stays shared: covering it
    # would take the submission's Python away.
    tmps = [
        tmp
        for tmp in lab_harness.PRIVATE_TMPS
        if os.path.isdir(tmp) and not keep.is_relative_to(Path(tmp).resolve())
    ]
    return found + tmps


def _exposed_paths() -> dict[str, list[str]]:
    """The interpreter's folders that sit in a folder other users may not enter (a
    Python under /root), by that folder: the sandbox puts them back, read-only."""
    found: dict[str, list[str]] = {}
    for prefix in sorted({os.path.realpath(sys.base_prefix), os.path.realpath(sys.prefix)}):
        for ancestor in reversed(Path(prefix).parents):
            if not os.stat(ancestor).st_mode & stat.S_IXOTH:
                found.setdefault(str(ancestor), []).append(prefix)
                break
    return found


def _interpreter() -> str:
    """This Python, by a path the sandbox user can follow: a virtual environment reached
    through a link in a private folder is named by its real place."""
    in_prefix = Path(sys.prefix).resolve() / "bin" / Path(sys.executable).name
    return str(in_prefix) if in_prefix.exists() else sys.executable


def _run_once(cells: list[str], seed: int, timeout: float, substitutes: dict):
    """One contained run of the cells and hidden tests: (finished, cases, outcomes of
    cells, what each exercise returned)."""
    uid = lab_sandbox.sandbox_uid()
    job, all_cases = _job(cells, seed, timeout / 4, substitutes)
    extra = {"uid": uid} if uid is not None else {}
    if lab_sandbox.namespace_prefix():
        extra["hide"] = _hidden_paths()
        extra["expose"] = _exposed_paths()
    if extra:
        job = job[:-1] + b", " + json.dumps(extra).encode()[1:]
    outer, scratch = lab_sandbox.make_scratch(uid)
    try:
        finished = lab_sandbox.run_contained(
            [_interpreter(), "-I", str(HARNESS)], scratch, job, timeout, uid
        )
        cell_outcomes = []
        for number in range(len(cells)):
            try:
                cell_outcomes.append(_read_json(scratch, f"cell-{number}.json"))
            except Unreadable:
                cell_outcomes.append({"kind": "unreadable"})
        returned = [read_returned(scratch, n) for n in range(len(lab_hidden_tests.EXERCISES))]
        try:
            finished.sealed = _read_json(scratch, lab_harness.SEAL) is True
        except Unreadable:
            finished.sealed = False
    finally:
        shutil.rmtree(outer, ignore_errors=True)
    return finished, all_cases, cell_outcomes, returned


def grade(notebook: nbformat.NotebookNode, seed: int, timeout: int) -> Report:
    """Run every code cell and every exercise's hidden tests contained, within timeout
    seconds, then judge what came back once the submission's processes are gone."""
    start = time.monotonic()
    labelled = code_to_run(notebook)
    cells = [code for _, code in labelled]
    finished, all_cases, cell_outcomes, returned = _run_once(cells, seed, timeout, {})
    if finished.timed_out:
        why_not = f"the {timeout} s time limit was reached"
    elif finished.status < 0:
        why_not = f"the submission's process was killed by signal {-finished.status}"
    else:
        why_not = f"the submission's process ended early (status {finished.status})"
    notes = []
    for (label, _), outcome in zip(labelled, cell_outcomes, strict=True):
        if outcome is None:
            notes.append(f"{label} did not finish: {why_not}")
            break
        kind = outcome.get("kind") if isinstance(outcome, dict) else None
        if kind == "timeout":
            notes.append(f"{label} was stopped at the time limit")
        elif kind == "unreadable":
            notes.append(f"{label}: the grader could not read its outcome")
        elif kind == "error":
            error = (
                f"{clean(str(outcome.get('type')), 60)}: {clean(str(outcome.get('message')), 200)}"
            )
            notes.append(f"{label} raised {error}")
    exercises = lab_hidden_tests.EXERCISES
    results = [
        judge_exercise(exercise, cases, got, why_not, finished.sealed)
        for exercise, cases, got in zip(exercises, all_cases, returned, strict=True)
    ]
    # An exercise that calls a helper the student got wrong is graded again with the
    # reference helper in its place, so that one mistake costs once.
    failed = {r.name for r in results if r.score < r.points}
    substitutes = {}
    for exercise, result, got in zip(exercises, results, returned, strict=True):
        helpers = sorted(
            name for name in failed & set(got.uses if got else ()) if name in REFERENCE
        )
        if result.score < result.points and helpers and exercise.name not in helpers:
            substitutes[exercise.name] = {name: REFERENCE[name] for name in helpers}
    remaining = timeout - (time.monotonic() - start)
    if substitutes and remaining > 5:
        again = _run_once(cells, seed, remaining, substitutes)
        for index, exercise in enumerate(exercises):
            if exercise.name in substitutes:
                second = judge_exercise(
                    exercise, again[1][index], again[3][index], why_not, again[0].sealed
                )
                if second.score > results[index].score:
                    helpers = ", ".join(substitutes[exercise.name])
                    second.message += f" (graded with the reference {helpers})"
                    second.detail += f" (graded with the reference {helpers})"
                    results[index] = second
    if finished.printed > NOTED_OUTPUT:
        notes.append(f"the submission printed {finished.printed} bytes (not shown)")
    if "user" not in finished.isolated:
        notes.append("the submission ran as the grader's own user: run as root to contain it")
    return Report(results, notes, time.monotonic() - start)


def report_lines(report: Report, detail: bool = True) -> list[str]:
    lines = [f"note: {note}" for note in report.notes]
    lines += [
        f"{r.name}: {r.score:g} / {r.points} ({r.detail if detail else r.message})"
        for r in report.results
    ]
    lines.append(f"score: {report.score:g} / {report.points}")
    return lines


# Gradescope.


def gradescope_results(report: Report) -> dict:
    """Gradescope's results.json for a report: one visible test per exercise with what a
    student may see, and one hidden test (0 points) with the instructor's detail."""
    visible = [
        {
            "name": r.name,
            "score": r.score,
            "max_score": r.points,
            "output": r.message,
            "visibility": "visible",
        }
        for r in report.results
    ]
    hidden = [
        {
            "name": f"{r.name} (instructor's detail)",
            "score": 0,
            "max_score": 0,
            "output": r.detail,
            "visibility": "hidden",
        }
        for r in report.results
    ]
    return {
        "score": report.score,
        "execution_time": round(report.seconds),
        "output": "\n".join(report.notes),
        "tests": visible + hidden,
    }


def ungraded(reason: str) -> Report:
    """A report of zero points everywhere, for a submission that cannot be graded."""
    reason = clean(reason, 300)
    results = [
        Result(e.name, 0, e.points, f"not graded: {reason}", f"not graded: {reason}")
        for e in lab_hidden_tests.EXERCISES
    ]
    return Report(results, [reason], 0.0)


def safe_grade(notebook: nbformat.NotebookNode, seed: int, timeout: int) -> Report:
    """grade(), or zero points with the reason if the grader itself fails."""
    try:
        return grade(notebook, seed, timeout)
    except Exception as error:  # noqa: BLE001 - a grader failure must still give a score
        return ungraded(f"the grader failed ({type(error).__name__}); please tell the instructor")


def bundle_scripts() -> list[str]:
    """The grader's code, as paths under scripts/: grade_lab.py and every module of the
    chapter package it imports, found by following its imports, so none is left out."""
    finder = modulefinder.ModuleFinder(path=[str(SCRIPTS)])
    finder.run_script(str(SCRIPTS / "grade_lab.py"))
    found = {Path(module.__file__) for module in finder.modules.values() if module.__file__}
    return sorted(str(path.relative_to(SCRIPTS)) for path in found if path.is_relative_to(SCRIPTS))


def bundle_templates() -> list[str]:
    """The autograder's two scripts as they are kept, as paths under scripts/: the bundle
    holds every file grade_lab reads, as well as the scripts made from them."""
    return [str((GRADESCOPE / name).relative_to(SCRIPTS)) for name in GRADESCOPE_SCRIPTS]


def bundle_files(seed: int, timeout: int) -> dict[str, bytes]:
    """The autograder's files: scripts, the hashed lock, settings, setup.sh, run_autograder."""
    files = {name: (SCRIPTS / name).read_bytes() for name in bundle_scripts() + bundle_templates()}
    files["requirements.txt"] = (SCRIPTS.parent / "requirements-grader.txt").read_bytes()
    files[SETTINGS] = json.dumps({"seed": seed, "timeout": timeout}).encode()
    setup = string.Template((GRADESCOPE / "setup.sh").read_text(encoding="utf-8"))
    files["setup.sh"] = setup.substitute(sandbox_user=lab_sandbox.SANDBOX_USER).encode()
    files["run_autograder"] = (GRADESCOPE / "run_autograder").read_bytes()
    return files


def write_bundle(folder: Path, seed: int, timeout: int) -> None:
    files = bundle_files(seed, timeout)
    check_targets(folder, files)
    for path in write_files(folder, files):
        if path.name in ("setup.sh", "run_autograder"):
            mode = path.stat().st_mode
            path.chmod(mode | (mode & (stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)) >> 2)


def bundle_settings(seed: int, timeout: int) -> tuple[int, int]:
    """The seed and time limit written into the bundle beside this file, if any: the
    seed never appears on a command line, which any user can read."""
    try:
        settings = json.loads(read_input(SCRIPTS / SETTINGS, 1000))
        return int(settings["seed"]), int(settings["timeout"])
    except UnsafePath:
        return seed, timeout


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
            notebook = read_submission(notebooks[0])
        except ValueError as error:
            report = ungraded(str(error).replace(str(root / "submission") + "/", ""))
        else:
            report = safe_grade(notebook, seed, timeout)
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
        if args.gradescope is not None:
            fail(parser, "--autograder-root", "cannot be combined with --gradescope DIR")
    # A SIGTERM (a scheduler, a closed terminal) unwinds like Ctrl-C: the submission's
    # processes are killed and the temporary folders removed on the way out.
    signal.signal(signal.SIGTERM, _stop)
    if args.autograder_root is not None:
        try:
            check_folder(args.autograder_root)
            autograde(args.autograder_root, *bundle_settings(args.seed, args.timeout))
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
        print("\n".join(report_lines(safe_grade(notebook, args.seed, args.timeout))))
    return 0


def _stop(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)
