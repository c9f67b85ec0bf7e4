"""Give every table of three or more columns a card layout for narrow screens, and let
code in any table wrap only between its parts.

Such a table is wider than a phone, so below 45em (docs/stylesheets/narrow-screens.css)
each row becomes a card: its first cell heads the card, and every other cell shows
its column's header beside its value. This hook writes those headers into the cells,
hidden on wider screens and from screen readers, which read the table's own
headers. It runs before static_math, so a header's formula is drawn in each copy.

Code in a table wraps only where this hook allows it, after a comma or a slash
(a CSV header, a path), never inside a name.
"""

from __future__ import annotations

import re

TABLE = re.compile(r"<table>(?P<body>.*?)</table>", re.S)
HEAD = re.compile(r"<thead>.*?</thead>", re.S)
HEADER_CELL = re.compile(r"<th\b[^>]*>(?P<text>.*?)</th>", re.S)
ROW = re.compile(r"<tr\b[^>]*>.*?</tr>", re.S)
DATA_CELL = re.compile(r"(?P<open><td\b[^>]*>)(?P<text>.*?)</td>", re.S)
# Two columns fit a phone; the cards start at three.
FEWEST_COLUMNS = 3
ATTRIBUTE = "data-cards"
CODE = re.compile(r"(<code\b[^>]*>)(.*?)(</code>)", re.S)
# After these a line may break; <wbr> says so where the line-breaking rules would not.
BREAK_AFTER = re.compile(r"([,/])(?=[^<>]*(?:<|$))")


def _label(header: str) -> str:
    return f'<span class="cell-label" aria-hidden="true">{header}</span>' if header.strip() else ""


def _row(row: str, headers: list[str]) -> str:
    cells = iter(range(len(headers)))

    def cell(match: re.Match) -> str:
        column = next(cells, None)
        if not column:  # the first cell heads the card; a cell past the headers has none
            return match.group(0)
        return f"{match['open']}{_label(headers[column])}{match['text']}</td>"

    return DATA_CELL.sub(cell, row)


def _breakable_code(html: str) -> str:
    return CODE.sub(lambda m: m[1] + BREAK_AFTER.sub(r"\1<wbr>", m[2]) + m[3], html)


def with_cards(html: str) -> str:
    """html with each table of FEWEST_COLUMNS or more columns marked and labelled, and
    every table's code breakable after commas and slashes."""

    def table(match: re.Match) -> str:
        body = _breakable_code(match["body"])
        head = HEAD.search(body)
        headers = HEADER_CELL.findall(head.group(0)) if head else []
        if len(headers) < FEWEST_COLUMNS:
            return f"<table>{body}</table>"
        rows = ROW.sub(lambda row: _row(row.group(0), headers), body[head.end() :])
        return f"<table {ATTRIBUTE}>{body[: head.end()]}{rows}</table>"

    return TABLE.sub(table, html)


def on_page_content(html, page, config, files):
    return with_cards(html)
