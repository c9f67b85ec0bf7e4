"""The one way the chapter's code loads its templates: the HTML, CSS, JS, Markdown and
SVG it writes live in files beside the code that fills them in, never in strings."""

from __future__ import annotations

from pathlib import Path

import jinja2


def environment(folder: Path, autoescape: bool) -> jinja2.Environment:
    """Jinja templates in folder. A name a template uses but is not given fails, and a
    file keeps its last newline, so that output is exactly what the file shows."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(folder),
        autoescape=autoescape,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )
