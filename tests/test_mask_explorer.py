"""The mask explorer on the Problem 1 page agrees with the pattern registry, rejects bad
input at once and says so, and works from the keyboard, at phone and desktop widths."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from browser import (
    TEXT_WITH_TEX,
    box_sizes,
    field_messages,
    input_time_ms,
    page_without_javascript,
    tab_stops,
    text_with_tex,
    widget_page,
)

from chapter.model.attention import DRAW_MAX, KERNELS, PATTERNS, row_counts
from chapter.model.expression_tex import tex

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PAGE = "efficient-attention/"
ROOT = ".mask-explorer"
STATUS = re.compile(r"^(\d+) of (\d+) scores computed; closed form (.+?) = (\d+)(?: \(.*\))?$")

# (pattern, n, parameters): each drawn in the browser and checked against the registry.
# Several are held out from anything the page shows: windows that do not divide n,
# the largest n and parameters, a look-back past n.
CASES = [
    ("full", 1, {}),
    ("full", 12, {}),
    ("causal", 12, {}),
    ("causal", 64, {}),
    ("strided", 12, {"t": 3}),
    ("strided", 12, {"t": 0}),
    ("strided", 12, {"t": 11}),
    ("strided", 5, {"t": 40}),
    ("strided", 64, {"t": 7}),
    ("strided", 64, {"t": 64}),
    ("windowed", 12, {"w": 4}),
    ("windowed", 12, {"w": 5}),
    ("windowed", 10, {"w": 4}),
    ("windowed", 12, {"w": 1}),
    ("windowed", 12, {"w": 12}),
    ("windowed", 7, {"w": 64}),
    ("windowed", 64, {"w": 7}),
    ("windowed", 61, {"w": 9}),
    ("sparse-strided", 12, {"l": 4}),
    ("sparse-strided", 10, {"l": 3}),
    ("sparse-strided", 3, {"l": 8}),
    ("sparse-strided", 50, {"l": 7}),
    ("sparse-fixed", 12, {"l": 4, "c": 1}),
    ("sparse-fixed", 16, {"l": 4, "c": 2}),
    ("sparse-fixed", 11, {"l": 3, "c": 3}),
    ("sparse-fixed", 64, {"l": 64, "c": 64}),
    ("sparse-fixed", 45, {"l": 6, "c": 4}),
]

# (pattern, n, parameters, the one field whose message must show, words in the message).
INVALID = [
    ("causal", 0, {}, "n", "from 1 to 64"),
    ("causal", 65, {}, "n", "from 1 to 64"),
    ("causal", -3, {}, "n", "from 1 to 64"),
    ("causal", 2.5, {}, "n", "whole number"),
    ("causal", "", {}, "n", "Enter a whole number"),
    ("causal", "1e15", {}, "n", "from 1 to 64"),
    ("strided", 12, {"t": -1}, "t", "from 0 to 64"),
    ("strided", 12, {"t": 1.5}, "t", "whole number"),
    ("strided", 12, {"t": 65}, "t", "from 0 to 64"),
    ("windowed", 12, {"w": 0}, "w", "from 1 to 64"),
    ("windowed", 12, {"w": 65}, "w", "from 1 to 64"),
    ("windowed", -7, {"w": 7}, "n", "from 1 to 64"),
    ("sparse-strided", 12, {"l": 0}, "l", "from 1 to 64"),
    ("sparse-strided", 12, {"l": 65}, "l", "from 1 to 64"),
    ("sparse-fixed", 12, {"l": 4, "c": 5}, "c", "at most l = 4"),
    ("sparse-fixed", 12, {"l": 4, "c": 65}, "c", "from 1 to 64"),
    ("sparse-fixed", 12, {"l": 0, "c": 1}, "l", "from 1 to 64"),
    ("sparse-fixed", 12, {"l": 100, "c": 3}, "l", "from 1 to 64"),
]


# Too long a number for a script to set as the field's value: only typing puts it there.
TYPED_ONLY = ("causal", "9" * 400, {}, "n", "from 1 to 64")

# The Problem 1 page at a phone and a desktop width, errors recorded.
page = widget_page(PAGE, f"{ROOT} .mask-explorer__grid")


def field(page, key: str):
    """The control of one parameter (or the pattern list), found by its visible label."""
    labels = {
        "pattern": "Pattern",
        "n": "Sequence length n",
        "t": "Look-back t",
        "w": "Window w",
        "l": "Stride l",
        "c": "Summary keys c",
    }
    return page.locator(ROOT).get_by_label(labels[key], exact=True)


def set_inputs(page, pattern: str, n: object, params: dict[str, object]) -> None:
    """Choose the pattern, then type each value as a reader would."""
    field(page, "pattern").select_option(pattern)
    field(page, "n").fill(str(n))
    for key, value in params.items():
        field(page, key).fill(str(value))


def status(page) -> str:
    """The status line, its formulas as their TeX."""
    return text_with_tex(page.locator(f'{ROOT} [role="status"]'))


def shaded_cells(page) -> set[tuple[int, int]]:
    """(row, column) of every shaded cell in the drawn grid."""
    cells = page.evaluate(
        """() => [...document.querySelectorAll('.mask-explorer__on')].map((cell) =>
             [Number(cell.closest('[data-row]').dataset.row), Number(cell.dataset.col)])"""
    )
    return {(i, j) for i, j in cells}


def messages(page) -> dict[str, str]:
    """Every non-empty error message, by the parameter it belongs to."""
    return field_messages(page, "mask-explorer")


def valid_params(name: str) -> dict[str, int]:
    """The registry's default for each parameter the pattern takes."""
    return {p.name: p.default for p in PATTERNS[name].params}


