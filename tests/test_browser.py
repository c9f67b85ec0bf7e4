"""Every page of the built site, opened in Chromium: errors, requests, images, math,
palette, accessibility and weight."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from browser import (
    IMAGES,
    VISIBLE_TEXT,
    PageWatch,
    launched_chromium,
    local_pages,
    math_counts,
    serve,
    wait_for_math,
    watch,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# Page weight budgets, gzip-compressed bytes (1 MB = 10^6 bytes).
BUDGET = 1_000_000
LAB_BUDGET = 3_000_000
LAB_PAGE = "lab/attention-lab/"

# TeX delimiters left in the text a reader sees mean a formula did not render.
RAW_MATH = re.compile(r"\$\$|\\\(|\\\)|\\\[|\\\]|\$[^\s$][^$\n]*\$")

IMPACTS = ("serious", "critical")


@dataclass
class PageResult:
    """Everything one page showed, gathered in a single visit."""

    path: str
    watch: PageWatch
    images: list[dict] = field(default_factory=list)
    raw_math: list[str] = field(default_factory=list)
    math: dict[str, int] = field(default_factory=dict)
    schemes: list[str] = field(default_factory=list)
    axe: dict[str, list[str]] = field(default_factory=dict)
    gzip_bytes: int = 0

    def __repr__(self) -> str:
        # Short, so a failing test's traceback lists the problems, not every field.
        return f"PageResult({self.path!r})"


def _axe_violations(page) -> list[str]:
    """Serious and critical axe-core violations, one line per rule and element."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {node['target']} {node.get('failureSummary', '')!r}"
        for v in results.response["violations"]
        if v["impact"] in IMPACTS
        for node in v["nodes"]
    ]


def _palette(page) -> str:
    return page.evaluate("() => document.body.getAttribute('data-md-color-scheme')")


def _toggle_palette(page) -> str:
    """Click the visible palette toggle and return the scheme it switched to."""
    before = _palette(page)
    page.locator('form[data-md-component="palette"] label:visible').click()
    page.wait_for_function(
        "(before) => document.body.getAttribute('data-md-color-scheme') !== before", arg=before
    )
    return _palette(page)


def visit(browser, base: str, path: str) -> PageResult:
    """Open one page in a fresh context and gather what the checks need."""
    context = browser.new_context(color_scheme="light")
    seen = watch(context)
    result = PageResult(path, seen)
    try:
        page = context.new_page()
        page.goto(base + path, wait_until="load")
        wait_for_math(page)
        page.wait_for_load_state("networkidle")
        result.images = page.evaluate(IMAGES)
        result.math = math_counts(page)
        result.raw_math = RAW_MATH.findall(page.evaluate(VISIBLE_TEXT))
        result.axe["light"] = _axe_violations(page)
        result.schemes.append(_palette(page))
        result.schemes.append(_toggle_palette(page))
        result.axe["dark"] = _axe_violations(page)
        result.schemes.append(_toggle_palette(page))
        result.gzip_bytes = seen.gzip_bytes()
    finally:
        context.close()
    return result


@pytest.fixture(scope="module")
def chromium() -> Iterator:
    """One Chromium for this module."""
    with launched_chromium() as browser:
        yield browser


@pytest.fixture(scope="module")
def base_url(built_site: Path) -> Iterator[str]:
    """The built site, served on 127.0.0.1."""
    with serve(built_site) as base:
        yield base


@pytest.fixture(scope="module")
def results(chromium, base_url: str, built_site: Path) -> dict[str, PageResult]:
    """Every page of the site, visited once."""
    return {path: visit(chromium, base_url, path) for path in local_pages(built_site)}


def _report(failures: dict[str, list[str]]) -> str:
    return "\n".join(
        f"{path or 'home'}:\n  " + "\n  ".join(lines) for path, lines in failures.items() if lines
    )


def test_the_site_has_its_pages(results: dict[str, PageResult]) -> None:
    """The sitemap lists the home page, the three problems and the references."""
    assert "" in results and "efficient-attention/" in results and LAB_PAGE in results


def test_no_errors_failed_or_foreign_requests(results: dict[str, PageResult]) -> None:
    """No console or page error, no failed request, nothing fetched from another host."""
    failures = {path: r.watch.problems() for path, r in results.items()}
    assert not any(failures.values()), _report(failures)


