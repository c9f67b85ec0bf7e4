"""The benchmark runs in --quick mode and writes its records; bad arguments get one line.
JAX's rows are recorded when JAX imports (a stand-in here) and skipped, saying why, when not.

Timings are never asserted: machines are noisy."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType, SimpleNamespace

import numpy as np
import pytest
from conftest import run_script

from chapter.figures import bench as bench_figures
from chapter.model import bench
from chapter.model.attention import causal_mask, full_count, strided_count, windowed_count
from chapter.model.kernels import dense_attention

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
    jax_cases = bench.JAX_CASES if data["machine"]["jax"] else ("", "")
    expected = [
        (case, n)
        for n in settings.attention_n
        for pair in zip(("windowed attention", "sliding-window attention"), jax_cases, strict=True)
        for case in pair
        if case
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
            bench.JAX_CASES[0]: windowed_count(n, s["w"]),
            bench.JAX_CASES[1]: strided_count(n, s["t"]),
        }[r["case"]]
        assert r["count_ratio"] == pytest.approx(full_count(n) / kernel_count)


def test_machine_and_settings_are_recorded(quick) -> None:
    _, data = quick
    machine = data["machine"]
    assert {"cpu", "cores", "numpy", "blas", "blas_core", "matmul_gflops"} <= machine.keys()
    assert {"jax", "jaxlib", "cpu_affinity"} <= machine.keys()
    assert machine["matmul_gflops"] > 0
    assert data["settings"]["mode"] == "quick"
    assert {"d", "w", "t", "c", "h", "dtype", "counts", "jax"} <= data["settings"].keys()


TINY = bench.Settings("quick", attention_n=(64, 100), rnn_n=(4,), repeats=1)


def stand_in_jax(wrong: bool = False) -> ModuleType:
    """Just the part of JAX the benchmark calls, computed by dense_attention: a JAX
    to test with on machines without one. wrong: it answers with zeros."""

    def dot_product_attention(q, k, v, mask=None, is_causal=False, local_window_size=None):
        n = q.shape[1]
        allowed = np.ones((n, n), dtype=bool) if mask is None else mask[0, 0]
        if is_causal:
            allowed = allowed & causal_mask(n)
        if local_window_size is not None:
            i, j = np.indices((n, n))
            left, right = local_window_size
            allowed = allowed & (j >= i - left) & (j <= i + right)
        out = dense_attention(q[0, :, 0], k[0, :, 0], v[0, :, 0], allowed)
        return (0 * out if wrong else out)[None, :, None]

    jax = ModuleType("jax")
    jax.__version__ = "0.0.test"
    jax.numpy = SimpleNamespace(asarray=np.asarray)
    jax.nn = SimpleNamespace(dot_product_attention=dot_product_attention)
    jax.jit = lambda f: f
    jax.block_until_ready = lambda x: x
    return jax


@pytest.fixture
def in_process(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """bench.run in this process, without pinning the test run to one core."""
    monkeypatch.setattr(bench, "one_core", lambda: [0])
    return monkeypatch


def test_jax_rows_are_recorded_when_jax_imports(in_process: pytest.MonkeyPatch, capsys) -> None:
    in_process.setitem(sys.modules, "jax", stand_in_jax())
    data = json.loads(json.dumps(bench.run(TINY)))
    assert data["machine"]["jax"] == "0.0.test"
    assert data["settings"]["jax"].startswith("timed: jax 0.0.test.")
    err = capsys.readouterr().err
    assert "JAX timed" in err
    # Progress counts table rows, JAX's included, so it ends at [N/N].
    total = len(data["records"])
    progress = [line.split()[0] for line in err.splitlines() if line.startswith("[")]
    assert progress == [f"[{i}/{total}]" for i in range(1, total + 1)]
    records = {(r["case"], r["n"]): r for r in data["records"]}
    for n in TINY.attention_n:
        for case, jax_case in zip(
            ("windowed attention", "sliding-window attention"), bench.JAX_CASES, strict=True
        ):
            ours, theirs = records[case, n], records[jax_case, n]
            assert theirs.keys() == ours.keys() | {"max_abs_error"}
            assert theirs["max_abs_error"] <= 1e-5
            # One alternation times the kernel against both baselines.
            assert theirs["kernel_s"] == ours["kernel_s"]
            assert theirs["count_ratio"] == ours["count_ratio"]
            assert theirs["speedup"] == pytest.approx(theirs["baseline_s"] / theirs["kernel_s"])
            assert theirs["efficiency"] == pytest.approx(theirs["speedup"] / theirs["count_ratio"])
    assert len(records) == len(data["records"]) == 4 * len(TINY.attention_n) + len(TINY.rnn_n)


def test_without_jax_the_benchmark_runs_and_says_why(
    in_process: pytest.MonkeyPatch, capsys
) -> None:
    # None in sys.modules makes `import jax` fail, whether or not JAX is installed.
    in_process.setitem(sys.modules, "jax", None)
    data = bench.run(TINY)
    assert data["machine"]["jax"] is None and data["machine"]["jaxlib"] is None
    assert data["settings"]["jax"].startswith("not timed: JAX is not installed")
    assert "requirements-bench.txt" in capsys.readouterr().err
    assert not {r["case"] for r in data["records"]} & set(bench.JAX_CASES)


def test_jax_output_unlike_the_kernels_stops_the_run(in_process: pytest.MonkeyPatch) -> None:
    in_process.setitem(sys.modules, "jax", stand_in_jax(wrong=True))
    with pytest.raises(SystemExit, match=r"windowed attention, JAX mask at n = 64 differs"):
        bench.run(TINY)


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


def test_the_figures_know_the_benchmarks_jax_cases() -> None:
    assert bench_figures.JAX_CASES == bench.JAX_CASES


def test_jax_rows_get_a_panel_of_their_own(in_process: pytest.MonkeyPatch) -> None:
    in_process.setitem(sys.modules, "jax", stand_in_jax())
    with_jax = bench.run(TINY)
    without = {
        **with_jax,
        "records": [r for r in with_jax["records"] if r["case"] not in bench.JAX_CASES],
    }
    titles = [
        [ax.get_title() for ax in bench_figures.attention_figure(data).axes]
        for data in (with_jax, without)
    ]
    assert len(titles[0]) == 2 and "JAX" in titles[0][1]
    assert len(titles[1]) == 1
