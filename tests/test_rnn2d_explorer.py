"""The 2D RNN explorer on the Problem 2 page agrees with scripts/rnn2d.py, rejects bad
input at once and says so, and works from the keyboard, at phone and desktop widths."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
from browser import (
    box_sizes,
    field_messages,
    input_time_ms,
    page_without_javascript,
    serve,
    tab_stops,
    watch,
    widget_page,
)

from chapter.model import rnn2d
from chapter.model.expressions import evaluate, expression_tree
from chapter.site import rnn2d_explorer_data

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PAGE = "rnns-for-images/"
ROOT = ".rnn2d-explorer"
WAVE = re.compile(
    r"^Step (\d+) of (\d+): (\d+) cells? computed together; (\d+) done, (\d+) waiting\.$"
)
LABELS = {
    "n": "Grid size n",
    "step": "Wavefront step",
    "a": "Weight a = W_left",
    "b": "Weight b = W_top",
}
# The sliders' weights: 0 to 1.5 in steps of 0.05, the k-th being k / 20.
WEIGHT_STEPS = 20

# (n, step), step counted from 1 as on the page: the ends, both sides of the middle.
WAVE_CASES = [
    (1, 1),
    (2, 2),
    (7, 1),
    (7, 4),
    (7, 7),
    (7, 13),
    (9, 12),
    (10, 10),
    (32, 1),
    (32, 32),
    (32, 33),
    (32, 63),
]

# (n, chosen cell counted from 1, a, b) against rnn2d.influence_map.
INFLUENCE_CASES = [
    (10, (7, 7), 0.5, 0.5),
    (10, (7, 7), 0.4, 0.4),
    (10, (7, 7), 0.6, 0.6),
    (9, (6, 5), 0.4, 0.6),
    (12, (12, 1), 1.5, 0.05),
    (7, (3, 7), 0.0, 1.2),
    (32, (32, 32), 1.5, 1.5),
    (32, (20, 31), 0.35, 1.0),
    (1, (1, 1), 1.0, 0.0),
]

# (what is typed into n, words in its one message).
INVALID = [
    ("0", "n must be from 1 to 32."),
    ("33", "n must be from 1 to 32."),
    ("-3", "n must be from 1 to 32."),
    ("2.5", "n must be a whole number."),
    ("", "Enter a whole number for n."),
    ("1e15", "n must be from 1 to 32."),
    ("9" * 400, "n must be a whole number from 1 to 32."),
]


# The Problem 2 page at a phone and a desktop width, errors recorded.
page = widget_page(PAGE, f"{ROOT} .rnn2d-explorer__grid")


def control(page, key: str):
    """One control, found by its visible label."""
    return page.locator(ROOT).get_by_label(LABELS[key], exact=True)


def type_n(page, text: str) -> None:
    """Replace n from the keyboard, as a reader would."""
    box = control(page, "n")
    box.focus()
    page.keyboard.press("ControlOrMeta+a")
    if text:
        page.keyboard.type(text)
    else:
        page.keyboard.press("Backspace")


def slide(page, key: str, position: int) -> None:
    """Move a slider to its position-th value (counted from its minimum) with the keyboard."""
    slider = control(page, key)
    slider.focus()
    page.keyboard.press("Home")
    low = int(slider.get_attribute("min"))
    for _ in range(position - low):
        page.keyboard.press("ArrowRight")


def choose(page, i: int, j: int) -> None:
    """Choose cell (i, j), counted from 1, of the influence map with the arrow keys."""
    grid = page.locator(f"{ROOT} .rnn2d-explorer__map")
    grid.focus()
    page.keyboard.press("Home")
    for _ in range(i - 1):
        page.keyboard.press("ArrowRight")
    for _ in range(j - 1):
        page.keyboard.press("ArrowDown")


def statuses(page) -> list[str]:
    return [s.strip() for s in page.locator(f'{ROOT} [role="status"]').all_inner_texts()]


def classes(page, picture: str) -> dict[str, set]:
    """The cells of one picture by the class that shades them: done, current, waiting."""
    cells = page.evaluate(
        """(picture) => [...document.querySelectorAll(`.${picture} [data-i]`)].map(
             (c) => [c.getAttribute('class'), Number(c.dataset.i), Number(c.dataset.j)])""",
        picture,
    )
    out: dict[str, set] = {"done": set(), "current": set(), "waiting": set()}
    for name, i, j in cells:
        kind = name.removeprefix("rnn2d-explorer__cell rnn2d-explorer__")
        out[kind].add((i, j))
    return out


def messages(page) -> dict[str, str]:
    """Every non-empty error message, by the control it belongs to."""
    return field_messages(page, "rnn2d-explorer")


def expected_wave(n: int, step: int) -> dict[str, set]:
    """Done, current and waiting cells (0-based (i, j)) after step - 1 steps, from rnn2d."""
    out: dict[str, set] = {"done": set(), "current": set(), "waiting": set()}
    for s in range(rnn2d.wavefront_steps(n)):
        kind = "done" if s < step - 1 else "current" if s == step - 1 else "waiting"
        out[kind] |= {(i, s - i) for i in rnn2d.diagonal_cells(n, s)}
    return out


def test_the_script_holds_no_formula(built_site: Path) -> None:
    """The site serves the hook's tables, which are rnn2d's; the script copies no rule."""
    served = json.loads((built_site / "assets" / "rnn2d.json").read_text())
    assert served == json.loads(json.dumps(rnn2d_explorer_data.explorer_data()))
    for n, grid in enumerate(served["grids"], start=1):
        steps = rnn2d.wavefront_steps(n)
        assert grid["steps"] == steps
        assert grid["sizes"] == [len(rnn2d.diagonal_cells(n, s)) for s in range(steps)]
        assert grid["skew"] == rnn2d.skew_layout(n).tolist()
    script = (built_site / "javascripts" / "rnn2d-explorer.js").read_text()
    # The shapes the step, its size and the influence would take if copied by hand.
    copies = r"2\s*\*\s*n|i\s*\+\s*j|Math\.(min|max)\(\s*step|Math\.pow|\*\*|comb|factorial"
    assert not re.search(copies, script), re.search(copies, script)


def test_the_browser_evaluator_takes_powers_and_binomials_as_python_does(page) -> None:
    """expr.js's ** and comb give Python's values, and refuse what Python refuses."""
    tree = expression_tree("comb(p + q, p) * a ** p * b ** q")
    cases = [
        {"p": p, "q": q, "a": a, "b": b}
        for p in (0, 1, 5, 31)
        for q in (0, 2, 31)
        for a, b in ((1, 1), (0, 0.5), (0.35, 1.5))
    ]
    shown = page.evaluate(
        "([tree, cases]) => cases.map((env) => RegistryExpr.evaluate(tree, env))", [tree, cases]
    )
    expected = [evaluate(tree, env) for env in cases]
    np.testing.assert_allclose(shown, expected, rtol=1e-13, atol=0)
    refused = page.evaluate(
        """(trees) => trees.map((tree) => {
             try { RegistryExpr.evaluate(tree, {}); return null; } catch (e) { return e.message; }
           })""",
        [expression_tree(text) for text in ("2 ** -1", "comb(3, -1)", "comb(5, 2) ** (1 / 2)")],
    )
    assert all(message and ("whole" in message) for message in refused), refused


def test_labels_are_visible(page) -> None:
    for text in LABELS.values():
        assert page.locator(ROOT).get_by_text(text, exact=True).is_visible(), text


@pytest.mark.parametrize(("n", "step", "cells"), [(7, 4, 4), (9, 12, 6)])
def test_the_status_names_the_step_size(page, n: int, step: int, cells: int) -> None:
    type_n(page, str(n))
    slide(page, "step", step)
    steps = rnn2d.wavefront_steps(n)
    assert statuses(page)[0].startswith(f"Step {step} of {steps}: {cells} cells computed together")


@pytest.mark.parametrize(("n", "step"), WAVE_CASES, ids=str)
def test_shading_follows_the_wavefront(page, n: int, step: int) -> None:
    """Status, grid and skewed array all show what rnn2d says for this step."""
    type_n(page, str(n))
    slide(page, "step", step)
    expected = expected_wave(n, step)
    match = WAVE.match(statuses(page)[0])
    assert match, statuses(page)[0]
    shown = tuple(int(g) for g in match.groups())
    size = len(rnn2d.diagonal_cells(n, step - 1))
    assert shown == (
        step,
        rnn2d.wavefront_steps(n),
        size,
        len(expected["done"]),
        len(expected["waiting"]),
    )
    assert classes(page, "rnn2d-explorer__grid") == expected
    assert classes(page, "rnn2d-explorer__skew") == expected
    assert control(page, "step").get_attribute("aria-valuetext") == (
        f"step {step} of {rnn2d.wavefront_steps(n)}"
    )


@pytest.mark.parametrize("n", [1, 6, 13, 32])
def test_the_skewed_array_is_the_codes_layout(page, n: int) -> None:
    """Each cell sits at the row and slot where rnn2d_wavefront keeps it, and the
    highlighted row is this step's."""
    type_n(page, str(n))
    step = n
    slide(page, "step", step)
    drawn = page.evaluate(
        """() => [...document.querySelectorAll('.rnn2d-explorer__skew [data-step]')].map((c) =>
             [Number(c.dataset.step), Number(c.dataset.slot), Number(c.dataset.i),
              Number(c.dataset.j), Number(c.getAttribute('y')), c.getAttribute('class')])"""
    )
    layout = rnn2d.skew_layout(n)
    assert {(s, slot, i * n + j) for s, slot, i, j, _, _ in drawn} == {
        (s, slot, int(layout[s, slot])) for s, slot in np.argwhere(layout >= 0)
    }
    band = float(page.locator(f"{ROOT} .rnn2d-explorer__band").get_attribute("y"))
    assert {y for *_, y, name in drawn if name.endswith("current")} == {band}
    unused = page.locator(f"{ROOT} .rnn2d-explorer__unused").count()
    assert unused == int((layout < 0).sum())


