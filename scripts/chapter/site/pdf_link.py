"""The home page's PDF link: to the site's own chapter.pdf when the site has one, else the
published one.

The published site prints chapter.pdf after its build (scripts/make_pdf.py), so
its pages link the published file. A local build or `mkdocs serve` links a copy
only when docs/chapter.pdf exists and is built into the site with the pages, so
it never links a file that is not there.
"""

from __future__ import annotations

from mkdocs.exceptions import PluginError

PDF = "chapter.pdf"


def on_page_content(html, page, config, files):
    if page.file.src_uri != "index.md":
        return html
    published = f'href="{config.site_url}{PDF}"'
    if published not in html:
        raise PluginError(f"index.md: no link to the published PDF, {config.site_url}{PDF}")
    if files.get_file_from_path(PDF) is not None:
        html = html.replace(published, f'href="{PDF}"')
    return html
