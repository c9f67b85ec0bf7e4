"""The mask explorer on the Problem 1 page agrees with scripts/attention.py, rejects bad
input without breaking, and works from the keyboard."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from attention import PATTERNS, row_counts
from browser import launched_chromium, serve, wait_for_math, watch

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PAGE = "efficient-attention/"
ROOT = ".mask-explorer"
STATUS = re.compile(r"^(\d+) of (\d+) scores computed; closed form (.+?) = (\d+)(?: \(.*\))?$")

# (pattern, n, parameters): each drawn in the browser and checked against the module.
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
    ("windowed", 12, {"w": 4}),
    ("windowed", 12, {"w": 1}),
    ("windowed", 12, {"w": 12}),
    ("windowed", 64, {"w": 8}),
    ("sparse-strided", 12, {"l": 4}),
    ("sparse-strided", 10, {"l": 3}),
    ("sparse-strided", 3, {"l": 8}),
    ("sparse-fixed", 12, {"l": 4, "c": 1}),
    ("sparse-fixed", 16, {"l": 4, "c": 2}),
    ("sparse-fixed", 11, {"l": 3, "c": 3}),
]

# (pattern, n, parameters, field whose message must show): each must be rejected.
INVALID = [
    ("causal", 0, {}, "n"),
    ("causal", 65, {}, "n"),
    ("causal", -3, {}, "n"),
    ("causal", 2.5, {}, "n"),
    ("causal", "", {}, "n"),
    ("strided", 12, {"t": -1}, "t"),
    ("strided", 12, {"t": 1.5}, "t"),
    ("windowed", 12, {"w": 5}, "w"),
    ("windowed", 12, {"w": 0}, "w"),
    ("windowed", 10, {"w": 4}, "w"),
    ("sparse-strided", 12, {"l": 0}, "l"),
    ("sparse-fixed", 12, {"l": 4, "c": 5}, "c"),
]


@pytest.fixture(scope="module")
def chromium() -> Iterator:
    """One Chromium for this module (skips or fails before any site is built)."""
    with launched_chromium() as browser:
        yield browser


@pytest.fixture(scope="module")
def page(chromium, built_site: Path) -> Iterator:
    """The Problem 1 page, open in Chromium, with its errors recorded."""
    with serve(built_site) as base:
        context = chromium.new_context()
        seen = watch(context)
        tab = context.new_page()
        tab.goto(base + PAGE, wait_until="load")
        tab.wait_for_selector(f"{ROOT} .mask-explorer__grid")
        wait_for_math(tab)
        tab.seen = seen
        yield tab
        context.close()


def field(page, key: str):
    """The input of one parameter, found by its visible label."""
    labels = {"n": "Sequence length n", "t": "Look-back t", "w": "Window w"}
    if key in labels:
        return page.locator(ROOT).get_by_label(labels[key], exact=True)
    return page.locator(f'{ROOT} [data-param="{key}"] input')


def set_inputs(page, pattern: str, n: object, params: dict[str, object]) -> None:
    """Choose the pattern, then type each value as a reader would."""
    page.locator(ROOT).get_by_label("Pattern", exact=True).select_option(pattern)
    field(page, "n").fill(str(n))
    for key, value in params.items():
        field(page, key).fill(str(value))


def status(page) -> str:
    return page.locator(f'{ROOT} [role="status"]').inner_text().strip()


def shaded_cells(page) -> set[tuple[int, int]]:
    """(row, column) of every shaded cell in the drawn grid."""
    cells = page.evaluate(
        """() => [...document.querySelectorAll('.mask-explorer__on')].map((cell) =>
             [Number(cell.closest('[data-row]').dataset.row), Number(cell.dataset.col)])"""
    )
    return {(i, j) for i, j in cells}


def test_labels_are_visible(page) -> None:
    """Every input the issue names has a visible label."""
    set_inputs(page, "strided", 12, {"t": 3})
    for text in ("Pattern", "Sequence length n", "Look-back t"):
        assert page.locator(ROOT).get_by_text(text, exact=True).is_visible(), text
    set_inputs(page, "windowed", 12, {"w": 4})
    assert page.locator(ROOT).get_by_text("Window w", exact=True).is_visible()
    assert not page.locator(ROOT).get_by_text("Look-back t", exact=True).is_visible()


@pytest.mark.parametrize(("name", "n", "params"), CASES, ids=lambda c: str(c))
def test_counts_match_the_python_module(page, name: str, n: int, params: dict) -> None:
    """Status line, shaded cells and closed form all equal attention.py's mask and count."""
    set_inputs(page, name, n, params)
    pattern = PATTERNS[name]
    mask = pattern.mask(n, **params)
    expected = pattern.count(n, **params)
    match = STATUS.match(status(page))
    assert match, status(page)
    shaded, total, _, closed = (match[1], match[2], match[3], match[4])
    assert (int(shaded), int(total), int(closed)) == (int(mask.sum()), n * n, expected)
    assert shaded_cells(page) == {(int(i), int(j)) for i, j in np.argwhere(mask)}
    label = page.locator(f"{ROOT} .mask-explorer__grid").get_attribute("aria-label")
    assert f"n = {n}" in label and f"{expected} of {n * n} scores computed" in label
    assert page.locator(f'{ROOT} [aria-invalid="true"]').count() == 0


@pytest.mark.parametrize(("name", "n", "params", "bad"), INVALID, ids=lambda c: str(c))
def test_invalid_input_keeps_the_last_grid(page, name: str, n, params: dict, bad: str) -> None:
    """A bad value shows its message beside the input and leaves grid and status alone."""
    set_inputs(page, name, 12, valid_params(name))
    grid_before = page.locator(f"{ROOT} .mask-explorer__figure").inner_html()
    status_before = status(page)
    errors_before = len(page.seen.page_errors) + len(page.seen.console_errors)

    set_inputs(page, name, n, params)

    box = field(page, bad)
    assert box.get_attribute("aria-invalid") == "true"
    message = page.locator("#" + box.get_attribute("aria-describedby"))
    assert message.is_visible() and message.inner_text().strip(), "no message shown"
    assert page.locator(f"{ROOT} .mask-explorer__figure").inner_html() == grid_before
    assert status(page) == status_before
    assert len(page.seen.page_errors) + len(page.seen.console_errors) == errors_before

    # Putting valid values back clears the message.
    set_inputs(page, name, 12, valid_params(name))
    assert box.get_attribute("aria-invalid") is None
    assert message.inner_text().strip() == ""


def valid_params(name: str) -> dict[str, int]:
    """A valid value for each parameter the pattern takes, at n = 12."""
    values = {"t": 3, "w": 4, "l": 4, "c": 1}
    return {key: values[key] for key in PATTERNS[name].params}


def test_keyboard_moves_the_highlighted_row(page) -> None:
    """Tab reaches the grid; arrow keys, Home and End move the row and name its count."""
    set_inputs(page, "strided", 12, {"t": 3})
    counts = row_counts(PATTERNS["strided"].mask(12, t=3))
    box = field(page, "t")
    box.focus()
    for _ in range(6):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.hasAttribute('data-row')"):
            break
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
    with serve(built_site) as base:
        context = chromium.new_context(java_script_enabled=False)
        try:
            tab = context.new_page()
            tab.goto(base + PAGE, wait_until="load")
            assert tab.locator(f"{ROOT} .mask-explorer__fallback").is_visible()
            assert tab.locator(f"{ROOT} .mask-explorer__grid").count() == 0
            widths = tab.evaluate("() => [...document.images].map((img) => img.naturalWidth)")
            assert widths and all(widths), f"static figures not shown: {widths}"
        finally:
            context.close()