@pytest.mark.parametrize(("n", "cell", "a", "b"), INFLUENCE_CASES, ids=str)
def test_influence_matches_python(page, n: int, cell: tuple[int, int], a: float, b: float) -> None:
    """Every input's value on the map equals rnn2d.influence_map; the rest are hatched."""
    type_n(page, str(n))
    slide(page, "a", round(a * WEIGHT_STEPS))
    slide(page, "b", round(b * WEIGHT_STEPS))
    choose(page, *cell)
    ci, cj = cell[0] - 1, cell[1] - 1
    expected = rnn2d.influence_map(n, ci, cj, 1.0, a, b)
    values = page.evaluate(
        """() => [...document.querySelectorAll('.rnn2d-explorer__map [data-i]')].map((c) =>
             [Number(c.dataset.i), Number(c.dataset.j), c.dataset.value ?? null])"""
    )
    assert len(values) == n * n
    shown = np.full((n, n), np.nan)
    for i, j, value in values:
        if value is not None:
            shown[i, j] = float(value)
    above_left = np.zeros((n, n), dtype=bool)
    above_left[: ci + 1, : cj + 1] = True
    assert np.array_equal(~np.isnan(shown), above_left)
    np.testing.assert_allclose(shown[above_left], expected[above_left], rtol=1e-12, atol=0)
    assert statuses(page)[1].startswith(
        f"Influence on h({cell[0]}, {cell[1]}) with a = {a:.2f}, b = {b:.2f}: "
        f"{(ci + 1) * (cj + 1)} inputs"
    )
    assert page.locator(f"{ROOT} .rnn2d-explorer__none").count() == n * n - (ci + 1) * (cj + 1)


