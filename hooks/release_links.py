"""Fill in `{{ release }}` on a page with the release tag that mkdocs.yml names.

The lab's Colab link and downloads point at a release tag, not at main, so a
course keeps the same notebook for a whole term. The tag is written once, as
`extra: release:` in mkdocs.yml (the release workflow checks that it is "v"
plus the version in CITATION.cff); a page that uses it without one stops the build.
"""

from __future__ import annotations

import re

from mkdocs.exceptions import PluginError

PLACEHOLDER = re.compile(r"\{\{\s*release\s*\}\}")
TAG = re.compile(r"v\d+(\.\d+)*")


def render(markdown: str, release: object, where: str = "page") -> str:
    """markdown with every {{ release }} replaced by the tag."""
    if not PLACEHOLDER.search(markdown):
        return markdown
    if not isinstance(release, str) or not TAG.fullmatch(release):
        raise PluginError(
            f"{where}: uses {{{{ release }}}}, but mkdocs.yml's extra.release is "
            f"{release!r}, not a tag such as v1.1"
        )
    return PLACEHOLDER.sub(release, markdown)


def on_page_markdown(markdown, page, config, files):
    return render(markdown, config.extra.get("release"), page.file.src_uri)