# Everything the explorer shows, read in one call: status (formulas as TeX), shaded
# cells, row labels, grid label, the fields marked invalid (and whether each one's
# message can be seen), the messages, stale marks, and the kernel overlay.
SHOWN = f"""() => {{
  const root = document.querySelector('{ROOT}');
  const withTex = {TEXT_WITH_TEX};
  const kernel = root.querySelector('.mask-explorer__kernel-status');
  return {{
    status: withTex(root.querySelector('[role="status"]')),
    cells: [...root.querySelectorAll('.mask-explorer__on')].map((cell) =>
      [Number(cell.closest('[data-row]').dataset.row), Number(cell.dataset.col)]),
    rowLabels: [...root.querySelectorAll('[data-row]')].map((row) =>
      row.getAttribute('aria-label')),
    gridLabel: root.querySelector('.mask-explorer__grid').getAttribute('aria-label'),
    invalid: Object.fromEntries([...root.querySelectorAll('[aria-invalid="true"]')]
      .map((control) => [control.closest('[data-param]').dataset.param,
        document.getElementById(control.getAttribute('aria-describedby'))
          .checkVisibility({{ visibilityProperty: true }})])),
    messages: Object.fromEntries([...root.querySelectorAll('.mask-explorer__field')]
      .map((f) => [f.dataset.param, f.querySelector('.mask-explorer__error').textContent])
      .filter(([, text]) => text.trim() !== '')),
    stale: root.querySelectorAll('.mask-explorer__figure[data-stale]').length,
    kernel: {{
      counts: {{ ...kernel.dataset }},
      text: kernel.textContent,
      wasted: [...root.querySelectorAll('.mask-explorer__wasted')]
        .map((cell) => cell.dataset.cell),
    }},
  }};
}}"""

# Drives the explorer as its fields' input events do, with no browser round trip per
# case: for each step, put the values (the pattern first), switch the kernel overlay
# on or off if the step says, and read back what it shows.
DRIVE = f"""(steps) => {{
  const root = document.querySelector('{ROOT}');
  const put = (key, value) => {{
    const control = root.querySelector(`[data-param="${{key}}"] :is(input, select)`);
    control.value = String(value);
    if (control.value !== String(value)) throw new Error(`${{key}} cannot be set to ${{value}}`);
    control.dispatchEvent(new Event('input', {{ bubbles: true }}));
  }};
  const toggle = root.querySelector('.mask-explorer__kernel input');
  return steps.map(([pattern, n, params, kernel]) => {{
    put('pattern', pattern);
    put('n', n);
    for (const [key, value] of Object.entries(params)) put(key, value);
    if (kernel !== undefined && toggle.checked !== kernel) {{
      toggle.checked = kernel;
      toggle.dispatchEvent(new Event('change', {{ bubbles: true }}));
    }}
    return ({SHOWN})();
  }});
}}"""


def drive(page, steps: list[tuple]) -> list[dict]:
    """What the explorer shows after each step (pattern, n, parameters[, kernel on]),
    the steps taken in order in one call."""
    return page.evaluate(DRIVE, [list(step) for step in steps])


