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

from dataclasses import dataclass
from typing import Any

import numpy as np

from chapter.model.expressions import evaluate, expression_tree

# Largest n (and parameter) the explorer and the grid figures draw legibly.
DRAW_MAX = 64


@dataclass(frozen=True)
class Param:
    """A whole-number parameter: its page name, label and the values it may take.

    `low` is the smallest value that makes sense; `high` the largest the explorer
    draws; `at_most` names another parameter this one may not exceed."""

    name: str
    label: str
    low: int
    default: int
    help: str
    high: int = DRAW_MAX
    at_most: str | None = None


N = Param("n", "Sequence length n", 1, 12, "number of tokens")

# The figure titles and alt texts, filled in by Pattern.title and Pattern.alt.
TITLE = "{label} mask, {numbers}"
ALT = "{title}: {count} of {total} scores computed"


@dataclass(frozen=True)
class Pattern:
    """A named mask: its parameters, its rule for (query i, key j), its closed-form
    count with the helper names it defines, its row rule (rows from 1 as on the pages),
    and how the pages write them in TeX; `symbols` gives the page's symbol for a helper
    name where the two differ (the widgets write the expressions as TeX with them)."""

    name: str
    label: str
    params: tuple[Param, ...]
    rule: str
    closed_form: str
    where: tuple[tuple[str, str], ...]
    row_rule: str
    tex: str
    row_tex: str
    time_tex: str
    memory_tex: str
    symbols: tuple[tuple[str, str], ...] = ()

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
        i = np.arange(n)[:, None]
        j = np.arange(n)[None, :]
        env = {"i": i, "j": j, **self.values(args, kwargs)}
        computed = evaluate(expression_tree(self.rule), env)
        return np.broadcast_to(computed, (n, n)).astype(bool)

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
C = Param("c", "Summary keys c", 1, 1, "summary keys at the end of each block", at_most="l")

PATTERNS: dict[str, Pattern] = {
    p.name: p
    for p in (
        Pattern(
            "full",
            "Full",
            (),
            "True",
            "n * n",
            (),
            "n",
            r"n^2",
            r"n",
            r"\Theta(n^2 d)",
            r"\Theta(n^2)",
        ),
        Pattern(
            "causal",
            "Causal",
            (),
            "j <= i",
            "n * (n + 1) / 2",
            (),
            "i",
            r"n(n+1)/2",
            r"i",
            r"\Theta(n^2 d)",
            r"\Theta(n^2)",
        ),
        # Past t >= n - 1 no row has more earlier keys: the count is the causal one.
        Pattern(
            "strided",
            "Strided",
            (T,),
            "j <= i and i - j <= t",
            "n * (s + 1) - s * (s + 1) / 2",
            (("s", "min(t, n - 1)"),),
            "min(i - 1, t) + 1",
            r"n(t+1) - t(t+1)/2",
            r"\min(i-1, t) + 1",
            r"\Theta(n(t+1)d)",
            r"\Theta(n(t+1))",
            (("s", "t'"),),
        ),
        # n // w full windows, then a last window of the r tokens left when w does not
        # divide n.
        Pattern(
            "windowed",
            "Windowed",
            (W,),
            "j <= i and i // w == j // w",
            "n // w * w * (w + 1) / 2 + r * (r + 1) / 2",
            (("r", "n % w"),),
            "(i - 1) % w + 1",
            r"n(w+1)/2",
            r"((i-1) \bmod w) + 1",
            r"\Theta(n w d)",
            r"\Theta(n w)",
        ),
        # The local part: s(s+1)/2 over the first s = min(n, l) rows, l per row after;
        # the strided part: floor(i/l) per 0-based row.
        Pattern(
            "sparse-strided",
            "Sparse Transformer strided",
            (L,),
            "j <= i and (i - j < l or (i - j) % l == 0)",
            "s * (s + 1) / 2 + (n - s) * l + l * q * (q - 1) / 2 + r * q",
            (("s", "min(n, l)"), ("q", "n // l"), ("r", "n % l")),
            "min(i, l) + (i - 1) // l",
            r"s(s+1)/2 + (n-s)\,l + l\,q(q-1)/2 + r q",
            r"\min(i, l) + \lfloor (i-1)/l \rfloor",
            r"\Theta(n(l + n/l) d)",
            r"\Theta(n(l + n/l))",
        ),
        Pattern(
            "sparse-fixed",
            "Sparse Transformer fixed",
            (L, C),
            "j <= i and (i // l == j // l or j % l >= l - c)",
            "q * l * (l + 1) / 2 + r * (r + 1) / 2 + c * (l * q * (q - 1) / 2 + r * q)",
            (("q", "n // l"), ("r", "n % l")),
            "(i - 1) % l + 1 + c * ((i - 1) // l)",
            r"q\,l(l+1)/2 + r(r+1)/2 + c\,(l\,q(q-1)/2 + r q)",
            r"((i-1) \bmod l) + 1 + c \lfloor (i-1)/l \rfloor",
            r"\Theta(n(l + c n/l) d)",
            r"\Theta(n(l + c n/l))",
        ),
    )
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


# The "All patterns at a glance" table: pattern and parameters per row, at n = TABLE_N.
TABLE_N = 12
TABLES: dict[str, tuple[tuple[str, dict[str, int]], ...]] = {
    "glance": (
        ("full", {}),
        ("causal", {}),
        ("strided", {"t": 3}),
        ("windowed", {"w": 4}),
    ),
}


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
    for pattern_name, params in TABLES[name]:
        p = PATTERNS[pattern_name]
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
        env |= {"i": np.arange(n)[:, None], "j": np.arange(n)[None, :]}
        return np.broadcast_to(evaluate(expression_tree(self.rule), env), (n, n)).astype(bool)


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
