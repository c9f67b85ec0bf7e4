"""Helpers for the browser tests: find Chromium, serve the built site, watch a page."""

from __future__ import annotations

import gzip
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest

# The server and browser flags are shared with scripts/make_pdf.py.
from chapter.shared.server import CHROMIUM, CHROMIUM_ARGS, HOST, page_urls, serve


def require_chromium() -> str:
    """Debian's Chromium path; skip without it, except in CI, where a missing browser fails."""
    message = (
        f"the browser tests need Debian's Chromium at {CHROMIUM}: "
        "install it with `sudo apt-get install chromium`"
    )
    if not CHROMIUM.is_file():
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return str(CHROMIUM)


@contextmanager
def launched_chromium() -> Iterator:
    """One headless Chromium (never a browser Playwright downloads), closed afterwards."""
    executable = require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def local_pages(site: Path) -> list[str]:
    """Every page's path under the published prefix, home first, plus the 404 page."""
    prefix = urlsplit(page_urls(site)[0]).path
    paths = [urlsplit(url).path.removeprefix(prefix) for url in page_urls(site)]
    return [*paths, "404.html"]


@dataclass
class PageWatch:
    """What a page did while it loaded: errors, failed and foreign requests, responses."""

    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    foreign_requests: list[str] = field(default_factory=list)
    responses: list = field(default_factory=list)

    def problems(self) -> list[str]:
        """Every error the page raised, one line each."""
        return [
            *(f"console error: {m}" for m in self.console_errors),
            *(f"page error: {m}" for m in self.page_errors),
            *(f"failed request: {m}" for m in self.failed_requests),
            *(f"request to another host: {m}" for m in self.foreign_requests),
        ]

    def gzip_bytes(self) -> int:
        """Total size of every response body the page loaded, gzip-compressed."""
        total = 0
        for response in self.responses:
            try:
                body = response.body()
            except Exception:  # a redirect or a body the browser already dropped
                continue
            total += len(gzip.compress(body, compresslevel=6, mtime=0))
        return total


def watch(context) -> PageWatch:
    """Record a browser context's errors and requests; block any request off 127.0.0.1."""
    seen = PageWatch()

    def route(route) -> None:
        if urlsplit(route.request.url).hostname == HOST or route.request.url.startswith("data:"):
            route.continue_()
        else:
            seen.foreign_requests.append(route.request.url)
            route.abort()

    def on_response(response) -> None:
        if response.status >= 400:
            seen.failed_requests.append(f"{response.status} {response.url}")
        else:
            seen.responses.append(response)

    def on_failed(request) -> None:
        if urlsplit(request.url).hostname == HOST:
            seen.failed_requests.append(f"{request.failure} {request.url}")

    def on_console(message) -> None:
        if message.type == "error":
            seen.console_errors.append(message.text)

    context.route("**/*", route)
    context.on("response", on_response)
    context.on("requestfailed", on_failed)
    context.on("console", on_console)
    context.on("weberror", lambda error: seen.page_errors.append(str(error.error)))
    return seen


# Formulas are drawn at build time, so they are in the page as soon as its
# content is; after instant navigation that content is swapped in by script.
MATH_DRAWN = """() => [...document.querySelectorAll('.md-content .arithmatex')]
  .every((el) => el.querySelector('mjx-container > svg'))"""


def wait_for_math(page) -> None:
    """Wait until every formula in the page's content holds its drawing."""
    page.wait_for_function(MATH_DRAWN)


# Text a reader sees in the page's content, outside code, scripts and rendered math.
VISIBLE_TEXT = """() => {
  const root = document.querySelector('.md-content') || document.body;
  const skip = 'pre, code, kbd, script, style, textarea, mjx-container, .mask-explorer';
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  const parts = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    if (!parent || parent.closest(skip)) continue;
    if (!parent.checkVisibility({ visibilityProperty: true })) continue;
    parts.push(node.textContent);
  }
  return parts.join(' ');
}"""

# Every image on the page, after waiting for any still loading.
IMAGES = """async () => {
  const images = [...document.images];
  for (const img of images) img.loading = 'eager';
  await Promise.all(images.map((img) => img.complete ? null :
    new Promise((resolve) => { img.onload = img.onerror = resolve; })));
  return images.map((img) => ({
    src: img.currentSrc || img.src,
    alt: (img.getAttribute('alt') || '').trim(),
    width: img.naturalWidth,
  }));
}"""


