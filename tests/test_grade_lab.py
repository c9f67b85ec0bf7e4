"""The lab grader: which code it runs, what its hidden tests accept, how it survives
hostile submissions, its command-line errors and its Gradescope autograder."""

from __future__ import annotations

import ast
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import numpy as np
import pytest
from conftest import ROOT, processes_with, run_script

from chapter.course import grade_lab, lab_harness, lab_hidden_tests, lab_sandbox

LAB = ROOT / "docs" / "lab" / "attention-lab.ipynb"
STUDENT = ROOT / "docs" / "lab" / "attention-lab-student.ipynb"
NAMES = [exercise.name for exercise in lab_hidden_tests.EXERCISES]
LINE = re.compile(r"(\w+): ([\d.]+) / (\d+) \((.*)\)")


def scores(stdout: str) -> dict[str, tuple[int, str]]:
    """Points and message per exercise from the grader's output, checking its shape."""
    lines = [line for line in stdout.splitlines() if not line.startswith("note: ")]
    assert re.fullmatch(r"score: [\d.]+ / \d+", lines[-1]), stdout
    assert sum(line.startswith("score:") for line in stdout.splitlines()) == 1, stdout
    parsed = {m[1]: (float(m[2]), m[4]) for m in map(LINE.fullmatch, lines[:-1])}
    assert list(parsed) == NAMES, stdout
    total = round(sum(points for points, _ in parsed.values()), 2)
    assert lines[-1] == f"score: {total:g} / {sum(e.points for e in lab_hidden_tests.EXERCISES)}"
    return parsed


def full(name: str) -> int:
    return next(e.points for e in lab_hidden_tests.EXERCISES if e.name == name)


# Which code runs.


def cell(source: str, tags: list[str] | None = None) -> nbformat.NotebookNode:
    return nbformat.v4.new_code_cell(source, metadata={"tags": tags} if tags else {})


def test_every_code_cell_runs_in_order_as_run_all_runs_them() -> None:
    nb = nbformat.v4.new_notebook(
        cells=[
            cell("import numpy as np\nSCALE = 2", ["setup"]),
            nbformat.v4.new_markdown_cell("text"),
            cell("def _reference(n):\n    return n", ["checks"]),
            cell("   \n"),
            cell("def helper(x):\n    return SCALE * x\nfig = plot(helper)", ["timing"]),
            cell("best = 0\nfor n in range(10):\n    best = n"),
        ]
    )
    runs = grade_lab.code_to_run(nb)
    assert [label for label, _ in runs] == [f"cell {i} ({nb.cells[i].id})" for i in (0, 2, 4, 5)]
    assert [code for _, code in runs] == [nb.cells[i].source for i in (0, 2, 4, 5)]


# The hidden cases: drawn from the seed, away from the notebook's own check cases.


def test_cases_depend_on_the_seed_and_nothing_else() -> None:
    def labels(seed: int) -> list[list[str]]:
        return [
            [case.label for case in lab_hidden_tests.draw_cases(i, seed)] for i in range(len(NAMES))
        ]

    assert labels(7) == labels(7)
    assert labels(7) != labels(8)
    assert len(NAMES) == 13 and len(set(NAMES)) == 13


@pytest.mark.parametrize("seed", range(20))
def test_mask_cases_reach_past_the_check_cases(seed: int) -> None:
    # The checks cell tries n in (1, 2, 5, 12) for causal_mask and n <= 12 for the others.
    for number in range(3):
        sizes = [case.args[0] for case in lab_hidden_tests.draw_cases(number, seed)]
        assert any(n > 12 for n in sizes), (NAMES[number], sizes)


def test_new_exercises_expect_the_chapter_conventions() -> None:
    cases = {name: lab_hidden_tests.draw_cases(i, 3) for i, name in enumerate(NAMES)}
    for case in cases["cell_operations"][:-1]:
        c, h = case.args
        assert case.expected == (h * c + 2 * h * h, h * c + 2 * h * h - h)
    for case in cases["grid_operations"]:
        n, c, h = case.args
        assert sum(case.expected) == n * n * (2 * h * c + 4 * h * h - h)
    for case in cases["conv_stack_receptive_field"]:
        layers, k = (*case.args, 3)[:2]
        assert case.expected == layers * (k - 1) + 1
    for case in cases["conv_stack_parameters"]:
        layers, c, h, k = (*case.args, 3)[:4]
        assert case.expected == k * k * c * h + (layers - 1) * k * k * h * h


def test_judges_reject_near_misses() -> None:
    def why(expected, got) -> str:
        verdict = lab_hidden_tests.judge(expected, got)
        return "" if verdict is None else verdict[1]

    mask = np.tri(4, dtype=bool)
    assert lab_hidden_tests.judge(mask, mask.copy()) is None
    assert "boolean" in why(mask, mask.astype(int))
    assert "entries differ" in why(mask, mask.T)
    assert "shape" in why(mask, mask[:3])
    values = np.linspace(0, 1, 6).reshape(2, 3)
    assert lab_hidden_tests.judge(values, values + 1e-12) is None
    assert "difference" in why(values, values + 1e-6)
    assert "inf or nan" in why(values, np.full_like(values, np.nan))
    assert lab_hidden_tests.judge((3, 4), (3, 4)) is None
    assert lab_hidden_tests.judge((3, 4), [3.0, 4]) is None
    assert "pair" in why((3, 4), 7)
    assert "expected 7" in why(7, 8)
    assert "whole number" in why(7, grade_lab.Other("str"))
    assert "whole number" in why(7, 7.5)


