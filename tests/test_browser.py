"""Every page of the built site, opened in Chromium: errors, requests, images, palette,
accessibility and weight; then its layout at phone, tablet and desktop widths, and
once with JavaScript off."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from browser import (
    IMAGES,
    PHONE_FIT,
    TINY_MATH,
    PageWatch,
    local_pages,
    math_counts,
    serve,
    wait_for_math,
    watch,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# Page weight budgets, gzip-compressed bytes (1 MB = 10^6 bytes). Formulas are drawn
# at build time and no math engine is loaded, so a chapter page stays under 0.35 MB.
BUDGET = 350_000
LAB_BUDGET = 3_000_000
LAB_PAGE = "lab/attention-lab/"

IMPACTS = ("serious", "critical")

# Phone (two common sizes), tablet and desktop widths, in CSS pixels.
WIDTHS = (360, 390, 768, 1280)
DESKTOP = 1280
# The phone widths at which formulas and tables must fit the column.
PHONE_WIDTHS = (360, 390)
# axe scans every page in both palettes at the desktop width, and once more at this
# phone width, where the navigation is a drawer and formulas and tables are narrowest.
AXE_PHONE = 360
# Material turns the navigation into a drawer behind the header's menu button below 76.25em.
DRAWER_BELOW = 1220
# How long a drawer or search panel may take to open, in ms (Material animates for 250).
OPENS_WITHIN = 3000
HEIGHT = 800
SCHEMES = ("light", "dark")


@dataclass
class ScreenResult:
    """One page at one width: what a reader there would see."""

    math_seen: int = 0
    tiny_math: list[str] = field(default_factory=list)
    scroll_width: int = 0
    drawer: str = ""
    search: str = ""
    lone_permalinks: list[str] = field(default_factory=list)
    wide_math: list[str] = field(default_factory=list)
    wide_tables: list[str] = field(default_factory=list)
    small_text: list[str] = field(default_factory=list)
    # Per palette: the borders a formula or table hides, and how many were looked at.
    covered_borders: dict[str, list[str]] = field(default_factory=dict)
    borders_checked: dict[str, int] = field(default_factory=dict)
    # Per palette: axe-core's serious and critical violations, where it scanned.
    axe: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class PageResult:
    """Everything one page showed at the desktop width, gathered in a single visit."""

    path: str
    watch: PageWatch
    images: list[dict] = field(default_factory=list)
    schemes: list[str] = field(default_factory=list)
    gzip_bytes: int = 0
    screen: ScreenResult = field(default_factory=ScreenResult)

    def __repr__(self) -> str:
        # Short, so a failing test's traceback lists the problems, not every field.
        return f"PageResult({self.path!r})"


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


def _settled(page) -> bool:
    return page.evaluate(SETTLED, [QUIET_FRAMES, SETTLE_WITHIN])


def _axe_violations(page) -> list[str]:
    """Serious and critical axe-core violations, one line per rule and element, once the
    page has stopped changing."""
    from axe_playwright_python.sync_playwright import Axe

    if not _settled(page):
        return [f"page still in transition after {SETTLE_WITHIN} ms, not scanned"]
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


# Headings whose permalink sign sits below the heading's last line of text.
LONE_PERMALINKS = """() => [...document.querySelectorAll('.md-content .headerlink')]
  .filter((link) => link.getClientRects().length)
  .filter((link) => {
    const text = document.createRange();
    text.setStart(link.parentElement, 0);
    text.setEndBefore(link);
    const lines = [...text.getClientRects()].filter((r) => r.width > 0);
    const last = lines[lines.length - 1];
    const box = link.getBoundingClientRect();
    const middle = (box.top + box.bottom) / 2;
    return last && (middle < last.top || middle > last.bottom);
  })
  .map((link) => link.parentElement.textContent.trim())"""

# Every measurement of one page at one width, in one pass: TINY_MATH first, as it opens
# every <details> that the others then measure inside; PHONE_FIT only on a phone.
LAYOUT = f"""(phone) => {{
  const math = ({TINY_MATH})();
  return {{
    math,
    scrollWidth: document.documentElement.scrollWidth,
    lonePermalinks: ({LONE_PERMALINKS})(),
    fit: phone ? ({PHONE_FIT})() : null,
  }};
}}"""

# Where each formula or table in a box crosses the box's borders, and the borders'
# colours now: PHONE_FIT's crossings, measured again after a change of palette.
CROSSINGS = f"() => ({PHONE_FIT})().crossings"

NEXT_FRAME = "() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))"


def _opens(page, condition: str) -> bool:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        page.wait_for_function(condition, timeout=OPENS_WITHIN)
    except PlaywrightTimeout:
        return False
    return True


def _drawer_problem(page, width: int) -> str:
    """Empty if the site navigation can be seen (narrow screens: after opening the drawer)."""
    if width >= DRAWER_BELOW:
        return "" if page.locator(".md-sidebar--primary").is_visible() else "no navigation"
    page.locator('label.md-header__button[for="__drawer"]').click()
    shown = _opens(
        page,
        """() => document.getElementById('__drawer').checked &&
          document.querySelector('.md-sidebar--primary').getBoundingClientRect().left >= 0""",
    )
    # Close it again by clicking the dimmed page beside the drawer, not a link in it.
    page.locator('label.md-overlay[for="__drawer"]').click(position={"x": width - 10, "y": 400})
    return "" if shown else "the menu button did not slide the navigation drawer in"


def _search_problem(page) -> str:
    """Empty if search opens with its input focused, from the icon or the header's field."""
    icon = page.locator('label.md-header__button[for="__search"]')
    (icon if icon.is_visible() else page.locator(".md-search__input")).click()
    shown = _opens(
        page,
        """() => document.getElementById('__search').checked &&
          document.activeElement.matches('.md-search__input')""",
    )
    page.keyboard.press("Escape")
    return "" if shown else "search did not open"


