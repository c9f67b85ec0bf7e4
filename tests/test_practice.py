"""The practice questions and the window converter: their answers are the brute-force
counts, every known mistake is told apart from the answer and from the others, and in a
real browser each answer gets its verdict without moving the page."""

from __future__ import annotations

import contextlib
import dataclasses
import inspect
import json
import random
import re
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from browser import text_with_tex
from conftest import ROOT

from chapter.model import kernels as attention_kernels
from chapter.model.attention import KERNEL_BLOCK, KERNELS, PATTERNS, WINDOW_NAMES
from chapter.model.expression_tex import tex
from chapter.model.expressions import evaluate, expression_tree
from chapter.model.practice import QUESTIONS, answer, environment, every_draw, mistakes
from chapter.model.rnn2d import init_weights, rnn2d_counted

RNG = random.Random(15)
DRAWS = 40


def sample(question, k: int = DRAWS) -> list[dict]:
    """k draws of the question, spread over its whole range."""
    draws = list(every_draw(question))
    return RNG.sample(draws, min(k, len(draws)))


def _question(name: str):
    (q,) = (q for q in QUESTIONS if q.name == name)
    return q


def brute_force(name: str, env: dict) -> int:
    """The quantity a question asks for, counted from masks or the instrumented 2D RNN."""
    pattern = PATTERNS.get(name.removesuffix("-count"))
    if name.endswith("-count") and pattern is not None:
        return int(pattern.mask(env["n"], **{k: env[k] for k in pattern.param_names}).sum())
    if name == "library-window":
        return int(PATTERNS["strided"].mask(env["n"], t=env["t"]).sum())
    if name in ("strided-row", "strided-row-late"):
        return int(PATTERNS["strided"].mask(env["n"], t=env["t"])[env["i"] - 1].sum())
    if name == "rnn2d-steps":
        # One step per distinct anti-diagonal i + j: cells on it depend on none of each other.
        i, j = np.indices((env["n"], env["n"]))
        return len(np.unique(i + j))
    raise KeyError(name)


# The 2D RNN's counts come from running the scalar loop, so they use small sizes.
RNN_COUNTS = {
    "rnn2d-multiplies": lambda count, env: count.multiplies,
    "rnn2d-adds": lambda count, env: count.adds,
    "rnn2d-operations": lambda count, env: count.multiplies + count.adds,
    "rnn2d-updates": lambda count, env: count.nonlinearities // env["h"],
}


@pytest.mark.parametrize("question", QUESTIONS, ids=lambda q: q.name)
def test_every_question_has_a_brute_force(question) -> None:
    known = {
        *(f"{name}-count" for name in PATTERNS),
        "library-window",
        "strided-row",
        "strided-row-late",
        "rnn2d-steps",
        "rnn2d-parameters",
        *RNN_COUNTS,
    }
    assert question.name in known


@pytest.mark.parametrize(
    "question",
    [q for q in QUESTIONS if q.page == "attention" or q.name == "rnn2d-steps"],
    ids=lambda q: q.name,
)
def test_answer_is_the_brute_force_count(question) -> None:
    for env in sample(question):
        assert answer(question, env) == brute_force(question.name, env), env


@pytest.mark.parametrize("name", list(RNN_COUNTS))
def test_rnn_answer_is_the_instrumented_count(name: str) -> None:
    """The question's expression, at small sizes, equals the operations the loop performs."""
    question = _question(name)
    rng = np.random.default_rng(0)
    for n, c, h in [(1, 1, 1), (2, 1, 2), (3, 2, 3), (2, 3, 4), (4, 1, 2)]:
        x = rng.normal(size=(n, n, c))
        _, count = rnn2d_counted(x, *init_weights(c, h, rng))
        env = {"n": n, "c": c, "h": h}
        assert answer(question, env) == RNN_COUNTS[name](count, env), env


def test_parameter_answer_is_the_weights_size() -> None:
    question = _question("rnn2d-parameters")
    rng = np.random.default_rng(0)
    for env in sample(question, 10):
        weights = init_weights(env["c"], env["h"], rng)
        assert answer(question, env) == sum(w.size for w in weights), env