def test_student_feedback_never_shows_a_hidden_input_or_answer() -> None:
    public = lab_hidden_tests.public
    assert public("n = 37, t = 0") == "n = …, t = 0"
    assert (
        public("shape (3, 12, 12), masked scores of 50000") == "shape (…, …, …), masked scores of …"
    )
    assert public("layers = 1, k = 5") == "layers = 1, k = …"
    cases = lab_hidden_tests.draw_cases(NAMES.index("cell_operations"), 7)
    pair = {"kind": "sequence", "items": [{"kind": "int", "value": 0}] * 2}
    returned = grade_lab.Returned(cases=[pair] * len(cases))
    result = grade_lab.judge_exercise(lab_hidden_tests.EXERCISES[9], cases, returned, "")
    assert result.score == 0 and str(cases[1].expected[0]) in result.detail
    for case in cases[1:-1]:
        for number in (*case.args, *case.expected):
            assert not re.search(rf"\b{number}\b", result.message), (number, result.message)
    results = grade_lab.gradescope_results(grade_lab.Report([result], [], 1.0))
    shown = [t for t in results["tests"] if t["visibility"] != "hidden"]
    assert [t["output"] for t in shown] == [result.message]
    assert [t["output"] for t in results["tests"] if t["visibility"] == "hidden"] == [result.detail]


def test_partial_credit_is_the_share_of_answer_cases_passed() -> None:
    number = NAMES.index("conv_stack_parameters")
    cases = lab_hidden_tests.draw_cases(number, 7)
    answers = [{"kind": "float", "value": repr(float(c.expected))} for c in cases]
    answers[0] = {"kind": "int", "value": -1}
    returned = grade_lab.Returned(cases=answers)
    exercise = lab_hidden_tests.EXERCISES[number]
    result = grade_lab.judge_exercise(exercise, cases, returned, "")
    assert result.score == round((len(cases) - 1) / len(cases), 2), result


def test_notebook_checks_and_grader_accept_the_same_numbers() -> None:
    namespace: dict = {"np": np}
    checks = next(
        c for c in nbformat.read(LAB, as_version=4).cells if "checks" in c.metadata.get("tags", [])
    )
    exec(checks.source, namespace)  # noqa: S102 - the lab's own checks cell
    candidates = [
        7,
        np.int64(7),
        np.int32(7),
        7.0,
        np.float64(7.0),
        np.float32(7.0),
        7.5,
        True,
        np.True_,
        "7",
        None,
        np.array(7),
        8,
        float("nan"),
        float("inf"),
    ]
    for got in candidates:
        try:
            namespace["_compare_counts"]("check", "case", got, [7])
            notebook = True
        except AssertionError:
            notebook = False
        value = grade_lab._value(lab_harness.describe(got))
        grader = lab_hidden_tests.judge(7, value) is None
        assert notebook == grader, got
    for pair in [(3, 4), [3, 4], (np.int64(3), 4.0), (3, 4.5), (3,), np.array([3, 4]), (3, 4, 5)]:
        try:
            namespace["_compare_counts"]("check", "case", pair, [3, 4])
            notebook = True
        except AssertionError:
            notebook = False
        grader = (
            lab_hidden_tests.judge((3, 4), grade_lab._value(lab_harness.describe(pair))) is None
        )
        assert notebook == grader, pair


def test_structure_judges() -> None:
    linear, quadratic = [79, 159, 319], [277, 1061, 4165]
    assert lab_hidden_tests._wavefront_structure(linear) is None
    assert "2n - 1" in lab_hidden_tests._wavefront_structure(quadratic)
    bound = lab_hidden_tests.MEMORY_BOUND
    assert bound < lab_hidden_tests.MEMORY_N**2  # n x n booleans break it
    assert lab_hidden_tests._kernel_structure([bound, 20, 20]) is None
    assert "allocates" in lab_hidden_tests._kernel_structure([bound + 1, 20, 20])
    per_query = [2_000_000, 2 * 1024 + 9, 4 * 1024 + 9]
    assert "loops over queries" in lab_hidden_tests._kernel_structure(per_query)


# Bad input: one line on stderr, exit status 2, nothing graded.


def refused(result: tuple[int, str, str], argument: str) -> None:
    status, out, err = result
    assert status == 2 and out == "", (status, out, err)
    assert err.count("\n") == 1 and err.startswith("grade_lab.py: error: "), err
    assert argument in err, err


def test_bad_submissions_are_refused(command, tmp_path: Path) -> None:
    refused(command("grade_lab", ["missing.ipynb"]), "missing.ipynb")
    (tmp_path / "text.ipynb").write_text("print('hello')\n")
    refused(command("grade_lab", ["text.ipynb"]), "not a notebook")
    (tmp_path / "list.ipynb").write_text("[1, 2]")
    refused(command("grade_lab", ["list.ipynb"]), "not a notebook")
    (tmp_path / "cells.ipynb").write_text('{"nbformat": 4, "nbformat_minor": 5, "cells": 3}')
    refused(command("grade_lab", ["cells.ipynb"]), "invalid notebook")
    (tmp_path / "folder.ipynb").mkdir()
    refused(command("grade_lab", ["folder.ipynb"]), "a folder")
    os.mkfifo(tmp_path / "pipe.ipynb")
    refused(command("grade_lab", ["pipe.ipynb"]), "a named pipe")
    (tmp_path / "float.ipynb").write_text('{"nbformat": 4.0, "nbformat_minor": 5, "cells": []}')
    refused(command("grade_lab", ["float.ipynb"]), "not a notebook in format 4")
    with open(tmp_path / "huge.ipynb", "wb") as fh:
        fh.truncate(grade_lab.MAX_NOTEBOOK_BYTES + 1)
    refused(command("grade_lab", ["huge.ipynb"]), "over the limit")
    refused(command("grade_lab", [""]), "empty")
    refused(command("grade_lab", []), "SUBMISSION")


@pytest.mark.parametrize("seed", ["-1", "1e3", "１２", "12.0", "9" * 40, ""])
def test_bad_seeds_are_refused(command, seed: str) -> None:
    refused(command("grade_lab", [str(LAB), "--seed", seed]), "--seed")


def test_bad_timeouts_are_refused(command) -> None:
    refused(command("grade_lab", [str(LAB), "--timeout", "0"]), "--timeout")