def count_problems(name: str, n: int, params: dict, shown: dict) -> list[str]:
    """Where the status line, shaded cells, row labels and closed form shown for one
    case differ from the registry's."""
    pattern = PATTERNS[name]
    mask = pattern.mask(n, **params)
    problems = []
    match = STATUS.match(shown["status"])
    if not match:
        return [f"status {shown['status']!r}"]
    shaded, total, formula, closed = match[1], match[2], match[3], match[4]
    expected = (int(mask.sum()), n * n, pattern.count(n, **params))
    if (int(shaded), int(total), int(closed)) != expected:
        problems.append(f"status {shown['status']!r}, expected counts {expected}")
    # The closed form drawn as the page writes it.
    if formula != tex(pattern.closed_form, dict(pattern.symbols)):
        problems.append(f"closed form {formula!r}")
    if {(i, j) for i, j in shown["cells"]} != {(int(i), int(j)) for i, j in np.argwhere(mask)}:
        problems.append("shaded cells differ from the mask")
    rows = [pattern.row_count(i, n, **params) for i in range(1, n + 1)]
    labels = [f"Row {i}: {c} score{'' if c == 1 else 's'} computed" for i, c in enumerate(rows, 1)]
    if shown["rowLabels"] != labels:
        problems.append("row labels differ from the row rule")
    if not shown["gridLabel"].startswith(pattern.alt(n, **params)):
        problems.append(f"grid label {shown['gridLabel']!r}")
    if shown["invalid"] or shown["stale"]:
        problems.append(f"marked invalid {shown['invalid']} or stale {shown['stale']}")
    return problems


def test_labels_are_visible(page) -> None:
    """Every input has a visible label; a parameter the pattern lacks is hidden."""
    set_inputs(page, "strided", 12, {"t": 3})
    for text in ("Pattern", "Sequence length n", "Look-back t"):
        assert page.locator(ROOT).get_by_text(text, exact=True).is_visible(), text
    set_inputs(page, "windowed", 12, {"w": 4})
    assert page.locator(ROOT).get_by_text("Window w", exact=True).is_visible()
    assert not page.locator(ROOT).get_by_text("Look-back t", exact=True).is_visible()


def test_pattern_list_is_the_registry(page) -> None:
    options = field(page, "pattern").locator("option")
    assert options.evaluate_all("(os) => os.map((o) => o.value)") == list(PATTERNS)
    assert options.all_inner_texts() == [p.choice for p in PATTERNS.values()]


def test_counts_match_the_registry(page) -> None:
    """For every case, status line, shaded cells, row labels and closed form all equal
    the registry's."""
    failures = {
        (name, n, str(params)): problems
        for (name, n, params), shown in zip(CASES, drive(page, CASES), strict=True)
        if (problems := count_problems(name, n, params, shown))
    }
    assert not failures, failures


@pytest.mark.parametrize(("name", "n", "params"), [CASES[8], CASES[24]], ids=str)
def test_typing_redraws_the_grid(page, name: str, n: int, params: dict) -> None:
    """Chosen and typed as a reader would, the values redraw the grid the registry's way."""
    set_inputs(page, "full", 1, {})
    set_inputs(page, name, n, params)
    assert count_problems(name, n, params, page.evaluate(SHOWN)) == []


def invalid_problems(name: str, n, params: dict, bad: str, words: str, steps: list) -> list[str]:
    """Where the explorer, given one bad value between two valid inputs, fails to mark
    that field alone, to keep the last grid and say so, or to recover."""
    good = valid_params(name)
    before, wrong, after = steps
    problems = []
    if wrong["invalid"] != {bad: True}:
        problems.append(f"fields marked invalid, message shown: {wrong['invalid']}")
    if list(wrong["messages"]) != [bad] or words not in wrong["messages"].get(bad, ""):
        problems.append(f"messages {wrong['messages']}")
    if sorted(wrong["cells"]) != sorted(before["cells"]):
        problems.append("the grid changed")
    last = PATTERNS[name].alt(12, **good)
    expected = (
        f"Not updated: fix the marked field. The grid still shows the last valid input: {last}."
    )
    if wrong["status"] != expected:
        problems.append(f"status {wrong['status']!r}")
    if wrong["stale"] != 1 or not wrong["gridLabel"].startswith(
        "Last valid input, not the current one:"
    ):
        problems.append(f"stale {wrong['stale']}, grid label {wrong['gridLabel']!r}")
    # Putting valid values back clears the message and the stale mark.
    if after["invalid"] or after["messages"] or after["stale"] or not STATUS.match(after["status"]):
        problems.append(f"after valid values: {after['messages']}, {after['status']!r}")
    return problems