@pytest.mark.parametrize("question", QUESTIONS, ids=lambda q: q.name)
def test_mistakes_are_told_apart_everywhere(question) -> None:
    """Over every draw the question can make, no mistake gives the answer's number and no
    two mistakes give the same number, so each diagnosis is unambiguous."""
    for env in every_draw(question):
        values = mistakes(question, env)
        assert answer(question, env) not in values, env
        assert len(set(values)) == len(values), env


@pytest.mark.parametrize("question", QUESTIONS, ids=lambda q: q.name)
def test_most_draws_are_kept(question) -> None:
    """The browser redraws a draw that fails the requirement: most must pass."""
    everything = sum(1 for _ in every_draw(dataclasses.replace(question, require="True")))
    assert sum(1 for _ in every_draw(question)) >= everything / 2


def test_row_questions_ask_both_regimes() -> None:
    """Rows up to t + 1 count as in causal attention, later rows t + 1 each: the row
    questions draw rows of both kinds."""
    rows = [env for q in QUESTIONS if q.name.startswith("strided-row") for env in every_draw(q)]
    assert any(env["i"] <= env["t"] + 1 for env in rows)
    assert any(env["i"] >= env["t"] + 2 for env in rows)


def _diagnosis(question: str, value: str) -> str:
    (mistake,) = (m for m in _question(question).mistakes if m.answer == value)
    return mistake.diagnosis


def test_the_row_step_diagnosis_names_the_neighbour_in_the_row() -> None:
    """What keeps a row from running as one step is the neighbour in that row: x[i, j] has
    i the column, so h(i - 1, j), the left neighbour, shares row j (scripts/rnn2d.py)."""
    said = _diagnosis("rnn2d-steps", "n")
    assert "left neighbour" in said and "above" not in said, said


def test_the_sigma_reading_is_named() -> None:
    """n^2 (2hc + 4h^2) is the operations with one sigma per hidden unit counted too, the
    rubric's full-credit reading: the diagnosis says so rather than calling it a slip."""
    question = _question("rnn2d-operations")
    value = "n * n * (2 * h * c + 4 * h * h)"
    for n, c, h in [(1, 1, 1), (3, 2, 3), (2, 3, 4)]:
        x = np.random.default_rng(0).normal(size=(n, n, c))
        _, count = rnn2d_counted(x, *init_weights(c, h, np.random.default_rng(1)))
        with_sigma = count.multiplies + count.adds + count.nonlinearities
        env = {"n": n, "c": c, "h": h}
        assert evaluate(expression_tree(value), env) == with_sigma
        assert answer(question, env) == with_sigma - count.nonlinearities
    said = _diagnosis("rnn2d-operations", value)
    assert "σ" in said and "full credit" in said, said


def test_the_adds_diagnosis_describes_a_mistake_that_gives_the_number() -> None:
    """n^2 (hc + 2h^2) adds is one add per multiply and none for the vector sums; with the
    2h sums kept it would be n^2 (hc + 2h^2 + 2h), so the diagnosis names both slips."""
    value = "n * n * (h * c + 2 * h * h)"
    for n, c, h in [(1, 1, 1), (3, 2, 3), (2, 3, 4)]:
        x = np.random.default_rng(0).normal(size=(n, n, c))
        _, count = rnn2d_counted(x, *init_weights(c, h, np.random.default_rng(1)))
        one_add_per_multiply = count.multiplies
        assert evaluate(expression_tree(value), {"n": n, "c": c, "h": h}) == one_add_per_multiply
    said = _diagnosis("rnn2d-adds", value)
    assert "one add per multiply" in said and "none for summing" in said, said


def test_prompts_stand_alone_and_agree_in_number() -> None:
    """Every question draws its own numbers, so none says "same layer"; a drawn number
    that can be 1 is never followed by a plural noun ("c = 1 input channels")."""
    for question in QUESTIONS:
        assert "same" not in question.prompt.lower(), question.name
        for draw in question.draws:
            lowest = min(env[draw.name] for env in every_draw(question))
            placeholder = re.escape("{" + draw.name + "}")
            plural = re.search(placeholder + r" (?:[a-z]+ )?[a-z]+s\b", question.prompt)
            assert not (lowest == 1 and plural), (question.name, plural and plural[0])


