"""The site build's stages in their one order, handed to MkDocs as its events.

Each stage module holds plain functions over Markdown, HTML or the built site and
ends in a few `on_*` functions: its adapter to MkDocs. STAGES is the only place that
says in which order the stages run; adapter() turns stages into MkDocs' event
handlers, which scripts/mkdocs_hooks.py hands to MkDocs for the whole site (and a
test's small project for the stages it tries).
"""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType
from typing import Any

from mkdocs.plugins import event_priority

from chapter.site import (
    course_edition,
    explorer_data,
    figure_variants,
    glossary,
    lab_buttons,
    link_check,
    markers,
    notebook_cache,
    notebook_pages,
    notebook_timings,
    numbering,
    offline_site,
    pdf_link,
    project_paths,
    reading_time,
    reproducible_build,
    rnn2d_explorer_data,
    static_math,
    table_cards,
    version_footer,
)

STAGES = (
    project_paths,
    # The course edition (mkdocs-course.yml) leaves the answers out; this one drops
    # their markers. Before every stage that reads a page's Markdown.
    course_edition,
    reproducible_build,
    offline_site,
    notebook_pages,
    explorer_data,
    rnn2d_explorer_data,
    glossary,
    reading_time,
    version_footer,
    lab_buttons,
    pdf_link,
    figure_variants,
    numbering,
    # After numbering, which inlines the Markdown snippets, so markers in snippets are
    # filled too.
    markers,
    notebook_cache,
    notebook_timings,
    # Copies table headers into the cells, formulas included, so before static_math.
    table_cards,
    # After the stages that write or read TeX (numbering, reading time).
    static_math,
    # Last, so it checks the site after every other stage has written its files.
    link_check,
)


def adapter(*stages: ModuleType) -> dict[str, Callable[..., Any]]:
    """MkDocs event handlers that run these stages, in STAGES order, the way MkDocs runs
    its plugins: the event's item (config, page Markdown, HTML, ...) goes from stage to
    stage, and a stage that returns None leaves it as it was."""
    ordered = [stage for stage in STAGES if stage in stages]
    if len(ordered) != len(stages):
        raise ValueError("every stage must be in STAGES, which gives the order")
    names = sorted(
        name
        for stage in ordered
        for name, value in vars(stage).items()
        if name.startswith("on_") and callable(value) and value.__module__ == stage.__name__
    )
    handlers = {
        name: _handler([getattr(s, name) for s in ordered if hasattr(s, name)]) for name in names
    }
    if "on_page_context" in handlers:
        # After the search plugin has read the page, before it is written (static_math
        # puts its drawings back there).
        handlers["on_page_context"] = event_priority(-100)(handlers["on_page_context"])
    return handlers


def _handler(stage_handlers: list[Callable[..., Any]]) -> Callable[..., Any]:
    def run(*item: Any, **kwargs: Any) -> Any:
        # MkDocs passes an event's item, if it has one, by position and the rest by name.
        for handler in stage_handlers:
            result = handler(*item, **kwargs)
            if item and result is not None:
                item = (result,)
        return item[0] if item else None

    return run
