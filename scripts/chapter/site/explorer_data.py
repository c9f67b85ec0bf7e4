"""Give the interactive pieces their data: the pattern registry of chapter.model.attention
and the practice questions of chapter.model.practice, as JSON.

The files are generated into the site as assets/patterns.json and assets/practice.json
on every build, and under `mkdocs serve` too, so the JavaScript holds no formula of its
own: it evaluates the expression trees and shows what they say.

The formulas a widget shows are in the data as TeX written from the same trees
(chapter.model.expression_tex). A page with a widget gets each of them once, hidden, as
page math, which chapter.site.static_math draws like every other formula; the widget
shows a copy of the drawing.
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterator

from mkdocs.structure.files import File

from chapter.model.attention import ALT, KERNELS, PATTERNS, TITLE, N, Param
from chapter.model.expression_tex import tex
from chapter.model.expressions import expression_tree
from chapter.model.practice import practice_data

DEST = "assets/patterns.json"
PRACTICE_DEST = "assets/practice.json"


def _param(p: Param) -> dict:
    return {
        "name": p.name,
        "label": p.label,
        "min": p.low,
        "max": p.high,
        "default": p.default,
        "atMost": p.at_most,
    }


def explorer_data() -> dict:
    """Everything the explorer needs to know about the patterns, as plain data."""
    return {
        "title": TITLE,
        "alt": ALT,
        "n": _param(N),
        "patterns": [
            {
                "name": p.name,
                "label": p.label,
                "choice": p.choice,
                "params": [_param(param) for param in p.params],
                "rule": expression_tree(p.rule),
                "closedForm": _formula(p.closed_form, dict(p.symbols)),
                "where": [_helper(name, text, dict(p.symbols)) for name, text in p.where],
                "rowRule": _formula(p.row_rule, dict(p.symbols)),
                "kernel": _kernel(p.name),
            }
            for p in PATTERNS.values()
        ],
    }


def _formula(text: str, symbols: dict[str, str]) -> dict:
    """An expression as the widgets take it: its tree, and its TeX to show."""
    return {"tree": expression_tree(text), "tex": tex(text, symbols)}


def _helper(name: str, text: str, symbols: dict[str, str]) -> dict:
    """A helper name's definition, its TeX written as the page writes it: t' = min(t, n - 1)."""
    return {
        "name": name,
        **_formula(text, symbols),
        "tex": f"{symbols.get(name, name)} = {tex(text)}",
    }


def _where(pairs: tuple[tuple[str, str], ...]) -> list[dict]:
    return [{"name": name, "text": text, "tree": expression_tree(text)} for name, text in pairs]


def _kernel(pattern: str) -> dict | None:
    """The tiles of the benchmark kernel that serves this pattern, if one does."""
    kernel = KERNELS.get(pattern)
    if kernel is None:
        return None
    return {
        "label": kernel.label,
        "tiles": kernel.tiles,
        "wholeGrid": kernel.whole_grid,
        "rule": expression_tree(kernel.rule),
        "where": _where(kernel.where),
    }


def _json(data: dict) -> str:
    return json.dumps(data, separators=(",", ":"), sort_keys=True) + "\n"


def _tex_in(data) -> Iterator[str]:
    """Every TeX string in the data: the values of its keys named tex or tTex."""
    if isinstance(data, dict):
        for key, value in data.items():
            if key in ("tex", "tTex") and isinstance(value, str):
                yield value
            else:
                yield from _tex_in(value)
    elif isinstance(data, list):
        for value in data:
            yield from _tex_in(value)


# The widgets that show formulas, by the attribute that marks them on a page.
WIDGETS = {"data-mask-explorer": explorer_data, "data-window-converter": practice_data}


def widget_formulas(page_html: str) -> str:
    """The hidden block of formulas the page's widgets show, as page math, or ""."""
    formulas = sorted(
        {t for mark, data in WIDGETS.items() if mark in page_html for t in _tex_in(data())}
    )
    if not formulas:
        return ""
    spans = "".join(
        f'<span data-tex="{html.escape(t)}"><span class="arithmatex">'
        f"\\({html.escape(t, quote=False)}\\)</span></span>"
        for t in formulas
    )
    return f'<div class="widget-formulas" hidden>{spans}</div>'


def on_page_content(html_text, page, config, files):
    # Before chapter/site/static_math.py, which draws the formulas (it is listed later).
    return html_text + widget_formulas(html_text)


def on_files(files, config):
    files.append(File.generated(config, DEST, content=_json(explorer_data())))
    files.append(File.generated(config, PRACTICE_DEST, content=_json(practice_data())))
    return files
