"""The mask explorer on the Problem 1 page agrees with the pattern registry, rejects bad
input at once and says so, and works from the keyboard, at phone and desktop widths."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from browser import (
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
    ("causal", "9" * 400, {}, "n", "from 1 to 64"),
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


@pytest.mark.parametrize(("name", "n", "params"), CASES, ids=lambda c: str(c))
def test_counts_match_the_registry(page, name: str, n: int, params: dict) -> None:
    """Status line, shaded cells, row labels and closed form all equal the registry's."""
    set_inputs(page, name, n, params)
    pattern = PATTERNS[name]
    mask = pattern.mask(n, **params)
    expected = pattern.count(n, **params)
    match = STATUS.match(status(page))
    assert match, status(page)
    shaded, total, formula, closed = (match[1], match[2], match[3], match[4])
    assert (int(shaded), int(total), int(closed)) == (int(mask.sum()), n * n, expected)
    # The closed form drawn as the page writes it.
    assert formula == tex(pattern.closed_form, dict(pattern.symbols))
    assert shaded_cells(page) == {(int(i), int(j)) for i, j in np.argwhere(mask)}
    labels = page.locator(f"{ROOT} [data-row]").evaluate_all(
        "(rows) => rows.map((row) => row.getAttribute('aria-label'))"
    )
    rows = [pattern.row_count(i, n, **params) for i in range(1, n + 1)]
    assert labels == [
        f"Row {i}: {c} score{'' if c == 1 else 's'} computed" for i, c in enumerate(rows, start=1)
    ]
    label = page.locator(f"{ROOT} .mask-explorer__grid").get_attribute("aria-label")
    assert label.startswith(pattern.alt(n, **params))
    assert page.locator(f'{ROOT} [aria-invalid="true"]').count() == 0
    assert page.locator(f"{ROOT} .mask-explorer__figure[data-stale]").count() == 0


@pytest.mark.parametrize(
    ("name", "n", "params", "bad", "words"), INVALID, ids=lambda c: str(c)[:24]
)
def test_invalid_input_says_the_grid_is_stale(
    page, name: str, n, params: dict, bad: str, words: str
) -> None:
    """A bad value gets one message beside its input, and only that one; the grid and
    status keep the last valid input and say so."""
    good = valid_params(name)
    set_inputs(page, name, 12, good)
    cells_before = shaded_cells(page)
    errors_before = len(page.seen.page_errors) + len(page.seen.console_errors)

    set_inputs(page, name, n, params)

    box = field(page, bad)
    assert box.get_attribute("aria-invalid") == "true"
    assert list(messages(page)) == [bad], messages(page)
    message = page.locator("#" + box.get_attribute("aria-describedby"))
    assert message.is_visible() and words in message.inner_text(), message.inner_text()
    assert shaded_cells(page) == cells_before
    last = PATTERNS[name].alt(12, **good)
    assert status(page) == (
        f"Not updated: fix the marked field. The grid still shows the last valid input: {last}."
    )
    assert page.locator(f"{ROOT} .mask-explorer__figure[data-stale]").count() == 1
    grid_label = page.locator(f"{ROOT} .mask-explorer__grid").get_attribute("aria-label")
    assert grid_label.startswith("Last valid input, not the current one:")
    assert len(page.seen.page_errors) + len(page.seen.console_errors) == errors_before

    # Putting valid values back clears the message and the stale mark.
    set_inputs(page, name, 12, good)
    assert box.get_attribute("aria-invalid") is None
    assert message.inner_text().strip() == ""
    assert STATUS.match(status(page)), status(page)
    assert page.locator(f"{ROOT} .mask-explorer__figure[data-stale]").count() == 0


def test_two_bad_fields_get_one_message_each(page) -> None:
    set_inputs(page, "windowed", 12, {"w": 4})
    set_inputs(page, "windowed", 0, {"w": 0})
    assert messages(page) == {"n": "n must be from 1 to 64.", "w": "w must be from 1 to 64."}
    assert status(page).startswith("Not updated: fix the marked fields.")


@pytest.mark.parametrize("typed", ["1e9", "1e10", "1e15", "-7", "1e308"])
def test_a_huge_n_is_rejected_at_once(page, typed: str) -> None:
    """With a window set, any n out of range answers within 100 ms with one message."""
    set_inputs(page, "windowed", 12, {"w": 7})
    elapsed = input_time_ms(page, f'{ROOT} [data-param="n"] input', typed)
    assert elapsed < 100, f"{elapsed:.0f} ms"
    assert messages(page) == {"n": "n must be from 1 to 64."}


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


@pytest.mark.parametrize(("name", "n", "params"), KERNEL_CASES, ids=lambda c: str(c))
def test_kernel_overlay_counts_the_kernel_tiles(page, name: str, n: int, params: dict) -> None:
    """Computed, needed and wasted cells equal a walk over the kernel's own tiles."""
    from test_practice import kernel_tiles

    set_inputs(page, name, n, params)
    toggle = page.locator(f"{ROOT} .mask-explorer__kernel input")
    if not toggle.is_checked():
        toggle.focus()
        page.keyboard.press("Space")
    kernel = {"windowed": "windowed", "strided": "sliding"}[name]
    tiles = kernel_tiles(kernel, n, **params)
    needed = PATTERNS[name].mask(n, **params)
    status = page.locator(f"{ROOT} .mask-explorer__kernel-status")
    counts = {k: int(status.get_attribute(f"data-{k}")) for k in ("computed", "needed", "wasted")}
    assert counts == {
        "computed": int(tiles.sum()),
        "needed": int(needed.sum()),
        "wasted": int((tiles & ~needed).sum()),
    }
    assert f"computes {counts['computed']} cells" in status.inner_text()
    # Tiles that cover the whole grid come with the reason.
    whole = counts["computed"] == n * n and counts["wasted"] > 0
    assert status.inner_text().endswith(KERNELS[name].whole_grid if whole else "(hatched)."), (
        status.inner_text()
    )
    hatched = page.locator(f"{ROOT} .mask-explorer__wasted").evaluate_all(
        "(cells) => cells.map((cell) => cell.dataset.cell)"
    )
    assert sorted(hatched) == sorted(f"{i},{j}" for i, j in np.argwhere(tiles & ~needed))
    toggle.focus()
    page.keyboard.press("Space")
    assert page.locator(f"{ROOT} .mask-explorer__wasted").count() == 0


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