def math_counts(page) -> dict[str, int]:
    """How many formulas the page marks, and how many hold a drawing."""
    return page.evaluate(
        """() => ({
          marked: document.querySelectorAll('.md-content .arithmatex').length,
          unrendered: [...document.querySelectorAll('.md-content .arithmatex')]
            .filter((el) => !el.querySelector('mjx-container > svg')).length,
          rendered: document.querySelectorAll('.md-content mjx-container').length,
        })"""
    )


# Every formula a reader can see (closed <details> opened first), whose box or
# drawing is 4 px or less across or high: a formula shrunk out of sight.
TINY_MATH = """() => {
  for (const details of document.querySelectorAll('.md-content details')) details.open = true;
  const tiny = [];
  for (const math of document.querySelectorAll('.md-content mjx-container')) {
    if (!math.checkVisibility()) continue;  // in a tab that is not selected
    for (const el of [math, math.querySelector('svg')]) {
      const box = el.getBoundingClientRect();
      if (box.width <= 4 || box.height <= 4) {
        tiny.push(`${el.tagName} ${box.width}x${box.height}: ` +
          (math.querySelector('math')?.textContent ?? '').slice(0, 60));
      }
    }
  }
  return {
    seen: [...document.querySelectorAll('.md-content mjx-container')]
      .filter((el) => el.checkVisibility()).length,
    tiny,
  };
}"""


# What a phone must fit, gathered in one pass once TINY_MATH has opened every <details>:
# display formulas drawn wider than their box or scrolling in it; tables wider than
# their box or than the column, and identifiers in a table broken inside a word; text
# (outside tables) in problem and solution boxes at another size than the body's; and, for the
# pixel test of test_screen_widths.py, where each formula or table inside such a box
# crosses the box's left and right borders, in page coordinates.
PHONE_FIT = """() => {
  const visible = (el) => el.checkVisibility();
  const name = (el) => (el.querySelector('math')?.textContent ?? el.textContent)
    .replace(/\\s+/g, ' ').trim().slice(0, 60);
  const column = document.querySelector('.md-content__inner').getBoundingClientRect();
  // Whether a line ends between two word characters of el's text.
  const brokenInWord = (el) => {
    const chars = [];
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (let i = 0; i < node.length; i++) {
        const range = document.createRange();
        range.setStart(node, i);
        range.setEnd(node, i + 1);
        chars.push([node.data[i], range.getBoundingClientRect().top]);
      }
    }
    return chars.some(([c, top], i) => i > 0 && top > chars[i - 1][1] + 1 &&
      /\\w/.test(c) && /\\w/.test(chars[i - 1][0]));
  };
  const wideMath = [];
  for (const box of [...document.querySelectorAll('.md-content div.arithmatex')].filter(visible)) {
    const drawn = box.querySelector('mjx-container > svg').getBoundingClientRect();
    const room = box.getBoundingClientRect();
    if (box.scrollWidth > box.clientWidth || drawn.left < room.left - 0.5 ||
        drawn.right > room.right + 0.5) {
      wideMath.push(`${name(box)}: drawn ${Math.round(drawn.width)}px, ` +
        `scrolls ${box.scrollWidth}px, in a ${box.clientWidth}px box`);
    }
  }
  const wideTables = [];
  for (const table of [...document.querySelectorAll('.md-content table')].filter(visible)) {
    const boxes = [table, table.closest('.md-typeset__scrollwrap')].filter(Boolean);
    const over = boxes.filter((el) => el.scrollWidth > el.clientWidth)
      .map((el) => `${el.scrollWidth}px in ${el.clientWidth}px`);
    const right = table.getBoundingClientRect().right;
    if (right > column.right + 0.5) {
      over.push(`right edge ${Math.round(right - column.right)}px past the column`);
    }
    for (const code of table.querySelectorAll('code')) {
      if (code.getClientRects().length > 1 && brokenInWord(code)) {
        over.push(`${code.textContent} broken inside a word`);
      }
    }
    const head = table.querySelector('tr').innerText.replace(/\\s+/g, ' ').slice(0, 40);
    if (over.length) wideTables.push(`${head}: ${over.join(', ')}`);
  }
  const body = getComputedStyle(document.querySelector('.md-content .md-typeset')).fontSize;
  const boxes = [...document.querySelectorAll('.md-content :is(.admonition, details)')]
    .filter(visible);
  const smallText = [];
  for (const box of boxes) {
    const title = box.querySelector(':scope > :is(summary, .admonition-title)')?.textContent.trim();
    // Tables keep Material's table size everywhere, in boxes as in the text.
    const sizes = new Set([box, ...box.querySelectorAll(':is(p, li, span.arithmatex):not(table *)')]
      .filter(visible).map((el) => getComputedStyle(el).fontSize).filter((size) => size !== body));
    if (sizes.size) smallText.push(`${title}: ${[...sizes].join(', ')} against the body's ${body}`);
  }
  const crossings = [];
  for (const inner of [...document.querySelectorAll('.md-content :is(.admonition, details) ' +
      ':is(div.arithmatex, .md-typeset__scrollwrap)')].filter(visible)) {
    const box = inner.closest('.admonition, details');
    const outer = box.getBoundingClientRect(), rows = inner.getBoundingClientRect();
    const style = getComputedStyle(box);
    crossings.push({
      what: name(inner),
      x: Math.round(outer.left + scrollX), width: Math.round(outer.width),
      y: Math.round(rows.top + scrollY), height: Math.max(1, Math.round(rows.height)),
      left: style.borderLeftColor, right: style.borderRightColor,
    });
  }
  return {wideMath, wideTables, smallText, crossings};
}"""


