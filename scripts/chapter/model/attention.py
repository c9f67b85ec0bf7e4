"""Attention masks of Problem 1, their dot-product counts, and the registry that names them.

A mask is a boolean (n, n) array: rows are queries, columns are keys, and
``mask[i, j]`` is True when the score q_i . k_j is computed. Indices are
0-based here; the pages count rows from 1.

Each pattern's mask rule, closed-form count and row rule is written once, as a
small expression of chapter.model.expressions (see PATTERNS). The functions below evaluate
those expressions; the mask explorer evaluates the same expressions, shipped as
JSON syntax trees by chapter.site.explorer_data, so no formula is copied by hand.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from chapter.model.expressions import evaluate, expression_tree

# Largest n (and parameter) the explorer and the grid figures draw legibly.
DRAW_MAX = 64


@dataclass(frozen=True)
class Param:
    """A whole-number parameter: its name in code, label and the values it may take.

    `low` is the smallest value that makes sense; `high` the largest the explorer
    draws; `at_most` names another parameter this one may not exceed; `symbol` is how
    the pages write it, where that differs from its name (c is c_s on the pages)."""

    name: str
    label: str
    low: int
    default: int
    help: str
    high: int = DRAW_MAX
    at_most: str | None = None
    symbol: str = ""

    @property
    def page_symbol(self) -> str:
        return self.symbol or self.name


N = Param("n", "Sequence length n", 1, 12, "number of tokens")

# The figure titles and alt texts, filled in by Pattern.title and Pattern.alt.
TITLE = "{label} mask, {numbers}"
ALT = "{title}: {count} of {total} scores computed"


def cells(rule: str, n: int, env: dict[str, Any]) -> np.ndarray:
    """The boolean (n, n) array of a rule for (query i, key j), 0-based, queries as rows."""
    grid = {"i": np.arange(n)[:, None], "j": np.arange(n)[None, :]}
    return np.broadcast_to(evaluate(expression_tree(rule), env | grid), (n, n)).astype(bool)


@dataclass(frozen=True)
class Head:
    """One part of a pattern that is the union of several, as the Sparse Transformer's
    two heads: a legend label and its rule for (query i, key j), 0-based."""

    label: str
    rule: str


@dataclass(frozen=True)
class Practice:
    """A practice question on the pattern's count, drawn over its parameters' ranges:
    the hint, the known mistakes as (expression, diagnosis), and a condition the drawn
    numbers keep (draws that fail it are drawn again)."""

    hint: str
    mistakes: tuple[tuple[str, str], ...] = ()
    require: str = "True"


@dataclass(frozen=True, kw_only=True)
class Pattern:
    """A named mask, everything the chapter knows about it in one entry.

    `rule` is the mask for (query i, key j), 0-based; `closed_form` the count, with the
    helper names `where` defines; `row_rule` the count of row i, rows from 1 as on the
    pages. `tex` and `row_tex` are how the pages write the count and the row rule, the
    count where `tex_holds` (tests check both against the expressions); `symbols` gives
    the page's symbol for a helper name where the two differ. `heads` splits a union of
    parts for the figures; `tables` names the patterns tables that list the pattern, with
    its parameters there; `practice` asks for a practice question on its count."""

    name: str
    label: str
    params: tuple[Param, ...]
    rule: str
    closed_form: str
    row_rule: str
    tex: str
    row_tex: str
    time_tex: str
    memory_tex: str
    where: tuple[tuple[str, str], ...] = ()
    symbols: tuple[tuple[str, str], ...] = ()
    tex_holds: str = "True"
    heads: tuple[Head, ...] = ()
    tables: dict[str, dict[str, int]] = field(default_factory=dict, compare=False)
    practice: Practice | None = None

    @property
    def param_names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.params)

    @property
    def choice(self) -> str:
        """The name offered in a list of patterns, e.g. 'Strided (t)'."""
        names = ", ".join(self.param_names)
        return f"{self.label} ({names})" if names else self.label

    def values(self, args: tuple[int, ...], kwargs: dict[str, int]) -> dict[str, int]:
        """The parameters by name, given in order or by name."""
        values = dict(zip(self.param_names, args, strict=False)) | kwargs
        if set(values) != set(self.param_names):
            raise TypeError(f"{self.name} takes {self.param_names}, got {tuple(values)}")
        return values

    def mask(self, n: int, *args: int, **kwargs: int) -> np.ndarray:
        """The boolean (n, n) mask, queries as rows."""
        return cells(self.rule, n, self.values(args, kwargs))

    def count(self, n: int, *args: int, **kwargs: int) -> int:
        """Scores computed, from the closed form."""
        env: dict[str, Any] = {"n": n, **self.values(args, kwargs)}
        for name, text in self.where:
            env[name] = evaluate(expression_tree(text), env)
        value = evaluate(expression_tree(self.closed_form), env)
        if value != int(value):
            raise ArithmeticError(f"{self.name}: closed form gave {value} for {env}")
        return int(value)

    def row_count(self, i: int, n: int, *args: int, **kwargs: int) -> int:
        """Scores computed by row i, counting rows from 1."""
        env = {"i": i, "n": n, **self.values(args, kwargs)}
        return int(evaluate(expression_tree(self.row_rule), env))

    def head_masks(self, n: int, **params: int) -> list[np.ndarray]:
        """Each head's (n, n) mask, in the entry's order; none for a pattern of one part."""
        return [cells(h.rule, n, self.values((), params)) for h in self.heads]

    def title(self, n: int, **params: int) -> str:
        """e.g. 'Strided mask, n = 12, t = 3'."""
        numbers = ", ".join(f"{k} = {v}" for k, v in {"n": n, **params}.items())
        return TITLE.format(label=self.label, numbers=numbers)

    def alt(self, n: int, **params: int) -> str:
        """e.g. 'Strided mask, n = 12, t = 3: 42 of 144 scores computed'."""
        return ALT.format(title=self.title(n, **params), count=self.count(n, **params), total=n * n)


T = Param("t", "Look-back t", 0, 3, "how many earlier positions each token sees")
W = Param("w", "Window w", 1, 4, "window size, need not divide n")
L = Param("l", "Stride l", 1, 4, "Sparse Transformer block and stride length")
C = Param(
    "c", "Summary keys c", 1, 1, "summary keys at the end of each block", at_most="l", symbol="c_s"
)

PATTERNS: dict[str, Pattern] = {
    p.name: p
    for p in (
        Pattern(
            name="full",
            label="Full",
            params=(),
            rule="True",
            closed_form="n * n",
            row_rule="n",
            tex=r"n^2",
            row_tex=r"n",
            time_tex=r"\Theta(n^2 d)",
            memory_tex=r"\Theta(n^2)",
            tables={"glance": {}},
        ),
        Pattern(
            name="causal",
            label="Causal",
            params=(),
            rule="j <= i",
            closed_form="n * (n + 1) / 2",
            row_rule="i",
            tex=r"n(n+1)/2",
            row_tex=r"i",
            time_tex=r"\Theta(n^2 d)",
            memory_tex=r"\Theta(n^2)",
            tables={"glance": {}},
        ),
        # Past t >= n - 1 no row has more earlier keys: the count is the causal one.
        Pattern(
            name="strided",
            label="Strided",
            params=(T,),
            rule="j <= i and i - j <= t",
            closed_form="n * (s + 1) - s * (s + 1) / 2",
            where=(("s", "min(t, n - 1)"),),
            symbols=(("s", "t'"),),
            row_rule="min(i - 1, t) + 1",
            tex=r"n(t+1) - t(t+1)/2",
            tex_holds="t <= n - 1",
            row_tex=r"\min(i-1, t) + 1",
            time_tex=r"\Theta(n(t+1)d)",
            memory_tex=r"\Theta(n(t+1))",
            tables={"glance": {"t": 3}},
        ),
        # n // w full windows, then a last window of the r tokens left when w does not
        # divide n.
        Pattern(
            name="windowed",
            label="Windowed",
            params=(W,),
            rule="j <= i and i // w == j // w",
            closed_form="n // w * w * (w + 1) / 2 + r * (r + 1) / 2",
            where=(("r", "n % w"),),
            row_rule="(i - 1) % w + 1",
            tex=r"n(w+1)/2",
            tex_holds="n % w == 0",
            row_tex=r"((i-1) \bmod w) + 1",
            time_tex=r"\Theta(n w d)",
            memory_tex=r"\Theta(n w)",
            tables={"glance": {"w": 4}},
        ),
        # The local part: s(s+1)/2 over the first s = min(n, l) rows, l per row after;
        # the strided part: floor(i/l) per 0-based row. Child et al. (2019) define the
        # local head as keys i-l..i: it adds nothing to the union, as key i - l is also
        # l steps back.
        Pattern(
            name="sparse-strided",
            label="Sparse Transformer strided",
            params=(L,),
            rule="j <= i and (i - j < l or (i - j) % l == 0)",
            closed_form="s * (s + 1) / 2 + (n - s) * l + l * q * (q - 1) / 2 + r * q",
            where=(("s", "min(n, l)"), ("q", "n // l"), ("r", "n % l")),
            row_rule="min(i, l) + (i - 1) // l",
            tex=r"s(s+1)/2 + (n-s)\,l + l\,q(q-1)/2 + r q",
            row_tex=r"\min(i, l) + \lfloor (i-1)/l \rfloor",
            time_tex=r"\Theta(n(l + n/l) d)",
            memory_tex=r"\Theta(n(l + n/l))",
            heads=(
                Head("local head", "j <= i and i - j <= l"),
                Head("every l-th earlier key", "j <= i and (i - j) % l == 0"),
            ),
        ),
        # The local head is the query's own block of l keys.
        Pattern(
            name="sparse-fixed",
            label="Sparse Transformer fixed",
            params=(L, C),
            rule="j <= i and (i // l == j // l or j % l >= l - c)",
            closed_form="q * l * (l + 1) / 2 + r * (r + 1) / 2 + c * (l * q * (q - 1) / 2 + r * q)",
            where=(("q", "n // l"), ("r", "n % l")),
            row_rule="(i - 1) % l + 1 + c * ((i - 1) // l)",
            tex=r"q\,l(l+1)/2 + r(r+1)/2 + c\,(l\,q(q-1)/2 + r q)",
            row_tex=r"((i-1) \bmod l) + 1 + c \lfloor (i-1)/l \rfloor",
            time_tex=r"\Theta(n(l + c n/l) d)",
            memory_tex=r"\Theta(n(l + c n/l))",
            heads=(
                Head("local head", "j <= i and i // l == j // l"),
                Head("summary keys", "j <= i and j % l >= l - c"),
            ),
        ),
    )
}


def parameters() -> dict[str, tuple[Param, tuple[Pattern, ...]]]:
    """Every parameter of the registry by name, with the patterns that take it, read
    from PATTERNS when called, so that an entry added later is counted."""
    params = {p.name: p for pattern in PATTERNS.values() for p in pattern.params}
    return {
        name: (p, tuple(pattern for pattern in PATTERNS.values() if name in pattern.param_names))
        for name, p in params.items()
    }


def full_mask(n: int) -> np.ndarray:
    """Every query attends to every key."""
    return PATTERNS["full"].mask(n)


def causal_mask(n: int) -> np.ndarray:
    """Each query attends to itself and every earlier key."""
    return PATTERNS["causal"].mask(n)


def strided_mask(n: int, t: int) -> np.ndarray:
    """The homework's "strided" pattern: at most t earlier keys, plus itself."""
    return PATTERNS["strided"].mask(n, t=t)


