"""Does computing fewer scores run faster? Time dense masked attention against the
windowed and sliding-window kernels, and the 2D RNN's double loop against its wavefront.

python scripts/bench.py [--quick] [--json FILE]
"""

from __future__ import annotations

import ctypes
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

# Every case runs on one BLAS thread, so that a speed-up measures the work a
# kernel skips, not how a busy machine schedules threads: the wavefront's and
# the kernels' small products sit at the size where OpenBLAS starts splitting
# work over threads, and under load each split can stall for milliseconds.
# Set OPENBLAS_NUM_THREADS yourself to measure otherwise; the JSON records it.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402  (must follow the thread setting)
from attention import full_count, strided_count, strided_mask, windowed_count, windowed_mask
from attention_kernels import dense_attention, sliding_window_attention, windowed_attention
from cli import ArgumentParser, fail, path_argument
from rnn2d import init_weights, operation_count, rnn2d_loop, rnn2d_wavefront, wavefront_steps
from safe_files import UnsafePath, check_target, write_file

DTYPE = np.float32
D, W, T = 64, 64, 127
C, H = 3, 32
# A timing sample calls the function often enough to last this long, so that
# millisecond kernels are not timed at the clock's resolution.
MIN_SAMPLE_S = 0.02

COUNTS = (
    "Attention: count_ratio = n^2, the scores of the dense masked baseline's one n x n "
    "matrix, over the scores the pattern needs: windowed_count(n, w) = n(w+1)/2 when w "
    "divides n, strided_count(n, t) = n(t+1) - t(t+1)/2. The kernels compute somewhat "
    "more (3/4 of each w x w block; b x (b+t) tiles), which the ratio does not credit. "
    "RNN: count_ratio = n^2 sequential cell updates of the loop over 2n - 1 wavefront steps."
)
GFLOPS = (
    "Useful GFLOP/s: attention counts 4d flops per needed score (2d for q.k, 2d for the "
    "weighted sum of v); the RNN counts its n^2 (2hc + 4h^2 - h) multiplies and adds. "
    "matmul_gflops: a float32 1024 x 1024 x 1024 matrix product in the same run."
)


@dataclass(frozen=True)
class Settings:
    """Which sizes to time and how often."""

    mode: str
    attention_n: tuple[int, ...]
    rnn_n: tuple[int, ...]
    repeats: int


FULL = Settings("full", attention_n=(512, 1024, 2048, 4096), rnn_n=(16, 32, 64, 128), repeats=15)
QUICK = Settings("quick", attention_n=(512, 1024, 2048), rnn_n=(16, 32, 64), repeats=3)


@dataclass(frozen=True)
class Case:
    """One comparison: a baseline and a kernel on the same inputs."""

    case: str
    n: int
    baseline: Callable[[], object]
    kernel: Callable[[], object]
    baseline_count: int
    kernel_count: int
    useful_flops: int


def calls_per_sample(fn: Callable[[], object]) -> int:
    """Call fn once to warm it up, and return how many calls fill one sample."""
    start = time.perf_counter()
    fn()
    return max(1, round(MIN_SAMPLE_S / max(time.perf_counter() - start, 1e-9)))


def seconds(*fns: Callable[[], object], repeats: int) -> list[float]:
    """Median seconds per call of each function, after a warm-up call; their samples
    alternate, so a load that comes and goes on the machine hits them alike."""
    numbers = [calls_per_sample(fn) for fn in fns]
    samples: list[list[float]] = [[] for _ in fns]
    for _ in range(repeats):
        for fn, number, times in zip(fns, numbers, samples, strict=True):
            start = time.perf_counter()
            for _ in range(number):
                fn()
            times.append((time.perf_counter() - start) / number)
    return [statistics.median(times) for times in samples]


def attention_cases(n: int, rng: np.random.Generator) -> list[Case]:
    """Dense masked attention against each efficient kernel at length n."""
    q, k, v = (rng.standard_normal((n, D), dtype=DTYPE) for _ in range(3))
    window_mask, band_mask = windowed_mask(n, W), strided_mask(n, T)
    return [
        Case(
            "windowed attention",
            n,
            lambda: dense_attention(q, k, v, window_mask),
            lambda: windowed_attention(q, k, v, W),
            full_count(n),
            windowed_count(n, W),
            4 * D * windowed_count(n, W),
        ),
        Case(
            "sliding-window attention",
            n,
            lambda: dense_attention(q, k, v, band_mask),
            lambda: sliding_window_attention(q, k, v, T),
            full_count(n),
            strided_count(n, T),
            4 * D * strided_count(n, T),
        ),
    ]


def rnn_case(n: int, rng: np.random.Generator) -> Case:
    """The 2D RNN's double loop against its wavefront on an n x n grid."""
    x = rng.standard_normal((n, n, C), dtype=DTYPE)
    weights = init_weights(C, H, rng, dtype=DTYPE)
    return Case(
        "2D RNN wavefront",
        n,
        lambda: rnn2d_loop(x, *weights),
        lambda: rnn2d_wavefront(x, *weights),
        n * n,
        wavefront_steps(n),
        operation_count(n, C, H),
    )