def test_keyboard_and_click_choose_the_cell(page) -> None:
    type_n(page, "8")
    choose(page, 3, 2)
    assert statuses(page)[1].startswith("Influence on h(3, 2)")
    page.keyboard.press("End")
    assert statuses(page)[1].startswith("Influence on h(8, 8)")
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowLeft")
    assert statuses(page)[1].startswith("Influence on h(7, 7)")
    page.locator(f'{ROOT} .rnn2d-explorer__map [data-i="4"][data-j="1"]').click()
    assert statuses(page)[1].startswith("Influence on h(5, 2)")
    # A smaller n keeps the chosen cell inside the grid.
    type_n(page, "3")
    assert statuses(page)[1].startswith("Influence on h(3, 2)")


@pytest.mark.parametrize(("typed", "message"), INVALID, ids=lambda c: str(c)[:12])
def test_invalid_n_says_the_pictures_are_stale(page, typed: str, message: str) -> None:
    """A bad n gets one message beside its field; the pictures and status lines keep
    the last valid input and say so."""
    type_n(page, "7")
    slide(page, "step", 4)
    before = classes(page, "rnn2d-explorer__grid")
    errors_before = len(page.seen.page_errors) + len(page.seen.console_errors)

    # Pasted whole: typed key by key, "33" would pass through the valid n = 3.
    control(page, "n").fill(typed)

    assert messages(page) == {"n": message}
    assert control(page, "n").get_attribute("aria-invalid") == "true"
    assert classes(page, "rnn2d-explorer__grid") == before
    assert statuses(page) == [
        "Not updated: fix the marked field. The grids still show the last valid input: "
        "n = 7, step 4 of 13: 4 cells.",
        "Not updated: the map still shows the last valid input, n = 7.",
    ]
    assert page.locator(f"{ROOT} .rnn2d-explorer__figure[data-stale]").count() == 2
    assert len(page.seen.page_errors) + len(page.seen.console_errors) == errors_before

    type_n(page, "7")
    assert messages(page) == {}
    assert control(page, "n").get_attribute("aria-invalid") is None
    assert WAVE.match(statuses(page)[0]), statuses(page)[0]
    assert page.locator(f"{ROOT} .rnn2d-explorer__figure[data-stale]").count() == 0


