"""Notebook pages: drop the scripts nbconvert's template adds that load from other hosts.

mkdocs-jupyter's template always emits a MathJax 2 loader (from cdnjs, or an
empty ``<script src="">`` when no URL is given) and a Mermaid loader that
imports from cdnjs. The site renders notebook math to SVG at build time
(chapter/site/static_math.py) and has no Mermaid diagrams, so both blocks go.
"""

from __future__ import annotations

import re

from mkdocs.exceptions import PluginError

BLOCKS = (
    re.compile(r"<!-- Load mathjax -->.*?<!-- End of mathjax configuration -->", re.S),
    re.compile(
        r'<script type="module">\s*document\.addEventListener'
        r".*?<!-- End of mermaid configuration -->",
        re.S,
    ),
)


# Code cells scroll sideways; a keyboard user must be able to focus them to scroll.
CODE_CELL = '<div class="highlight-ipynb hl-python">'


def on_page_content(html, page, config, files):
    if not page.file.src_uri.endswith(".ipynb"):
        return html
    html = html.replace(CODE_CELL, CODE_CELL[:-1] + ' tabindex="0">')
    for block in BLOCKS:
        html, found = block.subn("", html)
        if found != 1:
            # A template change would otherwise let a CDN script back in silently.
            raise PluginError(
                f"{page.file.src_uri}: expected one block like {block.pattern[:30]!r}, "
                f"found {found}"
            )
    return html
