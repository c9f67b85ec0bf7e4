"""The benchmark runs in --quick mode and writes its records; bad arguments get one line.

Timings are never asserted: machines are noisy."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import bench
import pytest
from attention import full_count, strided_count, windowed_count
from conftest import run_script

KEYS = {"case", "n", "baseline_s", "kernel_s", "speedup", "count_ratio", "efficiency"}


def run(*args: str) -> subprocess.CompletedProcess:
    return run_script("bench.py", *args, timeout=600)


@pytest.fixture(scope="module")
def quick(tmp_path_factory: pytest.TempPathFactory) -> tuple[subprocess.CompletedProcess, dict]:
    out = tmp_path_factory.mktemp("bench") / "out.json"
    result = run("--quick", "--json", str(out))
    assert result.returncode == 0, result.stderr
    return result, json.loads(out.read_text())


def test_quick_run_writes_one_record_per_case(quick) -> None:
    _, data = quick
    settings = bench.QUICK
    expected = [
        (case, n)
        for n in settings.attention_n
        for case in ("windowed attention", "sliding-window attention")
    ] + [("2D RNN wavefront", n) for n in settings.rnn_n]
    assert [(r["case"], r["n"]) for r in data["records"]] == expected
    for record in data["records"]:
        assert record.keys() >= KEYS
        assert record["baseline_s"] > 0 and record["kernel_s"] > 0
        assert record["speedup"] == pytest.approx(record["baseline_s"] / record["kernel_s"])
        assert record["efficiency"] == pytest.approx(record["speedup"] / record["count_ratio"])


def test_count_ratios_are_the_closed_forms(quick) -> None:
    _, data = quick
    s = data["settings"]
    for r in data["records"]:
        n = r["n"]
        kernel_count = {
            "windowed attention": windowed_count(n, s["w"]),
            "sliding-window attention": strided_count(n, s["t"]),
            "2D RNN wavefront": 2 * n - 1,
        }[r["case"]]
        assert r["count_ratio"] == pytest.approx(full_count(n) / kernel_count)


def test_machine_and_settings_are_recorded(quick) -> None:
    _, data = quick
    machine = data["machine"]
    assert {"cpu", "cores", "numpy", "blas", "blas_core", "matmul_gflops"} <= machine.keys()
    assert machine["matmul_gflops"] > 0
    assert data["settings"]["mode"] == "quick"
    assert {"d", "w", "t", "c", "h", "dtype", "counts"} <= data["settings"].keys()


def test_quick_run_prints_progress_and_a_table(quick) -> None:
    result, data = quick
    cases = len(data["records"])
    progress = [line for line in result.stderr.splitlines() if line.startswith("[")]
    assert len(progress) == cases
    assert progress[-1].startswith(f"[{cases}/{cases}]")
    lines = result.stdout.splitlines()
    assert lines[1] == bench.HEADER
    assert len(lines) == 2 + cases


@pytest.mark.parametrize(
    "args",
    [
        ["--bogus"],
        ["--quick", "extra"],
        ["--json"],
        ["--json", "{tmp}"],
        ["--json", "{tmp}/missing/out.json"],
    ],
    ids=[
        "unknown option",
        "extra argument",
        "json without file",
        "json is a folder",
        "json folder missing",
    ],
)
def test_bad_arguments_give_one_line_and_status_2(args: list[str], tmp_path: Path) -> None:
    result = run(*(a.format(tmp=tmp_path) for a in args))
    assert result.returncode == 2
    assert result.stdout == ""
    assert len(result.stderr.splitlines()) == 1
    assert result.stderr.startswith("bench.py: error:")
    assert list(tmp_path.rglob("*")) == []
