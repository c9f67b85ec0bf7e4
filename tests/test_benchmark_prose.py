"""Every benchmark fact in the benchmark snippets' prose agrees with docs/data/benchmark.json.

The prose is free to change its wording; the numbers it states are read by
pattern (a machine, a version, a size, a range, a speedup, a speedup against its
count ratio, a rate, a formula's value on the run's settings) and each is
compared with the recorded run, formatted as the prose formats it (53.7 and
54 both fit a speedup of 53.73). A number that no pattern explains fails too,
so a new fact cannot slip in unchecked: teach this module its pattern.
Numbers inside formulas (the 2 of 2n - 1) are not facts of the run.
"""

from __future__ import annotations

import ast
import inspect
import json
import operator
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from attention_kernels import sliding_window_attention
from bench_figures import ATTENTION_CASES, JAX_CASES
from conftest import ROOT

BENCHMARK = ROOT / "docs/data/benchmark.json"
SNIPPETS = ROOT / "docs/snippets"
# Which records each snippet reports on.
CASES = {
    "attention-benchmark.md": ATTENTION_CASES + JAX_CASES,
    "rnn2d-benchmark.md": ("2D RNN wavefront",),
}

NUMBER = re.compile(r"(?<![\w.])\d+(?:\.\d+)*")
MATH = re.compile(r"\\\(.*?\\\)|\\\[.*?\\\]", re.S)
# A number beside a variable or an operator belongs to a formula (2n - 1, n^2);
# a number inside math too, unless a fact below claims it (d = 64).
FORMULA = re.compile(r"(?<=[\^/*(+\-−])\d+|(?<=[\^/*(+\-−] )\d+|\d+(?= ?[\^/*)+\-−] ?[a-z(\\])")
# Numbers that are names, not facts of the run: a problem's number, a type, a
# citation's year (Dao, 2023), a link's address.
NOT_FACTS = re.compile(
    r"Problem \d+|\bfloat\d+\b|\b\d+D\b|\b[A-Z][a-z]+(?: et al\.)?, \d{4}\b|\]\([^)\s]+\)"
)
# Phrases that hold two numbers of the run; one Fact checks each number.
AGAINST = re.compile(r"(\d+(?:\.\d+)?) against (?:an? (?:count|step) ratio of )?(\d+(?:\.\d+)?)")
TWO_CASES_AT_ONE_SIZE = re.compile(r"(\d+(?:\.\d+)?) and (\d+(?:\.\d+)?) at \\\(n = \d+\\\)")


def load() -> dict:
    return json.loads(BENCHMARK.read_text())


def fits(token: str, value: float) -> bool:
    """Whether token is value written with as many decimals as token has."""
    decimals = len(token.split(".")[1]) if "." in token else 0
    return f"{value:.{decimals}f}" == token


def version_fits(token: str, version: str) -> bool:
    """Whether token is version or a leading part of it (2.4 of 2.4.6)."""
    return bool(re.search(rf"(?<![\d.]){re.escape(token)}(?:\.|$|\s)", version))


@dataclass
class Run:
    """What one snippet may state: the run's settings and machine, and its own records."""

    machine: dict
    settings: dict
    records: list[dict]

    @property
    def sizes(self) -> list[int]:
        return sorted({r["n"] for r in self.records})

    def records_at(self, sentence: str) -> list[dict]:
        """The records at the sizes the sentence names (n = 4096), else all of them."""
        named = {int(n) for n in re.findall(r"\bn = (\d+)", sentence)}
        return [r for r in self.records if r["n"] in named] or self.records

    def recorded(self, sentence: str, *keys: str) -> list[float]:
        return [r[k] for r in self.records_at(sentence) for k in keys]


# Software the machine record names, by the name the prose uses.
LIBRARIES = {"NumPy": "numpy", "OpenBLAS": "blas", "Python": "python", "JAX": "jax"}


@dataclass(frozen=True)
class Fact:
    """A kind of benchmark fact: a pattern whose group `number` the run must bear out."""

    name: str
    pattern: re.Pattern
    # (run, sentence, match) -> (what the run says, whether the stated number fits it)
    check: Callable[[Run, str, re.Match], tuple[str, bool]]
    number: int = 1


def _one_of(token: str, values: list[float], what: str) -> tuple[str, bool]:
    shown = ", ".join(f"{v:.4g}" for v in values)
    return f"{what} {shown}", any(fits(token, v) for v in values)


