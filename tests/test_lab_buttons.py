"""The lab's Colab and download buttons open both lab pages, under their titles."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

PAGES = ("lab/index.html", "lab/attention-lab/index.html")
BUTTON = re.compile(r'<a class="md-button[^"]*" href="([^"]+)">([^<]+)</a>')


@pytest.mark.slow
@pytest.mark.parametrize("page", PAGES)
def test_buttons_sit_under_the_title(built_site: Path, page: str) -> None:
    html = (built_site / page).read_text(encoding="utf-8")
    title = html.index("</h1>")
    # Before any prose of the page: only the reading time may come between.
    first_prose = re.compile(r"<p>(?!<a class=\"md-button)").search(html, title).start()
    buttons = [m for m in BUTTON.finditer(html) if m.start() < first_prose]
    labels = {label: href for href, label in (m.groups() for m in buttons)}
    assert "Open in Colab" in labels, page
    assert labels["Open in Colab"].startswith("https://colab.research.google.com/github/")
    assert labels["Open in Colab"].endswith("/docs/lab/attention-lab-student.ipynb")
    assert labels["Download the student notebook"].endswith("/attention-lab-student.ipynb")
    assert labels["Download the worked notebook"].endswith("/attention-lab.ipynb")
    assert "{{" not in "".join(labels.values())
