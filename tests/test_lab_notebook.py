"""The lab's solution notebook: it runs, its checks catch wrong answers without
holding code that answers them, and it teaches the same functions as the reference
code in scripts/."""

from __future__ import annotations

import ast
import gzip
import re
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import nbformat
import numpy as np
import pytest
from conftest import ROOT, run_script
from nbclient import NotebookClient

from chapter.course import lab_checks as make_lab_checks
from chapter.model import attention, rnn2d
from chapter.model import kernels as attention_kernels

LAB = ROOT / "docs" / "lab" / "attention-lab.ipynb"
ALLOWED_IMPORTS = {"numpy", "matplotlib", "time", "hashlib", "sys", "tracemalloc"}
EXERCISES = 13


def read_lab() -> nbformat.NotebookNode:
    return nbformat.read(LAB, as_version=4)


def code_cells(nb: nbformat.NotebookNode, *tags: str) -> list[nbformat.NotebookNode]:
    """The code cells carrying any of the tags, in notebook order."""
    return [
        cell
        for cell in nb.cells
        if cell.cell_type == "code" and set(tags) & set(cell.metadata.get("tags", []))
    ]


class Lab:
    """The notebook's namespace, read live: a check that swaps a helper in it for a
    counting one is seen by code that reaches the helper through this object."""

    def __init__(self, namespace: dict) -> None:
        object.__setattr__(self, "_namespace", namespace)

    def __getattr__(self, name: str):
        try:
            return self._namespace[name]
        except KeyError:
            raise AttributeError(name) from None


@pytest.fixture(scope="module")
def lab() -> Lab:
    """Everything the notebook's definition cells define, IPython magics left out."""
    return Lab(make_lab_checks.lab_namespace(read_lab()))


# Conventions: ids, kernel, imports, one check per exercise.


def test_lab_follows_notebook_conventions() -> None:
    nb = read_lab()
    assert (nb.nbformat, nb.nbformat_minor) >= (4, 5)
    assert nb.metadata.kernelspec.name == "python3"
    ids = [cell.id for cell in nb.cells]
    assert len(set(ids)) == len(ids)
    assert nb.cells[0].cell_type == "markdown" and nb.cells[0].source.startswith("# ")


def test_lab_imports_only_numpy_and_matplotlib() -> None:
    imported = set()
    for cell in (c for c in read_lab().cells if c.cell_type == "code"):
        source = "\n".join(line for line in cell.source.splitlines() if not line.startswith("%"))
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Import):
                imported |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom):
                imported.add(node.module.split(".")[0])
    assert imported <= ALLOWED_IMPORTS, imported - ALLOWED_IMPORTS


def test_every_exercise_is_followed_by_its_check() -> None:
    cells = read_lab().cells
    exercises = [i for i, cell in enumerate(cells) if "exercise" in cell.metadata.get("tags", [])]
    assert len(exercises) == EXERCISES
    for i in exercises:
        name = re.search(r"^def (\w+)\(", cells[i].source, re.M)[1]
        assert "### BEGIN SOLUTION hint: " in cells[i].source
        assert cells[i + 1].source == f"check_{name}({name})", cells[i + 1].id


# The notebook runs in a fresh kernel and every check passes.


@pytest.mark.slow
def test_lab_executes_and_every_check_passes(tmp_path: Path) -> None:
    nb = read_lab()
    client = NotebookClient(
        nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    )
    start = time.perf_counter()
    client.execute()
    elapsed = time.perf_counter() - start
    printed = {
        cell.id: "".join(out.get("text", "") for out in cell.outputs if out.output_type == "stream")
        for cell in nb.cells
        if cell.cell_type == "code"
    }
    checks = [cell_id for cell_id in printed if cell_id.startswith("check-")]
    assert len(checks) == EXERCISES
    for cell_id in checks:
        name = cell_id.replace("-", "_")
        assert re.fullmatch(rf"{name} passed: \d+ hidden cases \(.+\)\n", printed[cell_id]), (
            printed[cell_id]
        )
    figures = [
        out
        for cell in nb.cells
        if cell.cell_type == "code"
        for out in cell.outputs
        if "image/svg+xml" in out.get("data", {})
    ]
    assert len(figures) == 4
    assert elapsed < 60, f"the lab took {elapsed:.0f} s"
    print(f"the lab ran in {elapsed:.1f} s")


