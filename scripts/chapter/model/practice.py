"""Practice questions of Problems 1 and 2: fresh numbers, the answer, and known mistakes.

Every question draws its numbers from ranges, and its answer and each known
mistake are expressions in the registry's language (chapter.model.expressions).
The attention answers are the registry's own closed forms and row rules; the
2D RNN counts are scripts/rnn2d.py's own closed forms. The ranges
keep every mistake away from the answer, so a diagnosis is never ambiguous.
chapter/site/explorer_data.py ships all of it to the browser as assets/practice.json.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from chapter.model.attention import PATTERNS, WINDOW_NAMES, Pattern, Practice
from chapter.model.expression_tex import tex
from chapter.model.expressions import evaluate, expression_tree
from chapter.model.rnn2d import (
    ADDS,
    CELL_UPDATES,
    MULTIPLIES,
    OPERATIONS,
    PARAMETERS,
    WAVEFRONT_STEPS,
)


@dataclass(frozen=True)
class Draw:
    """A whole number drawn uniformly from low to high (expressions in earlier draws)."""

    name: str
    low: str
    high: str


@dataclass(frozen=True)
class Mistake:
    """A wrong answer readers give, and what it says about their reasoning."""

    answer: str
    diagnosis: str


@dataclass(frozen=True)
class Question:
    """One practice question; `prompt` and `hint` name the drawn numbers as {n}, {t}, ..."""

    name: str
    page: str
    prompt: str
    draws: tuple[Draw, ...]
    answer: str
    mistakes: tuple[Mistake, ...]
    hint: str
    where: tuple[tuple[str, str], ...] = ()
    # Draws that fail this are drawn again: it keeps two mistakes from giving one number.
    require: str = "True"


def _hugging_face_t() -> str:
    """Look-back of Hugging Face's sliding_window, from the one window-name table."""
    (row,) = (r for r in WINDOW_NAMES if r.parameter == "sliding_window=W")
    return row.t


# The largest parameter a registry entry's question draws.
DRAW_HIGH = 12
DIAGONAL = "You left out the diagonal: every token also scores itself."
STRIDED_ROW = (
    "Strided attention with look-back t = {t} over n = {n} tokens: how many scores does"
    " row {i} compute (rows counted from 1)?"
)
STRIDED_ROW_HINT = "Row i sees min(i − 1, t) earlier positions, plus itself."

