"""The footer's version line and "Report a mistake" link.

The version and release date come from CITATION.cff, the one place they are
kept, so the footer of every page (the 404 page included) matches the
citation. Each page also gets the address of a new GitHub issue that names
the page, for its "Report a mistake" link.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote, urlencode

import yaml
from mkdocs.exceptions import PluginError


def read_citation(path: Path) -> tuple[str, str]:
    """The version and release date (YYYY-MM-DD) that CITATION.cff states."""
    cff = yaml.safe_load(path.read_text())
    try:
        return str(cff["version"]), str(cff["date-released"])
    except (KeyError, TypeError) as error:
        raise PluginError(f"{path}: needs version and date-released") from error


def report_url(repo_url: str, title: str, page_url: str) -> str:
    """A new-issue address on repo_url whose title and body name the page."""
    query = {
        "title": f"Mistake on “{title}”",
        "body": f"Page: {page_url}\n\nWhat is wrong, and what should it say?\n",
    }
    return f"{repo_url.rstrip('/')}/issues/new?{urlencode(query, quote_via=quote)}"


def on_config(config):
    citation = Path(config.config_file_path).parent / "CITATION.cff"
    config.extra["version"], config.extra["date_released"] = read_citation(citation)
    return config


def on_page_context(context, page, config, nav):
    context["report_url"] = report_url(config.repo_url, page.title, page.canonical_url)
    return context