def test_every_question_is_on_a_page_that_shows_practice() -> None:
    """Each practice snippet (its data-practice) has questions, and each question's page
    is one of those snippets: none is drawn for a page that never shows it."""
    snippets = (ROOT / "docs" / "snippets").glob("practice-*.html")
    shown = {re.search(r'data-practice="([^"]+)"', p.read_text())[1] for p in snippets}
    assert {q.page for q in QUESTIONS} == shown


def test_the_library_window_question_uses_the_converter_table() -> None:
    (row,) = (r for r in WINDOW_NAMES if r.parameter == "sliding_window=W")
    assert dict(_question("library-window").where)["t"] == row.t


# The look-back each library's own definition gives, written out from its documentation:
# the converter table must agree with it.
DEFINED_T = {
    "Mistral 7B paper": lambda w: w,
    "Hugging Face Transformers": lambda w: w - 1,
    "Hugging Face Longformer": lambda w: w // 2,
    "allenai/longformer": lambda w: w,
    "FlashAttention": lambda w: w,
    "JAX": lambda w: w,
    "PyTorch flex attention": lambda w: w,
}


@pytest.mark.parametrize("row", WINDOW_NAMES, ids=lambda r: r.source)
def test_converter_rows_give_the_registry_counts(row) -> None:
    """Each library's t and count: the registry's strided count and one row of its mask."""
    for w in range(row.low, 40):
        if row.even and w % 2:
            continue
        t = evaluate(expression_tree(row.t), {"W": w})
        assert t == DEFINED_T[row.source](w)
        for n in (1, 5, 64, 100):
            mask = PATTERNS["strided"].mask(n, t=t)
            assert int(mask.sum()) == PATTERNS["strided"].count(n, t=t)
            # Query i (0-based) keeps keys i - t .. i: the library's keys, clipped at 0.
            i = n - 1
            assert set(np.flatnonzero(mask[i])) == set(range(max(0, i - t), i + 1))


