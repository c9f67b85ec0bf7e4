"""Make the lab's student notebook from its solution: python scripts/make_student_notebook.py.

Solutions are marked in the nbgrader convention, inside code cells:

    ### BEGIN SOLUTION hint: compare a column of query indices with a row of key indices
    ...solution lines...
    ### END SOLUTION

Each marked region, markers included, becomes one line at the indentation of
its BEGIN marker, ``raise NotImplementedError("<hint>")``; every BEGIN marker
needs a hint. All outputs and execution counts are cleared; cell ids, metadata
and every other line stay as they are. The output is written in one piece, the
same bytes on every run.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import nbformat

from chapter.shared.cli import ArgumentParser, fail, path_argument
from chapter.shared.paths import DOCS
from chapter.shared.safe_files import UnsafePath, check_target, read_notebook, write_file

DEFAULT_SOLUTION = DOCS / "lab" / "attention-lab.ipynb"
DEFAULT_STUDENT = DOCS / "lab" / "attention-lab-student.ipynb"
# The lab, without outputs, is tens of kB; a notebook past this is not one to strip.
MAX_NOTEBOOK_BYTES = 4_000_000

BEGIN = re.compile(
    r"^(?P<indent>[ \t]*)### BEGIN SOLUTION(?:[ \t]+hint:[ \t]*(?P<hint>.*?))?[ \t]*$"
)
END = re.compile(r"^[ \t]*### END SOLUTION[ \t]*$")


# How the lab is graded, a paragraph added at the end of the student version's first cell.
GRADING_RULES = Path(__file__).parent / "templates" / "grading_rules.md"


class MarkerError(ValueError):
    """A solution region that cannot be replaced: unmatched, nested or without a hint."""


def strip_solutions(source: str, where: str) -> tuple[str, int]:
    """The cell source with each marked region replaced, and how many regions there were."""
    lines = source.split("\n")
    kept: list[str] = []
    regions = 0
    begin_line: int | None = None
    for number, line in enumerate(lines, start=1):
        begin, end = BEGIN.match(line), END.match(line)
        if begin:
            if begin_line is not None:
                raise MarkerError(f"{where}, line {number}: BEGIN SOLUTION inside another region")
            if not begin["hint"]:
                raise MarkerError(f"{where}, line {number}: BEGIN SOLUTION needs 'hint: <text>'")
            begin_line = number
            hint = json.dumps(begin["hint"], ensure_ascii=False)
            kept.append(f"{begin['indent']}raise NotImplementedError({hint})")
        elif end:
            if begin_line is None:
                raise MarkerError(f"{where}, line {number}: END SOLUTION without BEGIN SOLUTION")
            begin_line = None
            regions += 1
        elif begin_line is None:
            kept.append(line)
    if begin_line is not None:
        raise MarkerError(f"{where}, line {begin_line}: BEGIN SOLUTION is never ended")
    return "\n".join(kept), regions


def student_notebook(solution: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A copy of the solution with every region replaced and all outputs cleared."""
    student = nbformat.from_dict(solution)
    regions = 0
    for index, cell in enumerate(student.cells):
        where = f"cell {index} ({cell.get('id', 'no id')})"
        if cell.cell_type != "code":
            if any(BEGIN.match(line) or END.match(line) for line in cell.source.split("\n")):
                raise MarkerError(f"{where}: solution markers belong in code cells only")
            continue
        cell.source, found = strip_solutions(cell.source, where)
        regions += found
        cell.outputs = []
        cell.execution_count = None
    if not regions:
        raise MarkerError("no ### BEGIN SOLUTION regions found")
    if student.cells and student.cells[0].cell_type == "markdown":
        student.cells[0].source += "\n\n" + GRADING_RULES.read_text(encoding="utf-8").rstrip("\n")
    return student


def read_solution(path: Path) -> nbformat.NotebookNode:
    """Read and validate a notebook; ValueError with a one-line reason otherwise."""
    text, raw = read_notebook(path, MAX_NOTEBOOK_BYTES)
    minor = raw.get("nbformat_minor") if isinstance(raw, dict) else None
    # type(...) is int: "nbformat": 4.0 equals 4, and nbformat would assert on it.
    major = raw.get("nbformat") if isinstance(raw, dict) else None
    if type(major) is not int or major != 4 or type(minor) is not int or minor < 5:
        raise ValueError(f"{path}: needs nbformat 4.5 or later (cell ids)")
    # Checked before nbformat sees the cells: it would fill in random ids.
    cells = raw.get("cells")
    if not isinstance(cells, list) or not all(isinstance(c, dict) and "id" in c for c in cells):
        raise ValueError(f"{path}: every cell needs an id")
    try:
        notebook = nbformat.reads(text, as_version=nbformat.NO_CONVERT)
        nbformat.validate(notebook)
    except nbformat.ValidationError as error:
        raise ValueError(f"{path}: invalid notebook: {error.message}") from None
    return notebook


def notebook_bytes(notebook: nbformat.NotebookNode) -> bytes:
    """The notebook as the repository keeps its lab notebooks: nbformat's JSON, a final newline."""
    return (nbformat.writes(notebook) + "\n").encode("utf-8")


def _same_file(a: Path, b: Path) -> bool:
    """Whether both name one existing file; a path that cannot be followed names none."""
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def main(argv: list[str] | None = None) -> int:
    parser = ArgumentParser(
        prog="make_student_notebook.py",
        description="Replace the marked solutions of the lab notebook by NotImplementedError "
        "with a hint, and clear all outputs.",
    )
    parser.add_argument(
        "--solution",
        type=path_argument,
        default=DEFAULT_SOLUTION,
        help="notebook with ### BEGIN/END SOLUTION regions (default: %(default)s)",
    )
    parser.add_argument(
        "--out",
        type=path_argument,
        default=DEFAULT_STUDENT,
        help="student notebook to write (default: %(default)s)",
    )
    args = parser.parse_args(argv)
    try:
        check_target(args.out)
    except UnsafePath as error:
        fail(parser, "--out", str(error))
    if _same_file(args.out, args.solution):
        fail(parser, "--out", "must differ from --solution")
    try:
        solution = read_solution(args.solution)
    except ValueError as error:
        fail(parser, "--solution", str(error))
    try:
        student = student_notebook(solution)
    except MarkerError as error:
        fail(parser, "--solution", f"{args.solution}: {error}")
    try:
        write_file(args.out, notebook_bytes(student))
    except UnsafePath as error:
        fail(parser, "--out", str(error))
    print(args.out)
    return 0