def _pair(run: Run, sentence: str, m: re.Match) -> tuple[str, bool]:
    """'54 against 126': a speedup and the count ratio of one and the same record."""
    pairs = [(r["speedup"], r["count_ratio"]) for r in run.records_at(sentence)]
    shown = ", ".join(f"{a:.4g} against {b:.4g}" for a, b in pairs)
    return f"speedup against count ratio {shown}", any(
        fits(m[1], a) and fits(m[2], b) for a, b in pairs
    )


def _two_cases(run: Run, sentence: str, m: re.Match) -> tuple[str, bool]:
    """'126 and 32.5 at n = 4096': the same quantity of two different records there."""
    records = run.records_at(sentence)
    for key in ("count_ratio", "speedup"):
        for first in records:
            for second in records:
                if first is not second and fits(m[1], first[key]) and fits(m[2], second[key]):
                    return "", True
    shown = ", ".join(f"{r['count_ratio']:.4g} and {r['speedup']:.4g}" for r in records)
    return f"count ratios and speedups {shown}", False


def _clause_records(run: Run, sentence: str, at: int) -> list[dict]:
    """The sentence's records of the one pattern that the clause around `at` (between
    semicolons) names, so that a time is checked against its own pattern's run."""
    start = sentence.rfind(";", 0, at) + 1
    end = sentence.find(";", at)
    clause = sentence[start : end if end >= 0 else None]
    named = [p for p in ("windowed", "sliding") if re.search(rf"\b{p}", clause, re.I)]
    records = run.records_at(sentence)
    if len(named) == 1:
        return [r for r in records if r["case"].startswith(named[0])]
    return records


def _time_per_call(run: Run, sentence: str, m: re.Match) -> tuple[str, bool]:
    """'takes 137 ms': a baseline's or a kernel's time, of the pattern its clause names."""
    records = _clause_records(run, sentence, m.start())
    return _one_of(m[1], [1e3 * r[k] for r in records for k in ("baseline_s", "kernel_s")], "ms")


_OPERATORS = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
}


def _evaluate(node: ast.AST, names: dict[str, float]) -> float:
    """An arithmetic expression of numbers and the run's settings, and nothing else."""
    if isinstance(node, ast.Expression):
        return _evaluate(node.body, names)
    if isinstance(node, ast.BinOp) and type(node.op) in _OPERATORS:
        return _OPERATORS[type(node.op)](_evaluate(node.left, names), _evaluate(node.right, names))
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        return node.value
    if isinstance(node, ast.Name) and node.id in names:
        return names[node.id]
    raise ValueError(ast.dump(node))


def _formula_value(run: Run, sentence: str, m: re.Match) -> tuple[str, bool]:
    """'\\(3w/4\\): 48': the formula evaluated on the run's settings."""
    # Implicit products (3w, 2(w + 1)) made explicit for Python.
    source = re.sub(r"(\d)\s*(?=[a-z(])|\)\s*(?=\()", r"\g<0>*", m[1].replace("−", "-"))
    names = {key: run.settings[key] for key in "dwtch"}
    try:
        value = _evaluate(ast.parse(source, mode="eval"), names)
    except (SyntaxError, ValueError, ZeroDivisionError):
        return f"{m[1]!r}, a formula of numbers and {', '.join(names)} only", False
    return f"{m[1]} = {value:.4g}", fits(m[2], value)


