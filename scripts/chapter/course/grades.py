"""The lab's grades beside the answer key, scaled to the rubric and ready to merge by id.

python scripts/grades.py --key hw4/answer-key.csv --results RESULTS --out grades.csv

RESULTS holds one file per student, named by the key's `file` column: either
`<file>.json` or `<file>/results.json`, the results.json that grade_lab.py writes for
Gradescope, or `<file>.txt`, what `grade_lab.py SUBMISSION` prints (its last line
reads "score: X / Y"). grades.csv has one row per student of the key, in its order:
the id (under the column name the gradebook uses, --id-header), the name, the lab's
score and maximum, and the score scaled to the rubric's points for the lab
(--lab-points, 4 by default). A student with no results file gets empty cells.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
import sys
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from chapter.course.roster import read_cell, safe_cell
from chapter.shared.cli import ArgumentParser, fail, path_argument, whole_number
from chapter.shared.safe_files import UnsafePath, check_targets, read_input, write_files

MAX_KEY_BYTES = 20_000_000
MAX_RESULT_BYTES = 1_000_000
SCORE_LINE = re.compile(r"score: ([0-9]+(?:\.[0-9]+)?) / ([0-9]+(?:\.[0-9]+)?)")


class GradesError(ValueError):
    """An input that cannot be used; the message names the file."""


@dataclass(frozen=True)
class LabScore:
    score: float
    maximum: float


def lab_score(name: str, data: bytes) -> LabScore:
    """The score of one results file: Gradescope's results.json or grade_lab's lines."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise GradesError(f"{name}: not UTF-8") from None
    if name.endswith(".txt"):
        lines = text.strip().splitlines()
        found = SCORE_LINE.fullmatch(lines[-1].strip()) if lines else None
        if found is None:
            raise GradesError(f"{name}: the last line is not 'score: X / Y'")
        score, maximum = float(found[1]), float(found[2])
    else:
        try:
            results = json.loads(text)
            score = results["score"]
            maximum = results.get("max_score") or sum(t["max_score"] for t in results["tests"])
        except (ValueError, KeyError, TypeError) as error:
            raise GradesError(
                f"{name}: not a results.json with a score and tests ({error})"
            ) from None
    for value in (score, maximum):
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
        ):
            raise GradesError(f"{name}: a score that is not a number")
    if not 0 <= score <= maximum or maximum <= 0:
        raise GradesError(f"{name}: score {score} outside 0 to {maximum}")
    return LabScore(float(score), float(maximum))


def scaled(lab: LabScore, points: int, maximum: int | None) -> str:
    """The lab's score in the rubric's points, to two decimals."""
    value = Decimal(lab.score) * points / Decimal(maximum or lab.maximum)
    return str(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def _number(value: float) -> str:
    return str(int(value)) if value == int(value) else str(value)


def find_results(folder: Path, stem: str) -> tuple[str, bytes] | None:
    """The results file of one student, if there is one: read bounded, never a pipe."""
    for relative in (f"{stem}.json", f"{stem}/results.json", f"{stem}.txt"):
        path = folder / relative
        if path.exists() or path.is_symlink():
            return relative, read_input(path, MAX_RESULT_BYTES)
    return None


def read_key(key: bytes) -> list[dict[str, str]]:
    """The rows of an answer-key.csv; GradesError naming the line otherwise."""
    try:
        rows = list(csv.DictReader(io.StringIO(key.decode("utf-8"), newline="")))
    except (UnicodeDecodeError, csv.Error) as error:
        raise GradesError(f"not an answer-key.csv: {error}") from None
    if not rows or not {"student_id", "name", "file"} <= rows[0].keys():
        raise GradesError("not an answer-key.csv of variants.py: no student_id, name, file")
    for line, row in enumerate(rows, start=2):
        # The file column names files to read: a key's own stems only, never a path.
        if not re.fullmatch(r"[a-z0-9-]{1,60}", row["file"] or ""):
            raise GradesError(f"line {line}: file {row['file']!r} is not a file name of the key")
    return rows


def grades_csv(
    rows: list[dict[str, str]], folder: Path, points: int, maximum: int | None, id_header: str
) -> tuple[bytes, int]:
    """grades.csv, and how many students of the key have no results."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([id_header, "name", "lab_score", "lab_max", "lab"])
    missing = 0
    for row in rows:
        stem = row["file"]
        found = find_results(folder, stem)
        cells = ["", "", ""]
        if found is None:
            missing += 1
        else:
            lab = lab_score(*found)
            cells = [
                _number(lab.score),
                _number(maximum or lab.maximum),
                scaled(lab, points, maximum),
            ]
        ident, name = read_cell(row["student_id"] or ""), read_cell(row["name"] or "")
        writer.writerow([safe_cell(ident), safe_cell(name), *cells])
    return out.getvalue().encode("utf-8"), missing


def main(argv: list[str] | None = None) -> int:
    parser = ArgumentParser(
        prog="grades.py",
        description="Put the lab's scores from grade_lab.py beside the answer key, scaled "
        "to the rubric's points, as a CSV to merge with the gradebook by id.",
    )
    parser.add_argument(
        "--key",
        required=True,
        type=path_argument,
        metavar="KEY.csv",
        help="the answer-key.csv of variants.py",
    )
    parser.add_argument(
        "--results",
        required=True,
        type=path_argument,
        metavar="DIR",
        help="a folder of <file>.json, <file>/results.json or <file>.txt",
    )
    parser.add_argument(
        "--out",
        required=True,
        type=path_argument,
        metavar="GRADES.csv",
        help="the CSV to write; a regular file of that name is replaced",
    )
    parser.add_argument(
        "--lab-points",
        type=whole_number(1, 1000),
        default=4,
        help="the lab's points in the rubric (default: %(default)s)",
    )
    parser.add_argument(
        "--lab-max",
        type=whole_number(1, 100_000),
        help="the lab's full score (default: the maximum each result states)",
    )
    parser.add_argument(
        "--id-header",
        default="student_id",
        metavar="NAME",
        help="the id column's name in grades.csv, as the gradebook names it "
        "(SIS User ID, SID, Email, ...; default: %(default)s)",
    )
    args = parser.parse_args(argv)
    if not args.id_header.isprintable() or not 1 <= len(args.id_header) <= 100:
        fail(parser, "--id-header", "must be 1 to 100 printable characters")
    try:
        rows = read_key(read_input(args.key, MAX_KEY_BYTES))
    except (UnsafePath, GradesError) as error:
        fail(parser, "--key", str(error))
    if not args.results.is_dir():
        fail(parser, "--results", f"{args.results} is not a folder")
    try:
        check_targets(args.out.absolute().parent, [args.out.name])
    except UnsafePath as error:
        fail(parser, "--out", str(error))
    try:
        data, missing = grades_csv(
            rows, args.results, args.lab_points, args.lab_max, args.id_header
        )
    except (UnsafePath, GradesError) as error:
        fail(parser, "--results", str(error))
    try:
        write_files(args.out.absolute().parent, {args.out.name: data})
    except UnsafePath as error:
        fail(parser, "--out", str(error))
    if missing:
        print(
            f"grades.py: note: {missing} students have no lab results: their cells are empty",
            file=sys.stderr,
        )
    return 0