ATTENTION = (
    Question(
        "causal-count",
        "attention",
        "Causal attention over n = {n} tokens: how many dot products q·k are computed?",
        (Draw("n", "5", "60"),),
        PATTERNS["causal"].closed_form,
        (
            Mistake("n * (n - 1) / 2", DIAGONAL + " Row i computes i scores, not i − 1."),
            Mistake("n * n", "That is full attention: the mask skips every key after the query."),
            Mistake("n * (n + 1)", "You forgot to halve: 1 + 2 + … + n is n(n + 1)/2."),
        ),
        "Row i computes i scores; add the rows up.",
        PATTERNS["causal"].where,
    ),
    Question(
        "strided-count",
        "attention",
        "Strided attention over n = {n} tokens with look-back t = {t}: how many dot products"
        " are computed?",
        (Draw("t", "2", "12"), Draw("n", "t + 4", "60")),
        PATTERNS["strided"].closed_form,
        (
            Mistake(
                "n * (t + 1)",
                "You ignored the first rows: rows 1 to t have fewer than t"
                " earlier positions, so they compute fewer than t + 1 scores.",
            ),
            Mistake(
                "n * (t + 2) - (t + 1) * (t + 2) / 2",
                "You used a window of t + 1 keys as"
                " the look-back: a look-back of t already means t + 1 keys with the token"
                " itself.",
            ),
            Mistake(
                "n * t - t * (t - 1) / 2",
                "Off by one: you used a look-back of t − 1, a"
                " window of t keys. A look-back t is t earlier keys plus the token itself.",
            ),
            Mistake("n * t - t * (t + 1) / 2", DIAGONAL + " Row i computes min(i − 1, t) + 1."),
        ),
        "Row i computes min(i − 1, t) + 1 scores: rows 1 to t + 1 as in causal attention,"
        " then t + 1 each.",
        PATTERNS["strided"].where,
        "2 * n < (t + 1) * (t + 2) or 2 * n > (t + 1) * (t + 2)",
    ),
    Question(
        "windowed-count",
        "attention",
        "Windowed attention over n = {n} tokens in windows of w = {w}: how many dot products"
        " are computed?",
        (Draw("w", "3", "12"), Draw("q", "2", "8")),
        PATTERNS["windowed"].closed_form,
        (
            Mistake(
                "n * w",
                "You counted full windows: attention inside a window is causal,"
                " so a window computes w(w + 1)/2 scores, not w².",
            ),
            Mistake("n * (w - 1) / 2", DIAGONAL + " A window computes 1 + 2 + … + w."),
            Mistake(
                "n * (n + 1) / 2",
                "That is causal attention over the whole sequence: a"
                " token only sees its own window.",
            ),
        ),
        "There are n/w windows, each a causal triangle of w tokens.",
        (("n", "q * w"), *PATTERNS["windowed"].where),
    ),
    # Two questions on one row: a row near the start, with fewer than t earlier
    # positions, and a row past t + 1, where the look-back caps it; their mistakes differ.
    Question(
        "strided-row",
        "attention",
        STRIDED_ROW,
        (Draw("t", "4", "12"), Draw("n", "t + 4", "40"), Draw("i", "2", "t")),
        PATTERNS["strided"].row_rule,
        (
            Mistake(
                "t + 1",
                "You ignored the first rows: row {i} has only {i} − 1 earlier"
                " positions, fewer than t.",
            ),
            Mistake("i - 1", DIAGONAL),
        ),
        STRIDED_ROW_HINT,
    ),
    Question(
        "strided-row-late",
        "attention",
        STRIDED_ROW,
        (Draw("t", "2", "12"), Draw("n", "t + 4", "40"), Draw("i", "t + 2", "n")),
        PATTERNS["strided"].row_rule,
        (
            Mistake(
                "i",
                "That is causal attention: row {i} has {i} − 1 earlier positions, but"
                " the look-back lets it see only the last t of them.",
            ),
            Mistake("t", DIAGONAL + " Row {i} sees t earlier keys and itself."),
        ),
        STRIDED_ROW_HINT,
    ),
    Question(
        "library-window",
        "attention",
        "A model set up with Hugging Face's sliding_window = {W} (W keys per row, the token"
        " itself included) runs over n = {n} tokens: how many dot products are computed?",
        (Draw("W", "3", "12"), Draw("n", "W + 4", "60")),
        PATTERNS["strided"].closed_form,
        (
            Mistake(
                "n * (W + 1) - W * (W + 1) / 2",
                "Off by one: you used W as the look-back."
                " Here W counts the token itself, so the look-back is t = W − 1.",
            ),
            Mistake(
                "n * W", "You ignored the first rows: they have fewer than W − 1 earlier positions."
            ),
        ),
        "Convert the window to a look-back t first, then count as for strided attention.",
        (("t", _hugging_face_t()), *PATTERNS["strided"].where),
        "2 * n < W * (W + 1) or 2 * n > W * (W + 1)",
    ),
)