FACTS = [
    Fact(
        "a setting of the run",
        re.compile(r"\b([dwtch]) = (\d+)"),
        lambda run, s, m: _one_of(m[2], [run.settings[m[1]]], f"{m[1]} ="),
        number=2,
    ),
    Fact(
        "a size the run measured",
        re.compile(r"\bn = (\d+)"),
        lambda run, s, m: _one_of(m[1], run.sizes, "n in"),
    ),
    Fact(
        "the smallest size",
        re.compile(r"\bfrom (\d+) to \d+"),
        lambda run, s, m: _one_of(m[1], run.sizes[:1], "smallest n"),
    ),
    Fact(
        "the largest size",
        re.compile(r"\bfrom \d+ to (\d+)"),
        lambda run, s, m: _one_of(m[1], run.sizes[-1:], "largest n"),
    ),
    Fact(
        "the machine's cores",
        re.compile(r"\b(\d+)[- ]cores?\b"),
        lambda run, s, m: _one_of(m[1], [run.machine["cores"]], "cores"),
    ),
    Fact(
        "a library version",
        re.compile(rf"\b({'|'.join(LIBRARIES)}) (\d+(?:\.\d+)*)"),
        lambda run, s, m: (
            run.machine.get(LIBRARIES[m[1]]),
            version_fits(m[2], run.machine.get(LIBRARIES[m[1]]) or ""),
        ),
        number=2,
    ),
    Fact(
        "a BLAS setting",
        re.compile(r"\b([A-Z_]+_THREADS)=(\d+)"),
        lambda run, s, m: (
            f"{m[1]}={run.machine['blas_env'].get(m[1])}",
            run.machine["blas_env"].get(m[1]) == m[2],
        ),
        number=2,
    ),
    Fact(
        "the kernel's query block",
        re.compile(r"\bblocks? of (\d+)"),
        lambda run, s, m: _one_of(m[1], [BLOCK], "sliding_window_attention's b ="),
    ),
    Fact(
        "the kernel's tile height",
        re.compile(r"\b(\d+) ?\\times ?\((\d+) ?\+ ?t\)"),
        lambda run, s, m: _one_of(m[1], [BLOCK], "sliding_window_attention's b ="),
    ),
    Fact(
        "the kernel's tile width",
        re.compile(r"\b(\d+) ?\\times ?\((\d+) ?\+ ?t\)"),
        lambda run, s, m: _one_of(m[2], [BLOCK], "sliding_window_attention's b ="),
        number=2,
    ),
    Fact(
        "the kernel's tile width, in a formula",
        re.compile(r"\\\((\d+) ?\+ ?t\\\)"),
        lambda run, s, m: _one_of(m[1], [BLOCK], "sliding_window_attention's b ="),
    ),
    Fact(
        "a formula's value on the run's settings",
        re.compile(r"\\\(([^\\]+?)\\\)(?: on average)?: (\d+(?:\.\d+)?)"),
        _formula_value,
        number=2,
    ),
    Fact(
        "a speedup against its count ratio",
        AGAINST,
        _pair,
    ),
    Fact(
        "a count ratio against its speedup",
        AGAINST,
        _pair,
        number=2,
    ),
    Fact(
        "one quantity of two cases at one size",
        TWO_CASES_AT_ONE_SIZE,
        _two_cases,
    ),
    Fact(
        "one quantity of two cases at one size, the second",
        TWO_CASES_AT_ONE_SIZE,
        _two_cases,
        number=2,
    ),
    Fact(
        "the number of timing samples",
        re.compile(r"\b(\d+) (?:samples|repeats|repetitions|runs|timings)\b"),
        lambda run, s, m: _one_of(m[1], [run.settings["repeats"]], "repeats"),
    ),
    Fact(
        "a speedup or a count ratio",
        re.compile(r"(\d+(?:\.\d+)?) ?(?:×|x\b|\\\(\\times\\\)|times\b|-fold)"),
        lambda run, s, m: _one_of(
            m[1], run.recorded(s, "speedup", "count_ratio"), "speedups and count ratios"
        ),
    ),
    Fact(
        "a share of the count ratio",
        re.compile(r"\b(0\.\d+) of (?:the|its) count ratio"),
        lambda run, s, m: _one_of(m[1], run.recorded(s, "efficiency"), "efficiencies"),
    ),
    Fact(
        "a share of the count ratio, in per cent",
        re.compile(r"(\d+(?:\.\d+)?) ?(?:%|per ?cent)"),
        lambda run, s, m: _one_of(
            m[1], [100 * e for e in run.recorded(s, "efficiency")], "efficiencies in %"
        ),
    ),
    Fact(
        "a time per call",
        re.compile(r"(\d+(?:\.\d+)?) ?ms\b"),
        _time_per_call,
    ),
    Fact(
        "a rate of arithmetic",
        re.compile(r"(\d+(?:\.\d+)?) ?GFLOP/s"),
        lambda run, s, m: _one_of(
            m[1],
            [run.machine["matmul_gflops"], *run.recorded(s, "kernel_gflops", "baseline_gflops")],
            "GFLOP/s",
        ),
    ),
    Fact(
        "the size of one n x n score matrix",
        re.compile(r"(\d+(?:\.\d+)?) ?(?:MB|MiB)\b"),
        lambda run, s, m: _one_of(
            m[1],
            [
                r["n"] ** 2 * np.dtype(run.settings["dtype"]).itemsize / 2**20
                for r in run.records_at(s)
            ],
            "MiB",
        ),
    ),
]

# The sliding-window kernel's query block is an argument of the code, not of the run.
BLOCK = inspect.signature(sliding_window_attention).parameters["b"].default


def prose(snippet: Path) -> str:
    """The snippet's text without fenced code blocks."""
    return re.sub(r"^```.*?^```", "", snippet.read_text(), flags=re.S | re.M)


