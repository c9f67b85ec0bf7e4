"""Sentences in the pages that state a fact about the chapter's code or its course agree with it.

Each test reads the sentence from the page and the fact from the code or the
homework, so that a change to either side that makes the sentence untrue fails.
"""

from __future__ import annotations

import re

import nbformat
import numpy as np
from conftest import ROOT

from chapter.course.lab_checks import lab_namespace
from chapter.model import kernels as attention_kernels

EFFICIENT_ATTENTION = ROOT / "docs/efficient-attention.md"
LAB = ROOT / "docs/lab/attention-lab.ipynb"


def paragraph(path, opening: str) -> str:
    """The paragraph of the page that starts with opening, on one line."""
    text = path.read_text()
    start = text.index(opening)
    end = text.find("\n\n", start)
    return " ".join(text[start : end if end >= 0 else None].split())


# Where the scale 1/sqrt(d) goes ------------------------------------------------


def scales_the_queries(kernel, *pattern: int) -> bool:
    """Whether kernel applies 1/sqrt(d) to the queries before the products q . k.

    Every q . k below is 2^130, past float32's largest number, while (q / 8) . k
    is 2^127, within it: only a kernel that scales the queries first sees finite
    scores and returns a finite output."""
    n, d = 8, 64
    q = np.full((n, d), 2.0**62, dtype=np.float32)
    k = np.full((n, d), 2.0**62, dtype=np.float32)
    v = np.arange(n * d, dtype=np.float32).reshape(n, d)
    with np.errstate(all="ignore"):
        return bool(np.isfinite(kernel(q, k, v, *pattern)).all())


def where_the_kernels_scale() -> dict[str, set[str]]:
    """For each name the page gives a group of kernels, what each of them scales."""
    lab = lab_namespace(nbformat.read(LAB, as_version=4))
    n, t, w = 8, 2, 4
    mask = np.tril(np.ones((n, n), dtype=bool))
    groups = {
        "dense baseline": [(attention_kernels.dense_attention, mask)],
        "sliding-window kernel": [(attention_kernels.sliding_window_attention, t)],
        "windowed kernel": [(attention_kernels.windowed_attention, w)],
        "lab's three kernels": [
            (lab["dense_attention"], mask),
            (lab["windowed_attention"], w),
            (lab["sliding_window_attention"], t),
        ],
    }
    return {
        name: {"queries" if scales_the_queries(f, arg) else "scores" for f, arg in kernels}
        for name, kernels in groups.items()
    }


def test_the_probe_tells_the_two_orders_apart() -> None:
    def scaled_queries(q, k, v, _):
        return np.exp((q / np.float32(8)) @ k.T - np.float32(2.0**127)) @ v

    def scaled_scores(q, k, v, _):
        return np.exp((q @ k.T) / np.float32(8) - np.float32(2.0**127)) @ v

    assert scales_the_queries(scaled_queries, 0)
    assert not scales_the_queries(scaled_scores, 0)


def test_the_page_says_which_kernels_scale_the_queries_and_which_the_scores() -> None:
    text = paragraph(EFFICIENT_ATTENTION, "**How we count.**")
    for name, scaled in where_the_kernels_scale().items():
        assert len(scaled) == 1, f"the {name} do not all scale the same thing: one sentence fits"
        said = re.search(rf"{re.escape(name)}[^.:;]*? scale the (queries|scores)", text)
        assert said, f"'How we count' does not say what the {name} scales: {text}"
        assert said[1] in scaled, (
            f"the page says the {name} scales the {said[1]}; it scales {scaled}"
        )


# Whether the lab is the homework's Problem 3 -----------------------------------

LAB_AND_PROBLEM_3 = "lab-and-problem-3.md"
PAGES_ON_PROBLEM_3 = ("docs/index.md", "docs/lab/index.md", "docs/instructors.md")


def test_every_page_that_names_problem_3_says_the_same_about_the_lab() -> None:
    snippet = " ".join((ROOT / "docs/snippets" / LAB_AND_PROBLEM_3).read_text().split())
    assert "does not reproduce" in snippet and "in place of Problem 3" in snippet
    for page in PAGES_ON_PROBLEM_3:
        text = (ROOT / page).read_text()
        assert f'--8<-- "{LAB_AND_PROBLEM_3}"' in text, (
            f"{page} does not include {LAB_AND_PROBLEM_3}"
        )
        # Outside that statement, no page may call the lab Problem 3 or the homework's notebook.
        for claim in ("Problem 3 is", "Problem 3 of the homework is", "comes with the homework"):
            assert claim not in text, f"{page} says {claim!r} outside {LAB_AND_PROBLEM_3}"