# How far (summed over R, G and B) a pixel may be from a border's colour and still be it.
BORDER_TOLERANCE = 60


def _covered_borders(page, crossings: list[dict]) -> list[str]:
    """Each formula or table in a problem or solution box that hides the box's left or
    right border: the pixels of the border's outer column, along the rows the formula
    or table spans, must be mostly the border's colour."""
    import io
    import re
    import statistics

    from PIL import Image

    def rgb(css: str) -> tuple[int, ...]:
        return tuple(int(float(v)) for v in re.findall(r"[\d.]+", css)[:3])

    covered = []
    for c in crossings:
        clip = {"x": c["x"], "y": c["y"], "width": c["width"], "height": c["height"]}
        image = Image.open(io.BytesIO(page.screenshot(clip=clip, full_page=True))).convert("RGB")
        for side, x in (("left", 0), ("right", image.width - 1)):
            colour = rgb(c[side])
            distance = statistics.median(
                sum(abs(a - b) for a, b in zip(image.getpixel((x, y)), colour, strict=True))
                for y in range(image.height)
            )
            if distance > BORDER_TOLERANCE:
                covered.append(f"{c['what']!r} covers the {side} border (off by {distance})")
    return covered


def measure_layout(page, width: int) -> ScreenResult:
    """The loaded page's layout at this width, with every <details> opened."""
    result = ScreenResult()
    layout = page.evaluate(LAYOUT, width in PHONE_WIDTHS)
    result.math_seen, result.tiny_math = layout["math"]["seen"], layout["math"]["tiny"]
    result.scroll_width = layout["scrollWidth"]
    result.lone_permalinks = layout["lonePermalinks"]
    if layout["fit"]:
        fit = layout["fit"]
        result.wide_math, result.wide_tables = fit["wideMath"], fit["wideTables"]
        result.small_text = fit["smallText"]
        result.covered_borders["light"] = _covered_borders(page, fit["crossings"])
        result.borders_checked["light"] = len(fit["crossings"])
    # Let the opened blocks lay out, so wide boxes in them have become focusable.
    page.evaluate(NEXT_FRAME)
    return result