# Each check rejects a wrong implementation with one clear line.


def wavefront_missing_a_diagonal(x, w_in, w_left, w_top):
    """A wavefront that never computes anti-diagonal s = n - 1."""
    n, h = x.shape[0], w_in.shape[0]
    framed = np.zeros((n + 1, n + 1, h))
    for s in range(2 * n - 1):
        if s == n - 1:
            continue
        for i in range(max(0, s - n + 1), min(s, n - 1) + 1):
            j = s - i
            pre = w_in @ x[i, j] + w_left @ framed[i, j + 1] + w_top @ framed[i + 1, j]
            framed[i + 1, j + 1] = np.tanh(pre)
    return framed[1:, 1:]


def by_query(keys_of: Callable[[int, int], int]) -> Callable:
    """Attention one query at a time in a Python loop, query i seeing keys
    keys_of(i, parameter) to i: right, small in memory, and n Python steps long."""

    def attention_by_query(q, k, v, parameter):
        n, d = q.shape
        out = np.empty((n, v.shape[1]))
        for i in range(n):
            first = keys_of(i, parameter)
            scores = k[first : i + 1] @ q[i] / np.sqrt(d)
            e = np.exp(scores - scores.max())
            out[i] = e @ v[first : i + 1] / e.sum()
        return out

    return attention_by_query


def cell_operations_without_the_sum(lab: Lab) -> Callable:
    """Counts the three products but not the adds that sum them."""

    def cell_operations(c, h):
        tally = lab.OpTally()
        for rows, cols in ((h, c), (h, h), (h, h)):
            lab.counted_matvec(np.ones((rows, cols)), np.ones(cols), tally)
        return tally.multiplies, tally.adds

    return cell_operations


