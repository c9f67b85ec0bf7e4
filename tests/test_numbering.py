"""The numbering hook: labels become per-page numbers and anchors, references become links."""

from __future__ import annotations

import re
from pathlib import Path

import markdown
import pytest
from mkdocs.exceptions import PluginError

from chapter.site import numbering

PAGES = {"efficient-attention": 1, "rnns-for-images": 2}

TWO_EQUATIONS = r"""Some text:

\[
a = b \label{eq:first}
\]

More text:

\[
c = d \label{eq:second}
\]

By \eqref{eq:second} and \eqref{eq:first}.
"""


def render(text: str) -> str:
    """The HTML the site's Markdown set-up makes of text."""
    md = markdown.Markdown(
        extensions=[
            "admonition",
            "attr_list",
            "pymdownx.details",
            "pymdownx.arithmatex",
            "pymdownx.blocks.caption",
            "pymdownx.superfences",
        ],
        extension_configs={"pymdownx.arithmatex": {"generic": True}},
    )
    return md.convert(text)


def test_labels_become_tags_anchors_and_links() -> None:
    out = numbering.number_page(TWO_EQUATIONS, 3, "p.md")
    assert r"a = b \tag{3.1}" in out and r"c = d \tag{3.2}" in out
    assert "By [(3.2)](#eq-second) and [(3.1)](#eq-first)." in out
    html = render(out)
    assert html.index('id="eq-first"') < html.index(r"\tag{3.1}")
    assert html.index('id="eq-second"') < html.index(r"\tag{3.2}")


def test_an_unlabelled_formula_renumbers_nothing() -> None:
    extra = TWO_EQUATIONS.replace("More text:", "Aside:\n\n\\[\nx = y\n\\]\n\nMore text:")
    before = numbering.number_page(TWO_EQUATIONS, 3, "p.md")
    after = numbering.number_page(extra, 3, "p.md")
    for out in (before, after):
        assert r"\tag{3.1}" in out and r"\tag{3.2}" in out and r"\tag{3.3}" not in out
        assert "[(3.2)](#eq-second)" in out


def test_unknown_label_fails_naming_page_and_label() -> None:
    text = TWO_EQUATIONS + "\nSee \\eqref{eq:third}.\n"
    with pytest.raises(PluginError, match=r"p\.md.*eq:third"):
        numbering.number_page(text, 3, "p.md")


def test_label_defined_twice_fails() -> None:
    with pytest.raises(PluginError, match="twice"):
        numbering.number_page(TWO_EQUATIONS.replace("eq:second", "eq:first"), 3, "p.md")


def test_labels_need_a_numbered_page() -> None:
    assert numbering.chapter_number("2 RNNs for images") == 2
    assert numbering.chapter_number("References") is None
    with pytest.raises(PluginError, match="nav title"):
        numbering.number_page(TWO_EQUATIONS, None, "p.md")
    assert numbering.number_page("No labels here.", None, "p.md") == "No labels here."


@pytest.mark.parametrize("before", ["    **The sum.**", '??? success "Solution"'])
def test_anchor_inside_an_indented_block(before: str) -> None:
    """The anchor is in the Markdown, inside the collapsed block, just before its formula."""
    body = "" if before.startswith("???") else before + "\n\n"
    text = (
        '??? success "Solution"\n\n'
        f"{body}"
        "    \\[\n    s = 1 \\label{eq:inner}\n    \\]\n\n"
        "    After \\eqref{eq:inner}.\n"
    )
    out = numbering.number_page(text, 1, "p.md")
    assert '<span id="eq-inner"></span>' in out
    html = render(out)
    details = re.search(r"<details.*?</details>", html, re.S).group(0)
    assert details.index('id="eq-inner"') < details.index(r"\tag{1.1}")
    assert '<a href="#eq-inner">(1.1)</a>' in details


