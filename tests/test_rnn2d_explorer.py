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
]


# Too long a number for a script to set as the field's value: only pasting puts it there.
PASTED_ONLY = ("9" * 400, "n must be a whole number from 1 to 32.")

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


# Everything the explorer shows, read in one call: both status lines, the cells of the
# grid and of the skewed array by class, the skewed array's layout, the influence map's
# values, the step slider's spoken value, messages, invalid and stale marks.
SHOWN = f"""() => {{
  const root = document.querySelector('{ROOT}');
  const cells = (picture) => [...root.querySelectorAll(`.${{picture}} [data-i]`)].map(
    (c) => [c.getAttribute('class'), Number(c.dataset.i), Number(c.dataset.j)]);
  const band = root.querySelector('.rnn2d-explorer__band');
  return {{
    statuses: [...root.querySelectorAll('[role="status"]')].map((s) => s.innerText.trim()),
    grid: cells('rnn2d-explorer__grid'),
    skew: cells('rnn2d-explorer__skew'),
    layout: [...root.querySelectorAll('.rnn2d-explorer__skew [data-step]')].map((c) =>
      [Number(c.dataset.step), Number(c.dataset.slot), Number(c.dataset.i),
       Number(c.dataset.j), Number(c.getAttribute('y')), c.getAttribute('class')]),
    band: band ? Number(band.getAttribute('y')) : null,
    unused: root.querySelectorAll('.rnn2d-explorer__unused').length,
    map: [...root.querySelectorAll('.rnn2d-explorer__map [data-i]')].map((c) =>
      [Number(c.dataset.i), Number(c.dataset.j), c.dataset.value ?? null]),
    none: root.querySelectorAll('.rnn2d-explorer__none').length,
    stepText: root.querySelector('[data-param="step"] input').getAttribute('aria-valuetext'),
    messages: Object.fromEntries([...root.querySelectorAll('.rnn2d-explorer__field')]
      .map((f) => [f.dataset.param, f.querySelector('.rnn2d-explorer__error')?.textContent ?? ''])
      .filter(([, text]) => text.trim() !== '')),
    invalid: [...root.querySelectorAll('[aria-invalid="true"]')]
      .map((c) => c.closest('[data-param]').dataset.param),
    stale: root.querySelectorAll('.rnn2d-explorer__figure[data-stale]').length,
  }};
}}"""

# Drives the explorer as its controls' input events and a mouse click on the map do,
# with no browser round trip per case: each step sets, in order, whichever of n (as
# typed text), the wavefront step, the weights' slider positions and the chosen cell
# (counted from 1) it names, then reads back what the explorer shows.
DRIVE = f"""(steps) => {{
  const root = document.querySelector('{ROOT}');
  const put = (key, value) => {{
    const control = root.querySelector(`[data-param="${{key}}"] input`);
    control.value = String(value);
    if (control.value !== String(value)) throw new Error(`${{key}} cannot be set to ${{value}}`);
    control.dispatchEvent(new Event('input', {{ bubbles: true }}));
  }};
  return steps.map((step) => {{
    for (const key of ['n', 'step', 'a', 'b']) if (key in step) put(key, step[key]);
    if (step.cell) {{
      const [i, j] = step.cell;
      root.querySelector(`.rnn2d-explorer__map [data-i="${{i - 1}}"][data-j="${{j - 1}}"]`)
        .dispatchEvent(new PointerEvent('click', {{ bubbles: true, pointerType: 'mouse' }}));
    }}
    return ({SHOWN})();
  }});
}}"""


def drive(page, steps: list[dict]) -> list[dict]:
    """What the explorer shows after each step, the steps taken in order in one call."""
    return page.evaluate(DRIVE, steps)


def by_class(cells: list) -> dict[str, set]:
    """A picture's cells by the class that shades them: done, current, waiting."""
    out: dict[str, set] = {"done": set(), "current": set(), "waiting": set()}
    for name, i, j in cells:
        out[name.removeprefix("rnn2d-explorer__cell rnn2d-explorer__")].add((i, j))
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


