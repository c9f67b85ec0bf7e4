"""The home page's PDF link: to the site's own chapter.pdf when the site has one, else the
published one.

The published site prints chapter.pdf after its build (scripts/make_pdf.py), so
its pages link the published file. A local build or `mkdocs serve` links a copy
only when docs/chapter.pdf exists and is built into the site with the pages, so
it never links a file that is not there.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from mkdocs.exceptions import PluginError

PDF = "chapter.pdf"


def with_pdf_link(html: str, site_url: str, has_own_pdf: bool) -> str:
    """The home page with its link to the published PDF, or to the site's own copy.

    The link is found by its path under the site, not by its host: `mkdocs serve` sets
    site_url to its own address, while the page links the published site."""
    path = urlsplit(site_url).path + PDF
    link = re.search(rf'href="https?://[^"/]+{re.escape(path)}"', html)
    if link is None:
        raise ValueError(f"index.md: no link to the published PDF, .../{path.lstrip('/')}")
    return html.replace(link[0], f'href="{PDF}"') if has_own_pdf else html


def on_page_content(html, page, config, files):
    if page.file.src_uri != "index.md":
        return html
    has_own_pdf = files.get_file_from_path(PDF) is not None
    try:
        return with_pdf_link(html, config.site_url, has_own_pdf)
    except ValueError as error:
        raise PluginError(str(error)) from None