def test_captions_get_numbers_ids_and_links() -> None:
    text = (
        "See \\ref{fig:grid} and \\ref{tab:costs}.\n\n"
        "![A grid](grid.svg)\n\n/// caption\n\\label{fig:grid}\nA grid.\n///\n\n"
        "| a | b |\n| - | - |\n| 1 | 2 |\n\n/// caption\n\\label{tab:costs}\nCosts.\n///\n"
    )
    out = numbering.number_page(text, 2, "p.md")
    assert "/// figure-caption | 2.1 #fig-grid" in out
    assert "/// table-caption | < 2.1 #tab-costs" in out
    assert "[Figure 2.1](#fig-grid)" in out and "[Table 2.1](#tab-costs)" in out
    html = render(out)
    assert re.search(r'<figure id="fig-grid">.*?Figure 2\.1\.</span> A grid\.', html, re.S)
    assert re.search(r'<figure id="tab-costs">\s*<figcaption>\s*<p><span[^>]*>Table 2\.1\.', html)


@pytest.mark.parametrize("first", ["Causal", "Strided"])
def test_a_caption_keeps_the_space_after_its_number(first: str) -> None:
    # A glossary term often opens a caption; the prefix must not run into it.
    text = f"![x](x.svg)\n\n/// caption\n\\label{{fig:x}}\n{first} mask.\n///\n\n*[Causal]: t\n"
    html = markdown.markdown(
        numbering.number_page(text, 1, "p.md"), extensions=["abbr", "pymdownx.blocks.caption"]
    )
    html = numbering.on_page_content(html, None, None, None)
    assert f"Figure 1.1. {first} mask." in re.sub(r"<[^>]+>", "", html)


def test_a_caption_without_a_label_fails() -> None:
    with pytest.raises(PluginError, match="caption on line 3"):
        numbering.number_page("![x](x.svg)\n\n/// caption\nUnnumbered.\n///\n", 1, "p.md")


def test_code_blocks_are_left_alone() -> None:
    text = "```tex\n\\eqref{eq:nowhere}\n```\n"
    assert numbering.number_page(text, 1, "p.md") == text


def test_snippets_are_inlined_with_their_indentation(tmp_path: Path) -> None:
    (tmp_path / "part.md").write_text("Line one\n\nLine two\n")
    text = '!!! note\n\n    --8<-- "part.md"\n'
    out = numbering._inline_snippets(text, [tmp_path], "p.md")
    assert out == "!!! note\n\n    Line one\n\n    Line two\n"


@pytest.mark.slow
@pytest.mark.parametrize("page", PAGES)
def test_built_pages_number_and_link(built_site: Path, page: str) -> None:
    html = (built_site / page / "index.html").read_text(encoding="utf-8")
    number = PAGES[page]
    ids = set(re.findall(r'id="([^"]+)"', html))
    links = re.findall(r'<a href="#((?:eq|fig|tab)-[^"]+)">([^<]+)</a>', html)
    assert {target for target, _ in links} <= ids, "a numbered link points nowhere"
    # Each equation anchor sits just before the display that carries its number: the
    # drawn formula's MathML puts the tag in the first cell of a labelled row.
    tags = {}
    for anchor, tag in re.findall(
        r'id="(eq-[^"]+)"></span>(?:</p>)?\s*<div class="arithmatex">'
        r"(?:(?!</mjx-container>).)*?<mlabeledtr><mtd><mtext>\(([^)<]+)\)</mtext>",
        html,
        re.S,
    ):
        tags[anchor] = tag
    assert len(tags) >= 5, f"{page}: fewer than five numbered equations"
    assert set(tags.values()) == {f"{number}.{k}" for k in range(1, len(tags) + 1)}
    eq_links = {target: text for target, text in links if target.startswith("eq-")}
    assert len(eq_links) >= 5, f"{page}: fewer than five equations referred to"
    for target, text in eq_links.items():
        assert text == f"({tags[target]})", f"{page}: link to {target} reads {text}"
    captions = re.findall(r"<figcaption>\s*<p>(.*?)</p>", html, re.S)
    assert captions
    for caption in captions:
        plain = re.sub(r"<[^>]+>", "", caption)
        assert re.match(rf"(Figure|Table) {number}\.\d+\. ", plain), plain[:60]