RNN2D = (
    Question(
        "rnn2d-parameters",
        "rnn2d",
        "A 2D RNN layer (input channels c = {c}, hidden size h = {h}) runs on"
        " {n} × {n} images: how many trainable parameters does it have?",
        (Draw("c", "1", "8"), Draw("h", "c + 1", "40"), Draw("n", "h + 1", "64")),
        PARAMETERS,
        (
            Mistake(
                "h * c + h * h",
                "You counted one recurrent matrix: W_left and W_top are two h × h matrices, 2h².",
            ),
            Mistake(
                f"n * n * ({PARAMETERS})",
                "The weights are shared by every cell, so the count does not grow with the image.",
            ),
            Mistake(
                "h * c + 2 * h * h + h", "The layer has no biases: only W_in, W_left and W_top."
            ),
            Mistake("2 * h * h", "You left out W_in, the h × c input matrix."),
        ),
        "Count the entries of W_in (h × c), W_left and W_top (h × h each).",
    ),
    Question(
        "rnn2d-multiplies",
        "rnn2d",
        "A 2D RNN layer, c = {c}, h = {h}, on a grid of {n} × {n} cells: how many scalar"
        " multiplies in all, counting every cell's three matrix-vector products?",
        (Draw("c", "1", "8"), Draw("h", "c + 1", "32"), Draw("n", "3", "32")),
        MULTIPLIES,
        (
            Mistake("h * c + 2 * h * h", "That is one cell: there are n² cells."),
            Mistake(
                "n * n * (h * c + h * h)",
                "You counted one recurrent product per cell:"
                " each cell multiplies by W_left and by W_top.",
            ),
        ),
        "Each entry of the three matrices multiplies one number per cell.",
    ),
    Question(
        "rnn2d-adds",
        "rnn2d",
        "A 2D RNN layer, c = {c}, h = {h}, on a grid of {n} × {n} cells: how many scalar adds,"
        " in the three matrix-vector products and in summing the three vectors?",
        (Draw("c", "1", "8"), Draw("h", "c + 1", "32"), Draw("n", "3", "32")),
        ADDS,
        (
            Mistake(
                MULTIPLIES,
                "You counted one add per multiply (m per dot product of length m) and"
                " none for summing the three vectors. A dot product of length m takes"
                " m − 1 adds, 3h fewer per cell; summing three h-vectors takes 2h:"
                " n²(hc + 2h² − h) in all.",
            ),
            Mistake(
                "n * n * (h * c + 2 * h * h - 3 * h)",
                "You forgot the 2h adds that sum the three h-vectors.",
            ),
            Mistake("h * c + 2 * h * h - h", "That is one cell: there are n² cells."),
        ),
        "An r × m matrix-vector product takes r(m − 1) adds; summing three h-vectors, 2h.",
    ),
    Question(
        "rnn2d-operations",
        "rnn2d",
        "A 2D RNN layer, c = {c}, h = {h}, on a grid of {n} × {n} cells: how many arithmetic"
        " operations, multiplies and adds together?",
        (Draw("c", "1", "8"), Draw("h", "c + 1", "32"), Draw("n", "3", "32")),
        OPERATIONS,
        (
            Mistake(
                MULTIPLIES,
                "You counted only the multiplies: add the adds, n²(hc + 2h² − h).",
            ),
            Mistake(
                "n * n * (2 * h * c + 4 * h * h)",
                "That is the count with σ as an operation too, one evaluation per"
                " hidden unit (n²h more), a reading the homework gives full credit."
                " This question counts only multiplies and adds: a dot product of length"
                " m takes m − 1 adds, and the two vector sums add back only 2h, so"
                " n²(2hc + 4h² − h).",
            ),
            Mistake("2 * h * c + 4 * h * h - h", "That is one cell: there are n² cells."),
        ),
        "Multiplies n²(hc + 2h²) plus adds n²(hc + 2h² − h).",
    ),
    Question(
        "rnn2d-steps",
        "rnn2d",
        "The wavefront runs a 2D RNN over a grid of {n} × {n} cells, one batched step per"
        " anti-diagonal: how many sequential steps does it take?",
        (Draw("n", "3", "200"),),
        WAVEFRONT_STEPS,
        (
            Mistake(
                CELL_UPDATES,
                "That is the number of cell updates, the work: the steps, O(n), are"
                " far fewer than the work, O(n²).",
            ),
            Mistake("2 * n", "One too many: the anti-diagonals i + j run from 2 to 2n."),
            Mistake(
                "n",
                "A row is not one step: a cell needs its left neighbour, which is in"
                " the same row, so a row's cells cannot run at once; the cells of an"
                " anti-diagonal need none of each other.",
            ),
        ),
        "Cells with the same i + j can be computed together; how many values does i + j take?",
    ),
    Question(
        "rnn2d-updates",
        "rnn2d",
        "The wavefront over a grid of {n} × {n} cells: how many cell updates (hidden states"
        " computed) does it perform in all?",
        (Draw("n", "3", "200"),),
        CELL_UPDATES,
        (
            Mistake(
                WAVEFRONT_STEPS,
                "That is the number of sequential steps: the work, O(n²),"
                " does not shrink when the steps run cells side by side.",
            ),
        ),
        "Every cell of the grid is computed once.",
    ),
)


