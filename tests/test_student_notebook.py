"""The student notebook: generated from the solution, fresh, without solutions,
and stopping at the first exercise until it is done."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import nbformat
import pytest
from conftest import run_script
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from chapter.course import student_notebook as maker

SOLUTION = maker.DEFAULT_SOLUTION
STUDENT = maker.DEFAULT_STUDENT


def read(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def solution_lines(nb: nbformat.NotebookNode) -> tuple[set[str], set[str]]:
    """Stripped lines inside the marked regions, and those outside them."""
    inside: set[str] = set()
    outside: set[str] = set()
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        in_region = False
        for line in cell.source.splitlines():
            if maker.BEGIN.match(line):
                in_region = True
            elif maker.END.match(line):
                in_region = False
            elif line.strip():
                (inside if in_region else outside).add(line.strip())
    return inside, outside


def run_maker(*args: str) -> subprocess.CompletedProcess:
    return run_script("make_student_notebook.py", *args)


def test_committed_student_notebook_is_fresh(tmp_path: Path) -> None:
    out = tmp_path / "student.ipynb"
    assert maker.main(["--out", str(out)]) == 0
    assert out.read_bytes() == STUDENT.read_bytes(), (
        "docs/lab/attention-lab-student.ipynb is stale: run python scripts/make_student_notebook.py"
    )


def test_generation_is_deterministic(tmp_path: Path) -> None:
    first, second = tmp_path / "a.ipynb", tmp_path / "b.ipynb"
    maker.main(["--out", str(first)])
    maker.main(["--out", str(second)])
    assert first.read_bytes() == second.read_bytes()


def test_no_solution_line_remains() -> None:
    inside, outside = solution_lines(read(SOLUTION))
    student = read(STUDENT)
    student_lines = {
        line.strip()
        for cell in student.cells
        if cell.cell_type == "code"
        for line in cell.source.splitlines()
    }
    assert not (inside - outside) & student_lines
    assert not any(maker.BEGIN.match(line) or maker.END.match(line) for line in student_lines)


def test_only_the_regions_change() -> None:
    solution, student = read(SOLUTION), read(STUDENT)
    assert student.metadata == solution.metadata
    assert [c.id for c in student.cells] == [c.id for c in solution.cells]
    raises = 0
    for ours, theirs in zip(solution.cells, student.cells, strict=True):
        assert ours.metadata == theirs.metadata
        if "### BEGIN SOLUTION" not in ours.source:
            assert ours.source == theirs.source
            continue
        for line in ours.source.splitlines():
            if begin := maker.BEGIN.match(line):
                replaced = f'{begin["indent"]}raise NotImplementedError("{begin["hint"]}")'
                assert replaced in theirs.source.splitlines()
        raises += theirs.source.count("raise NotImplementedError(")
    assert raises == 13
    for cell in student.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None


@pytest.mark.slow
def test_student_notebook_stops_at_the_first_exercise(tmp_path: Path) -> None:
    nb = read(STUDENT)
    client = NotebookClient(
        nb, timeout=60, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    )
    with pytest.raises(CellExecutionError) as stopped:
        client.execute()
    assert stopped.value.ename == "NotImplementedError"
    ran = [cell.id for cell in nb.cells if cell.cell_type == "code" and cell.execution_count]
    assert ran[-1] == "check-causal-mask"
    assert "compare a column of query indices" in stopped.value.evalue


# The command: defaults, --help, and errors that write nothing.


def strip(source: str) -> str:
    return maker.strip_solutions(source, "cell")[0]


def test_region_becomes_one_raise_at_its_indentation() -> None:
    source = (
        'def f():\n    x = 1\n    ### BEGIN SOLUTION hint: say "hi"\n    return x\n'
        "    ### END SOLUTION"
    )
    assert strip(source) == 'def f():\n    x = 1\n    raise NotImplementedError("say \\"hi\\"")'


@pytest.mark.parametrize(
    ("source", "reason"),
    [
        ("### BEGIN SOLUTION\nx = 1\n### END SOLUTION", "needs 'hint: <text>'"),
        ("### BEGIN SOLUTION hint: a\nx = 1", "never ended"),
        ("x = 1\n### END SOLUTION", "without BEGIN"),
        ("### BEGIN SOLUTION hint: a\n### BEGIN SOLUTION hint: b\n### END SOLUTION", "inside"),
    ],
)
def test_bad_markers_are_rejected(source: str, reason: str) -> None:
    with pytest.raises(maker.MarkerError, match=reason):
        strip(source)


def test_help() -> None:
    result = run_maker("--help")
    assert result.returncode == 0 and "--solution" in result.stdout and "--out" in result.stdout


def write_json(path: Path, value: object, text: str | None = None) -> Path:
    """value as JSON in path, or text as it is when given."""
    path.write_text(json.dumps(value) if text is None else text)
    return path


def write_notebook(path: Path, *sources: str) -> Path:
    nb = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell(s, id=f"c{i}") for i, s in enumerate(sources)]
    )
    nbformat.write(nb, path)
    return path


@pytest.mark.parametrize(
    ("make_input", "message"),
    [
        (lambda d: d / "missing.ipynb", "--solution: .*missing.ipynb: No such file"),
        (
            lambda d: (d / "bad.ipynb").write_text("{") and d / "bad.ipynb",
            "bad.ipynb: not a notebook: not JSON",
        ),
        (lambda d: write_notebook(d / "plain.ipynb", "x = 1"), "no ### BEGIN SOLUTION regions"),
        (
            lambda d: write_notebook(d / "open.ipynb", "### BEGIN SOLUTION hint: a\nx = 1"),
            "cell 0 \\(c0\\), line 1: BEGIN SOLUTION is never ended",
        ),
        (
            lambda d: write_json(d / "minor.ipynb", {"nbformat": 4, "nbformat_minor": "5"}),
            "needs nbformat 4.5",
        ),
        (
            lambda d: write_json(
                d / "bare.ipynb", {"nbformat": 4, "nbformat_minor": 5, "cells": [{"id": "a"}]}
            ),
            "invalid notebook",
        ),
        (lambda d: write_json(d / "deep.ipynb", None, "[" * 100_000), "nested too deeply"),
        (
            lambda d: write_json(d / "float.ipynb", {"nbformat": 4.0, "nbformat_minor": 5}),
            "needs nbformat 4.5",
        ),
    ],
)
def test_errors_are_one_line_and_write_nothing(tmp_path, make_input, message) -> None:
    out = tmp_path / "student.ipynb"
    out.write_text("previous contents")
    result = run_maker("--solution", str(make_input(tmp_path)), "--out", str(out))
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("make_student_notebook.py: error: ")
    assert re.search(message, result.stderr), result.stderr
    assert out.read_text() == "previous contents"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_cell_without_id_is_rejected(tmp_path: Path) -> None:
    path = write_notebook(tmp_path / "old.ipynb", "### BEGIN SOLUTION hint: a\n### END SOLUTION")
    path.write_text(path.read_text().replace('"id": "c0",', ""))
    result = run_maker("--solution", str(path), "--out", str(tmp_path / "s.ipynb"))
    assert result.returncode == 2 and "every cell needs an id" in result.stderr


def test_solution_in_a_symlink_loop_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "loop.ipynb").symlink_to(tmp_path / "loop.ipynb")
    result = run_maker("--solution", str(tmp_path / "loop.ipynb"), "--out", str(tmp_path / "s"))
    assert result.returncode == 2 and result.stderr.count("\n") == 1, result.stderr
    assert "--solution" in result.stderr and "symbolic links" in result.stderr


def test_out_must_differ_from_solution(tmp_path: Path) -> None:
    path = write_notebook(tmp_path / "lab.ipynb", "### BEGIN SOLUTION hint: a\n### END SOLUTION")
    before = path.read_bytes()
    result = run_maker("--solution", str(path), "--out", str(tmp_path / "." / "lab.ipynb"))
    assert result.returncode == 2 and "--out: must differ from --solution" in result.stderr
    assert path.read_bytes() == before


def test_out_folder_must_exist(tmp_path: Path) -> None:
    result = run_maker("--out", str(tmp_path / "nowhere" / "s.ipynb"))
    assert result.returncode == 2 and "--out: folder" in result.stderr