def sentences(text: str) -> list[str]:
    """The text as sentences (and captions), each on one line."""
    flat = " ".join(text.split())
    return [s for s in re.split(r"(?<=[.!?:;])\s+(?=[A-Z\\`(!])|\s*///\s*", flat) if s]


def check_sentence(sentence: str, run: Run) -> list[str]:
    """One line for each benchmark fact the sentence gets wrong, or number nothing explains."""
    problems, claimed = [], set()
    for fact in FACTS:
        for m in fact.pattern.finditer(sentence):
            if m.start(fact.number) in claimed:
                continue
            claimed.add(m.start(fact.number))
            what, ok = fact.check(run, sentence, m)
            if not ok:
                problems.append(f"{m[fact.number]} ({fact.name}; the run: {what}) in: {sentence}")
    spans = [m.span() for pattern in (MATH, NOT_FACTS) for m in pattern.finditer(sentence)]
    formula = {m.start() for m in FORMULA.finditer(sentence)}
    for n in NUMBER.finditer(sentence):
        if n.start() in claimed or n.start() in formula:
            continue
        if not any(a <= n.start() < b for a, b in spans):
            problems.append(f"{n[0]} (no pattern here checks it) in: {sentence}")
    return problems


def check_snippet(name: str, text: str, data: dict) -> list[str]:
    """Every disagreement between the snippet's prose and the recorded run."""
    records = [r for r in data["records"] if r["case"] in CASES[name]]
    run = Run(data["machine"], data["settings"], records)
    problems = [p for sentence in sentences(text) for p in check_sentence(sentence, run)]
    cpu = data["machine"]["cpu"]
    named = re.findall(r"\b(?:AMD|Intel|Apple|Arm|ARM|Ampere|Graviton)\b(?: [A-Z][\w-]*)*", text)
    problems += [f"the machine is {n!r}; the run: {cpu!r}" for n in named if n != cpu]
    if data["settings"]["dtype"] not in text:
        problems.append(f"the run's dtype, {data['settings']['dtype']}, is not named")
    return problems


@pytest.mark.parametrize("name", sorted(CASES))
def test_benchmark_prose_matches_the_recorded_run(name: str) -> None:
    problems = check_snippet(name, prose(SNIPPETS / name), load())
    assert not problems, f"{name} disagrees with {BENCHMARK.name}:\n" + "\n".join(problems)


def test_the_attention_prose_names_the_kernels_in_one_order() -> None:
    """Windowed first, sliding window second, as the tiles table lists them, in every
    sentence that names both, so that "A and B" pairs read the same way throughout."""
    for sentence in sentences(prose(SNIPPETS / "attention-benchmark.md")):
        windowed = re.search(r"\bwindowed\b", sentence, re.I)
        sliding = re.search(r"\bsliding[- ]window\b", sentence, re.I)
        if windowed and sliding:
            assert windowed.start() < sliding.start(), f"sliding window named first: {sentence}"


# Each change to the recorded run that the prose must notice, and the words that say so.
DRIFTS = [
    ("attention-benchmark.md", lambda d: d["machine"].update(cores=4), "2-core"),
    ("attention-benchmark.md", lambda d: d["machine"].update(numpy="2.5.0"), "NumPy 2.4"),
    ("attention-benchmark.md", lambda d: d["machine"].update(cpu="Arm Neoverse"), "the CPU"),
    ("attention-benchmark.md", lambda d: d["machine"].update(jax="0.11.0"), "JAX's version"),
    ("attention-benchmark.md", lambda d: d["settings"].update(t=128), "t = 127"),
    ("attention-benchmark.md", lambda d: d["settings"].update(dtype="float64"), "float32"),
    (
        "attention-benchmark.md",
        lambda d: [r.update(n=8192) for r in d["records"] if r["n"] == 4096],
        "4096",
    ),
    (
        "attention-benchmark.md",
        lambda d: [r.update(speedup=1.5 * r["speedup"]) for r in d["records"] if r["n"] == 4096],
        "speedup against ratio",
    ),
    ("attention-benchmark.md", lambda d: d["settings"].update(w=32), "3w/4: 48"),
    (
        "rnn2d-benchmark.md",
        lambda d: [r.update(speedup=1.5 * r["speedup"]) for r in d["records"] if r["n"] == 16],
        "speedup against step ratio",
    ),
    ("rnn2d-benchmark.md", lambda d: d["settings"].update(h=64), "h = 32"),
    (
        "rnn2d-benchmark.md",
        lambda d: [r.update(n=256) for r in d["records"] if r["n"] == 128],
        "to 128",
    ),
]