def visit(browser, base: str, path: str) -> PageResult:
    """Open one page at the desktop width in a fresh context and gather what the checks
    need: axe runs with every <details> open, in the light palette and then the dark."""
    context = browser.new_context(
        viewport={"width": DESKTOP, "height": HEIGHT}, color_scheme="light"
    )
    seen = watch(context)
    result = PageResult(path, seen)
    try:
        page = context.new_page()
        page.goto(base + path, wait_until="load")
        wait_for_math(page)
        page.wait_for_load_state("networkidle")
        result.images = page.evaluate(IMAGES)
        result.gzip_bytes = seen.gzip_bytes()
        screen = result.screen = measure_layout(page, DESKTOP)
        screen.axe["light"] = _axe_violations(page)
        result.schemes.append(_palette(page))
        result.schemes.append(_toggle_palette(page))
        screen.axe["dark"] = _axe_violations(page)
        result.schemes.append(_toggle_palette(page))
        screen.drawer = _drawer_problem(page, DESKTOP)
        screen.search = _search_problem(page)
    finally:
        context.close()
    return result


def check_screen(page, url: str, width: int) -> ScreenResult:
    """Load url in page (light palette) at a narrower width and gather every check;
    on a phone, the box borders again in the dark palette."""
    page.goto(url, wait_until="load")
    wait_for_math(page)
    result = measure_layout(page, width)
    if width == AXE_PHONE:
        result.axe["light"] = _axe_violations(page)
    if width in PHONE_WIDTHS:
        assert _toggle_palette(page) == "slate"
        _settled(page)
        crossings = page.evaluate(CROSSINGS)
        result.covered_borders["dark"] = _covered_borders(page, crossings)
        result.borders_checked["dark"] = len(crossings)
        # The palette is remembered from page to page: the next page opens light again.
        assert _toggle_palette(page) == "default"
    result.drawer = _drawer_problem(page, width)
    result.search = _search_problem(page)
    return result


@pytest.fixture(scope="module")
def base_url(built_site: Path) -> Iterator[str]:
    """The built site, served on 127.0.0.1."""
    with serve(built_site) as base:
        yield base


@pytest.fixture(scope="module")
def results(chromium, base_url: str, built_site: Path) -> dict[str, PageResult]:
    """Every page of the site, visited once at the desktop width."""
    return {path: visit(chromium, base_url, path) for path in local_pages(built_site)}


@pytest.fixture(scope="module")
def screens(
    chromium, base_url: str, built_site: Path, results: dict[str, PageResult]
) -> dict[tuple[int, str], ScreenResult]:
    """Every page at every width: the desktop's from its visit, the others loaded once
    each in one browser context per width."""
    found = {(DESKTOP, path): r.screen for path, r in results.items()}
    for width in WIDTHS:
        if width == DESKTOP:
            continue
        context = chromium.new_context(
            viewport={"width": width, "height": HEIGHT}, color_scheme="light"
        )
        try:
            page = context.new_page()
            for path in local_pages(built_site):
                found[width, path] = check_screen(page, base_url + path, width)
        finally:
            context.close()
    return found


def _report(failures: dict[str, list[str]]) -> str:
    return "\n".join(
        f"{path or 'home'}:\n  " + "\n  ".join(lines) for path, lines in failures.items() if lines
    )