def windowed_mask(n: int, w: int) -> np.ndarray:
    """Causal attention inside consecutive windows of w tokens; a last,
    shorter window holds the n mod w tokens left over when w does not divide n."""
    return PATTERNS["windowed"].mask(n, w=w)


def sparse_strided_mask(n: int, l: int) -> np.ndarray:  # noqa: E741 - the paper's name
    """Sparse Transformer "strided" (Child et al., 2019): the last l keys including
    itself (i - l + 1..i, as attn_mode="local" in openai/sparse_attention keeps),
    plus every l-th earlier key. The paper's local head keeps l + 1 keys (i - l..i),
    but key i - l is also l steps back, so the union, and the count, are the same."""
    return PATTERNS["sparse-strided"].mask(n, l=l)


def sparse_fixed_mask(n: int, l: int, c: int = 1) -> np.ndarray:  # noqa: E741
    """Sparse Transformer "fixed": causal inside blocks of l keys, plus the
    last c keys of every earlier block (the "summary" positions)."""
    return PATTERNS["sparse-fixed"].mask(n, l=l, c=c)


def full_count(n: int) -> int:
    """n^2 scores."""
    return PATTERNS["full"].count(n)


def causal_count(n: int) -> int:
    """Row i (1-based) computes i scores: 1 + 2 + ... + n = n(n+1)/2."""
    return PATTERNS["causal"].count(n)


