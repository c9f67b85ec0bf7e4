"""Keep the built site from talking to other hosts.

Material turns the repository link into a "source" widget that asks the GitHub
API for stars and forks on every first visit. The link itself stays; only the
widget marker goes, so the reader's browser makes no request to GitHub.
"""

from __future__ import annotations

SOURCE_WIDGET = ' data-md-component="source"'


def on_post_page(output, page, config):
    return output.replace(SOURCE_WIDGET, "")