def wave_problems(n: int, step: int, shown: dict) -> list[str]:
    """Where the status, grid, skewed array and step slider shown for step of an n x n
    grid differ from what rnn2d says."""
    expected = expected_wave(n, step)
    match = WAVE.match(shown["statuses"][0])
    if not match:
        return [f"status {shown['statuses'][0]!r}"]
    problems = []
    steps = rnn2d.wavefront_steps(n)
    size = len(rnn2d.diagonal_cells(n, step - 1))
    counts = (step, steps, size, len(expected["done"]), len(expected["waiting"]))
    if tuple(int(g) for g in match.groups()) != counts:
        problems.append(f"status {shown['statuses'][0]!r}, expected {counts}")
    for picture in ("grid", "skew"):
        if by_class(shown[picture]) != expected:
            problems.append(f"the {picture}'s shading")
    if shown["stepText"] != f"step {step} of {steps}":
        problems.append(f"slider says {shown['stepText']!r}")
    return problems


def test_shading_follows_the_wavefront(page) -> None:
    """For every case, status, grid and skewed array all show what rnn2d says."""
    shown = drive(page, [{"n": n, "step": step} for n, step in WAVE_CASES])
    failures = {
        (n, step): problems
        for (n, step), one in zip(WAVE_CASES, shown, strict=True)
        if (problems := wave_problems(n, step, one))
    }
    assert not failures, failures


def test_the_skewed_array_is_the_codes_layout(page) -> None:
    """Each cell sits at the row and slot where rnn2d_wavefront keeps it, and the
    highlighted row is this step's."""
    ns = (1, 6, 13, 32)
    for n, shown in zip(ns, drive(page, [{"n": n, "step": n} for n in ns]), strict=True):
        drawn = shown["layout"]
        layout = rnn2d.skew_layout(n)
        assert {(s, slot, i * n + j) for s, slot, i, j, _, _ in drawn} == {
            (s, slot, int(layout[s, slot])) for s, slot in np.argwhere(layout >= 0)
        }, n
        assert {y for *_, y, name in drawn if name.endswith("current")} == {shown["band"]}, n
        assert shown["unused"] == int((layout < 0).sum()), n


def influence_problems(n: int, cell: tuple[int, int], a: float, b: float, shown: dict) -> list:
    """Where the map's values differ from rnn2d.influence_map, a cell outside the chosen
    one's upper left is not hatched, or the status line names other inputs."""
    ci, cj = cell[0] - 1, cell[1] - 1
    expected = rnn2d.influence_map(n, ci, cj, 1.0, a, b)
    if len(shown["map"]) != n * n:
        return [f"{len(shown['map'])} cells on the map"]
    values = np.full((n, n), np.nan)
    for i, j, value in shown["map"]:
        if value is not None:
            values[i, j] = float(value)
    above_left = np.zeros((n, n), dtype=bool)
    above_left[: ci + 1, : cj + 1] = True
    problems = []
    if not np.array_equal(~np.isnan(values), above_left):
        problems.append("values outside the chosen cell's upper left")
    elif not np.allclose(values[above_left], expected[above_left], rtol=1e-12, atol=0):
        problems.append("values differ from rnn2d.influence_map")
    status = (
        f"Influence on h({cell[0]}, {cell[1]}) with a = {a:.2f}, b = {b:.2f}: "
        f"{(ci + 1) * (cj + 1)} inputs"
    )
    if not shown["statuses"][1].startswith(status):
        problems.append(f"status {shown['statuses'][1]!r}")
    if shown["none"] != n * n - (ci + 1) * (cj + 1):
        problems.append(f"{shown['none']} cells hatched")
    return problems