def test_invalid_input_says_the_grid_is_stale(page) -> None:
    """A bad value gets one message beside its input, and only that one; the grid and
    status keep the last valid input and say so; valid values clear it all."""
    errors_before = len(page.seen.page_errors) + len(page.seen.console_errors)
    steps = [
        step
        for name, n, params, _, _ in INVALID
        for step in (
            (name, 12, valid_params(name)),
            (name, n, params),
            (name, 12, valid_params(name)),
        )
    ]
    shown = drive(page, steps)
    failures = {
        f"{name} n={n} {params}": problems
        for k, (name, n, params, bad, words) in enumerate(INVALID)
        if (problems := invalid_problems(name, n, params, bad, words, shown[3 * k : 3 * k + 3]))
    }
    assert not failures, failures
    assert len(page.seen.page_errors) + len(page.seen.console_errors) == errors_before


def test_a_typed_bad_value_is_marked_beside_its_field(page) -> None:
    """Typed as a reader would, a bad value's message is beside its field and visible."""
    name, n, params, bad, words = TYPED_ONLY
    set_inputs(page, name, 12, {})
    set_inputs(page, name, n, params)
    box = field(page, bad)
    assert box.get_attribute("aria-invalid") == "true"
    assert list(messages(page)) == [bad], messages(page)
    message = page.locator("#" + box.get_attribute("aria-describedby"))
    assert message.is_visible() and words in message.inner_text(), message.inner_text()
    assert page.locator(f"{ROOT} .mask-explorer__figure[data-stale]").count() == 1
    set_inputs(page, name, 12, {})
    assert box.get_attribute("aria-invalid") is None
    assert message.inner_text().strip() == ""


def test_two_bad_fields_get_one_message_each(page) -> None:
    set_inputs(page, "windowed", 12, {"w": 4})
    set_inputs(page, "windowed", 0, {"w": 0})
    assert messages(page) == {"n": "n must be from 1 to 64.", "w": "w must be from 1 to 64."}
    assert status(page).startswith("Not updated: fix the marked fields.")


def test_a_huge_n_is_rejected_at_once(page) -> None:
    """With a window set, any n out of range answers within 100 ms with one message."""
    for typed in ("1e9", "1e10", "1e15", "-7", "1e308"):
        drive(page, [("windowed", 12, {"w": 7})])
        elapsed = input_time_ms(page, f'{ROOT} [data-param="n"] input', typed)
        assert elapsed < 100, f"{typed}: {elapsed:.0f} ms"
        assert messages(page) == {"n": "n must be from 1 to 64."}, typed


def test_an_unknown_pattern_is_rejected_without_an_exception(page) -> None:
    set_inputs(page, "causal", 12, {})
    errors_before = len(page.seen.page_errors) + len(page.seen.console_errors)
    page.evaluate(
        """() => {
             const select = document.querySelector('.mask-explorer select');
             select.add(new Option('Not a pattern', 'bogus'));
             select.value = 'bogus';
             select.dispatchEvent(new Event('input', { bubbles: true }));
           }"""
    )
    assert messages(page) == {"pattern": "Choose one of the listed patterns."}
    assert status(page).startswith("Not updated")
    assert len(page.seen.page_errors) + len(page.seen.console_errors) == errors_before
    page.evaluate("() => document.querySelector('.mask-explorer option[value=bogus]').remove()")
    set_inputs(page, "causal", 12, {})
    assert messages(page) == {}


def test_one_tab_stop_per_control_then_one_grid_row(page) -> None:
    """Tab visits the pattern list, n, the pattern's parameters and one grid row, then leaves."""
    set_inputs(page, "sparse-fixed", 12, {"l": 4, "c": 1})
    field(page, "pattern").focus()
    visited = tab_stops(page, ROOT, {"[data-row]": "row"})
    assert visited == ["pattern", "n", "l", "c", "row", "outside"]