def _screen_report(failures: dict[tuple[int, str], list[str]]) -> str:
    return "\n".join(
        f"{path or 'home'} at {width}px:\n  " + "\n  ".join(lines)
        for (width, path), lines in failures.items()
        if lines
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


def test_no_serious_accessibility_violations(screens) -> None:
    """axe-core finds no serious or critical violation, with every <details> open: in
    both palettes at 1280 px, and at 360 px."""
    failures = {
        key: [f"[{scheme}] {line}" for scheme, lines in r.axe.items() for line in lines]
        for key, r in screens.items()
    }
    assert not any(failures.values()), _screen_report(failures)
    scanned = {(width, scheme) for (width, _), r in screens.items() for scheme in r.axe}
    assert scanned == {(DESKTOP, "light"), (DESKTOP, "dark"), (AXE_PHONE, "light")}


def test_axe_scans_a_tooltip_only_once_it_has_faded_in(chromium, base_url: str) -> None:
    """Slowed to 2 s, the palette toggle's tooltip is still fading in when the click
    returns: the scan must wait for it, and then find its dark colours readable."""
    context = chromium.new_context(color_scheme="light")
    try:
        page = context.new_page()
        page.goto(base_url + "404.html", wait_until="load")
        page.add_style_tag(content=".md-tooltip { transition-duration: 2s !important; }")
        assert _toggle_palette(page) == "slate"
        assert _axe_violations(page) == []
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


def test_every_formula_visible_at_every_width(screens) -> None:
    """Every formula a reader can see is more than 4 px wide and high, at every width."""
    failures = {key: r.tiny_math for key, r in screens.items()}
    assert not any(failures.values()), _screen_report(failures)
    for width in WIDTHS:
        assert screens[width, "efficient-attention/"].math_seen > 0


def test_page_never_scrolls_sideways(screens) -> None:
    """The page is never wider than the screen; a wide formula scrolls in its own box."""
    failures = {
        key: [f"page is {r.scroll_width}px wide on a {key[0]}px screen"]
        for key, r in screens.items()
        if r.scroll_width > key[0]
    }
    assert not failures, _screen_report(failures)


def _phone_failures(screens, name: str) -> dict[tuple[int, str], list[str]]:
    return {key: getattr(r, name) for key, r in screens.items() if key[0] in PHONE_WIDTHS}


def test_every_display_formula_fits_its_box_on_a_phone(screens) -> None:
    """At 360 and 390 px every display formula is drawn inside its box and its box does
    not scroll sideways."""
    failures = _phone_failures(screens, "wide_math")
    assert not any(failures.values()), _screen_report(failures)


def test_every_table_fits_the_column_on_a_phone(screens) -> None:
    """At 360 and 390 px every table's scrollWidth is at most its clientWidth (and its
    scroll box's), it stays inside the column, and no identifier breaks mid-word."""
    failures = _phone_failures(screens, "wide_tables")
    assert not any(failures.values()), _screen_report(failures)


def test_problem_and_solution_text_is_set_at_the_body_size(screens) -> None:
    """Text, table cells and inline formulas in problem, solution and other boxes have
    the computed font size of the body text."""
    failures = _phone_failures(screens, "small_text")
    assert not any(failures.values()), _screen_report(failures)


def test_no_formula_or_table_covers_a_box_border(screens) -> None:
    """Pixel test: where a formula or table sits in a problem or solution box, the
    box's left and right borders are still drawn in their colour, in both palettes."""
    failures = {
        key: [f"[{scheme}] {line}" for scheme, lines in r.covered_borders.items() for line in lines]
        for key, r in screens.items()
    }
    assert not any(failures.values()), _screen_report(failures)
    for width in PHONE_WIDTHS:
        checked = screens[width, "rnns-for-images/"].borders_checked
        assert checked["light"] > 0 and checked["dark"] == checked["light"], checked


def test_no_permalink_sign_wraps_onto_a_line_of_its_own(screens) -> None:
    """A heading's hidden permalink sign never leaves a blank-looking line under it."""
    failures = {
        key: [f"the permalink of {heading!r} wrapped alone" for heading in r.lone_permalinks]
        for key, r in screens.items()
    }
    assert not any(failures.values()), _screen_report(failures)


def test_navigation_and_search_open_at_every_width(screens) -> None:
    """The navigation is reachable (through the drawer on narrow screens) and search opens."""
    failures = {key: [p for p in (r.drawer, r.search) if p] for key, r in screens.items()}
    assert not any(failures.values()), _screen_report(failures)


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
