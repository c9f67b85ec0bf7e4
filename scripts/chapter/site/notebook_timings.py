"""Notebook pages: drop the outputs of cells tagged ``timing``, keep their code.

Timings differ on every run, so a page that printed them would differ between
two builds of one commit. The cells still run at build time (a broken timing
cell still fails the build); only what they print and plot is left off the page,
and so out of the search index, which reads the page after this hook.

nbconvert's ``remove_all_outputs_tags`` cannot do this: it runs before the
notebook is executed, when there are no outputs yet.
"""

from __future__ import annotations

import re

import nbformat
from mkdocs.exceptions import PluginError

TAG = "timing"
_CELL = re.compile(r'<div class="jp-Cell jp-CodeCell [^"]*\bcelltag_' + TAG + r'\b[^"]*"[^>]*>')
_OUTPUT = '<div class="jp-Cell-outputWrapper">'
_DIV = re.compile(r"<div\b|</div>")


def _div_end(html: str, start: int) -> int:
    """The index just past the </div> that closes the <div> starting at start."""
    depth = 0
    for tag in _DIV.finditer(html, start):
        depth += 1 if tag.group() == "<div" else -1
        if depth == 0:
            return tag.end()
    raise PluginError(f"unbalanced <div> at offset {start} of a notebook page")


def strip_timing_outputs(html: str) -> str:
    """Remove every output area inside the cells tagged timing."""
    cuts = []
    end = 0
    for cell in _CELL.finditer(html):
        if cell.start() < end:
            continue  # nbconvert nests one tagged div in another; the outer span covers both
        end = _div_end(html, cell.start())
        at = html.find(_OUTPUT, cell.start(), end)
        while at != -1:
            cut_end = _div_end(html, at)
            cuts.append((at, cut_end))
            at = html.find(_OUTPUT, cut_end, end)
    for start, stop in reversed(cuts):
        html = html[:start] + html[stop:]
    return html


def on_page_content(html, page, config, files):
    if not page.file.src_uri.endswith(".ipynb"):
        return html
    notebook = nbformat.read(page.file.abs_src_path, as_version=4)
    for cell in notebook.cells:
        marker = f'celltag_{TAG}" id="cell-id={cell.id}"'
        # A template change that dropped the tag class would let timings back in silently.
        if TAG in cell.metadata.get("tags", []) and marker not in html:
            raise PluginError(f"{page.file.src_uri}: timing cell {cell.id!r} not found on the page")
    return strip_timing_outputs(html)