@contextlib.contextmanager
def recorded_products() -> Iterator[list[tuple[np.ndarray, np.ndarray]]]:
    """Record the score products the kernels compute: for each block of each np.matmul
    called from the kernels' tile loops, (query ids, key ids), read from the operands.
    The caller gives each query and key a one-number vector holding its position + 1,
    so padding (zeros) tells itself apart from position 0."""
    products: list[tuple[np.ndarray, np.ndarray]] = []
    real = np.matmul

    def matmul(keys, queries, *args, **kwargs):
        if sys._getframe(1).f_code.co_name in ("_windows", "_block_attention"):
            for k, q in zip(np.rint(keys[..., 0]), np.rint(queries[:, 0, :]), strict=True):
                products.append((q.astype(int), k.astype(int)))
        return real(keys, queries, *args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(np, "matmul", matmul)
        yield products


def kernel_tiles(kernel: str, n: int, **params: int) -> np.ndarray:
    """The cells of the n x n grid that the kernel of attention_kernels.py scores, recorded
    while it runs on n positions."""
    position = np.arange(1.0, n + 1)[:, None]
    cells = np.zeros((n, n), dtype=bool)
    with recorded_products() as products:
        if kernel == "windowed":
            attention_kernels.windowed_attention(position, position, position, params["w"])
        else:
            attention_kernels.sliding_window_attention(position, position, position, params["t"])
    for queries, keys in products:
        cells[np.ix_(queries[queries > 0] - 1, keys[keys > 0] - 1)] = True
    return cells


@pytest.mark.parametrize("pattern", list(KERNELS))
def test_kernel_tile_rules_are_the_kernels_tiles(pattern: str) -> None:
    """For every n up to 40 and every parameter the explorer takes, the registry's tile
    rule (which the explorer's overlay draws) marks exactly the cells the kernel scores,
    and covers the pattern."""
    kernel = KERNELS[pattern]
    param = PATTERNS[pattern].params[0]
    for n in range(1, 41):
        for value in range(param.low, param.high + 1):
            params = {param.name: value}
            tiles = kernel.mask(n, **params)
            assert np.array_equal(tiles, kernel_tiles(kernel.name, n, **params)), (n, params)
            assert not (PATTERNS[pattern].mask(n, **params) & ~tiles).any()


def test_the_sliding_kernel_block_is_the_registry_block() -> None:
    default = inspect.signature(attention_kernels.sliding_window_attention).parameters["b"].default
    assert default == KERNEL_BLOCK


def test_the_windowed_kernel_computes_three_quarters() -> None:
    """For an even w dividing n the tiles hold 3/4 of each w x w block, as the page says."""
    n, w = 64, 8
    assert KERNELS["windowed"].mask(n, w=w).sum() == n * w * 3 // 4


# --- In the browser ------------------------------------------------------------------

PAGES = {"attention": "efficient-attention/", "rnn2d": "rnns-for-images/"}
WIDTHS = {"phone": 390, "desktop": 1280}


@pytest.fixture(
    scope="module",
    params=[(p, w) for p in PAGES for w in WIDTHS],
    ids=lambda pw: f"{pw[0]}-{pw[1]}",
)
def page(request, chromium, built_site: Path) -> Iterator:
    from browser import serve, watch

    name, width = request.param
    with serve(built_site) as base:
        context = chromium.new_context(viewport={"width": WIDTHS[width], "height": 900})
        seen = watch(context)
        tab = context.new_page()
        tab.goto(base + PAGES[name], wait_until="load")
        tab.wait_for_selector(".practice--ready")
        tab.seen = seen
        tab.practice_page = name
        tab.practice_width = width
        yield tab
        context.close()


def questions_on(page) -> list:
    return [q for q in QUESTIONS if q.page == page.practice_page]


def tried_on(page, items: list) -> list:
    """What a test tries on this page: all of items at the desktop width, the first on a
    phone, where the same script answers through the same keyboard and fields."""
    return items if page.practice_width == "desktop" else items[:1]


def box(page, question):
    return page.locator(f'.practice__question[data-question="{question.name}"]')


def values(page, question) -> dict:
    return json.loads(box(page, question).get_attribute("data-values"))


def answer_with_keyboard(page, question, text: str) -> str:
    """Tab to the answer field, type, press Enter; the status's text."""
    target = box(page, question)
    target.get_by_role("button", name="New numbers").focus()
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Shift+Tab")
    assert page.evaluate("() => document.activeElement.id").endswith("-answer")
    page.keyboard.press("Control+A")
    page.keyboard.type(text)
    page.keyboard.press("Enter")
    return target.locator('[role="status"]').inner_text().strip()


def card_top(page, question) -> float:
    """Where the question's card starts on the page: what an answer never moves."""
    return box(page, question).evaluate("(b) => b.getBoundingClientRect().top + window.scrollY")


def fill(template: str, env: dict) -> str:
    """template with each {name} replaced by its drawn number."""
    return re.sub(r"\{(\w+)\}", lambda m: str(env[m[1]]), template)


def number(value) -> str:
    return str(int(value)) if value == int(value) else str(float(value))


@pytest.mark.slow
@pytest.mark.browser
def test_each_answer_gets_its_verdict(page) -> None:
    """The page shows its questions, in order. With the keyboard only: the answer says
    Correct, each mistake its diagnosis, an unrelated number Not yet; the question's card
    stays where it was throughout (every question at the desktop width, the first on a
    phone)."""
    shown = page.locator(".practice__question").evaluate_all(
        "(boxes) => boxes.map((box) => box.dataset.question)"
    )
    assert shown == [q.name for q in questions_on(page)]
    for question in tried_on(page, questions_on(page)):
        env = values(page, question)
        top = card_top(page, question)
        right = answer(question, env)
        assert answer_with_keyboard(page, question, number(right)).startswith("Correct")
        for mistake, value in zip(question.mistakes, mistakes(question, env), strict=True):
            if value != int(value):
                continue  # no whole number a reader types can match it
            said = answer_with_keyboard(page, question, number(value))
            expected = fill(mistake.diagnosis, env)
            assert said == f"Not quite. {expected}", (question.name, mistake.answer)
        others = {right, *mistakes(question, env)}
        unrelated = next(v for v in range(10**6 + 7, 10**7) if v not in others)
        assert answer_with_keyboard(page, question, str(unrelated)).startswith("Not yet. Hint:")
        assert answer_with_keyboard(page, question, "twelve").startswith("Write your answer")
        assert card_top(page, question) == top, question.name


def allowed(question, shown: dict) -> bool:
    """Whether the numbers shown are a draw the question can make: each within its range,
    the helper names as the question defines them, the requirement met."""
    drawn = {d.name: shown[d.name] for d in question.draws}
    for d in question.draws:
        low, high = (evaluate(expression_tree(x), drawn) for x in (d.low, d.high))
        if not low <= drawn[d.name] <= high:
            return False
    env = environment(question, drawn)
    return env == shown and bool(evaluate(expression_tree(question.require), env))


@pytest.mark.slow
@pytest.mark.browser
def test_new_numbers_stay_in_range(page) -> None:
    """New numbers (pressed with the keyboard) draws a different, allowed set."""
    for question in questions_on(page):
        top = card_top(page, question)
        for _ in range(5):
            before = values(page, question)
            box(page, question).get_by_role("button", name="New numbers").focus()
            page.keyboard.press("Enter")
            after = values(page, question)
            assert after != before and allowed(question, after), (question.name, after)
            assert card_top(page, question) == top, question.name


@pytest.mark.slow
@pytest.mark.browser
def test_practice_is_axe_clean_and_error_free(page) -> None:
    """No axe-core violation of any impact in the practice questions (and the converter)."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, context=[[".practice"], [".window-converter"]])
    violations = [
        (v["id"], [node["target"] for node in v["nodes"]]) for v in results.response["violations"]
    ]
    assert violations == []
    assert not page.seen.problems(), page.seen.problems()


@pytest.mark.slow
@pytest.mark.browser
# The converter is on the attention page only.
@pytest.mark.parametrize(
    "page", [("attention", w) for w in WIDTHS], ids=lambda pw: f"{pw[0]}-{pw[1]}", indirect=True
)
def test_converter_gives_the_registry_counts(page) -> None:
    """Each source's W, typed with the keyboard, gives the table's t and the registry's count
    (every source at the desktop width, the first on a phone); a W the source does not
    allow is refused with a message."""
    root = page.locator(".window-converter")
    status = root.locator('[role="status"]')
    for index, row in enumerate(tried_on(page, WINDOW_NAMES)):
        root.get_by_label("Library").select_option(str(index))
        for w, n in [(4096, 32768), (4, 12), (10, 7), (2, 1)]:
            root.get_by_label("Window W").fill(str(w))
            root.get_by_label("Sequence length n").fill(str(n))
            t = evaluate(expression_tree(row.t), {"W": w})
            assert status.get_attribute("data-t") == str(t), (row.source, w)
            assert text_with_tex(status).startswith(f"Look-back t = {tex(row.t)} = "), row.source
            assert status.get_attribute("data-count") == str(PATTERNS["strided"].count(n, t=t))
            # A window that reaches both ways is counted on its causal side, and says so.
            assert status.inner_text().endswith(row.one_sided or "dot products."), row.source
        assert root.locator(f'a[href="{row.url}"]').count() == 1
        # The list names the source alone: a phone's list shows it whole.
        assert root.get_by_label("Library").locator("option").nth(index).inner_text() == row.source
    longformer = next(k for k, r in enumerate(WINDOW_NAMES) if r.even)
    root.get_by_label("Library").select_option(str(longformer))
    root.get_by_label("Window W").fill("5")
    assert status.inner_text() == f"W must be even for {WINDOW_NAMES[longformer].source}."
    assert root.get_by_label("Window W").get_attribute("aria-invalid") == "true"
    root.get_by_label("Window W").fill("1e9")
    assert status.inner_text().startswith("W must be a whole number from 2 to")


@pytest.mark.slow
def test_the_site_serves_the_questions_and_the_script_holds_none(built_site: Path) -> None:
    """assets/practice.json is chapter.model.practice's data; the scripts name no question,
    library or formula of their own."""
    from chapter.model.practice import practice_data

    served = json.loads((built_site / "assets" / "practice.json").read_text())
    assert served == json.loads(json.dumps(practice_data()))
    for name in ("practice.js", "expr.js"):
        script = (built_site / "javascripts" / name).read_text()
        for question in QUESTIONS:
            assert question.name not in script, (name, question.name)
        for row in WINDOW_NAMES:
            assert row.source not in script, (name, row.source)
        assert not re.search(r"\b[nhtwcW]\b\s*[-+*/]\s*(?:\d|\b[nhtwcW]\b)", script), name