def test_touch_targets_are_at_least_24_px(page) -> None:
    set_inputs(page, "sparse-fixed", 12, {"l": 4, "c": 1})
    boxes = box_sizes(page.locator(f"{ROOT} select, {ROOT} input:visible"))
    assert len(boxes) == 4
    assert all(w >= 24 and h >= 24 for w, h in boxes), boxes


def test_the_grid_fits_the_width(page) -> None:
    set_inputs(page, "causal", DRAW_MAX, {})
    width = page.evaluate("() => document.documentElement.clientWidth")
    right = page.locator(f"{ROOT} .mask-explorer__grid").evaluate(
        "(svg) => svg.getBoundingClientRect().right"
    )
    assert right <= width


def test_keyboard_moves_the_highlighted_row(page) -> None:
    """Tab reaches the grid; arrow keys, Home and End move the row and name its count."""
    set_inputs(page, "strided", 12, {"t": 3})
    counts = row_counts(PATTERNS["strided"].mask(12, t=3))
    field(page, "t").focus()
    page.keyboard.press("Tab")
    focused = page.evaluate("() => document.activeElement.dataset.row")
    assert focused is not None, "Tab did not reach the grid"

    def row_and_label() -> tuple[int, str]:
        return page.evaluate(
            "() => [Number(document.activeElement.dataset.row),"
            " document.activeElement.getAttribute('aria-label')]"
        )

    page.keyboard.press("Home")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    row, label = row_and_label()
    assert row == 2
    assert label == f"Row {row + 1}: {counts[row]} scores computed"
    readout = page.locator(f"{ROOT} .mask-explorer__row").inner_text()
    assert readout.startswith(f"Row {row + 1} of 12: {counts[row]} ")
    page.keyboard.press("End")
    assert row_and_label()[0] == 11
    page.keyboard.press("ArrowUp")
    assert row_and_label()[0] == 10
    page.keyboard.press("Home")
    row, label = row_and_label()
    assert (row, label) == (0, "Row 1: 1 score computed")
    # Only the highlighted row is in the Tab order (a roving tabindex).
    assert page.locator(f'{ROOT} [data-row][tabindex="0"]').count() == 1


def test_pointer_highlights_the_row_under_it(page) -> None:
    """Moving the pointer over a row shows that row's count."""
    set_inputs(page, "causal", 12, {})
    row = page.locator(f'{ROOT} [data-row="6"] .mask-explorer__band')
    row.hover(force=True)
    readout = page.locator(f"{ROOT} .mask-explorer__row").inner_text()
    assert readout.startswith("Row 7 of 12: 7 scores computed")
    assert page.locator(f"{ROOT} .mask-explorer__count").text_content() == "7"


def test_no_errors_on_the_page(page) -> None:
    """Everything above ran without a console error, page error or failed request."""
    assert not page.seen.problems(), page.seen.problems()


def test_without_javascript_the_figures_remain(chromium, built_site: Path) -> None:
    """JavaScript off: the page shows the fallback note and its static figures."""
    with page_without_javascript(chromium, built_site, PAGE) as tab:
        assert tab.locator(f"{ROOT} .mask-explorer__fallback").is_visible()
        assert tab.locator(f"{ROOT} .mask-explorer__grid").count() == 0
        widths = tab.evaluate("() => [...document.images].map((img) => img.naturalWidth)")
        assert widths and all(widths), f"static figures not shown: {widths}"


def test_the_row_is_a_term_of_the_sum(page) -> None:
    """The highlighted row's term is marked in the sum of the registry's row rule, and the
    sum is the closed form's total."""
    pattern = PATTERNS["strided"]
    set_inputs(page, "strided", 12, {"t": 3})
    page.locator(f'{ROOT} [data-row="5"] .mask-explorer__band').hover(force=True)
    terms = page.locator(f"{ROOT} .mask-explorer__terms")
    rows = [pattern.row_count(i, 12, t=3) for i in range(1, 13)]
    said = text_with_tex(terms)
    assert said.startswith(f"Row 6 computes {rows[5]} = {tex(pattern.row_rule)} at i = 6"), said
    assert terms.locator("mark").inner_text() == str(rows[5])
    assert said.endswith(f"= {pattern.count(12, t=3)}, the closed form's total.")
    shown = re.search(r"term 6 of (.*) =", said)[1]
    assert shown == "1 + 2 + 3 + … + 4 + 4 + 4 + … + 4 + 4"


