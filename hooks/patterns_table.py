"""Replace a line `<!-- patterns-table -->` (or `<!-- patterns-table NAME -->`) with the
Markdown table generated from the pattern registry in scripts/attention.py.

Every number in the table comes from the count functions; a marker naming a
table the registry does not have stops the build.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from mkdocs.exceptions import PluginError

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))

from attention import TABLES, markdown_table  # noqa: E402

MARKER = re.compile(r"^<!--\s*patterns-table\b(.*?)-->[ \t]*$", re.M)
DEFAULT = "glance"


def render(markdown: str, where: str = "page") -> str:
    """markdown with every marker line replaced by its table."""

    def table(match: re.Match) -> str:
        name = match[1].strip() or DEFAULT
        if name not in TABLES:
            raise PluginError(
                f"{where}: unknown patterns table {name!r}; known: {', '.join(sorted(TABLES))}"
            )
        return markdown_table(name)

    return MARKER.sub(table, markdown)


def on_page_markdown(markdown, page, config, files):
    return render(markdown, page.file.src_uri)
