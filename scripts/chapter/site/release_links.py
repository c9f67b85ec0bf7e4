"""The release tag that `<!-- chapter:release -->` on a page stands for.

The lab's Colab link and downloads point at a release tag, not at main, so a
course keeps the same notebook for a whole term. The tag is written once, as
`extra: release:` in mkdocs.yml (the release workflow checks that it is "v"
plus the version in CITATION.cff); a page that uses it without one stops the build.
"""

from __future__ import annotations

import re

TAG = re.compile(r"v\d+(\.\d+)*")


def release_tag(release: object) -> str:
    """mkdocs.yml's extra.release, checked to be a tag such as v1.1."""
    if not isinstance(release, str) or not TAG.fullmatch(release):
        raise ValueError(f"mkdocs.yml's extra.release is {release!r}, not a tag such as v1.1")
    return release