def pattern_question(pattern: Pattern, practice: Practice) -> Question:
    """The count question a registry entry asks for with its `practice`: n and each
    parameter drawn over its range (n past every parameter)."""
    draws = [
        Draw(p.name, str(max(p.low, 1)), p.at_most or str(min(p.high, DRAW_HIGH)))
        for p in pattern.params
    ]
    names = pattern.param_names
    low = f"max({', '.join(names)}) + 1" if len(names) > 1 else f"{names[0]} + 1" if names else "2"
    given = "".join(f", {p.label[0].lower()}{p.label[1:]} = {{{p.name}}}" for p in pattern.params)
    return Question(
        f"{pattern.name}-count",
        "attention",
        f"{pattern.label} attention over n = {{n}} tokens{given}: how many dot products are"
        " computed?",
        (*draws, Draw("n", low, "60")),
        pattern.closed_form,
        tuple(Mistake(text, diagnosis) for text, diagnosis in practice.mistakes),
        practice.hint,
        pattern.where,
        practice.require,
    )


def questions() -> tuple[Question, ...]:
    """Every practice question, with one for each registry entry that asks for one."""
    asked = tuple(pattern_question(p, p.practice) for p in PATTERNS.values() if p.practice)
    return ATTENTION + asked + RNN2D


QUESTIONS: tuple[Question, ...] = questions()


def environment(question: Question, drawn: dict[str, int]) -> dict[str, Any]:
    """The drawn numbers with the question's helper names (such as n = q w) added."""
    env: dict[str, Any] = dict(drawn)
    for name, text in question.where:
        env[name] = evaluate(expression_tree(text), env)
    return env


def every_draw(question: Question, drawn: dict[str, int] | None = None) -> Iterator[dict]:
    """Every combination of numbers the question can draw and keep, in order."""
    drawn = drawn or {}
    if len(drawn) == len(question.draws):
        env = environment(question, drawn)
        if evaluate(expression_tree(question.require), env):
            yield env
        return
    d = question.draws[len(drawn)]
    low = evaluate(expression_tree(d.low), drawn)
    high = evaluate(expression_tree(d.high), drawn)
    for value in range(low, high + 1):
        yield from every_draw(question, {**drawn, d.name: value})


def answer(question: Question, env: dict[str, Any]) -> Any:
    """The question's answer for these numbers."""
    return evaluate(expression_tree(question.answer), env)


def mistakes(question: Question, env: dict[str, Any]) -> list[Any]:
    """Each known mistake's value for these numbers, in order."""
    return [evaluate(expression_tree(m.answer), env) for m in question.mistakes]


def _tree_list(pairs: tuple[tuple[str, str], ...]) -> list[dict]:
    return [{"name": name, "text": text, "tree": expression_tree(text)} for name, text in pairs]


def practice_data() -> dict:
    """The questions and the window converter, as plain data for assets/practice.json."""
    strided = PATTERNS["strided"]
    return {
        "questions": [
            {
                "name": q.name,
                "page": q.page,
                "prompt": q.prompt,
                "hint": q.hint,
                "draws": [
                    {"name": d.name, "low": expression_tree(d.low), "high": expression_tree(d.high)}
                    for d in q.draws
                ],
                "where": _tree_list(q.where),
                "require": expression_tree(q.require),
                "answer": expression_tree(q.answer),
                "mistakes": [
                    {"tree": expression_tree(m.answer), "text": m.answer, "diagnosis": m.diagnosis}
                    for m in q.mistakes
                ],
            }
            for q in questions()
        ],
        "windows": {
            "sources": [
                {
                    "source": w.source,
                    "parameter": w.parameter,
                    "keys": w.keys,
                    "t": expression_tree(w.t),
                    "tTex": f"t = {tex(w.t)}",
                    "url": w.url,
                    "low": w.low,
                    "even": w.even,
                    "oneSided": w.one_sided,
                }
                for w in WINDOW_NAMES
            ],
            "count": {
                "where": _tree_list(strided.where),
                "tree": expression_tree(strided.closed_form),
            },
            "row": expression_tree(strided.row_rule),
        },
    }