def strided_count(n: int, t: int) -> int:
    """Row i computes min(i-1, t) + 1 scores: n(t+1) - t(t+1)/2 for t <= n-1,
    and the causal n(n+1)/2 once t >= n-1."""
    return PATTERNS["strided"].count(n, t=t)


def windowed_count(n: int, w: int) -> int:
    """floor(n/w) full windows of w(w+1)/2 scores, then a last window of
    r = n mod w tokens with r(r+1)/2; n(w+1)/2 when w divides n."""
    return PATTERNS["windowed"].count(n, w=w)


def sparse_strided_count(n: int, l: int) -> int:  # noqa: E741
    """Row i (0-based) computes min(i, l-1) + 1 local scores plus floor(i/l)
    strided ones."""
    return PATTERNS["sparse-strided"].count(n, l=l)


def sparse_fixed_count(n: int, l: int, c: int = 1) -> int:  # noqa: E741
    """Row i (0-based) computes i mod l + 1 scores in its block plus c for
    each earlier block."""
    return PATTERNS["sparse-fixed"].count(n, l=l, c=c)


def row_counts(mask: np.ndarray) -> np.ndarray:
    """Scores computed by each query row."""
    return mask.sum(axis=1)


# The patterns tables, by the name a page's marker gives: Table 1.1, "All patterns at a
# glance", is "glance". An entry's `tables` puts it in one, at n = TABLE_N.
TABLE_N = 12
TABLES = ("glance",)


