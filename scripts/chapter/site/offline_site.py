"""Keep the built site from talking to other hosts, and name Material's search dialog.

Material turns the repository link into a "source" widget that asks the GitHub
API for stars and forks on every first visit. The link itself stays; only the
widget marker goes, so the reader's browser makes no request to GitHub. Pages
and static templates (the 404 page) both get the same treatment.
"""

from __future__ import annotations

REPLACEMENTS = (
    (' data-md-component="source"', ""),
    # A dialog needs an accessible name; Material's search dialog has none.
    (
        '<div class="md-search" data-md-component="search" role="dialog">',
        '<div class="md-search" data-md-component="search" role="dialog" aria-label="Search">',
    ),
)


def _rewrite(html: str) -> str:
    for old, new in REPLACEMENTS:
        html = html.replace(old, new)
    return html


def on_post_page(output, page, config):
    return _rewrite(output)


def on_post_template(output_content, template_name, config):
    return _rewrite(output_content)