def plain_softmax(scores, mask):
    e = np.exp(scores - scores.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def unstable_softmax(scores, mask):
    e = np.where(mask, np.exp(scores), 0.0)
    return e / e.sum(axis=-1, keepdims=True)


def max_over_masked_too(scores, mask):
    e = np.where(mask, np.exp(scores - scores.max(axis=-1, keepdims=True)), 0.0)
    return e / e.sum(axis=-1, keepdims=True)


def positions(n: int) -> tuple[np.ndarray, np.ndarray]:
    return np.arange(n)[:, None], np.arange(n)[None, :]


WRONG: dict[str, tuple[str, Callable[[Lab], Callable]]] = {
    "causal mask without the diagonal": (
        "check_causal_mask",
        lambda lab: lambda n: np.tri(n, k=-1, dtype=bool),
    ),
    "causal mask of floats": ("check_causal_mask", lambda lab: lambda n: np.tri(n)),
    "causal mask transposed": ("check_causal_mask", lambda lab: lambda n: lab.causal_mask(n).T),
    "strided mask looking back t - 1": (
        "check_strided_mask",
        lambda lab: lambda n, t: lab.causal_mask(n) & ~np.tri(n, k=-t, dtype=bool),
    ),
    "strided mask looking forward too": (
        "check_strided_mask",
        lambda lab: lambda n, t: abs(np.subtract(*positions(n))) <= t,
    ),
    "windowed mask without causality": (
        "check_windowed_mask",
        lambda lab: lambda n, w: np.equal(*(p // w for p in positions(n))),
    ),
    "windowed mask off by one window edge": (
        "check_windowed_mask",
        lambda lab: (
            lambda n, w: lab.causal_mask(n) & np.equal(*((p + 1) // w for p in positions(n)))
        ),
    ),
    "softmax without masking": ("check_masked_softmax", lambda lab: plain_softmax),
    "softmax without subtracting the maximum": (
        "check_masked_softmax",
        lambda lab: unstable_softmax,
    ),
    "softmax subtracting the maximum of masked scores": (
        "check_masked_softmax",
        lambda lab: max_over_masked_too,
    ),
    "attention without the mask": (
        "check_dense_attention",
        lambda lab: lambda q, k, v, mask: lab.dense_attention(q, k, v, np.ones_like(mask)),
    ),
    "attention without 1/sqrt(d)": (
        "check_dense_attention",
        lambda lab: lambda q, k, v, mask: lab.masked_softmax(q @ k.T, mask) @ v,
    ),
    "windowed kernel without the causal mask in its blocks": (
        "check_windowed_attention",
        lambda lab: (
            lambda q, k, v, w: lab.dense_attention(
                q, k, v, np.equal(*(p // w for p in positions(len(q))))
            )
        ),
    ),
    "windowed kernel through an n x n array": (
        "check_windowed_attention",
        lambda lab: lambda q, k, v, w: lab.dense_attention(q, k, v, lab.windowed_mask(len(q), w)),
    ),
    "sliding window one key too wide": (
        "check_sliding_window_attention",
        lambda lab: lambda q, k, v, t: lab.sliding_window_attention(q, k, v, t + 1),
    ),
    "sliding window through an n x n array": (
        "check_sliding_window_attention",
        lambda lab: lambda q, k, v, t: lab.dense_attention(q, k, v, lab.strided_mask(len(q), t)),
    ),
    "2D RNN with left and top swapped": (
        "check_rnn2d_loop",
        lambda lab: lambda x, w_in, w_left, w_top: lab.rnn2d_loop(x, w_in, w_top, w_left),
    ),
    "wavefront that skips a diagonal": (
        "check_rnn2d_wavefront",
        lambda lab: wavefront_missing_a_diagonal,
    ),
    "wavefront over the transposed grid": (
        "check_rnn2d_wavefront",
        lambda lab: (
            lambda x, w_in, w_left, w_top: lab.rnn2d_wavefront(
                x.transpose(1, 0, 2), w_in, w_left, w_top
            ).transpose(1, 0, 2)
        ),
    ),
    "wavefront that is a double loop": ("check_rnn2d_wavefront", lambda lab: lab.rnn2d_loop),
    "windowed kernel looping over the queries": (
        "check_windowed_attention",
        lambda lab: by_query(lambda i, w: i - i % w),
    ),
    "sliding window looping over the queries": (
        "check_sliding_window_attention",
        lambda lab: by_query(lambda i, t: max(0, i - t)),
    ),
    "cell count typed from the closed form": (
        "check_cell_operations",
        lambda lab: lambda c, h: (h * c + 2 * h * h, h * c + 2 * h * h - h),
    ),
    "cell count without summing the three vectors": (
        "check_cell_operations",
        cell_operations_without_the_sum,
    ),
    "grid count without the border cells' neighbour products": (
        "check_grid_operations",
        lambda lab: (
            lambda n, c, h: tuple(count - 2 * n * h * h for count in lab.grid_operations(n, c, h))
        ),
    ),
    "receptive field of layers times k": (
        "check_conv_stack_receptive_field",
        lambda lab: lambda layers, k=3: layers * k,
    ),
    "every convolution layer reading c channels": (
        "check_conv_stack_parameters",
        lambda lab: lambda layers, c, h, k=3: layers * k * k * c * h,
    ),
}


@pytest.mark.parametrize("mistake", WRONG)
def test_check_rejects_a_wrong_answer(
    mistake: str, lab: Lab, capsys: pytest.CaptureFixture
) -> None:
    check_name, make_wrong = WRONG[mistake]
    with np.errstate(all="ignore"), pytest.raises(AssertionError) as failure:
        getattr(lab, check_name)(make_wrong(lab))
    message = str(failure.value)
    assert "\n" not in message
    assert re.fullmatch(rf"{check_name} failed for [^:]+: .*expected .+, got .+", message), message
    assert "passed" not in capsys.readouterr().out


@pytest.mark.parametrize("check_name", sorted({check for check, _ in WRONG.values()}))
def test_check_passes_the_lab_solution(
    check_name: str, lab: Lab, capsys: pytest.CaptureFixture
) -> None:
    solution = getattr(lab, check_name.removeprefix("check_"))
    getattr(lab, check_name)(solution)
    assert re.fullmatch(rf"{check_name} passed: \d+ hidden cases \(.+\)\n", capsys.readouterr().out)


# The checks hold expected results as data, not code that computes them.


def helper_names(nb: nbformat.NotebookNode) -> list[str]:
    """The functions and classes defined in the student notebook outside the exercises."""
    names = []
    for cell in code_cells(nb, "checks", "definitions"):
        tree = ast.parse(cell.source)
        names += [
            node.name for node in tree.body if isinstance(node, ast.FunctionDef | ast.ClassDef)
        ]
    return names


def test_checks_cell_computes_no_answer() -> None:
    """No product, softmax, activation or triangle in the checks cell: those are the
    exercises' building blocks, and the expected results are stored instead."""
    (cell,) = code_cells(read_lab(), "checks")
    building_blocks = {
        "exp",
        "tanh",
        "einsum",
        "matmul",
        "dot",
        "tri",
        "tril",
        "triu",
        "sliding_window_view",
        "softmax",
    }
    used = set()
    for node in ast.walk(ast.parse(cell.source)):
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.MatMult):
            used.add("@")
        elif isinstance(node, ast.Call):
            function = node.func
            used.add(getattr(function, "attr", getattr(function, "id", "")))
    assert not used & (building_blocks | {"@"}), used & (building_blocks | {"@"})


@pytest.mark.parametrize("exercise", sorted(make_lab_checks.lab_namespace(read_lab())["_CASES"]))
def test_wrapping_a_helper_fails_the_check(
    exercise: str, lab: Lab, capsys: pytest.CaptureFixture
) -> None:
    """Every function and class the student notebook gives away, passed through as an
    exercise's answer, fails that exercise's check."""
    names = helper_names(read_lab())
    assert "check_causal_mask" in names and "counted_matvec" in names
    check = getattr(lab, f"check_{exercise}")
    for name in names:
        helper = getattr(lab, name)
        with np.errstate(all="ignore"), pytest.raises(Exception):  # noqa: B017 - any failure
            check(lambda *args, helper=helper, **kwargs: helper(*args, **kwargs))
        assert "passed" not in capsys.readouterr().out, name


def test_stored_expected_results_are_fresh() -> None:
    nb = read_lab()
    regenerated = make_lab_checks.data_block(
        make_lab_checks.expected_results(make_lab_checks.lab_namespace(nb))
    )
    assert make_lab_checks.stored_block(nb) == regenerated, (
        "the lab's stored check results are stale: run python scripts/make_lab_checks.py"
    )


def test_make_lab_checks_leaves_a_fresh_notebook_unchanged(tmp_path: Path) -> None:
    copy = tmp_path / "lab.ipynb"
    copy.write_bytes(LAB.read_bytes())
    assert make_lab_checks.main(["--notebook", str(copy)]) == 0
    assert copy.read_bytes() == LAB.read_bytes()


def test_make_lab_checks_refuses_a_notebook_without_checks(tmp_path: Path) -> None:
    path = tmp_path / "plain.ipynb"
    nbformat.write(
        nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1", id="a")]), path
    )
    before = path.read_bytes()
    result = run_script("make_lab_checks.py", "--notebook", str(path))
    assert result.returncode == 2 and result.stderr.count("\n") == 1, result.stderr
    assert "--notebook: expected one cell tagged checks, found 0" in result.stderr
    assert path.read_bytes() == before


def test_make_lab_checks_refuses_nbformat_4_0_in_one_line(tmp_path: Path) -> None:
    path = tmp_path / "float.ipynb"
    text = LAB.read_text().replace('"nbformat": 4,', '"nbformat": 4.0,')
    assert text != LAB.read_text()
    path.write_text(text)
    result = run_script("make_lab_checks.py", "--notebook", str(path))
    assert result.returncode == 2 and result.stderr.count("\n") == 1, result.stderr
    assert "needs nbformat 4.5" in result.stderr and path.read_text() == text


# The lab and the reference code in scripts/ compute the same things.


def test_masks_agree_with_the_reference(lab: Lab) -> None:
    for n in range(1, 25):
        assert np.array_equal(lab.causal_mask(n), attention.causal_mask(n))
        for t in range(n + 2):
            assert np.array_equal(lab.strided_mask(n, t), attention.strided_mask(n, t)), (n, t)
        for w in range(1, n + 1):
            assert np.array_equal(lab.windowed_mask(n, w), attention.windowed_mask(n, w)), (n, w)


@pytest.mark.parametrize("seed", range(5))
def test_attention_agrees_with_the_reference(lab: Lab, seed: int) -> None:
    rng = np.random.default_rng(seed)
    n, d = rng.integers(1, 40), rng.integers(1, 9)
    q, k, v = 3 * rng.standard_normal((3, n, d))
    mask = rng.random((n, n)) < 0.5
    mask[np.arange(n), np.arange(n)] = True  # every row keeps its diagonal
    np.testing.assert_allclose(
        lab.dense_attention(q, k, v, mask),
        attention_kernels.dense_attention(q, k, v, mask),
        atol=1e-12,
    )
    for t in (0, 1, rng.integers(0, n + 3), n - 1, n + 4):
        np.testing.assert_allclose(
            lab.sliding_window_attention(q, k, v, t),
            attention_kernels.sliding_window_attention(q, k, v, t),
            atol=1e-12,
        )
    for w in (w for w in range(1, n + 1) if n % w == 0):
        np.testing.assert_allclose(
            lab.windowed_attention(q, k, v, w),
            attention_kernels.windowed_attention(q, k, v, w),
            atol=1e-12,
        )


@pytest.mark.parametrize("seed", range(3))
def test_rnn2d_agrees_with_the_reference(lab: Lab, seed: int) -> None:
    rng = np.random.default_rng(seed)
    n, c, h = rng.integers(1, 9), rng.integers(1, 5), rng.integers(1, 7)
    weights = rnn2d.init_weights(c, h, np.random.default_rng(seed))
    ours = lab.init_weights(c, h, np.random.default_rng(seed))
    for mine, theirs in zip(ours, weights, strict=True):
        np.testing.assert_allclose(mine, theirs, rtol=1e-15)
    x = rng.standard_normal((n, n, c))
    expected = rnn2d.rnn2d_loop(x, *weights)
    np.testing.assert_allclose(rnn2d.rnn2d_wavefront(x, *weights), expected, atol=1e-12)
    np.testing.assert_allclose(lab.rnn2d_loop(x, *weights), expected, atol=1e-12)
    np.testing.assert_allclose(lab.rnn2d_wavefront(x, *weights), expected, atol=1e-12)


def test_operation_counts_agree_with_the_reference(lab: Lab) -> None:
    for n, c, h in ((1, 1, 1), (3, 2, 5), (32, 3, 16)):
        assert lab.cell_operations(c, h) == (
            rnn2d.multiply_count(1, c, h),
            rnn2d.add_count(1, c, h),
        )
        assert lab.grid_operations(n, c, h) == (
            rnn2d.multiply_count(n, c, h),
            rnn2d.add_count(n, c, h),
        )
    x, w_in, w_left, w_top = lab._rnn_inputs(np.random.default_rng(0), 3, 2, 4)
    count = rnn2d.rnn2d_counted(x, w_in, w_left, w_top)[1]
    assert lab.grid_operations(3, 2, 4) == (count.multiplies, count.adds)


def test_convolution_stack_agrees_with_the_reference_and_the_page(lab: Lab) -> None:
    for layers in range(1, 6):
        for k in (1, 3, 5):
            field = rnn2d.conv_receptive_field(41, 20, 20, layers, k)
            assert lab.conv_stack_receptive_field(layers, k) ** 2 == field.sum(), (layers, k)
    # Problem 2(c), Table 2.3: 9ch for the first layer, 9h^2 for each later one.
    assert lab.conv_stack_parameters(1, 3, 16) == 432
    assert lab.conv_stack_parameters(2, 3, 16) - lab.conv_stack_parameters(1, 3, 16) == 2304


# The efficient kernels never hold an n x n array.

N_LARGE, D_LARGE = 8192, 8
# An (n, n) array of booleans is n^2 bytes and of floats 8 n^2: both exceed this.
MEMORY_BOUND = N_LARGE * N_LARGE // 4


def peak_memory(kernel: Callable, *args) -> int:
    """Bytes allocated at the peak of one call, beyond what was held before it."""
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        kernel(*args)
        return tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("source", ["lab", "reference"])
@pytest.mark.parametrize(
    ("kernel", "parameter"), [("windowed_attention", 16), ("sliding_window_attention", 16)]
)
def test_kernels_never_allocate_n_by_n(lab: Lab, source: str, kernel: str, parameter: int) -> None:
    q, k, v = np.random.default_rng(0).standard_normal((3, N_LARGE, D_LARGE))
    function = getattr(lab if source == "lab" else attention_kernels, kernel)
    peak = peak_memory(function, q, k, v, parameter)
    assert peak < MEMORY_BOUND, f"{source} {kernel}: peak {peak / 1e6:.0f} MB at n = {N_LARGE}"


def test_memory_bound_catches_an_n_by_n_mask() -> None:
    assert peak_memory(attention.causal_mask, N_LARGE) >= MEMORY_BOUND


# The lab page in the built site: outputs shown, both notebooks offered, light enough.

COLAB = "https://colab.research.google.com/github/{repo}/blob/{tag}/docs/lab/attention-lab-student.ipynb"


def test_colab_link_follows_repo_url() -> None:
    import yaml

    from chapter.site import course_edition, markers

    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    repo = re.fullmatch(r"https://github\.com/(\S+?)/?", config["repo_url"])[1]
    tag = config["extra"]["release"]
    # The public edition's page, as the build hands it to the markers.
    page = course_edition.public((ROOT / "docs" / "lab" / "index.md").read_text(encoding="utf-8"))
    site = markers.Site(ROOT, ROOT / "docs", tag, "")
    rendered = markers.expand(page, "lab/index.md", site)
    assert COLAB.format(repo=repo, tag=tag) in rendered
    # The tag, not main: the links stay the same for a term.
    assert "/blob/main/" not in rendered and "/raw/main/" not in rendered


@pytest.mark.slow
def test_lab_pages_in_the_built_site(built_site: Path) -> None:
    page = built_site / "lab" / "attention-lab" / "index.html"
    html = page.read_text(encoding="utf-8")
    assert html.count("passed: ") >= EXERCISES and "<svg" in html
    assert len(gzip.compress(page.read_bytes())) < 3_000_000
    intro = (built_site / "lab" / "index.html").read_text(encoding="utf-8")
    for href in ("attention-lab-student.ipynb", "attention-lab/attention-lab.ipynb"):
        assert f'href="{href}"' in intro
        assert nbformat.read(built_site / "lab" / href, as_version=4).cells


def site_url() -> str:
    config = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    return re.search(r"^site_url: (\S+?)/?$", config, re.M)[1] + "/"


@pytest.mark.slow
def test_lab_links_to_the_chapter_resolve(built_site: Path) -> None:
    """The lab links to the chapter by its full address, so that the links work in a
    downloaded notebook too; each must name a page and a heading of the built site."""
    text = "\n".join(cell.source for cell in read_lab().cells if cell.cell_type == "markdown")
    links = re.findall(r"\]\((" + re.escape(site_url()) + r"[^)\s]*)\)", text)
    assert len(links) >= 5
    for link in links:
        path, _, fragment = link.removeprefix(site_url()).partition("#")
        html = (built_site / path / "index.html").read_text(encoding="utf-8")
        assert not fragment or f'id="{fragment}"' in html, link