def table_entries(name: str) -> list[tuple[Pattern, dict[str, int]]]:
    """The patterns table `name` lists, in registry order, with their parameters."""
    return [(p, p.tables[name]) for p in PATTERNS.values() if name in p.tables]


def share_percent(count: int, n: int) -> int:
    """count / n^2 as a whole percentage, halves rounded up."""
    return (200 * count + n * n) // (2 * n * n)


def markdown_table(name: str) -> str:
    """The Markdown of table `name`, every number from the counts."""
    n = TABLE_N
    lines = [
        rf"| Pattern | Row \(i\) computes | Total | \(n = {n}\) | Share of \(n^2\) | Time "
        "| Score memory |",
        "|---|---|---|---|---|---|---|",
    ]
    for p, params in table_entries(name):
        label = p.label + "".join(rf", \({k} = {v}\)" for k, v in params.items())
        count = p.count(n, **params)
        cells = (
            label,
            rf"\({p.row_tex}\)",
            rf"\({p.tex}\)",
            str(count),
            f"{share_percent(count, n)}%",
            rf"\({p.time_tex}\)",
            rf"\({p.memory_tex}\)",
        )
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


@dataclass(frozen=True)
class Kernel:
    """The cells one benchmark kernel of attention_kernels.py really computes: the pattern
    it serves, and its tiles as a rule for (query i, key j), 0-based, with the helper
    names the rule uses. Padding outside the n x n grid is not a cell. `whole_grid` says
    why the tiles can cover the whole grid when they do."""

    name: str
    label: str
    pattern: str
    rule: str
    where: tuple[tuple[str, str], ...]
    tiles: str
    whole_grid: str

    def mask(self, n: int, **params: int) -> np.ndarray:
        """The boolean (n, n) mask of the cells inside the kernel's tiles."""
        env: dict[str, Any] = {"n": n, **params}
        for name, text in self.where:
            env[name] = evaluate(expression_tree(text), env)
        return cells(self.rule, n, env)


