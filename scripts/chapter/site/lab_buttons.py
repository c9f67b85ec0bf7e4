"""The lab's "Open in Colab" and download buttons, at the top of both lab pages.

They are written once, in docs/lab/index.md between `<!-- chapter:lab-buttons -->`
and `<!-- chapter:end-lab-buttons -->`, with the page's link definitions; the worked notebook's
page, which has no Markdown of its own to put them in, gets the same buttons
rendered from there, under its title.
"""

from __future__ import annotations

import re
from pathlib import Path

import markdown
from mkdocs.exceptions import PluginError

from chapter.site import course_edition, markers

LAB_PAGE = "lab/index.md"
NOTEBOOK_PAGE = "lab/attention-lab.ipynb"
BLOCK = re.compile(r"<!-- chapter:lab-buttons -->\n(.*?)\n<!-- chapter:end-lab-buttons -->", re.S)
LINK_DEFINITION = re.compile(r"^\[[^\]]+\]: .+$", re.M)
# The title, and the reading time under it if the page has one.
TITLE = re.compile(r'<h1\b[^>]*>.*?</h1>(<p class="reading-time"[^>]*>[^<]*</p>)?', re.S)


def buttons_html(source: str, site: markers.Site) -> str:
    """The buttons block of the lab page's Markdown, as HTML, its links resolved.

    Only the public edition has the notebook page, so the block is read as the
    public edition's page, its answer markers dropped.
    """
    source = course_edition.public(source)
    block = BLOCK.search(source)
    if block is None:
        raise PluginError(f"{LAB_PAGE}: no <!-- chapter:lab-buttons --> block to copy")
    text = block.group(1) + "\n\n" + "\n".join(LINK_DEFINITION.findall(source))
    text = markers.expand(text, LAB_PAGE, site)
    return markdown.markdown(text, extensions=["attr_list"])


def on_page_content(html, page, config, files):
    if page.file.src_uri != NOTEBOOK_PAGE:
        return html
    source = (Path(config.docs_dir) / LAB_PAGE).read_text(encoding="utf-8")
    buttons = buttons_html(source, markers.site_of(config))
    title = TITLE.search(html)
    if title is None:
        raise PluginError(f"{NOTEBOOK_PAGE}: no title to put the lab's buttons under")
    return html[: title.end()] + buttons + html[title.end() :]
