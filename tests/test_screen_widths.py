"""Every page of the built site at phone, tablet and desktop widths: formulas, tables,
boxes and headings fit and show, the navigation and search open, and axe-core finds
nothing serious on a phone."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest
from browser import (
    NEXT_FRAME,
    PHONE_FIT,
    TINY_MATH,
    axe_violations,
    local_pages,
    settled,
    toggle_palette,
    wait_for_math,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# Phone (two common sizes), tablet and desktop widths, in CSS pixels.
WIDTHS = (360, 390, 768, 1280)
# The phone widths at which formulas and tables must fit the column.
PHONE_WIDTHS = (360, 390)
# The narrowest phone, where the navigation is a drawer and formulas and tables are
# narrowest: axe scans every page here, and the box borders are photographed here
# only (up to 480 px the theme lays a page out alike, so a formula that keeps off a
# border at 360 px keeps off it at 390).
NARROWEST = 360
# Material turns the navigation into a drawer behind the header's menu button below 76.25em.
DRAWER_BELOW = 1220
# The navigation and search are the theme's, the same on every page: every page tries
# them at a drawer width and at the desktop's, the home page at every width.
NAVIGATION_EVERY_PAGE = (NARROWEST, 1280)
# How long a drawer or search panel may take to open, in ms (Material animates for 250).
OPENS_WITHIN = 3000
HEIGHT = 800


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
    # axe-core's serious and critical violations, at the width it scans.
    axe: list[str] | None = None


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
# A crossing is photographed on screen, a screenful of rows at a time, scrolled to
# SHOT_TOP px from the top so that the header stuck there never hides it: a clip of
# the visible screen is several times cheaper than one taken beyond it.
SHOT_TOP = 120
SHOT_ROWS = HEIGHT - SHOT_TOP - 40
# Scroll the page to y at once (smooth scrolling would still be moving) and return
# where it got to: near the end of the page, less far.
SCROLL_TO = "(y) => { window.scrollTo({top: y, behavior: 'instant'}); return scrollY; }"


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

    def columns(c: dict) -> dict[str, list[tuple[int, ...]]]:
        """The pixels of the outer columns of c's rows, as the screen shows them."""
        found: dict[str, list[tuple[int, ...]]] = {"left": [], "right": []}
        for start in range(0, c["height"], SHOT_ROWS):
            rows = min(SHOT_ROWS, c["height"] - start)
            top = page.evaluate(SCROLL_TO, c["y"] + start - SHOT_TOP)
            clip = {"x": c["x"], "y": c["y"] + start - top, "width": c["width"], "height": rows}
            image = Image.open(io.BytesIO(page.screenshot(clip=clip))).convert("RGB")
            for side, x in (("left", 0), ("right", image.width - 1)):
                found[side] += [image.getpixel((x, y)) for y in range(image.height)]
        return found

    covered = []
    for c in crossings:
        for side, pixels in columns(c).items():
            colour = rgb(c[side])
            distance = statistics.median(
                sum(abs(a - b) for a, b in zip(pixel, colour, strict=True)) for pixel in pixels
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
        if width == NARROWEST:
            result.covered_borders["light"] = _covered_borders(page, fit["crossings"])
            result.borders_checked["light"] = len(fit["crossings"])
    # Let the opened blocks lay out, so wide boxes in them have become focusable.
    page.evaluate(NEXT_FRAME)
    return result


def check_screen(page, url: str, width: int, navigation: bool) -> ScreenResult:
    """Load url in page (light palette) and gather every check at this width; at the
    narrowest, the box borders again in the dark palette; if navigation, whether the
    navigation and search open."""
    page.goto(url, wait_until="load")
    wait_for_math(page)
    result = measure_layout(page, width)
    if width == NARROWEST:
        result.axe = axe_violations(page)
    # The palettes differ in colour only, so a page with no box to look at in the light
    # one has none in the dark one either.
    if result.borders_checked.get("light"):
        assert toggle_palette(page) == "slate"
        settled(page)
        crossings = page.evaluate(CROSSINGS)
        result.covered_borders["dark"] = _covered_borders(page, crossings)
        result.borders_checked["dark"] = len(crossings)
        # The palette is remembered from page to page: the next page opens light again.
        assert toggle_palette(page) == "default"
    if navigation:
        result.drawer = _drawer_problem(page, width)
        result.search = _search_problem(page)
    return result


@pytest.fixture(scope="module")
def screens(chromium, base_url: str, built_site: Path) -> dict[tuple[int, str], ScreenResult]:
    """Every page at every width, loaded once each in one browser context per width."""
    found = {}
    for width in WIDTHS:
        context = chromium.new_context(
            viewport={"width": width, "height": HEIGHT}, color_scheme="light"
        )
        try:
            page = context.new_page()
            for path in local_pages(built_site):
                navigation = width in NAVIGATION_EVERY_PAGE or path == ""
                found[width, path] = check_screen(page, base_url + path, width, navigation)
        finally:
            context.close()
    return found


def _screen_report(failures: dict[tuple[int, str], list[str]]) -> str:
    return "\n".join(
        f"{path or 'home'} at {width}px:\n  " + "\n  ".join(lines)
        for (width, path), lines in failures.items()
        if lines
    )


def test_no_serious_accessibility_violations_on_a_phone(screens) -> None:
    """axe-core finds no serious or critical violation at 360 px, with every <details>
    open (the desktop width, in both palettes: test_browser.py)."""
    failures = {key: r.axe for key, r in screens.items()}
    assert not any(failures.values()), _screen_report(failures)
    assert {width for (width, _), r in screens.items() if r.axe is not None} == {NARROWEST}


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
    box's left and right borders are still drawn in their colour, in both palettes,
    at 360 px."""
    failures = {
        key: [f"[{scheme}] {line}" for scheme, lines in r.covered_borders.items() for line in lines]
        for key, r in screens.items()
    }
    assert not any(failures.values()), _screen_report(failures)
    checked = screens[NARROWEST, "rnns-for-images/"].borders_checked
    assert checked["light"] > 0 and checked["dark"] == checked["light"], checked


def test_no_permalink_sign_wraps_onto_a_line_of_its_own(screens) -> None:
    """A heading's hidden permalink sign never leaves a blank-looking line under it."""
    failures = {
        key: [f"the permalink of {heading!r} wrapped alone" for heading in r.lone_permalinks]
        for key, r in screens.items()
    }
    assert not any(failures.values()), _screen_report(failures)


def test_navigation_and_search_open_at_every_width(screens) -> None:
    """The navigation is reachable (through the drawer on narrow screens) and search
    opens: on the home page at every width, on every page at 360 and 1280 px."""
    failures = {key: [p for p in (r.drawer, r.search) if p] for key, r in screens.items()}
    assert not any(failures.values()), _screen_report(failures)