def test_influence_matches_python(page) -> None:
    """For every case, each input's value on the map equals rnn2d.influence_map and the
    rest are hatched."""
    steps = [
        {"n": n, "a": round(a * WEIGHT_STEPS), "b": round(b * WEIGHT_STEPS), "cell": cell}
        for n, cell, a, b in INFLUENCE_CASES
    ]
    failures = {
        case: problems
        for case, shown in zip(INFLUENCE_CASES, drive(page, steps), strict=True)
        if (problems := influence_problems(*case, shown))
    }
    assert not failures, failures


def test_the_weight_sliders_move_from_the_keyboard(page) -> None:
    """Sliders moved with the arrow keys and a cell chosen with them give rnn2d's map."""
    n, cell, a, b = INFLUENCE_CASES[3]
    type_n(page, str(n))
    slide(page, "a", round(a * WEIGHT_STEPS))
    slide(page, "b", round(b * WEIGHT_STEPS))
    choose(page, *cell)
    assert influence_problems(n, cell, a, b, page.evaluate(SHOWN)) == []


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


def test_invalid_n_says_the_pictures_are_stale(page) -> None:
    """A bad n gets one message beside its field; the pictures and status lines keep
    the last valid input and say so; a valid n clears it all."""
    errors_before = len(page.seen.page_errors) + len(page.seen.console_errors)
    steps = [step for typed, _ in INVALID for step in ({"n": 7, "step": 4}, {"n": typed}, {"n": 7})]
    shown = drive(page, steps)
    stale = [
        "Not updated: fix the marked field. The grids still show the last valid input: "
        "n = 7, step 4 of 13: 4 cells.",
        "Not updated: the map still shows the last valid input, n = 7.",
    ]
    failures = {}
    for k, (typed, message) in enumerate(INVALID):
        before, wrong, after = shown[3 * k : 3 * k + 3]
        problems = []
        if wrong["messages"] != {"n": message} or wrong["invalid"] != ["n"]:
            problems.append(f"messages {wrong['messages']}, invalid {wrong['invalid']}")
        if by_class(wrong["grid"]) != by_class(before["grid"]):
            problems.append("the grid changed")
        if wrong["statuses"] != stale or wrong["stale"] != 2:
            problems.append(f"statuses {wrong['statuses']}, {wrong['stale']} stale")
        if after["messages"] or after["invalid"] or after["stale"]:
            problems.append(f"after n = 7: {after['messages']}, {after['stale']} stale")
        if not WAVE.match(after["statuses"][0]):
            problems.append(f"after n = 7: {after['statuses'][0]!r}")
        if problems:
            failures[typed[:12]] = problems
    assert not failures, failures
    assert len(page.seen.page_errors) + len(page.seen.console_errors) == errors_before


def test_a_pasted_bad_n_is_marked_beside_its_field(page) -> None:
    """Pasted as a reader would, a bad n is marked and its message shown; typed, a good
    one clears them."""
    typed, message = PASTED_ONLY
    type_n(page, "7")
    control(page, "n").fill(typed)
    assert messages(page) == {"n": message}
    assert control(page, "n").get_attribute("aria-invalid") == "true"
    assert page.locator(f"{ROOT} .rnn2d-explorer__figure[data-stale]").count() == 2
    type_n(page, "7")
    assert messages(page) == {}
    assert control(page, "n").get_attribute("aria-invalid") is None


def test_a_huge_n_is_rejected_at_once(page) -> None:
    """From the largest grid, any n out of range answers within 100 ms with one message."""
    for typed in ("1e15", "1000000000000000", "1e308", "-7"):
        drive(page, [{"n": 32}])
        elapsed = input_time_ms(page, f'{ROOT} [data-param="n"] input', typed)
        assert elapsed < 100, f"{typed}: {elapsed:.0f} ms"
        assert messages(page) == {"n": "n must be from 1 to 32."}, typed
    drive(page, [{"n": 7}])


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