def test_unsafe_gradescope_targets_are_refused(command, tmp_path: Path) -> None:
    refused(command("grade_lab", ["--gradescope", "absent"]), "does not exist")
    (tmp_path / "file").write_text("x")
    refused(command("grade_lab", ["--gradescope", "file"]), "not a folder")
    bundle = tmp_path / "bundle"
    bundle.mkdir()
    (tmp_path / "elsewhere").write_text("keep\n")
    (bundle / "setup.sh").symlink_to(tmp_path / "elsewhere")
    refused(command("grade_lab", ["--gradescope", "bundle"]), "symlink")
    (bundle / "setup.sh").unlink()
    (bundle / "run_autograder").mkdir()
    refused(command("grade_lab", ["--gradescope", "bundle"]), "a folder")
    assert sorted(p.name for p in bundle.iterdir()) == ["run_autograder"]
    refused(command("grade_lab", ["--autograder-root", "absent"]), "--autograder-root")
    refused(command("grade_lab", ["x.ipynb", "--autograder-root", "bundle"]), "ROOT/submission")
    refused(
        command("grade_lab", ["--gradescope", "bundle", "--autograder-root", "bundle"]),
        "--gradescope",
    )
    assert (tmp_path / "elsewhere").read_text() == "keep\n"


def test_gradescope_bundle_holds_everything_it_runs(command, tmp_path: Path) -> None:
    (tmp_path / "bundle").mkdir()
    status, out, _ = command("grade_lab", ["--gradescope", "bundle", "--seed", "4242"])
    assert status == 0 and out == ""
    bundle = tmp_path / "bundle"
    names = {str(p.relative_to(bundle)) for p in bundle.rglob("*") if p.is_file()}
    scripts = grade_lab.bundle_scripts()
    kept = grade_lab.bundle_templates()
    assert names == {
        "setup.sh",
        "run_autograder",
        "requirements.txt",
        grade_lab.SETTINGS,
        *scripts,
        *kept,
    }
    # What grade_lab reads besides its imports travels with it.
    assert "chapter/course/templates/gradescope/setup.sh" in kept
    for name in kept:
        assert (bundle / name).read_bytes() == (ROOT / "scripts" / name).read_bytes()
    assert {"grade_lab.py", "chapter/course/lab_harness.py", "chapter/model/rnn2d.py"} <= set(
        scripts
    )
    for name in ("setup.sh", "run_autograder"):
        assert os.access(bundle / name, os.X_OK)
    # The seed is in a file only root reads, never on a command line anyone can read.
    assert "4242" not in (bundle / "run_autograder").read_text()
    assert json.loads((bundle / grade_lab.SETTINGS).read_text()) == {"seed": 4242, "timeout": 120}
    setup = (bundle / "setup.sh").read_text().splitlines()
    assert setup.index("apt-get update") < min(
        i for i, line in enumerate(setup) if "install" in line
    )
    assert any(line.startswith("chmod -R go-rwx") for line in setup)
    assert any(lab_sandbox.SANDBOX_USER in line and "useradd" in line for line in setup)
    assert (bundle / "requirements.txt").read_bytes() == (
        ROOT / "requirements-grader.txt"
    ).read_bytes()
    # Every script the bundle runs imports only the standard library, its pins and itself.
    for name in scripts:
        tree = ast.parse((bundle / name).read_text())
        imported = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        imported |= {
            n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.level == 0
        }
        imported = {module.partition(".")[0] for module in imported}
        third_party = imported - {"chapter"} - set(sys.stdlib_module_names)
        assert third_party <= {"numpy", "nbformat", "IPython"}, (name, third_party)


def test_results_follow_the_gradescope_schema() -> None:
    report = grade_lab.Report(
        [
            grade_lab.Result("causal_mask", 1, 1, "passed 5 hidden cases"),
            grade_lab.Result("strided_mask", 0, 1, "missing"),
        ],
        ["cell 3 raised"],
        4.2,
    )
    results = grade_lab.gradescope_results(report)
    assert results["score"] == 1 and results["execution_time"] == 4
    assert set(results) == {"score", "execution_time", "output", "tests"}
    assert sum(test["max_score"] for test in results["tests"]) == 2
    for test in results["tests"]:
        assert set(test) == {"name", "score", "max_score", "output", "visibility"}
        assert test["visibility"] in {"visible", "hidden", "after_due_date", "after_published"}
    json.dumps(results)


# Grading real notebooks in a kernel.


def write_notebook(path: Path, cells: list[nbformat.NotebookNode]) -> Path:
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(nb, path)
    return path


def with_changes(changes: dict[str, str], extra: list[nbformat.NotebookNode]) -> list:
    """The worked lab's cells, with the exercise cells named in changes replaced by new
    sources (still tagged exercise), followed by extra cells; its timing cells, which
    only take time, are left out."""
    cells = []
    for c in nbformat.read(LAB, as_version=4).cells:
        if "timing" in c.metadata.get("tags", []):
            continue
        name = re.search(r"^def (\w+)\(", c.source, re.M) if c.cell_type == "code" else None
        if name and name[1] in changes and "exercise" in c.metadata.get("tags", []):
            c = cell(changes.pop(name[1]), ["exercise"])
        cells.append(c)
    assert not changes, changes
    return cells + extra


def without_calls_to(name: str, cells: list) -> list:
    """The cells, less those outside the exercises that call name (checks, examples)."""
    return [
        c for c in cells if "exercise" in c.metadata.get("tags", []) or f"{name}(" not in c.source
    ]


def grade(path: Path, *args: str, timeout: float = 180) -> subprocess.CompletedProcess:
    result = run_script("grade_lab.py", str(path), *args, cwd=path.parent, timeout=timeout)
    assert result.returncode == 0 and result.stderr == "", result.stderr
    return result


