"""The home page's BibTeX entry, generated from CITATION.cff so the two cannot disagree."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

# Relative to the folder of mkdocs.yml.
CITATION = Path("CITATION.cff")
# A word with a capital after its first character (2D, RNNs) keeps its case in BibTeX.
KEEP_CASE = re.compile(r"\b(\w+[A-Z]\w*)\b")


def read_citation(root: Path) -> dict:
    """CITATION.cff of the project at root."""
    return yaml.safe_load((root / CITATION).read_text(encoding="utf-8"))


def _author(author: dict) -> str:
    if "name" in author:
        # An organisation: double braces keep BibTeX from reading it as "Last, First".
        return "{" + author["name"] + "}"
    return f"{author['family-names']}, {author['given-names']}"


def bibtex(cff: dict, note: str) -> str:
    """A fenced BibTeX block for the chapter: its key from the repository's name, the
    other fields from CITATION.cff; `note` must name each of its licences."""
    missing = [lic for lic in cff["license"] if lic.replace("-", " ") not in note]
    if missing:
        raise ValueError(f"the note {note!r} does not name the licence {', '.join(missing)}")
    key = cff["repository-code"].rstrip("/").rsplit("/", 1)[-1].replace("-", "_")
    fields = {
        "title": KEEP_CASE.sub(r"{\1}", cff["title"]),
        "author": " and ".join(_author(a) for a in cff["authors"]),
        "year": str(cff["date-released"])[:4],
        "howpublished": rf"\url{{{cff['url']}}}",
        "note": note,
    }
    width = max(map(len, fields))
    lines = [f"  {name:<{width}} = {{{value}}}" for name, value in fields.items()]
    return "```bibtex\n@misc{" + key + ",\n" + ",\n".join(lines) + "\n}\n```"
