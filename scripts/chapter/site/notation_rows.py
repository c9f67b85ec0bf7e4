"""The notation table's rows for the registry's parameters that the page does not list by
hand, so that a new pattern's parameter is on the notation page from its registry entry.

A line `<!-- chapter:pattern-symbols -->` right under the table's last row becomes one
row for each such parameter (chapter.site.markers); when the page lists every parameter,
as it does for the chapter's own patterns, the line becomes nothing.
"""

from __future__ import annotations

import re

from chapter.model.attention import parameters

# The first cell of a table row that names symbols: \(Q, K, V\) names Q, K and V.
SYMBOL_CELL = re.compile(r"^\|\s*\\\((?P<math>.+?)\\\)\s*\|", re.M)
# Every registry parameter appears in the mask explorer, on Problem 1's page.
# A comma outside braces: x^{i,j} is one symbol.
TOP_COMMA = re.compile(r",(?![^{]*\})")
FIRST_APPEARS = "[Problem 1, the mask explorer](efficient-attention.md#explore-the-masks)"
PART = "Problem 1"


def listed_symbols(notation_markdown: str) -> set[str]:
    """The symbols the notation table lists by hand, as TeX (c_s, q_i, \\tau)."""
    return {
        symbol.strip()
        for match in SYMBOL_CELL.finditer(notation_markdown)
        for symbol in TOP_COMMA.split(match["math"])
    }


def rows(notation_markdown: str) -> str:
    """Table rows for the registry parameters the page does not list, in registry order."""
    listed = listed_symbols(notation_markdown)
    return "\n".join(
        rf"| \({p.page_symbol}\) | {p.help} ({', '.join(o.label for o in owners)}) "
        rf"| {FIRST_APPEARS} | {PART} |"
        for p, owners in parameters().values()
        if p.page_symbol not in listed
    )
