"""Does computing fewer scores run faster? Time dense masked attention against the
windowed and sliding-window kernels, and the 2D RNN's double loop against its wavefront.
If JAX is installed (requirements-bench.txt), time jax.nn.dot_product_attention too.

python scripts/bench.py [--quick] [--json FILE]
"""

from __future__ import annotations

import ctypes
import json
import os
import platform
import re
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from importlib import metadata
from pathlib import Path
from types import ModuleType

# Every case runs on one BLAS thread, so that a speed-up measures the work a
# kernel skips, not how a busy machine schedules threads: the wavefront's and
# the kernels' small products sit at the size where OpenBLAS starts splitting
# work over threads, and under load each split can stall for milliseconds.
# Set OPENBLAS_NUM_THREADS yourself to measure otherwise; the JSON records it.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402  (must follow the thread setting)

from chapter.model.attention import (
    full_count,
    strided_count,
    strided_mask,
    windowed_count,
    windowed_mask,
)
from chapter.model.kernels import dense_attention, sliding_window_attention, windowed_attention
from chapter.model.rnn2d import (
    cell_updates,
    init_weights,
    operation_count,
    rnn2d_loop,
    rnn2d_wavefront,
    wavefront_steps,
)
from chapter.shared.cli import ArgumentParser, fail, path_argument
from chapter.shared.safe_files import UnsafePath, check_target, write_file

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
FRAMEWORK = (
    "JAX rows: jax.nn.dot_product_attention on the same float32 inputs, jitted, as a "
    "(1, n, 1, d) batch; the sliding window with is_causal=True and local_window_size=(t, 0), "
    "the windowed pattern with windowed_mask(n, w) as a boolean mask. baseline_s is JAX's "
    "time, kernel_s the chapter kernel's, timed in the same alternation as the dense "
    "baseline; max_abs_error compares the two outputs."
)
# JAX's output must match the chapter's kernels to this, in float32.
JAX_TOLERANCE = 1e-4
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
    # The same pattern in JAX, if JAX is timed: its record's case name and a call.
    framework: tuple[str, Callable[[], object]] | None = field(default=None)


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


def attention_cases(n: int, rng: np.random.Generator, jax: ModuleType | None) -> list[Case]:
    """Dense masked attention against each efficient kernel at length n, and against
    JAX's attention on the same pattern if jax is given."""
    q, k, v = (rng.standard_normal((n, D), dtype=DTYPE) for _ in range(3))
    window_mask, band_mask = windowed_mask(n, W), strided_mask(n, T)
    windowed = Case(
        "windowed attention",
        n,
        lambda: dense_attention(q, k, v, window_mask),
        lambda: windowed_attention(q, k, v, W),
        full_count(n),
        windowed_count(n, W),
        4 * D * windowed_count(n, W),
    )
    sliding = Case(
        "sliding-window attention",
        n,
        lambda: dense_attention(q, k, v, band_mask),
        lambda: sliding_window_attention(q, k, v, T),
        full_count(n),
        strided_count(n, T),
        4 * D * strided_count(n, T),
    )
    if jax is None:
        return [windowed, sliding]
    masked, local = jax_attention(jax, q, k, v, window_mask)
    return [
        replace(windowed, framework=(JAX_CASES[0], masked)),
        replace(sliding, framework=(JAX_CASES[1], local)),
    ]


# The records of JAX's attention, in the order of attention_cases.
JAX_CASES = ("windowed attention, JAX mask", "sliding-window attention, JAX local window")


def jax_attention(
    jax: ModuleType, q: np.ndarray, k: np.ndarray, v: np.ndarray, window_mask: np.ndarray
) -> tuple[Callable[[], np.ndarray], Callable[[], np.ndarray]]:
    """JAX's dot_product_attention under the windowed mask and under the sliding window,
    jitted, each as a call that waits for its result and returns it, (n, d)."""
    qj, kj, vj = (jax.numpy.asarray(x[None, :, None, :]) for x in (q, k, v))
    mask = jax.numpy.asarray(window_mask[None, None])
    masked = jax.jit(lambda q, k, v, m: jax.nn.dot_product_attention(q, k, v, mask=m))
    local = jax.jit(
        lambda q, k, v: jax.nn.dot_product_attention(
            q, k, v, is_causal=True, local_window_size=(T, 0)
        )
    )
    return (
        lambda: jax.block_until_ready(masked(qj, kj, vj, mask))[0, :, 0],
        lambda: jax.block_until_ready(local(qj, kj, vj))[0, :, 0],
    )


def load_jax() -> tuple[ModuleType | None, str]:
    """JAX, or None, and a sentence saying which version or why not."""
    try:
        import jax
    except ImportError as error:
        return None, (
            f"not timed: JAX is not installed ({error}); "
            "pip install -r requirements-bench.txt adds it"
        )
    return jax, f"timed: jax {jax.__version__}"