# --- axe-core and the palette toggle -------------------------------------------------

# The impacts of an axe-core violation that fail a test.
IMPACTS = ("serious", "critical")

# Material fades a tooltip in over 250 ms when the pointer rests on a titled control,
# such as the palette toggle just clicked. Scanned mid-fade, the half-transparent text
# fails colour contrast (axe measured 1.99:1 at opacity 0.3 in the dark palette) though
# the settled tooltip passes; so axe waits until no CSS transition has run for
# QUIET_FRAMES frames in a row (about 0.3 s), giving up after SETTLE_WITHIN ms.
QUIET_FRAMES = 20
SETTLE_WITHIN = 5000
SETTLED = """([quiet, within]) => new Promise((resolve) => {
  const start = performance.now();
  let still = 0;
  const look = () => {
    const moving = document.getAnimations().some(
      (a) => a instanceof CSSTransition && a.playState === "running");
    still = moving ? 0 : still + 1;
    if (still >= quiet) resolve(true);
    else if (performance.now() - start > within) resolve(false);
    else requestAnimationFrame(look);
  };
  requestAnimationFrame(look);
})"""


def settled(page) -> bool:
    """Whether the page stopped changing (SETTLED) before SETTLE_WITHIN ms passed."""
    return page.evaluate(SETTLED, [QUIET_FRAMES, SETTLE_WITHIN])


def axe_violations(page) -> list[str]:
    """Serious and critical axe-core violations, one line per rule and element, once the
    page has stopped changing."""
    from axe_playwright_python.sync_playwright import Axe

    if not settled(page):
        return [f"page still in transition after {SETTLE_WITHIN} ms, not scanned"]
    results = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {node['target']} {node.get('failureSummary', '')!r}"
        for v in results.response["violations"]
        if v["impact"] in IMPACTS
        for node in v["nodes"]
    ]


def palette(page) -> str:
    """Material's colour scheme of the page: default (light) or slate (dark)."""
    return page.evaluate("() => document.body.getAttribute('data-md-color-scheme')")


def toggle_palette(page) -> str:
    """Click the visible palette toggle and return the scheme it switched to."""
    before = palette(page)
    page.locator('form[data-md-component="palette"] label:visible').click()
    page.wait_for_function(
        "(before) => document.body.getAttribute('data-md-color-scheme') !== before", arg=before
    )
    return palette(page)


NEXT_FRAME = "() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))"


# --- The widgets (explorers, practice questions) ------------------------------------

# A phone and a desktop width: each widget is tried at both.
WIDGET_WIDTHS = {"phone": 390, "desktop": 1280}


