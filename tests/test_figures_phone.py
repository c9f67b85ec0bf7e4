"""Figures on a phone: every label of every figure is drawn at least 9 CSS px tall at
390 px, the figure's narrow variant taking its place where it has one."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from browser import serve
from conftest import ROOT

from chapter.site import figure_variants

FIGURES = ROOT / "docs" / "figures"
MIN_PX = 9
PHONE = {"width": 390, "height": 844}
# Each text of a Matplotlib SVG (fonts drawn as paths) is a group scaled from glyphs
# of 100 units: its font size in points is 100 times that scale. A mathtext
# superscript is smaller still, but the label's size is the one asked for.
TEXT_SCALE = re.compile(r'<g id="text_\d+">\s*(?:<!--.*?-->\s*)?<g[^>]*?scale\(([\d.]+) -', re.S)


def smallest_label(svg: Path) -> tuple[float, float]:
    """A figure's width and its smallest label's font size, both in points."""
    text = svg.read_text(encoding="utf-8")
    width = float(re.search(r'<svg[^>]*\bwidth="([\d.]+)pt"', text)[1])
    sizes = [float(scale) * 100 for scale in TEXT_SCALE.findall(text)]
    assert sizes, f"{svg.name}: no labels found"
    return width, min(sizes)


def test_label_sizes_are_read_from_the_svg() -> None:
    width, size = smallest_label(FIGURES / "attention-causal.svg")
    assert (round(width), size) == (315, 9.0)
    assert smallest_label(FIGURES / "attention-patterns.svg")[1] == 8.0


def test_every_narrow_variant_belongs_to_a_figure() -> None:
    for narrow in FIGURES.glob("*-narrow.svg"):
        assert (FIGURES / narrow.name.replace("-narrow.svg", ".svg")).is_file(), narrow.name


def test_a_figure_with_a_narrow_variant_becomes_a_picture() -> None:
    html = '<p><img alt="Six grids" src="../figures/attention-patterns.svg" /></p>'
    wrapped = figure_variants.with_narrow_variants(
        html, {"figures/attention-patterns-narrow.svg"}.__contains__
    )
    assert wrapped == (
        '<p><picture><source media="(max-width: 44.9375em)" '
        'srcset="../figures/attention-patterns-narrow.svg" type="image/svg+xml">'
        '<img alt="Six grids" src="../figures/attention-patterns.svg" /></picture></p>'
    )
    assert figure_variants.with_narrow_variants(html, lambda path: False) == html


@pytest.mark.slow
@pytest.mark.browser
def test_every_figure_label_is_legible_at_390_px(built_site: Path, chromium) -> None:
    context = chromium.new_context(viewport=PHONE, device_scale_factor=2, has_touch=True)
    shown = {}
    with serve(built_site) as local:
        for path in ("efficient-attention/", "rnns-for-images/"):
            page = context.new_page()
            page.goto(local + path, wait_until="load")
            # Figures in collapsed solutions are as narrow as when they are opened.
            page.evaluate(
                "() => { for (const d of document.querySelectorAll('details')) d.open = true; }"
            )
            for source, width in page.evaluate(
                """() => [...document.querySelectorAll('.md-content img')]
                    .filter((img) => img.currentSrc.includes('/figures/'))
                    .map((img) => [img.currentSrc, img.getBoundingClientRect().width])"""
            ):
                shown[source.rsplit("/", 1)[1] + f" on {path}"] = width
            page.close()
    context.close()
    assert len(shown) >= 15, shown
    small = {}
    for where, width in shown.items():
        svg_width, size = smallest_label(FIGURES / where.split(" ")[0])
        drawn = size * width / svg_width  # points of a viewBox drawn `width` px wide
        if drawn < MIN_PX:
            small[where] = round(drawn, 2)
    assert not small, f"labels under {MIN_PX} px at 390 px: {small}"
    # The six-panel overview and the wavefront come in their narrow variants.
    assert any(w.startswith("attention-patterns-narrow.svg") for w in shown)
    assert any(w.startswith("rnn2d-wavefront-narrow.svg") for w in shown)
