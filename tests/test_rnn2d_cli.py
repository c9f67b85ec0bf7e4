"""The rnn2d.py command: its printed counts and its one-line errors."""

from __future__ import annotations

import subprocess

import pytest
from conftest import run_script

from chapter.model import rnn2d


def run(*args: str) -> subprocess.CompletedProcess:
    return run_script("rnn2d.py", *args)


@pytest.mark.parametrize(("n", "c", "h"), [(1, 1, 1), (32, 3, 16), (128, 3, 32)])
def test_prints_the_counts_with_the_total_last(n: int, c: int, h: int) -> None:
    result = run("--n", str(n), "--c", str(c), "--h", str(h))
    assert result.returncode == 0
    assert result.stderr == ""
    lines = result.stdout.splitlines()
    assert lines == [
        f"parameters: {rnn2d.parameter_count(c, h)}",
        f"multiplies: {rnn2d.multiply_count(n, c, h)}",
        f"adds: {rnn2d.add_count(n, c, h)}",
        f"nonlinearities: {rnn2d.nonlinearity_count(n, h)}",
        f"operations: {rnn2d.operation_count(n, c, h)}",
    ]


def test_worked_example_numbers() -> None:
    lines = run("--n", "32", "--c", "3", "--h", "16").stdout.splitlines()
    assert lines[0] == "parameters: 560"
    assert lines[-1] == "operations: 1130496"


def test_help_exits_cleanly() -> None:
    result = run("--help")
    assert result.returncode == 0
    assert "--n" in result.stdout and "--h" in result.stdout


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["--n", "0", "--c", "3", "--h", "16"], "--n"),
        (["--n", "-4", "--c", "3", "--h", "16"], "--n"),
        (["--n", "2.5", "--c", "3", "--h", "16"], "--n"),
        (["--n", "32", "--c", "three", "--h", "16"], "--c"),
        (["--n", "32", "--c", "0", "--h", "16"], "--c"),
        (["--n", "32", "--c", "3", "--h", "0"], "--h"),
        (["--n", "32", "--c", "3", "--h", "1e3"], "--h"),
        (["--n", "32", "--c", "3", "--h", ""], "--h"),
        (["--c", "3", "--h", "16"], "--n"),
        (["--n", "32", "--c", "3"], "--h"),
    ],
)
def test_bad_input_is_one_line_naming_the_argument(args: list[str], named: str) -> None:
    result = run(*args)
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert named in lines[0]
    assert "Traceback" not in result.stderr
