"""The table-cards hook: wide tables carry their headers into their cells for phones,
and code in any table may break only after a comma or a slash."""

from __future__ import annotations

import markdown

from chapter.site import table_cards

LABEL = '<span class="cell-label" aria-hidden="true">{}</span>'


def _html(text: str) -> str:
    return table_cards.with_cards(markdown.markdown(text, extensions=["tables"]))


def test_a_wide_table_labels_every_cell_but_the_first_of_each_row() -> None:
    html = _html(
        "| Where | Parameter | Look-back |\n| --- | --- | ---: |\n"
        "| Mistral | window \\(W\\) | \\(t = W\\) |\n| JAX | `w` | \\(t = w\\) |\n"
    )
    assert html.startswith("<table data-cards>")
    for header in ("Parameter", "Look-back"):
        assert html.count(LABEL.format(header)) == 2
    assert LABEL.format("Where") not in html
    # The first cell of each row heads its card, unlabelled.
    assert "<td>Mistral</td>" in html and "<td>JAX</td>" in html


def test_a_header_with_markup_is_copied_whole() -> None:
    html = _html("| Pattern | Row *i* | Total |\n| --- | --- | --- |\n| causal | i | 78 |\n")
    assert html.count(LABEL.format("Row <em>i</em>")) == 1


def test_a_two_column_table_stays_a_table() -> None:
    html = _html("| File | What |\n| --- | --- |\n| `a.csv` | the key |\n")
    assert "data-cards" not in html and "cell-label" not in html


def test_code_in_a_table_breaks_only_after_commas_and_slashes() -> None:
    html = _html("| File | What |\n| --- | --- |\n| `hw4/key/a_b.csv` | `n,t,w` and `x_y` |\n")
    assert "<code>hw4/<wbr>key/<wbr>a_b.csv</code>" in html
    assert "<code>n,<wbr>t,<wbr>w</code>" in html
    assert "<code>x_y</code>" in html


def test_text_outside_tables_is_untouched() -> None:
    text = "<p>a, b/c <code>d,e</code></p>"
    assert table_cards.with_cards(text) == text
