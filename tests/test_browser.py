"""Every page of the built site, opened in Chromium at the desktop width: errors,
requests, images, palette, accessibility and weight; and once with JavaScript off
(the other widths: tests/test_screen_widths.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest
from browser import (
    IMAGES,
    NEXT_FRAME,
    TINY_MATH,
    PageWatch,
    axe_violations,
    local_pages,
    math_counts,
    palette,
    toggle_palette,
    wait_for_math,
    watch,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# Page weight budgets, gzip-compressed bytes (1 MB = 10^6 bytes). Formulas are drawn
# at build time and no math engine is loaded, so a chapter page stays under 0.35 MB.
BUDGET = 350_000
LAB_BUDGET = 3_000_000
LAB_PAGE = "lab/attention-lab/"
DESKTOP = {"width": 1280, "height": 800}
SCHEMES = ("light", "dark")

OPEN_DETAILS = (
    "() => document.querySelectorAll('.md-content details').forEach((d) => (d.open = true))"
)


@dataclass
class PageResult:
    """Everything one page showed at the desktop width, gathered in a single visit."""

    path: str
    watch: PageWatch
    images: list[dict] = field(default_factory=list)
    schemes: list[str] = field(default_factory=list)
    axe: dict[str, list[str]] = field(default_factory=dict)
    gzip_bytes: int = 0

    def __repr__(self) -> str:
        # Short, so a failing test's traceback lists the problems, not every field.
        return f"PageResult({self.path!r})"


def visit(browser, base: str, path: str) -> PageResult:
    """Open one page at the desktop width in a fresh context and gather what the checks
    need: axe runs with every <details> open, in the light palette and then the dark."""
    context = browser.new_context(viewport=DESKTOP, color_scheme="light")
    seen = watch(context)
    result = PageResult(path, seen)
    try:
        page = context.new_page()
        page.goto(base + path, wait_until="load")
        wait_for_math(page)
        page.wait_for_load_state("networkidle")
        result.images = page.evaluate(IMAGES)
        result.gzip_bytes = seen.gzip_bytes()
        page.evaluate(OPEN_DETAILS)
        # Let the opened blocks lay out, so wide boxes in them have become focusable.
        page.evaluate(NEXT_FRAME)
        result.axe["light"] = axe_violations(page)
        result.schemes.append(palette(page))
        result.schemes.append(toggle_palette(page))
        result.axe["dark"] = axe_violations(page)
        result.schemes.append(toggle_palette(page))
    finally:
        context.close()
    return result


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


def test_palette_toggles_to_dark_and_back(results: dict[str, PageResult]) -> None:
    """Material's palette toggle switches the body from default to slate and back."""
    failures = {
        path: [f"schemes seen {r.schemes}"]
        for path, r in results.items()
        if r.schemes != ["default", "slate", "default"]
    }
    assert not failures, _report(failures)


def test_no_serious_accessibility_violations(results: dict[str, PageResult]) -> None:
    """axe-core finds no serious or critical violation at 1280 px with every <details>
    open, in either palette (a phone's width: tests/test_screen_widths.py)."""
    failures = {
        path: [f"[{scheme}] {line}" for scheme, lines in r.axe.items() for line in lines]
        for path, r in results.items()
    }
    assert not any(failures.values()), _report(failures)
    assert all(set(r.axe) == set(SCHEMES) for r in results.values())


def test_axe_scans_a_tooltip_only_once_it_has_faded_in(chromium, base_url: str) -> None:
    """Slowed to 2 s, the palette toggle's tooltip is still fading in when the click
    returns: the scan must wait for it, and then find its dark colours readable."""
    context = chromium.new_context(color_scheme="light")
    try:
        page = context.new_page()
        page.goto(base_url + "404.html", wait_until="load")
        page.add_style_tag(content=".md-tooltip { transition-duration: 2s !important; }")
        assert toggle_palette(page) == "slate"
        assert axe_violations(page) == []
        opacity = "(t) => getComputedStyle(t).opacity"
        assert page.locator(".md-tooltip--active").evaluate(opacity) == "1"
    finally:
        context.close()


def test_page_weights_within_budget(results: dict[str, PageResult]) -> None:
    """Each page, gzip-compressed, under 0.35 MB; the lab page under 3 MB."""
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


def test_math_shows_without_javascript(chromium, base_url: str) -> None:
    """With JavaScript off, on a phone, every formula on the math pages still shows."""
    context = chromium.new_context(
        viewport={"width": 360, "height": 800}, java_script_enabled=False
    )
    try:
        page = context.new_page()
        for path in ("efficient-attention/", "rnns-for-images/", LAB_PAGE):
            page.goto(base_url + path, wait_until="load")
            math = page.evaluate(TINY_MATH)
            assert math["seen"] > 10 and not math["tiny"], (path, math)
    finally:
        context.close()


def _edge_contrast(png: bytes, background: tuple[int, ...]) -> tuple[float, float]:
    """How far the leftmost and rightmost pixel columns are from the background, median."""
    import io
    import statistics

    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("RGB")

    def column(x: int) -> float:
        return statistics.median(
            sum(abs(a - b) for a, b in zip(image.getpixel((x, y)), background, strict=True))
            for y in range(image.height)
        )

    return column(1), column(image.width - 2)


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize(
    ("path", "boxes", "widen"),
    [
        ("efficient-attention/", ".md-content div.arithmatex", "mjx-container > svg"),
        ("notation/", ".md-content .md-typeset__scrollwrap", "table"),
    ],
    ids=["formula", "table"],
)
def test_a_cut_off_box_shows_a_shadow_where_it_scrolls(
    chromium, base_url: str, scheme: str, path: str, boxes: str, widen: str
) -> None:
    """On a phone, a display formula or a table wider than the screen is shaded on the
    side that has more. The chapter's own all fit, so the first one is made too wide."""
    context = chromium.new_context(viewport={"width": 390, "height": 800}, color_scheme=scheme)
    try:
        page = context.new_page()
        page.goto(base_url + path, wait_until="load")
        page.evaluate("() => document.querySelectorAll('details').forEach((d) => (d.open = true))")
        page.locator(boxes).first.locator(widen).first.evaluate(
            "(el) => el.style.setProperty('min-width', '1000px', 'important')"
        )
        background = tuple(
            page.evaluate(
                """() => getComputedStyle(document.body).backgroundColor
                  .match(/\\d+/g).slice(0, 3).map(Number)"""
            )
        )
        wide = [
            box
            for box in page.locator(boxes).all()
            if box.evaluate("(box) => box.scrollWidth > box.clientWidth + 40")
        ]
        assert wide, f"no {boxes} on {path} is wider than a 390px screen"
        box = wide[0]
        box.scroll_into_view_if_needed()
        left, right = _edge_contrast(box.screenshot(), background)
        assert right > left + 20, f"at the start: left edge {left}, right edge {right}"
        box.evaluate("(box) => (box.scrollLeft = box.scrollWidth)")
        left, right = _edge_contrast(box.screenshot(), background)
        assert left > right + 20, f"at the end: left edge {left}, right edge {right}"
    finally:
        context.close()
