"""The widgets on a touch screen: a 390 x 460 px phone view with touch, driven by the
touch events Chromium's DevTools protocol dispatches, as a finger would."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser import serve, watch

from chapter.model import rnn2d
from chapter.model.practice import QUESTIONS, answer

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# A phone held upright with the on-screen keyboard up leaves about this much page.
VIEWPORT = {"width": 390, "height": 460}


@pytest.fixture(scope="module")
def phone(chromium, built_site: Path) -> Iterator:
    """One touch-screen browser context at VIEWPORT, on the served site: (context, base)."""
    with serve(built_site) as base:
        context = chromium.new_context(viewport=VIEWPORT, has_touch=True, is_mobile=True)
        context.seen = watch(context)
        try:
            yield context, base
        finally:
            context.close()


def _open(phone, path: str, ready: str):
    context, base = phone
    tab = context.new_page()
    tab.goto(base + path, wait_until="load")
    tab.wait_for_selector(ready)
    return tab


@pytest.fixture(scope="module")
def attention(phone):
    """The Problem 1 page, loaded once."""
    return _open(phone, "efficient-attention/", ".mask-explorer__grid")


@pytest.fixture(scope="module")
def rnn_page(phone):
    """The Problem 2 page, loaded once."""
    return _open(phone, "rnns-for-images/", ".rnn2d-explorer--ready")


def swipe(tab, x: float, y: float, up: float) -> None:
    """A finger put down at (x, y) and moved `up` px towards the top, then lifted."""
    cdp = tab.context.new_cdp_session(tab)
    cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": x, "y": y}]})
    for k in range(1, 11):
        point = {"x": x, "y": y - up * k / 10}
        cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [point]})
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    cdp.detach()


def settle(tab) -> None:
    """Wait until the page stops scrolling: a swipe's fling goes on after the finger lifts,
    and would move the grid between measuring a row and tapping it."""
    tab.evaluate(
        """() => new Promise((done) => {
             let last = null;
             const check = () => {
               if (window.scrollY === last) return done();
               last = window.scrollY;
               setTimeout(check, 150);
             };
             check();
           })"""
    )


def show_grid(tab, pattern: str, n: int) -> None:
    root = tab.locator(".mask-explorer")
    root.get_by_label("Pattern", exact=True).select_option(pattern)
    root.get_by_label("Sequence length n", exact=True).fill(str(n))


def test_a_vertical_swipe_on_the_mask_grid_scrolls_the_page(attention) -> None:
    show_grid(attention, "causal", 12)
    attention.locator(".mask-explorer__grid").evaluate(
        "(svg) => svg.scrollIntoView({ block: 'center' })"
    )
    box = attention.locator(".mask-explorer__grid").bounding_box()
    before = attention.evaluate("() => window.scrollY")
    swipe(attention, box["x"] + box["width"] / 2, box["y"] + box["height"] / 2, 200)
    attention.wait_for_function(f"() => window.scrollY > {before} + 100", timeout=2000)


@pytest.mark.parametrize("n", [12, 64])
def test_a_tap_selects_the_tapped_row(attention, n: int) -> None:
    """Tapping the middle of a row, at the default size and at the largest, reads that row;
    the grid's rows and columns are numbered and the widget says to tap."""
    show_grid(attention, "causal", n)
    rows = [0, n // 2, n - 1]
    grid = attention.locator(".mask-explorer__grid")
    settle(attention)
    grid.evaluate("(svg) => svg.scrollIntoView({ block: 'center' })")
    settle(attention)
    centres = grid.evaluate(
        """(svg, rows) => rows.map((r) => {
             const box = svg.querySelector(`[data-row="${r}"] .mask-explorer__band`)
               .getBoundingClientRect();
             return [box.x + box.width / 2, box.y + box.height / 2];
           })""",
        rows,
    )
    for row, (x, y) in zip(rows, centres, strict=True):
        attention.touchscreen.tap(x, y)
        readout = attention.locator(".mask-explorer__row").inner_text()
        assert readout.startswith(f"Row {row + 1} of {n}:"), (row, readout)
    numbers = grid.evaluate(
        "(svg) => [...svg.querySelectorAll('.mask-explorer__number')].map((t) => t.textContent)"
    )
    # Each number labels a row and a column; a small grid numbers every one.
    assert all(numbers.count(k) == 2 for k in numbers) and "1" in numbers, numbers
    assert n > 12 or set(numbers) == {str(k) for k in range(1, n + 1)}, numbers
    hint = attention.locator(".mask-explorer__hint")
    assert hint.is_visible() and hint.inner_text().startswith("Tap a row")


def test_a_tap_on_the_influence_map_shows_a_value(rnn_page) -> None:
    """A first tap reads the input's influence on the chosen cell (Python's value); a
    second tap on it chooses that cell."""
    root = rnn_page.locator(".rnn2d-explorer")
    root.get_by_label("Grid size n", exact=True).fill("7")
    status = root.locator(".rnn2d-explorer__status").nth(1)
    assert status.inner_text().startswith("Influence on h(7, 7) with a = 0.50, b = 0.50")
    cell = root.locator('.rnn2d-explorer__map [data-i="2"][data-j="3"]')
    cell.tap()
    readout = root.locator(".rnn2d-explorer__readout")
    expected = rnn2d.influence_map(7, 6, 6, 1.0, 0.5, 0.5)[2, 3]
    assert readout.inner_text().startswith("Input x(3, 4) on h(7, 7): 0.273.")
    assert float(readout.get_attribute("data-value")) == pytest.approx(expected, rel=1e-12)
    cell.tap()
    assert status.inner_text().startswith("Influence on h(3, 4)")


def test_practice_feedback_is_in_view_and_new_numbers_keeps_the_keyboard_down(
    attention,
) -> None:
    """The first question's input at the bottom of the screen: after Check the verdict is
    inside the viewport, marked by a sign as well as words; New numbers does not focus
    the input; an unanswered card is no taller than its text."""
    question = next(q for q in QUESTIONS if q.page == "attention")
    card = attention.locator(f'.practice__question[data-question="{question.name}"]')
    field = card.get_by_label("Your answer")
    to_bottom = "(input) => input.scrollIntoView({ block: 'end' })"
    field.evaluate(to_bottom)
    # The prompt's height against its lines of text, each one line-height tall.
    sizes = card.evaluate(
        """(card) => {
             const prompt = card.querySelector('.practice__prompt');
             const text = document.createRange();
             text.selectNodeContents(prompt);
             const lines = new Set([...text.getClientRects()].map((r) => Math.round(r.top)));
             return [prompt.getBoundingClientRect().height,
                     lines.size * parseFloat(getComputedStyle(prompt).lineHeight),
                     card.querySelector('[role="status"]').getBoundingClientRect().height];
           }"""
    )
    prompt, text, status_height = sizes
    assert prompt == pytest.approx(text, abs=1) and status_height == 0, sizes
    marks = {}
    right = str(int(answer(question, json.loads(card.get_attribute("data-values")))))
    for typed, kind in [("1", "wrong"), (right, "correct")]:
        field.evaluate(to_bottom)
        field.fill(typed)
        field.press("Enter")
        status = card.locator('[role="status"]')
        box = status.evaluate(
            """(s) => { const b = s.getBoundingClientRect();
                        return [b.top, b.bottom, window.innerHeight, s.dataset.result,
                                getComputedStyle(s, '::before').content]; }"""
        )
        top, bottom, height, result, mark = box
        # Within a pixel: the browser places the box at fractions of a pixel.
        assert result == kind and top >= 0 and bottom <= height + 1, box
        marks[kind] = mark
    assert marks["correct"] != marks["wrong"] and "none" not in marks.values(), marks
    card.get_by_role("button", name="New numbers").tap()
    assert attention.evaluate("() => document.activeElement.tagName") != "INPUT"


def test_no_errors_on_the_pages(phone, attention, rnn_page) -> None:
    assert not phone[0].seen.problems(), phone[0].seen.problems()
