"""The chapter's glossary: hover text for its terms on every page, and one generated list.

docs/snippets/glossary.md holds each definition once, as a Markdown
abbreviation. The abbr extension receives every term with its plural, its
capitalised and its hyphenated form, so "keys", "Causal" and "sliding-window"
get the hover text of "key", "causal" and "sliding window". Only a term's
first appearance in each section (up to the next <h2>) keeps its hover text,
so a reader who jumps to a section finds it there without a page full of
dotted underlines. Headings, links, summaries and
glossary entries stay free of it: they should read, and click, as one piece.
A line ``<!-- chapter:glossary -->`` on a page becomes the full list, alphabetically
(chapter/site/markers.py).
"""

from __future__ import annotations

import html
import re
from pathlib import Path

from mkdocs.exceptions import PluginError

# Relative to docs_dir; the snippets folder is not built as pages.
GLOSSARY = Path("snippets") / "glossary.md"
DEFINITION = re.compile(r"^\*\[(?P<term>[^\]]+)\]:[ ]*(?P<text>.+)$", re.M)
# Elements whose text must stay free of <abbr>; none of them nests in itself.
UNWRAP_IN = re.compile(r"<(h[1-6]|a|dt|summary)\b[^>]*>.*?</\1>", re.S)
ABBR = re.compile(r'<abbr title="(?P<title>[^"]*)">(?P<text>.*?)</abbr>', re.S)
SECTION = re.compile(r"(?=<h2\b)")


def read_glossary(path: Path) -> dict[str, str]:
    """The terms of the glossary file and their definitions, in file order."""
    terms: dict[str, str] = {}
    for m in DEFINITION.finditer(path.read_text()):
        if m["term"].casefold() in (term.casefold() for term in terms):
            raise PluginError(f"{path}: {m['term']!r} is defined twice")
        terms[m["term"]] = m["text"].strip()
    if not terms:
        raise PluginError(f"{path}: no definitions of the form *[term]: text")
    return terms


def plural(term: str) -> str:
    """The regular English plural of the term's last word."""
    if term.isupper():
        return term if term.endswith("S") else term + "s"
    if re.search(r"[^aeiou]y$", term):
        return term[:-1] + "ies"
    if term.endswith(("s", "x", "ch", "sh")):
        return term + "es"
    return term + "s"


def forms(terms: dict[str, str]) -> dict[str, str]:
    """Every spelling that gets a term's hover text: as written, plural, capitalised,
    and hyphenated when used as an adjective ("sliding-window attention")."""
    spelled: dict[str, str] = {}
    for term, text in terms.items():
        hyphenated = term.replace(" ", "-")
        for form in dict.fromkeys((term, plural(term), hyphenated)):
            spelled.setdefault(form, text)
            spelled.setdefault(form[:1].upper() + form[1:], text)
    return spelled


def definition_list(terms: dict[str, str]) -> str:
    """The glossary as an HTML definition list, one anchor per term."""
    items = []
    for term in sorted(terms, key=str.casefold):
        anchor = "glossary-" + re.sub(r"[^a-z0-9]+", "-", term.casefold()).strip("-")
        items.append(
            f'<dt id="{anchor}">{html.escape(term)}</dt>\n<dd>{html.escape(terms[term])}</dd>'
        )
    return '<dl class="glossary">\n' + "\n".join(items) + "\n</dl>"


def on_config(config):
    terms = read_glossary(Path(config.docs_dir) / GLOSSARY)
    config.mdx_configs.setdefault("abbr", {})["glossary"] = forms(terms)
    config.extra["glossary_html"] = definition_list(terms)
    return config


def first_per_section(html_text: str) -> str:
    """Unwrap every <abbr> but the first of each definition in each <h2> section."""
    sections = []
    for section in SECTION.split(html_text):
        seen: set[str] = set()

        def keep_first(m: re.Match, seen: set[str] = seen) -> str:
            if m["title"] in seen:
                return m["text"]
            seen.add(m["title"])
            return m.group(0)

        sections.append(ABBR.sub(keep_first, section))
    return "".join(sections)


def on_page_content(html_text, page, config, files):
    html_text = UNWRAP_IN.sub(lambda m: ABBR.sub(r"\g<text>", m.group(0)), html_text)
    return first_per_section(html_text)