def widget_page(path: str, ready: str):
    """A module-scoped `page` fixture: the page at path, open in the `chromium` fixture
    at each of WIDGET_WIDTHS once `ready` matches and its formulas are drawn, with what
    it did recorded in `page.seen` (a PageWatch)."""

    @pytest.fixture(scope="module", params=list(WIDGET_WIDTHS), ids=list(WIDGET_WIDTHS))
    def page(request, chromium, built_site: Path) -> Iterator:
        with serve(built_site) as base:
            viewport = {"width": WIDGET_WIDTHS[request.param], "height": 900}
            context = chromium.new_context(viewport=viewport)
            try:
                seen = watch(context)
                tab = context.new_page()
                tab.goto(base + path, wait_until="load")
                tab.wait_for_selector(ready)
                wait_for_math(tab)
                tab.seen = seen
                yield tab
            finally:
                context.close()

    return page


@contextmanager
def page_without_javascript(browser, site: Path, path: str) -> Iterator:
    """The page at path of the built site, loaded with JavaScript switched off."""
    with serve(site) as base:
        context = browser.new_context(java_script_enabled=False)
        try:
            tab = context.new_page()
            tab.goto(base + path, wait_until="load")
            # Material's script defines document$; if it ran, this page is no test of
            # what a reader without JavaScript sees.
            assert tab.evaluate("() => typeof window.document$") == "undefined"
            yield tab
        finally:
            context.close()


# An element's text with each formula a widget drew (marked data-tex, its drawing in
# an SVG) written as its TeX; a formula without its drawing reads as UNDRAWN.
TEXT_WITH_TEX = """(root) => {
  const copy = root.cloneNode(true);
  for (const math of copy.querySelectorAll('[data-tex]')) {
    const drawn = math.querySelector('mjx-container > svg');
    math.replaceWith(drawn ? math.dataset.tex : 'UNDRAWN');
  }
  return copy.textContent.trim();
}"""


def text_with_tex(locator) -> str:
    """The element's text, its drawn formulas written as their TeX (TEXT_WITH_TEX)."""
    return locator.evaluate(TEXT_WITH_TEX)


def field_messages(page, widget: str) -> dict[str, str]:
    """Every non-empty message beside a field of the widget (its class, such as
    "mask-explorer"), by the field's data-param."""
    return page.evaluate(
        """(widget) => Object.fromEntries([...document.querySelectorAll(`.${widget}__field`)]
             .map((f) => [f.dataset.param, f.querySelector(`.${widget}__error`).textContent])
             .filter(([, text]) => text.trim() !== ''))""",
        widget,
    )


def input_time_ms(page, selector: str, typed: str) -> float:
    """Milliseconds the page takes to handle `typed` put into the input at selector,
    from setting the value to the end of its input event's handlers."""
    return page.evaluate(
        """([selector, typed]) => {
             const input = document.querySelector(selector);
             const start = performance.now();
             input.value = typed;
             input.dispatchEvent(new Event('input', { bubbles: true }));
             return performance.now() - start;
           }""",
        [selector, typed],
    )


def tab_stops(page, root: str, named: dict[str, str], most: int = 8) -> list[str]:
    """Where Tab goes from the focused element, up to `most` stops, ending with "outside"
    once focus leaves root. A stop is the name in `named` of the first selector it
    matches, else the data-param of its field, else its tag name."""
    stops: list[str] = []
    for _ in range(most):
        stops.append(
            page.evaluate(
                """([root, named]) => {
                     const a = document.activeElement;
                     if (!a.closest(root)) return 'outside';
                     const hit = Object.entries(named).find(([selector]) => a.matches(selector));
                     if (hit) return hit[1];
                     return a.closest('[data-param]')?.dataset.param ?? a.tagName;
                   }""",
                [root, named],
            )
        )
        if stops[-1] == "outside":
            break
        page.keyboard.press("Tab")
    return stops


def box_sizes(locator) -> list[tuple[float, float]]:
    """(width, height) in CSS px of every element the locator matches."""
    boxes = locator.evaluate_all(
        "(els) => els.map((e) => [e.getBoundingClientRect().width,"
        " e.getBoundingClientRect().height])"
    )
    return [(w, h) for w, h in boxes]
