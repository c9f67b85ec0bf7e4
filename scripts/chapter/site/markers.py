"""One marker grammar for what the build writes into a page: `<!-- chapter:KIND args -->`.

A page, or a Markdown snippet it includes, puts a marker where generated text
goes: on a line of its own for a block (`<!-- chapter:patterns-table -->`), or
inside a sentence, a link or a formula for a value
(`<!-- chapter:bench speedup windowed n=4096 -->`). The arguments are words and
`key=value` pairs, quoted like a shell's when they hold spaces. KINDS maps each
kind to a plain function of the site's settings and the arguments that returns
Markdown; only the adapter at the end knows MkDocs. A kind not in KINDS, or
arguments its function refuses, stop the build with one error that names the
page and the marker.
"""

from __future__ import annotations

import inspect
import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from mkdocs.exceptions import PluginError

from chapter.model.attention import TABLES, markdown_table
from chapter.site import benchmark_numbers, citation, notation_rows, release_links

MARKER = re.compile(r"<!--\s*chapter:(?P<kind>\S*)(?P<args>.*?)-->", re.S)


class MarkerError(ValueError):
    """A marker the build cannot fill in; the message names the page and the marker."""


@dataclass(frozen=True)
class Site:
    """What a marker may read: plain values and paths, no MkDocs objects."""

    root: Path  # the folder of mkdocs.yml, where CITATION.cff is
    docs_dir: Path
    release: object  # mkdocs.yml's extra.release
    glossary_html: str  # the glossary as a definition list, from the glossary stage


def patterns_table(site: Site, name: str = "glance") -> str:
    """A table of the pattern registry (chapter.model.attention), every number from the counts."""
    if name not in TABLES:
        raise ValueError(f"unknown patterns table {name!r}; known: {', '.join(sorted(TABLES))}")
    return markdown_table(name)


def pattern_symbols(site: Site) -> str:
    """Notation-table rows for the registry's parameters docs/notation.md does not list."""
    return notation_rows.rows((site.docs_dir / "notation.md").read_text(encoding="utf-8"))


def glossary(site: Site) -> str:
    """Every term of the glossary with its definition, alphabetically."""
    if not site.glossary_html:
        raise ValueError("no glossary: the glossary stage is not among chapter.site.events.STAGES")
    # Blank lines around the list keep it a block of its own, whatever surrounds the line.
    return "\n" + site.glossary_html + "\n"


def release(site: Site) -> str:
    """The release tag the lab's links point at."""
    return release_links.release_tag(site.release)


def bench(
    site: Site,
    name: str,
    case: str | None = None,
    n: str | None = None,
    digits: str | None = None,
    parts: str | None = None,
) -> str:
    """A number of the recorded benchmark run, as the prose writes it."""
    data = benchmark_numbers.read_benchmark(site.docs_dir)
    return benchmark_numbers.quantity(data, name, case, n, digits, parts)


def bibtex(site: Site, note: str) -> str:
    """The chapter's BibTeX entry, from CITATION.cff."""
    return citation.bibtex(citation.read_citation(site.root), note)


def lab_buttons(site: Site) -> str:
    """Where the lab's buttons begin; they end at `<!-- chapter:end-lab-buttons -->`. The
    page shows them as they stand; the lab_buttons stage copies them to the worked
    notebook's page, which has no Markdown of its own."""
    return ""


def end_lab_buttons(site: Site) -> str:
    """Where the lab's buttons end."""
    return ""


KINDS: dict[str, Callable[..., str]] = {
    "patterns-table": patterns_table,
    "pattern-symbols": pattern_symbols,
    "glossary": glossary,
    "release": release,
    "bench": bench,
    "bibtex": bibtex,
    "lab-buttons": lab_buttons,
    "end-lab-buttons": end_lab_buttons,
}


def _call(kind: str, args: str, site: Site) -> str:
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}; known: {', '.join(sorted(KINDS))}")
    words = shlex.split(args)
    positional = [w for w in words if "=" not in w]
    options = dict(w.split("=", 1) for w in words if "=" in w)
    function = KINDS[kind]
    try:
        inspect.signature(function).bind(site, *positional, **options)
    except TypeError as error:
        raise ValueError(f"{kind} takes {inspect.signature(function)}: {error}") from None
    return function(site, *positional, **options)


def expand(markdown: str, page: str, site: Site) -> str:
    """markdown with every marker replaced by what its kind's function returns."""

    def fill(marker: re.Match) -> str:
        try:
            return _call(marker["kind"], marker["args"], site)
        except (ValueError, OSError) as error:
            raise MarkerError(f"{page}: {marker[0]}: {error}") from None

    return MARKER.sub(fill, markdown)


# The MkDocs adapter: the only code here that knows MkDocs.


def site_of(config) -> Site:
    """What markers may read, from MkDocs' configuration."""
    return Site(
        root=Path(config.config_file_path).parent,
        docs_dir=Path(config.docs_dir),
        release=config.extra.get("release"),
        glossary_html=config.extra.get("glossary_html", ""),
    )


def on_page_markdown(markdown, page, config, files):
    try:
        return expand(markdown, page.file.src_uri, site_of(config))
    except MarkerError as error:
        raise PluginError(str(error)) from None