@pytest.mark.parametrize("typed", ["1e15", "1000000000000000", "1e308", "-7"])
def test_a_huge_n_is_rejected_at_once(page, typed: str) -> None:
    """From the largest grid, any n out of range answers within 100 ms with one message."""
    type_n(page, "32")
    elapsed = input_time_ms(page, f'{ROOT} [data-param="n"] input', typed)
    assert elapsed < 100, f"{elapsed:.0f} ms"
    assert messages(page) == {"n": "n must be from 1 to 32."}
    type_n(page, "7")


def test_one_tab_stop_per_control_then_the_map(page) -> None:
    control(page, "n").focus()
    visited = tab_stops(page, ROOT, {".rnn2d-explorer__map": "map"})
    assert visited == ["n", "step", "a", "b", "map", "outside"]


def test_touch_targets_are_at_least_24_px(page) -> None:
    boxes = box_sizes(page.locator(f"{ROOT} input, {ROOT} .rnn2d-explorer__map"))
    assert len(boxes) == 5
    assert all(w >= 24 and h >= 24 for w, h in boxes), boxes


def test_the_pictures_fit_the_width(page) -> None:
    type_n(page, "32")
    width = page.evaluate("() => document.documentElement.clientWidth")
    rights = page.locator(f"{ROOT} svg").evaluate_all(
        "(svgs) => svgs.map((svg) => svg.getBoundingClientRect().right)"
    )
    assert len(rights) == 3 and max(rights) <= width, (rights, width)


@pytest.mark.parametrize("scheme", ["default", "slate"])
def test_no_serious_accessibility_violations(page, scheme: str) -> None:
    """axe-core finds no serious or critical violation in the explorer, in either palette."""
    from axe_playwright_python.sync_playwright import Axe

    page.evaluate("(scheme) => document.body.setAttribute('data-md-color-scheme', scheme)", scheme)
    try:
        type_n(page, "7")
        found = Axe().run(page, context=ROOT).response["violations"]
    finally:
        page.evaluate("() => document.body.setAttribute('data-md-color-scheme', 'default')")
    serious = [
        f"{v['id']}: {[n['target'] for n in v['nodes']]}"
        for v in found
        if v["impact"] in ("serious", "critical")
    ]
    assert not serious, serious


def test_no_errors_on_the_page(page) -> None:
    """Everything above ran without a console error, page error or failed request."""
    assert not page.seen.problems(), page.seen.problems()


def test_mounts_after_instant_navigation(chromium, built_site: Path) -> None:
    """Reached by a link under Material's instant navigation, the explorer still mounts."""
    with serve(built_site) as base:
        context = chromium.new_context()
        seen = watch(context)
        try:
            tab = context.new_page()
            tab.goto(base, wait_until="load")
            # Instant navigation starts once Material has fetched the sitemap.
            tab.wait_for_load_state("networkidle")
            # A full page load would lose this mark; instant navigation keeps it.
            tab.evaluate("() => { window.stayedOnPage = true; }")
            tab.locator(f'.md-content a[href$="{PAGE}"]').first.click()
            tab.wait_for_url(f"**/{PAGE}")
            tab.wait_for_selector(f"{ROOT} .rnn2d-explorer__grid", timeout=10_000)
            assert tab.evaluate("() => window.stayedOnPage") is True
            assert WAVE.match(statuses(tab)[0]), statuses(tab)
            assert tab.locator(f"{ROOT} .rnn2d-explorer__controls").count() == 2
            # Back home and forward again: still exactly one explorer.
            tab.go_back()
            tab.go_forward()
            tab.wait_for_selector(f"{ROOT} .rnn2d-explorer__grid")
            assert tab.locator(f"{ROOT} .rnn2d-explorer__grid").count() == 1
            assert tab.locator(f"{ROOT} .rnn2d-explorer__controls").count() == 2
            assert not seen.problems(), seen.problems()
        finally:
            context.close()


def test_without_javascript_the_fallback_remains(chromium, built_site: Path) -> None:
    with page_without_javascript(chromium, built_site, PAGE) as tab:
        assert tab.locator(f"{ROOT} .rnn2d-explorer__fallback").is_visible()
        assert tab.locator(f"{ROOT} svg").count() == 0