def test_images_load_and_have_alt_text(results: dict[str, PageResult]) -> None:
    """Every image loaded (naturalWidth > 0) and has non-empty alt text."""
    failures = {
        path: [
            f"{'not loaded' if not img['width'] else 'no alt text'}: {img['src'][:120]}"
            for img in r.images
            if not img["width"] or not img["alt"]
        ]
        for path, r in results.items()
    }
    assert not any(failures.values()), _report(failures)


def test_math_is_rendered(results: dict[str, PageResult]) -> None:
    """No TeX delimiters in visible text, and MathJax rendered every marked formula."""
    failures = {
        path: [f"raw TeX in the text: {raw!r}" for raw in r.raw_math]
        + (
            [f"{r.math['unrendered']} of {r.math['marked']} formulas not rendered by MathJax"]
            if r.math["unrendered"]
            else []
        )
        for path, r in results.items()
    }
    assert not any(failures.values()), _report(failures)


def test_math_pages_have_mathjax_output(results: dict[str, PageResult]) -> None:
    """Problem 1 has formulas, and every page with formulas has MathJax's mjx-container."""
    assert results["efficient-attention/"].math["marked"] > 0
    failures = {
        path: [f"{r.math['marked']} formulas but {r.math['rendered']} mjx-container"]
        for path, r in results.items()
        if r.math["rendered"] < r.math["marked"]
    }
    assert not failures, _report(failures)


def test_palette_toggles_to_dark_and_back(results: dict[str, PageResult]) -> None:
    """Material's palette toggle switches the body from default to slate and back."""
    failures = {
        path: [f"schemes seen {r.schemes}"]
        for path, r in results.items()
        if r.schemes != ["default", "slate", "default"]
    }
    assert not failures, _report(failures)


def test_no_serious_accessibility_violations(results: dict[str, PageResult]) -> None:
    """axe-core finds no serious or critical violation in either palette."""
    failures = {
        path: [f"[{scheme}] {line}" for scheme, lines in r.axe.items() for line in lines]
        for path, r in results.items()
    }
    assert not any(failures.values()), _report(failures)


def test_page_weights_within_budget(results: dict[str, PageResult]) -> None:
    """Each page, gzip-compressed, under 1 MB; the lab page under 3 MB."""
    rows = [f"{'page':<28} {'gzip bytes':>12}  budget"]
    over = []
    for path, r in results.items():
        budget = LAB_BUDGET if path == LAB_PAGE else BUDGET
        rows.append(f"{path or '(home)':<28} {r.gzip_bytes:>12,}  {budget:,}")
        if r.gzip_bytes >= budget:
            over.append(path or "(home)")
    table = "\n".join(rows)
    print(table)
    assert not over, f"pages over budget: {over}\n{table}"


def test_instant_navigation_keeps_math_and_explorer(chromium, base_url: str) -> None:
    """A nav click from home swaps the page without a reload; math and explorer render."""
    base = base_url
    context = chromium.new_context()
    try:
        seen = watch(context)
        page = context.new_page()
        page.goto(base, wait_until="load")
        wait_for_math(page)
        # Instant navigation starts once Material has fetched the sitemap.
        page.wait_for_load_state("networkidle")
        page.evaluate("() => { window.__sameDocument = true; }")
        page.locator('.md-nav--primary a.md-nav__link[href$="efficient-attention/"]').first.click()
        page.wait_for_url("**/efficient-attention/")
        page.wait_for_selector(".mask-explorer__grid")
        wait_for_math(page)
        assert page.evaluate("() => window.__sameDocument === true"), "the page reloaded"
        math = math_counts(page)
        assert math["marked"] > 0 and math["unrendered"] == 0, math
        assert "scores computed" in page.locator('.mask-explorer [role="status"]').inner_text()
        # Back home and forward again: still exactly one explorer, one grid.
        page.go_back()
        page.wait_for_url(base)
        page.go_forward()
        page.wait_for_selector(".mask-explorer__grid")
        assert page.locator(".mask-explorer__grid").count() == 1
        assert page.locator(".mask-explorer__controls").count() == 1
    finally:
        context.close()
    assert not seen.problems(), seen.problems()