@pytest.mark.parametrize(("name", "drift", "words"), DRIFTS)
def test_a_drifted_run_is_caught(name: str, drift: Callable[[dict], object], words: str) -> None:
    data = load()
    if "JAX" in words and not data["machine"].get("jax"):
        pytest.skip("the recorded run did not time JAX")
    drift(data)
    problems = check_snippet(name, prose(SNIPPETS / name), data)
    assert problems, f"changing the run did not disagree with {words!r}"


def facts_of_the_run() -> dict[str, object]:
    """The recorded numbers the claims below state, at the largest attention size."""
    data = load()
    n = max(r["n"] for r in data["records"] if r["case"] in ATTENTION_CASES)
    at = {r["case"]: r for r in data["records"] if r["n"] == n}
    windowed, sliding = at["windowed attention"], at["sliding-window attention"]
    return {
        "n": n,
        "speedup": windowed["speedup"],
        "ratio": windowed["count_ratio"],
        "other": sliding["speedup"],
        "other_ratio": sliding["count_ratio"],
        "share": windowed["efficiency"],
        "ms": 1e3 * windowed["baseline_s"],
        "other_ms": 1e3 * sliding["baseline_s"],
        "gflops": data["machine"]["matmul_gflops"],
        "repeats": data["settings"]["repeats"],
    }


@pytest.mark.parametrize(
    ("claim", "holds"),
    [
        ("At \\(n = {n}\\) the windowed kernel runs {speedup:.1f}x faster.", True),
        ("At \\(n = {n}\\) the windowed kernel runs {speedup:.0f} times faster.", True),
        ("At \\(n = {n}\\) the windowed kernel runs {ratio:.0f}.5x faster.", False),
        ("At \\(n = 512\\) the windowed kernel runs {speedup:.1f}x faster.", False),
        ("It reaches {share:.2f} of its count ratio at \\(n = {n}\\).", True),
        ("The machine multiplies matrices at {gflops:.0f} GFLOP/s.", True),
        ("The machine multiplies matrices at 100000 GFLOP/s.", False),
        ("Each case takes {repeats} samples.", True),
        ("At \\(n = {n}\\), {speedup:.0f} against {ratio:.0f} for the windowed kernel.", True),
        ("At \\(n = {n}\\), {speedup:.0f} against a count ratio of {ratio:.0f}.", True),
        ("At \\(n = {n}\\), {other:.1f} against {ratio:.0f} for the windowed kernel.", False),
        ("At \\(n = {n}\\), {speedup:.0f} against {ratio:.1f}5 for the windowed kernel.", False),
        ("At \\(n = 512\\), {speedup:.0f} against {ratio:.0f} for the windowed kernel.", False),
        ("The count ratios are {ratio:.0f} and {other_ratio:.1f} at \\(n = {n}\\).", True),
        ("The count ratios are {ratio:.0f} and {other_ratio:.0f}.9 at \\(n = {n}\\).", False),
        ("The count ratios are {ratio:.0f} and {ratio:.0f}.5 at \\(n = {n}\\).", False),
        ("At \\(n = {n}\\) the dense baseline takes {ms:.0f} ms.", True),
        ("At \\(n = {n}\\) the dense baseline takes {ms:.0f}.5 ms.", False),
        ("At \\(n = {n}\\), for the windowed pattern the dense baseline takes {ms:.0f} ms.", True),
        ("At \\(n = {n}\\), for the sliding window the dense baseline takes {ms:.0f} ms.", False),
        ("At \\(n = {n}\\), for the sliding window it takes {other_ms:.0f} ms.", True),
        ("Per row it needs \\((w+1)/2\\): 32.5 scores.", True),
        ("Per row it needs \\((w+1)/2\\): 33.5 scores.", False),
        ("It computes \\(3w/4\\) on average: 50 scores.", False),
        ("It computes \\(16 + t\\): 143 scores.", True),
        ("It computes \\(17 + t\\): 144 scores.", False),
        ("It computes \\(2^w\\): 5 scores.", False),
        ("A call takes 100000 ms.", False),
        ("As [Dao, 2023](https://arxiv.org/abs/2307.08691) shows.", True),
        ("As Dao, 2023 shows in 7 ways.", False),
        ("The kernels are 7 in number.", False),
    ],
)
def test_new_claims_in_the_prose_are_checked(claim: str, holds: bool) -> None:
    name = "attention-benchmark.md"
    claim = claim.format(**facts_of_the_run())
    problems = check_snippet(name, prose(SNIPPETS / name) + "\n" + claim, load())
    assert (not problems) == holds, problems