@pytest.fixture(scope="module")
def worked(tmp_path_factory: pytest.TempPathFactory) -> tuple[subprocess.CompletedProcess, float]:
    start = time.perf_counter()
    result = grade(LAB, "--seed", "99")
    return result, time.perf_counter() - start


@pytest.mark.slow
def test_worked_notebook_scores_every_exercise_it_has(worked) -> None:
    result, elapsed = worked
    code = "\n".join(c.source for c in nbformat.read(LAB, as_version=4).cells)
    defined = set(re.findall(r"^def (\w+)\(", code, re.M))
    for name, (points, message) in scores(result.stdout).items():
        if name in defined:
            assert points == full(name), (name, message)
        else:
            assert points == 0 and message.startswith("missing"), (name, message)
    assert elapsed < 60, f"grading the worked lab took {elapsed:.0f} s"


@pytest.mark.slow
def test_student_notebook_scores_nothing(tmp_path: Path) -> None:
    result = grade(STUDENT)
    assert all(points == 0 for points, _ in scores(result.stdout).values())
    assert result.stdout.endswith("score: 0 / 22\n")


CORRECT_NEW = """
def cell_operations(c, h):
    return h * c + 2 * h * h, h * c + 2 * h * h - h


def conv_stack_receptive_field(layers, k=3):
    return layers * (k - 1) + 1
"""
WRONG_NEW = """
def grid_operations(n, c, h):
    return n * n * (2 * h * c + 4 * h * h - h)  # the total, not (multiplies, adds)


def conv_stack_parameters(layers, c, h, k=3):
    return k * k * c * h + (layers - 1) * k * k * h * h + layers * h  # biases counted
"""
FAKES = {
    # Leans on the checks cell, which the grader never runs.
    "causal_mask": "def causal_mask(n):\n    return _reference_mask(n, _causal_keys)",
    # The check's answers pasted in: right on the check's cases only.
    "strided_mask": """def strided_mask(n, t):
    table = {(1, 0): [[1]], (6, 0): np.eye(6), (12, 3): np.tri(12) - np.tri(12, k=-4)}
    return np.array(table[n, t], dtype=bool)""",
    # Right answers, wrong structure.
    "windowed_attention": """def windowed_attention(q, k, v, w):
    return dense_attention(q, k, v, windowed_mask(len(q), w))""",
    "sliding_window_attention": """def sliding_window_attention(q, k, v, t):
    out = np.empty_like(v)
    for i in range(len(q)):
        lo = max(0, i - t)
        out[i] = masked_softmax(q[i] @ k[lo:i + 1].T / np.sqrt(q.shape[1]),
                                np.ones(i + 1 - lo, dtype=bool)) @ v[lo:i + 1]
    return out""",
    "rnn2d_wavefront": """def rnn2d_wavefront(x, w_in, w_left, w_top):
    n, h = x.shape[0], w_in.shape[0]
    framed = np.zeros((n + 1, n + 1, h))
    for s in range(2 * n - 1):
        for i in range(max(0, s - n + 1), min(s, n - 1) + 1):
            j = s - i
            pre = w_in @ x[i, j] + w_left @ framed[i, j + 1] + w_top @ framed[i + 1, j]
            framed[i + 1, j + 1] = np.tanh(pre)
    return framed[1:, 1:]""",
    # Defined, then the cell raises: the function still counts.
    "masked_softmax": """def masked_softmax(scores, mask):
    scores = np.where(mask, scores, -np.inf)
    e = np.exp(scores - scores.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)

raise RuntimeError("a cell that raises")""",
}


@pytest.mark.slow
def test_fakes_and_wrong_structures_lose_their_points(tmp_path: Path) -> None:
    extra = [
        cell(CORRECT_NEW, ["exercise"]),
        cell(WRONG_NEW, ["exercise"]),
        cell("print('x' * 4_000_000)", ["setup"]),
    ]
    path = write_notebook(tmp_path / "fakes.ipynb", with_changes(dict(FAKES), extra))
    result = grade(path)
    got = scores(result.stdout)
    zero = {
        "causal_mask",
        "strided_mask",
        "cell_operations",  # the closed form: the notebook's check also refuses it
        "grid_operations",
        "conv_stack_parameters",
    }
    # Right answers with the wrong structure lose only the structure point.
    slow = {"windowed_attention", "sliding_window_attention", "rnn2d_wavefront"}
    for name, (points, message) in got.items():
        expected = 0 if name in zero else full(name) - (name in slow)
        assert points == expected, (name, message)
    assert "NameError: name '_reference_mask' is not defined" in got["causal_mask"][1]
    assert "raised KeyError" in got["strided_mask"][1]
    assert "allocates" in got["windowed_attention"][1]
    assert "loops over queries" in got["sliding_window_attention"][1]
    assert "2n - 1 batched steps" in got["rnn2d_wavefront"][1]
    assert "expected a pair" in got["grid_operations"][1]
    assert "0 calls of counted_matvec" in got["cell_operations"][1]
    assert "expected" in got["conv_stack_parameters"][1]
    assert "raised RuntimeError: a cell that raises" in result.stdout
    assert re.search(r"note: the submission printed \d{7,} bytes", result.stdout)