def measure(case: Case, repeats: int) -> dict:
    """Time one case and return its JSON record."""
    baseline_s, kernel_s = seconds(case.baseline, case.kernel, repeats=repeats)
    speedup = baseline_s / kernel_s
    count_ratio = case.baseline_count / case.kernel_count
    return {
        "case": case.case,
        "n": case.n,
        "baseline_s": baseline_s,
        "kernel_s": kernel_s,
        "speedup": speedup,
        "count_ratio": count_ratio,
        "efficiency": speedup / count_ratio,
        "baseline_count": case.baseline_count,
        "kernel_count": case.kernel_count,
        "baseline_gflops": case.useful_flops / baseline_s / 1e9,
        "kernel_gflops": case.useful_flops / kernel_s / 1e9,
    }


def matmul_gflops(repeats: int) -> float:
    """The machine's float32 matrix-product rate, for scale."""
    a = np.random.default_rng(1).standard_normal((1024, 1024), dtype=np.float32)
    (matmul_s,) = seconds(lambda: a @ a, repeats=repeats)
    return 2 * 1024**3 / matmul_s / 1e9


def cpu_model() -> str:
    """The processor's marketing name, where the system says it."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def blas_core() -> str | None:
    """The OpenBLAS kernel chosen at run time (it can differ from the build's), or None."""
    try:
        maps = Path("/proc/self/maps").read_text()
    except OSError:
        return None
    paths = {line.split()[-1] for line in maps.splitlines() if "openblas" in line.lower()}
    for path in sorted(paths):
        lib = ctypes.CDLL(path)
        for symbol in (
            "scipy_openblas_get_corename64_",
            "openblas_get_corename64_",
            "openblas_get_corename",
        ):
            if hasattr(lib, symbol):
                getter = getattr(lib, symbol)
                getter.restype = ctypes.c_char_p
                return getter().decode()
    return None


def machine(repeats: int) -> dict:
    """What the timings were measured on."""
    blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
    return {
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "blas": f"{blas.get('name')} {blas.get('version')}",
        "blas_core": blas_core(),
        "blas_env": {
            name: os.environ[name]
            for name in (
                "OPENBLAS_CORETYPE",
                "OPENBLAS_L2_SIZE",
                "OPENBLAS_NUM_THREADS",
                "OMP_NUM_THREADS",
            )
            if name in os.environ
        },
        "matmul_gflops": matmul_gflops(repeats),
        # Other work on the machine slows small kernels far more than one big product.
        "load_average_1min": os.getloadavg()[0] if hasattr(os, "getloadavg") else None,
    }


def row(record: dict) -> str:
    """One line of the table."""
    return (
        f"{record['case']:<25}{record['n']:>6}{record['baseline_s'] * 1e3:>13.2f}"
        f"{record['kernel_s'] * 1e3:>12.3f}{record['speedup']:>10.1f}x"
        f"{record['count_ratio']:>9.1f}x{record['efficiency']:>8.2f}"
    )


HEADER = (
    f"{'case':<25}{'n':>6}{'baseline ms':>13}{'kernel ms':>12}{'speedup':>11}"
    f"{'counts':>10}{'effic.':>8}"
)


def run(settings: Settings) -> dict:
    """Time every case, printing progress, and return the JSON document."""
    rng = np.random.default_rng(0)
    cases = [c for n in settings.attention_n for c in attention_cases(n, rng)]
    cases += [rnn_case(n, rng) for n in settings.rnn_n]
    records = []
    for i, case in enumerate(cases, 1):
        records.append(measure(case, settings.repeats))
        print(f"[{i}/{len(cases)}] {row(records[-1])}", file=sys.stderr, flush=True)
    return {
        "machine": machine(settings.repeats),
        "settings": {
            **asdict(settings),
            "dtype": np.dtype(DTYPE).name,
            "d": D,
            "w": W,
            "t": T,
            "c": C,
            "h": H,
            "timing": f"median of the samples after one warm-up call; a sample averages "
            f"as many calls as fill {MIN_SAMPLE_S} s",
            "counts": COUNTS,
            "gflops": GFLOPS,
        },
        "records": records,
    }


def main(argv: list[str] | None = None) -> int:
    parser = ArgumentParser(prog="bench.py", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--quick", action="store_true", help="fewer sizes and repeats: under a minute"
    )
    parser.add_argument("--json", type=path_argument, metavar="FILE", help="write the records here")
    args = parser.parse_args(argv)
    out = args.json
    if out is not None:
        # Checked before the minutes of timing, which a bad path would waste.
        try:
            check_target(out)
        except UnsafePath as error:
            fail(parser, "--json", str(error))
    result = run(QUICK if args.quick else FULL)
    m = result["machine"]
    print(
        f"{m['cpu']}, {m['cores']} cores, numpy {m['numpy']}, {m['blas']} "
        f"({m['blas_core']}), float32 matmul {m['matmul_gflops']:.0f} GFLOP/s"
    )
    print(HEADER)
    for record in result["records"]:
        print(row(record))
    if out is not None:
        try:
            write_file(out, (json.dumps(result, indent=2) + "\n").encode())
        except UnsafePath as error:
            fail(parser, "--json", f"{error} (the table above holds the results)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
