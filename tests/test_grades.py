"""scripts/grades.py: the lab's scores from grade_lab.py beside the answer key, scaled to the
rubric, one row per student of the key, and refusals with nothing written."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from conftest import expect_refusal, snapshot

from chapter.course import grade_lab, variants

ROSTER = "Email,name\nada@uni.example,Ada\nemmy@uni.example,=cmd()\nkurt@uni.example,Kurt\n"


@pytest.fixture
def key(tmp_path: Path) -> Path:
    (tmp_path / "roster.csv").write_text(ROSTER, encoding="utf-8")
    out = tmp_path / "hw4"
    args = ["--roster", str(tmp_path / "roster.csv"), "--seed", "s", "--out", str(out)]
    assert variants.main([*args, "--no-pdf"]) == 0
    return out / "answer-key.csv"


def stems(key: Path) -> list[str]:
    with key.open(encoding="utf-8", newline="") as fh:
        return [row["file"] for row in csv.DictReader(fh)]


def gradescope_json(score: int) -> str:
    """A results.json as grade_lab.py writes it, with the given score."""
    report = grade_lab.ungraded("for the test")
    results = grade_lab.gradescope_results(report)
    results["score"] = score
    return json.dumps(results)


def test_scores_are_scaled_to_the_rubric_and_keyed_by_id(
    key: Path, tmp_path: Path, command
) -> None:
    results = tmp_path / "results"
    ada, emmy, _ = stems(key)
    (results / emmy).mkdir(parents=True)
    full = sum(e.points for e in grade_lab.lab_hidden_tests.EXERCISES)
    (results / emmy / "results.json").write_text(gradescope_json(full // 2))
    (results / f"{ada}.txt").write_text(f"tests: 1 / 2 (ok)\nscore: {full} / {full}\n")
    status, _, err = command(
        "grades",
        ["--key", str(key), "--results", "results", "--out", "grades.csv", "--id-header", "SID"],
    )
    assert status == 0, err
    assert err == "grades.py: note: 1 students have no lab results: their cells are empty\n"
    lines = (tmp_path / "grades.csv").read_text(encoding="utf-8").splitlines()
    half = f"{full // 2 * 4 / full:.2f}"
    assert lines == [
        "SID,name,lab_score,lab_max,lab",
        f"ada@uni.example,Ada,{full},{full},4.00",
        f"emmy@uni.example,'=cmd(),{full // 2},{full},{half}",
        "kurt@uni.example,Kurt,,,",
    ]


def test_lab_points_and_maximum_are_options(key: Path, tmp_path: Path, command) -> None:
    results = tmp_path / "results"
    results.mkdir()
    (results / f"{stems(key)[0]}.txt").write_text("score: 11 / 22\n")
    status, _, err = command(
        "grades",
        [
            "--key",
            str(key),
            "--results",
            "results",
            "--out",
            "g.csv",
            "--lab-points",
            "10",
            "--lab-max",
            "20",
        ],
    )
    assert status == 0, err
    assert (tmp_path / "g.csv").read_text().splitlines()[1] == "ada@uni.example,Ada,11,20,5.50"


BAD_RESULTS = {
    "not JSON": ("{}.json", "{", "not a results.json"),
    "score over the maximum": ("{}.txt", "score: 23 / 22\n", "score 23.0 outside 0 to 22.0"),
    "no score line": ("{}.txt", "all good\n", "the last line is not 'score: X / Y'"),
    "score not a number": ("{}.json", '{"score": "22", "tests": []}', "not a number"),
    "a named pipe": ("{}.json", None, "a named pipe, not a regular file"),
}


@pytest.mark.parametrize("name,text,reason", BAD_RESULTS.values(), ids=BAD_RESULTS.keys())
def test_a_bad_results_file_is_refused_with_nothing_written(
    name: str, text: str | None, reason: str, key: Path, tmp_path: Path, command
) -> None:
    import os

    results = tmp_path / "results"
    results.mkdir()
    path = results / name.format(stems(key)[1])
    if text is None:
        os.mkfifo(path)
    else:
        path.write_text(text)
    before = snapshot(tmp_path)
    result = command("grades", ["--key", str(key), "--results", "results", "--out", "g.csv"])
    expect_refusal(result, "--results")
    assert reason in result[2], result[2]
    assert snapshot(tmp_path) == before


def test_a_key_whose_file_column_is_a_path_is_refused(tmp_path: Path, command) -> None:
    (tmp_path / "key.csv").write_text("student_id,name,file\na1,Ada,../../etc/passwd\n")
    (tmp_path / "results").mkdir()
    before = snapshot(tmp_path)
    result = command("grades", ["--key", "key.csv", "--results", "results", "--out", "g.csv"])
    expect_refusal(result, "--key")
    assert "line 2: file '../../etc/passwd' is not a file name of the key" in result[2]
    assert snapshot(tmp_path) == before