# Queries per block of sliding_window_attention (its default b).
KERNEL_BLOCK = 16

KERNELS: dict[str, Kernel] = {
    k.pattern: k
    for k in (
        # v = min(w, n) as the kernel clips it; a = v // 2 queries in each full window's
        # first tile. The r = n mod v tokens left over from f on form a short last window,
        # which the kernel splits the same way at b = r // 2.
        Kernel(
            "windowed",
            "Windowed kernel",
            "windowed",
            "i // v == j // v and (i < f and (i % v >= a or j % v < a)"
            " or i >= f and (i - f >= b or j - f < b))",
            (("v", "min(w, n)"), ("a", "v // 2"), ("r", "n % v"), ("f", "n - r"), ("b", "r // 2")),
            "per window, its first w/2 queries (rounded down) against its first w/2 keys, and"
            " its other queries against all the window's keys; a short last window is split"
            " the same way at half its own length",
            "",
        ),
        # Block of b queries from f = b (i // b): keys from f - s to the block's last query.
        Kernel(
            "sliding",
            "Sliding-window kernel",
            "strided",
            "(i // b) * b - s <= j and j < (i // b) * b + b",
            (("s", "min(t, n - 1)"), ("b", f"min({KERNEL_BLOCK}, n)")),
            f"queries in blocks of {KERNEL_BLOCK}, each block against the keys from t "
            "before its first query to its last query",
            f"Here one block of up to {KERNEL_BLOCK} queries with the t keys before it spans"
            " the whole grid, so the kernel computes every cell, as dense attention does; it"
            f" saves work once n is several blocks of {KERNEL_BLOCK} long (try n = 64).",
        ),
    )
}


@dataclass(frozen=True)
class WindowName:
    """How one paper or library writes a causal window, and the look-back t it means.

    `t` is an expression in the library's W; `even` when W must be even; `one_sided`
    says what a count leaves out when the source's window reaches both ways."""

    source: str
    parameter: str
    keys: str
    t: str
    url: str
    low: int = 1
    even: bool = False
    one_sided: str = ""


# One table for Table 1.2's converter: a window W in each source, as this page's look-back.
WINDOW_NAMES: tuple[WindowName, ...] = (
    WindowName(
        "Mistral 7B paper",
        "window W",
        "i − W, …, i",
        "W",
        "https://arxiv.org/abs/2310.06825",
    ),
    WindowName(
        "Hugging Face Transformers",
        "sliding_window=W",
        "W keys, the token itself included",
        "W - 1",
        "https://github.com/huggingface/transformers/blob/main/src/transformers/masking_utils.py",
    ),
    WindowName(
        "Hugging Face Longformer",
        "attention_window=W",
        "W/2 on each side, plus itself",
        "W // 2",
        "https://github.com/huggingface/transformers/blob/main/src/transformers/models/longformer/"
        "modeling_longformer.py",
        low=2,
        even=True,
        one_sided="One-sided count, the causal reading: Longformer's window also reaches"
        " W/2 keys after the token, which these counts leave out.",
    ),
    WindowName(
        "allenai/longformer",
        "attention_window=W",
        "W on each side, plus itself",
        "W",
        "https://github.com/allenai/longformer/blob/master/longformer/longformer.py",
        one_sided="One-sided count, the causal reading: Longformer's window also reaches"
        " W keys after the token, which these counts leave out.",
    ),
    WindowName(
        "FlashAttention",
        "window_size=(W, 0), causal=True",
        "i − W, …, i",
        "W",
        "https://github.com/Dao-AILab/flash-attention/blob/main/flash_attn/flash_attn_interface.py",
        low=0,
    ),
    WindowName(
        "JAX",
        "jax.nn.dot_product_attention(local_window_size=(W, 0))",
        "i − W, …, i",
        "W",
        "https://docs.jax.dev/en/latest/_autosummary/jax.nn.dot_product_attention.html",
        low=0,
    ),
    WindowName(
        "PyTorch flex attention",
        "q_idx - kv_idx <= SLIDING_WINDOW",
        "i − W, …, i",
        "W",
        "https://pytorch.org/blog/flexattention/",
        low=0,
    ),
)