def one_core() -> list[int]:
    """Hold this process and every thread it starts from now on to one core.

    XLA's CPU runtime runs a thread pool of its own whatever XLA_FLAGS say
    (jaxlib 0.10.2 spent 0.2 s of CPU time in 0.1 s at n = 4096 with
    --xla_cpu_multi_thread_eigen=false); a thread inherits the affinity of the
    thread that starts it, so pinning before JAX starts holds JAX to one core."""
    if not hasattr(os, "sched_setaffinity"):
        return []
    os.sched_setaffinity(0, {max(os.sched_getaffinity(0))})
    return sorted(os.sched_getaffinity(0))


def rnn_case(n: int, rng: np.random.Generator) -> Case:
    """The 2D RNN's double loop against its wavefront on an n x n grid."""
    x = rng.standard_normal((n, n, C), dtype=DTYPE)
    weights = init_weights(C, H, rng, dtype=DTYPE)
    return Case(
        "2D RNN wavefront",
        n,
        lambda: rnn2d_loop(x, *weights),
        lambda: rnn2d_wavefront(x, *weights),
        cell_updates(n),
        wavefront_steps(n),
        operation_count(n, C, H),
    )


def measure(case: Case, repeats: int) -> list[dict]:
    """Time one case, and JAX's version of it if it has one, and return their records."""
    fns = [case.baseline, case.kernel]
    if case.framework is not None:
        name, framework = case.framework
        error = float(np.max(np.abs(np.asarray(framework()) - np.asarray(case.kernel()))))
        if not error <= JAX_TOLERANCE:
            raise SystemExit(f"bench.py: {name} at n = {case.n} differs by {error:.3g}")
        fns.append(framework)
    baseline_s, kernel_s, *framework_s = seconds(*fns, repeats=repeats)
    records = [record(case, case.case, baseline_s, kernel_s)]
    if case.framework is not None:
        records.append({**record(case, name, framework_s[0], kernel_s), "max_abs_error": error})
    return records


def record(case: Case, name: str, baseline_s: float, kernel_s: float) -> dict:
    """The JSON record of one comparison."""
    speedup = baseline_s / kernel_s
    count_ratio = case.baseline_count / case.kernel_count
    return {
        "case": name,
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
    """The processor's marketing name, where the system says it, without the trademark
    signs and the trailing "Processor" or "CPU @ 2.10GHz"."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                name = line.split(":", 1)[1]
                return re.sub(r"\((?:R|TM)\)|\s(?:CPU|Processor)\b.*", "", name).strip()
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


def version(package: str) -> str | None:
    """The installed version of a package, or None."""
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def machine(repeats: int, affinity: list[int], jax: ModuleType | None) -> dict:
    """What the timings were measured on."""
    blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
    return {
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "cpu_affinity": affinity,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "jax": None if jax is None else jax.__version__,
        "jaxlib": None if jax is None else version("jaxlib"),
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
        f"{record['case']:<44}{record['n']:>6}{record['baseline_s'] * 1e3:>13.2f}"
        f"{record['kernel_s'] * 1e3:>12.3f}{record['speedup']:>10.1f}x"
        f"{record['count_ratio']:>9.1f}x{record['efficiency']:>8.2f}"
    )


HEADER = (
    f"{'case':<44}{'n':>6}{'baseline ms':>13}{'kernel ms':>12}{'speedup':>11}"
    f"{'counts':>10}{'effic.':>8}"
)


def run(settings: Settings) -> dict:
    """Time every case, printing progress, and return the JSON document."""
    affinity = one_core()
    jax, jax_status = load_jax()
    print(f"JAX {jax_status}", file=sys.stderr, flush=True)
    rng = np.random.default_rng(0)
    cases = [c for n in settings.attention_n for c in attention_cases(n, rng, jax)]
    cases += [rnn_case(n, rng) for n in settings.rnn_n]
    # A case with a framework twin yields two records; count records, not cases, so
    # the progress ends at [N/N] with N the rows of the table.
    total = sum(1 + (case.framework is not None) for case in cases)
    records = []
    for case in cases:
        for done in measure(case, settings.repeats):
            records.append(done)
            print(f"[{len(records)}/{total}] {row(done)}", file=sys.stderr, flush=True)
    return {
        "machine": machine(settings.repeats, affinity, jax),
        "settings": {
            **asdict(settings),
            "dtype": np.dtype(DTYPE).name,
            "d": D,
            "w": W,
            "t": T,
            "c": C,
            "h": H,
            "timing": f"median of the samples after one warm-up call; a sample averages "
            f"as many calls as fill {MIN_SAMPLE_S} s; the process and its threads on one "
            f"core (machine.cpu_affinity)",
            "counts": COUNTS,
            "gflops": GFLOPS,
            "jax": f"{jax_status}. {FRAMEWORK}",
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