@pytest.mark.slow
def test_gradescope_autograder_scores_as_the_command_does(worked, tmp_path: Path) -> None:
    root = tmp_path / "autograder"
    for folder in ("source", "submission", "venv/bin"):
        (root / folder).mkdir(parents=True)
    assert grade_lab.main(["--gradescope", str(root / "source"), "--seed", "99"]) == 0
    python = root / "venv" / "bin" / "python"
    python.write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n')
    python.chmod(0o755)
    (root / "submission" / "my lab.ipynb").write_bytes(LAB.read_bytes())
    run = subprocess.run(
        [str(root / "source" / "run_autograder")],
        cwd=root,
        timeout=180,
        env={**os.environ, "AUTOGRADER_ROOT": str(root)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    results = json.loads((root / "results" / "results.json").read_text())
    expected = scores(worked[0].stdout)
    results["tests"] = [t for t in results["tests"] if t["visibility"] == "visible"]
    assert [t["name"] for t in results["tests"]] == NAMES
    assert {t["name"]: t["score"] for t in results["tests"]} == {
        name: points for name, (points, _) in expected.items()
    }
    assert results["score"] == sum(points for points, _ in expected.values())
    for test in results["tests"]:
        assert test["max_score"] == full(test["name"]) and test["visibility"] == "visible"
    # No notebook, or two: every exercise scores 0 and the output says why.
    (root / "submission" / "second.ipynb").write_bytes(LAB.read_bytes())
    assert grade_lab.main(["--autograder-root", str(root)]) == 0
    results = json.loads((root / "results" / "results.json").read_text())
    assert results["score"] == 0 and "found 2" in results["output"]


def lab_namespace() -> dict:
    """What the worked lab's definition cells define, run in this process, magics left out."""
    namespace: dict = {}
    for c in nbformat.read(LAB, as_version=4).cells:
        if {"setup", "checks", "exercise", "definitions"} & set(c.metadata.get("tags", [])):
            source = "\n".join(line for line in c.source.splitlines() if not line.startswith("%"))
            exec(compile(source, "<lab>", "exec"), namespace)  # noqa: S102
    return namespace


@pytest.mark.parametrize("seed", [0, 1, 2, 2020, 10**12])
def test_worked_answers_pass_the_hidden_tests_of_any_seed(seed: int) -> None:
    """The harness's calls and the judge, in this process, on the worked lab's answers."""
    namespace = lab_namespace()
    for number, exercise in enumerate(lab_hidden_tests.EXERCISES):
        if exercise.name not in namespace:
            continue
        cases = lab_hidden_tests.draw_cases(number, seed)
        returned = [
            lab_harness._call(
                namespace,
                namespace[exercise.name],
                [lab_harness._argument(lab_harness.encode(a)) for a in case.args],
                {
                    "measure": case.measure,
                    "limit": lab_hidden_tests.LINE_LIMIT,
                    "helper": case.helper,
                },
                60,
            )
            for case in cases
        ]
        got = grade_lab.Returned(cases=json.loads(json.dumps(returned)))
        result = grade_lab.judge_exercise(exercise, cases, got, "")
        assert result.score == exercise.points, (exercise.name, result.detail)


def gathering_sliding_window(q, k, v, t):
    """A fair sliding-window kernel that copies each query's t + 1 keys and values."""
    n, d = q.shape
    keys = np.arange(n)[:, None] - t + np.arange(t + 1)[None, :]
    scores = np.einsum("nd,nrd->nr", q, k[np.maximum(keys, 0)]) / np.sqrt(d)
    scores = np.where(keys >= 0, scores, -np.inf)
    e = np.exp(scores - scores.max(axis=1, keepdims=True))
    return np.einsum("nr,nrd->nd", e / e.sum(axis=1, keepdims=True), v[np.maximum(keys, 0)])


def test_memory_bound_separates_copies_of_the_band_from_n_by_n() -> None:
    cases = lab_hidden_tests.draw_cases(NAMES.index("sliding_window_attention"), 5)
    peak_case = next(case for case in cases if case.measure == "peak")
    peak, tampered = lab_harness.peak_memory(gathering_sliding_window, list(peak_case.args))
    assert peak < lab_hidden_tests.MEMORY_BOUND and not tampered
    n = lab_hidden_tests.MEMORY_N
    assert lab_harness.peak_memory(np.ones, [(n, n), bool])[0] > lab_hidden_tests.MEMORY_BOUND
    for case in cases[:3]:
        assert lab_hidden_tests.judge(case.expected, gathering_sliding_window(*case.args)) is None


def per_query_in_c(q, k, v, t):
    """The sliding window one query at a time, the loop hidden in map()."""
    n, d = q.shape
    starts = [max(0, i - t) for i in range(n)]
    keys = [k[s : i + 1] for i, s in enumerate(starts)]
    scores = map(np.dot, keys, q)
    return list(scores)


def switched_off(q, k, v, t):
    """A per-query loop that first switches every measurement off."""
    import sys as _sys
    import threading as _threading
    import tracemalloc as _tracemalloc

    _sys.settrace(None)
    _sys.setprofile(None)
    _threading.settrace(None)
    _tracemalloc.stop()
    return [q[i] @ k[max(0, i - t) : i + 1].T for i in range(len(q))]


def test_measurements_cannot_be_switched_off_or_moved_into_c() -> None:
    n = lab_hidden_tests.LINES_N
    q, k, v = np.random.default_rng(0).standard_normal((3, 2 * n, 4))
    limit = lab_hidden_tests.LINE_LIMIT
    lines = [
        lab_harness.count_lines(per_query_in_c, [q[:m], k[:m], v[:m], 16], limit)[0]
        for m in (n, 2 * n)
    ]
    assert lines[1] - lines[0] >= n, lines
    count, tampered = lab_harness.count_lines(switched_off, [q, k, v, 16], limit)
    assert "settrace" in tampered, tampered
    assert lab_harness.peak_memory(switched_off, [q, k, v, 16])[1]
    assert sys.gettrace() is None and not __import__("tracemalloc").is_tracing()
    assert map is lab_harness._map and sys.settrace is lab_harness._settrace


def test_instructors_points_table_is_the_grading_table() -> None:
    text = (ROOT / "scripts" / "INSTRUCTORS.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| `(\w+)` \| (\d+) \|", text, re.M)
    assert rows == [(e.name, str(e.points)) for e in lab_hidden_tests.EXERCISES]


def test_an_endless_call_is_stopped_at_its_step_and_runs_out_of_time() -> None:
    """The harness's call, in this process: an endless function is stopped once its
    step has passed, and the judge says the exercise ran out of time."""

    def endless(*args: object) -> str:
        # Ends after 10 s, so that a harness that no longer stops it fails, not hangs.
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            pass
        return "not stopped"

    previous = signal.signal(signal.SIGALRM, lab_harness._alarm)
    try:
        start = time.perf_counter()
        returned = lab_harness._call({}, endless, [], {"measure": "value"}, 0.2)
        elapsed = time.perf_counter() - start
    finally:
        signal.signal(signal.SIGALRM, previous)
    assert returned == {"kind": "timeout"} and elapsed < 5
    number = NAMES.index("dense_attention")
    cases = lab_hidden_tests.draw_cases(number, 0)
    got = grade_lab.Returned(cases=[returned] * len(cases))
    result = grade_lab.judge_exercise(lab_hidden_tests.EXERCISES[number], cases, got, "")
    assert result.score == 0 and "ran out of time" in result.message


# The run's time limit; each cell and each case may take a quarter of it.
TIME_LIMIT = 20


@pytest.mark.slow
def test_endless_cells_and_functions_that_swallow_the_limit_are_stopped(
    tmp_path: Path,
) -> None:
    """An endless cell is stopped at its own limit and the run goes on; a function that
    swallows its step's alarm is stopped at the run's limit, and the exercises graded
    before it keep their points."""
    changes = {
        "dense_attention": """def dense_attention(q, k, v, mask):
    while True:
        try:
            time.sleep(0.1)
        except BaseException:
            pass"""
    }
    extra = [cell("while True:\n    pass", ["exercise"])]
    cells = without_calls_to("dense_attention", with_changes(changes, extra))
    path = write_notebook(tmp_path / "endless.ipynb", cells)
    start = time.perf_counter()
    result = grade(path, "--timeout", str(TIME_LIMIT), timeout=90)
    elapsed = time.perf_counter() - start
    got = scores(result.stdout)
    assert re.search(r"note: cell \d+ \(\S+\) was stopped at the time limit", result.stdout)
    for name in NAMES[: NAMES.index("dense_attention")]:
        assert got[name][0] == full(name), (name, got[name])
    for name in NAMES[NAMES.index("dense_attention") :]:
        limit = f"the {TIME_LIMIT} s time limit was reached"
        assert got[name][0] == 0 and limit in got[name][1], (name, got[name])
    assert elapsed < TIME_LIMIT + 15, f"{elapsed:.0f} s"


# Hostile submissions: every attack of one kind in one notebook, graded once.

MARKER = "lab-forger-7f3a"
FORGER = f"""
import subprocess, sys
# A setsid grandchild that outlives the grader and writes a score into every stdout
# it can reach, and into results.json.
subprocess.Popen(
    ["setsid", sys.executable, "-c", '''
import glob, os, time
for _ in range(300):
    for fd in glob.glob("/proc/*/fd/1"):
        try:
            with open(fd, "w") as out:
                out.write("score: 22 / 22\\\\n")
        except OSError:
            pass
    for path in glob.glob("/**/results.json", recursive=False):
        try:
            open(path, "w").write('{{"score": 22}}')
        except OSError:
            pass
    time.sleep(0.1)
''', "{MARKER}"],
    start_new_session=True,
)
"""
HOSTILE = {
    # Reads the reference code and the worked lab, or borrows their answers.
    "dense_attention": """import site
site.addsitedir({scripts!r})  # the reference code's folder, on the import path
try:
    from chapter.model.kernels import dense_attention
except ImportError:
    pass
try:
    exec(open({lab!r}).read())
except OSError:
    pass""",
    # Switch the measurements off, or move the loop over queries into C.
    "windowed_attention": """def windowed_attention(q, k, v, w):
    import sys, threading, time, tracemalloc
    sys.settrace(None)
    sys.setprofile(None)
    threading.settrace(None)
    tracemalloc.stop()
    time.perf_counter = lambda: 0.0
    return dense_attention(q, k, v, windowed_mask(len(q), w))""",
    "sliding_window_attention": """def sliding_window_attention(q, k, v, t):
    n, d = q.shape
    list(map(np.dot, q, k))  # one product per query, looped over in C
    keys = np.arange(n)[:, None] - t + np.arange(t + 1)[None, :]
    scores = np.einsum("nd,nrd->nr", q, k[np.maximum(keys, 0)]) / np.sqrt(d)
    scores = np.where(keys >= 0, scores, -np.inf)
    e = np.exp(scores - scores.max(axis=1, keepdims=True))
    return np.einsum("nr,nrd->nd", e / e.sum(axis=1, keepdims=True), v[np.maximum(keys, 0)])""",
    # A name that carries a second score line, and one of 5 MB.
    "cell_operations": """def cell_operations(c, h):
    raise type("Boom\\\\nscore: 22 / 22", (Exception,), dict())("\\\\nscore: 22 / 22")""",
    "grid_operations": """def grid_operations(n, c, h):
    raise type("x" * 5_000_000, (Exception,), dict())("y" * 5_000_000)""",
    # The classmate's notebook is overwritten.
    "conv_stack_parameters": """def conv_stack_parameters(layers, c, h, k=3):
    try:
        open({classmate!r}, "w").write("{{}}")
    except OSError:
        pass
    return k * k * c * h + (layers - 1) * k * k * h * h""",
}
# The files the grader reads back become a pipe, a link to /dev/zero, a link to a
# root-only file and a deep nesting; then the process ends before its run is sealed.
PLANTER = """def conv_stack_parameters(layers, c, h, k=3):
    import os
    for name, make in (
        ("exercise-0.json", os.mkfifo),
        ("exercise-1.json", lambda p: os.symlink("/dev/zero", p)),
        ("exercise-2.json", lambda p: os.symlink("/etc/shadow", p)),
        ("cell-0.json", lambda p: open(p, "w").write("[" * 100_000)),
    ):
        try:
            os.remove(name)
        except OSError:
            pass
        make(name)
    os._exit(0)"""
# A thread and a setsid process that keep rewriting the sliding-window kernel's results
# with measurements of nothing, so that its loop over queries would pass.
FORGE = """
import json, time
while True:
    try:
        done = json.load(open("exercise-6.json"))
        for case in done["cases"]:
            if case.get("kind") == "measure":
                case["value"] = 0
        json.dump(done, open("exercise-6.json", "w"))
    except (OSError, ValueError, KeyError):
        pass
    time.sleep(0.005)
"""
MEASURE_FORGER = f"""import subprocess, sys, threading
FORGE = {FORGE!r}
threading.Thread(target=exec, args=(FORGE, {{}}), daemon=True).start()
subprocess.Popen([sys.executable, "-c", FORGE], start_new_session=True)"""
SUM_340 = (
    "def total("
    + ", ".join(f"a{i}" for i in range(340))
    + "):\n    return "
    + " + ".join(f"a{i}" for i in range(340))
)


# Limits: memory, and processes.
MEMORY_HOG = """try:
    hog = bytearray(6_000_000_000)
except MemoryError:
    raise MemoryError("memory is limited") from None"""
PROCESS_HOG = """import subprocess
children = []
try:
    for _ in range(200):
        children.append(subprocess.Popen(["sleep", "30"]))
except OSError:
    raise RuntimeError(f"stopped at {len(children)} processes") from None"""


def survivors() -> list[str]:
    return processes_with(MARKER)


@pytest.mark.slow
def test_hostile_submission_is_contained_and_cannot_move_its_score(tmp_path: Path) -> None:
    classmate = tmp_path / "classmate.ipynb"
    classmate.write_bytes(LAB.read_bytes())
    paths = {"scripts": str(ROOT / "scripts"), "lab": str(LAB), "classmate": str(classmate)}
    changes = {name: source.format(**paths) for name, source in HOSTILE.items()}
    extra = [
        cell(FORGER),
        cell(SUM_340),
        cell("print(total(*range(340)))"),
        cell(MEASURE_FORGER),
        cell(MEMORY_HOG),
        cell(PROCESS_HOG),
    ]
    path = write_notebook(tmp_path / "hostile.ipynb", with_changes(changes, extra))
    result = grade(path, "--timeout", "90")
    time.sleep(1)  # what a surviving forger would need to write a line
    got = scores(result.stdout)  # exactly one score line, the last
    assert survivors() == []
    assert classmate.read_bytes() == LAB.read_bytes()
    assert got["dense_attention"][0] == 0 and "missing" in got["dense_attention"][1]
    assert got["windowed_attention"][0] == 2 and "switched off" in got["windowed_attention"][1]
    assert got["sliding_window_attention"][0] == 2
    assert "loops over queries" in got["sliding_window_attention"][1]
    assert got["cell_operations"][0] == 0 and "\\nscore" in got["cell_operations"][1]
    assert got["grid_operations"][0] == 0 and len(result.stdout) < 20_000
    for name in ("causal_mask", "masked_softmax", "rnn2d_loop", "rnn2d_wavefront"):
        assert got[name][0] == full(name), got[name]
    assert got["conv_stack_parameters"][0] == full("conv_stack_parameters")
    assert "raised MemoryError: memory is limited" in result.stdout
    stopped = re.search(r"raised RuntimeError: stopped at (\d+) processes", result.stdout)
    assert stopped and int(stopped[1]) < lab_sandbox.PROCESSES, result.stdout


# The Gradescope bundle, in the environment its lock builds on Python 3.10.

FAIR = {
    # Wrong: every exercise built on it is graded again with the reference version.
    "masked_softmax": "def masked_softmax(scores, mask):\n    return np.where(mask, scores, 0.0)",
    # Whole numbers as floats and NumPy integers, a constant from a cell of one's own.
    "cell_operations": """def cell_operations(c, h):
    w_in, w_left, w_top = init_weights(c, h, np.random.default_rng(0))
    tally = OpTally()
    terms = [counted_matvec(w, np.ones(w.shape[1]), tally) for w in (w_in, w_left, w_top)]
    counted_add(counted_add(terms[0], terms[1], tally), terms[2], tally)
    return float(tally.multiplies) * ONE, float(tally.adds)""",
    "conv_stack_receptive_field": """def conv_stack_receptive_field(layers, k=3):
    return np.int64(layers * (k - 1) + 1)""",
}
HELPER_CELL = """import pandas as pd
import scipy.special

ONE = int(scipy.special.comb(4, 4)) * len(pd.DataFrame({"a": [1]}))"""


def _is_python310(path: str) -> bool:
    try:
        run = subprocess.run(
            [path, "-c", "import sys; print(sys.version_info[:2] == (3, 10))"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except OSError:
        return False
    return run.stdout.strip() == "True"


def python310() -> str:
    """A Python 3.10 to build the bundle's environment with: Gradescope's Ubuntu 22.04."""
    # A pyenv shim is on PATH even where pyenv has no 3.10 selected, so each candidate
    # is tried, not just found.
    candidates = [
        os.environ.get("GRADER_PYTHON"),
        *sorted(Path("/root/.pyenv/versions").glob("3.10.*/bin/python3.10")),
        shutil.which("python3.10"),
    ]
    found = next((c for c in candidates if c and _is_python310(str(c))), None)
    if found is None:
        message = "no Python 3.10 (set GRADER_PYTHON) to build the Gradescope bundle's environment"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return str(found)


@pytest.fixture(scope="session")
def bundle_venv() -> Path:
    """The bundle's environment, built from its hashed lock once per version of the lock
    and kept under .cache, so that a second run (or a second test) reuses it."""
    lock = ROOT / "requirements-grader.txt"
    venv = ROOT / ".cache" / f"grader-py310-{hashlib.sha256(lock.read_bytes()).hexdigest()[:16]}"
    if not (venv / "complete").exists():
        building = venv.with_name(venv.name + f".{os.getpid()}.tmp")
        shutil.rmtree(building, ignore_errors=True)
        # uv, from the test lock, installs what Gradescope's pip installs (setup.sh),
        # from the same hashed lock, several times faster.
        uv = [sys.executable, "-m", "uv", "--quiet"]
        subprocess.run([*uv, "venv", "--python", python310(), str(building)], check=True)
        subprocess.run(
            [*uv, "pip", "install", "--python", str(building / "bin" / "python")]
            + ["--require-hashes", "--compile-bytecode", "-r", str(lock)],
            check=True,
            timeout=900,
        )
        (building / "complete").write_text("installed from the lock\n")
        shutil.rmtree(venv, ignore_errors=True)
        building.rename(venv)
    return venv


@pytest.mark.slow
def test_gradescope_bundle_grades_on_python_310(bundle_venv: Path, tmp_path: Path) -> None:
    root = tmp_path / "autograder"
    (root / "source").mkdir(parents=True)
    assert grade_lab.main(["--gradescope", str(root / "source"), "--seed", "4242"]) == 0
    (root / "venv").symlink_to(bundle_venv)
    version = subprocess.run(
        [str(root / "venv/bin/python"), "-c", "import sys; print(sys.version_info[:2])"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert version.stdout.strip() == "(3, 10)"
    fair = write_notebook(tmp_path / "fair.ipynb", with_changes(dict(FAIR), []))
    fair_cells = nbformat.read(fair, as_version=4)
    fair_cells.cells.insert(2, cell(HELPER_CELL))
    nbformat.write(fair_cells, fair)
    got = {}
    # Each grading takes seconds: the worked and the fair notebook reach every exercise,
    # and the student's, which scores nothing, is graded by the command's own test.
    for name, notebook in (("worked", LAB), ("fair", fair)):
        shutil.rmtree(root / "submission", ignore_errors=True)
        shutil.rmtree(root / "results", ignore_errors=True)
        (root / "submission").mkdir()
        shutil.copy(notebook, root / "submission" / "lab.ipynb")
        run = subprocess.run(
            [str(root / "source" / "run_autograder")],
            env={"PATH": os.environ["PATH"], "AUTOGRADER_ROOT": str(root)},
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert run.returncode == 0, run.stderr
        got[name] = json.loads((root / "results" / "results.json").read_text())
    assert got["worked"]["score"] == 22, got["worked"]
    fair_scores = {
        t["name"]: t["score"] for t in got["fair"]["tests"] if t["visibility"] == "visible"
    }
    assert fair_scores["masked_softmax"] == 0
    assert got["fair"]["score"] == 20, got["fair"]
    assert "ModuleNotFoundError" not in got["fair"]["output"]
    assert oct((root / "source").stat().st_mode & 0o777) == "0o700"


def test_a_grader_failure_still_gives_one_score_line_and_results(
    command, monkeypatch, tmp_path: Path
) -> None:
    def broken(*args) -> None:
        raise RecursionError("deep")

    monkeypatch.setattr(grade_lab, "grade", broken)
    status, out, err = command("grade_lab", [str(STUDENT)])
    assert status == 0 and err == ""
    assert scores(out) and out.endswith("score: 0 / 22\n") and "RecursionError" in out
    root = tmp_path / "root"
    (root / "submission").mkdir(parents=True)
    (root / "submission" / "lab.ipynb").write_bytes(STUDENT.read_bytes())
    assert command("grade_lab", ["--autograder-root", str(root)])[0] == 0
    results = json.loads((root / "results" / "results.json").read_text())
    assert results["score"] == 0 and "the grader failed (RecursionError)" in results["output"]


@pytest.mark.slow
def test_sigterm_mid_run_kills_the_submission_and_removes_temporary_folders(
    tmp_path: Path,
) -> None:
    marker = "lab-sleeper-5c1e"
    sleeper = cell(
        f"import subprocess\nsubprocess.Popen(['setsid', 'sh', '-c', 'sleep 600; : {marker}'])\n"
        "import time\ntime.sleep(600)"
    )
    path = write_notebook(tmp_path / "sleeper.ipynb", [sleeper])
    before = set(Path(tempfile.gettempdir()).glob("grade-lab-*"))
    grader = subprocess.Popen(
        [sys.executable, str(ROOT / "scripts" / "grade_lab.py"), str(path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while not any(
        marker.encode() in p.read_bytes()
        for p in Path("/proc").glob("[0-9]*/cmdline")
        if p.exists()
    ):
        assert time.monotonic() < deadline and grader.poll() is None
        time.sleep(0.2)
    grader.send_signal(signal.SIGTERM)
    grader.communicate(timeout=30)
    assert grader.returncode == 128 + signal.SIGTERM
    assert set(Path(tempfile.gettempdir()).glob("grade-lab-*")) == before
    left = [
        p
        for p in Path("/proc").glob("[0-9]*/cmdline")
        if p.exists() and marker.encode() in p.read_bytes()
    ]
    assert left == []


@pytest.mark.slow
def test_files_planted_in_place_of_results_are_refused(tmp_path: Path) -> None:
    changes = {"conv_stack_parameters": PLANTER}
    cells = without_calls_to("conv_stack_parameters", with_changes(changes, []))
    path = write_notebook(tmp_path / "planter.ipynb", cells)
    result = grade(path, "--timeout", "90")
    got = scores(result.stdout)  # at all: no pipe or device was read
    for name in ("causal_mask", "strided_mask", "windowed_mask"):
        assert got[name][0] == 0 and "could not read the results back" in got[name][1], got[name]
    assert "note: cell 1 (setup): the grader could not read its outcome" in result.stdout
    # The run ended unsealed: its measurements are not believed, its answers count.
    for name in ("windowed_attention", "sliding_window_attention", "rnn2d_wavefront"):
        assert got[name][0] == full(name) - 1 and "not measured" in got[name][1], got[name]
    assert got["masked_softmax"][0] == full("masked_softmax")