# (pattern, n, parameters) for the kernel overlay; the kernels serve strided and windowed.
KERNEL_CASES = [
    ("windowed", 12, {"w": 4}),
    ("windowed", 12, {"w": 5}),
    ("windowed", 17, {"w": 7}),
    ("windowed", 7, {"w": 64}),
    ("windowed", 33, {"w": 1}),
    ("strided", 12, {"t": 3}),
    ("strided", 40, {"t": 7}),
    ("strided", 64, {"t": 20}),
    ("strided", 5, {"t": 40}),
]


def kernel_problems(name: str, n: int, params: dict, on: dict, off: dict) -> list[str]:
    """Where the overlay's computed, needed and wasted cells, its sentence and its
    hatching differ from a walk over the kernel's own tiles, or outlive the overlay."""
    from test_practice import kernel_tiles

    kernel = {"windowed": "windowed", "strided": "sliding"}[name]
    tiles = kernel_tiles(kernel, n, **params)
    needed = PATTERNS[name].mask(n, **params)
    expected = {
        "computed": int(tiles.sum()),
        "needed": int(needed.sum()),
        "wasted": int((tiles & ~needed).sum()),
    }
    counts = {k: int(on["kernel"]["counts"][k]) for k in expected}
    problems = [] if counts == expected else [f"counts {counts}, expected {expected}"]
    text = on["kernel"]["text"]
    # Tiles that cover the whole grid come with the reason.
    whole = counts["computed"] == n * n and counts["wasted"] > 0
    ending = KERNELS[name].whole_grid if whole else "(hatched)."
    if f"computes {counts['computed']} cells" not in text or not text.endswith(ending):
        problems.append(f"sentence {text!r}")
    hatched = sorted(f"{i},{j}" for i, j in np.argwhere(tiles & ~needed))
    if sorted(on["kernel"]["wasted"]) != hatched:
        problems.append("hatched cells differ from the wasted tiles")
    if off["kernel"]["wasted"]:
        problems.append("hatching left after the overlay was switched off")
    return problems


def test_kernel_overlay_counts_the_kernel_tiles(page) -> None:
    """Computed, needed and wasted cells equal a walk over the kernel's own tiles; off,
    the overlay leaves no hatching."""
    steps = [
        step
        for name, n, params in KERNEL_CASES
        for step in ((name, n, params, True), (name, n, params, False))
    ]
    shown = drive(page, steps)
    failures = {
        (name, n, str(params)): problems
        for k, (name, n, params) in enumerate(KERNEL_CASES)
        if (problems := kernel_problems(name, n, params, *shown[2 * k : 2 * k + 2]))
    }
    assert not failures, failures


def test_the_kernel_overlay_switches_from_the_keyboard(page) -> None:
    """Space on the focused toggle draws the overlay, and again takes it away."""
    name, n, params = KERNEL_CASES[1]
    set_inputs(page, name, n, params)
    toggle = page.locator(f"{ROOT} .mask-explorer__kernel input")
    if toggle.is_checked():
        toggle.focus()
        page.keyboard.press("Space")
    toggle.focus()
    page.keyboard.press("Space")
    on = page.evaluate(SHOWN)
    page.keyboard.press("Space")
    assert kernel_problems(name, n, params, on, page.evaluate(SHOWN)) == []


def test_the_kernel_toggle_is_hidden_without_a_kernel(page) -> None:
    set_inputs(page, "causal", 12, {})
    assert not page.locator(f"{ROOT} .mask-explorer__kernel").is_visible()
    set_inputs(page, "windowed", 12, {"w": 4})
    assert page.locator(f"{ROOT} .mask-explorer__kernel input").is_visible()


def test_moving_the_row_moves_nothing_below(page) -> None:
    """The sum's text changes length from row to row; the space kept for it does not."""
    set_inputs(page, "sparse-fixed", DRAW_MAX, {"l": 7, "c": 3})
    terms = page.locator(f"{ROOT} .mask-explorer__terms")
    heights = set()
    for row in (0, 1, 9, 40, DRAW_MAX - 1):
        page.locator(f'{ROOT} [data-row="{row}"] .mask-explorer__band').hover(force=True)
        heights.add(terms.evaluate("(p) => p.getBoundingClientRect().height"))
    assert len(heights) == 1, heights
