"""Give every student of a roster their own numbers for Problems 1 and 2, with an answer key.

python scripts/variants.py --roster ROSTER.csv --seed SEED --out DIR

The roster is a UTF-8 CSV file with a header row and a student_id column; its
other columns (a name, a section) are carried into the key and the sheets.
Each student's n, t, w, c and h are drawn from the seed and their id alone, so
the same roster and seed give byte-identical files, and a student keeps their
numbers when the roster is reordered. DIR receives:

  answer-key.csv                 one row per student, every number from the chapter's counts
  sheets/<student_id>.md, .pdf   Problems 1 and 2 with the student's numbers, blank grids
  sheets/grids/<n>.svg           the blank n x n grids the Markdown sheets show
  key/<student_id>/causal.svg, strided.svg, windowed.svg   the shaded grids of the key
"""

from __future__ import annotations

import base64
import csv
import hashlib
import html
import io
import os
import re
import shutil
import stat
import sys
import tempfile
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import rnn2d
from attention import causal_count, strided_count, windowed_count
from attention_figures import Grid, draw_grid, grid_figure
from cli import ArgumentParser, fail, path_argument, shown
from figure_files import svg_bytes
from matplotlib.figure import Figure
from plot_style import INK, new_figure
from safe_files import UnsafePath, check_folder, read_input, write_files

# The ranges every student's numbers are drawn from. n is composite, so that a
# window w with 2 <= w < n divides it.
N_VALUES = tuple(n for n in range(8, 25) if any(n % d == 0 for d in range(2, n)))
C_VALUES = (1, 3, 4)
H_LOW, H_HIGH = 2, 64

ID_COLUMN = "student_id"
KEY_COLUMNS = (
    "student_id",
    "n",
    "t",
    "w",
    "c",
    "h",
    "causal",
    "strided",
    "windowed",
    "parameters",
    "multiplies",
    "adds",
    "total",
)
# A student id becomes a file name: ASCII letters, digits, '.', '_' and '-', starting
# with a letter or digit (so never '.', '..' or a hidden file), at most 64 characters.
# Windows drops a final '.' and keeps the device names (CON, COM1, ...) for itself,
# whatever follows them after a dot; the sheets may be opened there.
SAFE_ID = re.compile(
    r"(?!(?:CON|PRN|AUX|NUL|COM[0-9]|LPT[0-9])(?:\.|$))[A-Za-z0-9][A-Za-z0-9._-]{0,63}(?<!\.)",
    re.IGNORECASE,
)
MAX_ROWS = 10_000
MAX_ROSTER_BYTES = 2_000_000
# A seed is a short token: digits, or letters, digits, '_' and '-'.
SEED = re.compile(r"[A-Za-z0-9_-]{1,64}")

PAPER = {
    "format": "A4",
    "margin": {"top": "16mm", "bottom": "16mm", "left": "18mm", "right": "18mm"},
}
PDF_TITLE = "Homework 4, Problems 1 and 2"


class RosterError(ValueError):
    """A roster that cannot be used; the message names the line."""


@dataclass(frozen=True)
class Student:
    """One roster row: the id, and the other columns in roster order."""

    student_id: str
    extra: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Variant:
    """One student's numbers."""

    n: int
    t: int
    w: int
    c: int
    h: int

    @property
    def numbers(self) -> tuple[int, int, int, int, int]:
        return (self.n, self.t, self.w, self.c, self.h)


@dataclass(frozen=True)
class Answers:
    """The key of one variant: Problem 1's score counts and Problem 2's parameters and
    operations, each from the function the chapter's pages use."""

    causal: int
    strided: int
    windowed: int
    parameters: int
    multiplies: int
    adds: int
    total: int


def answers(v: Variant) -> Answers:
    """Every number of the key. Problem 2(b) counts as equation (2.3) of the page: the
    full work in every cell, zero vectors outside the grid, sigma not counted."""
    return Answers(
        causal=causal_count(v.n),
        strided=strided_count(v.n, v.t),
        windowed=windowed_count(v.n, v.w),
        parameters=rnn2d.parameter_count(v.c, v.h),
        multiplies=rnn2d.multiply_count(v.n, v.c, v.h),
        adds=rnn2d.add_count(v.n, v.c, v.h),
        total=rnn2d.operation_count(v.n, v.c, v.h),
    )


# Reading the roster: every check before anything is drawn.


def read_roster(data: bytes) -> list[Student]:
    """The students of a roster file's bytes; RosterError naming the line otherwise."""
    try:
        # A spreadsheet's "CSV UTF-8" starts with a byte-order mark: taken, not kept.
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise RosterError(f"line {line}: not UTF-8 (byte {error.start + 1})") from None
    if "\x00" in text:
        raise RosterError(f"line {text[: text.index(chr(0))].count(chr(10)) + 1}: a NUL byte")
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows = list(_numbered(reader))
    if not rows:
        raise RosterError("line 1: no header row: the file is empty")
    (header_line, header), body = rows[0], rows[1:]
    columns = _header(header, header_line)
    if not body:
        raise RosterError(f"line {header_line}: a header but no students")
    students: list[Student] = []
    seen: dict[str, int] = {}
    for line, row in body:
        if len(row) != len(columns):
            raise RosterError(f"line {line}: expected {len(columns)} values, got {len(row)}")
        for name, value in zip(columns, row, strict=True):
            if any(unicodedata.category(ch) == "Cc" for ch in value):
                raise RosterError(f"line {line}: column {name} holds a control character")
        record = dict(zip(columns, row, strict=True))
        student_id = record.pop(ID_COLUMN)
        if not student_id:
            raise RosterError(f"line {line}: empty {ID_COLUMN}")
        if not SAFE_ID.fullmatch(student_id):
            raise RosterError(
                f"line {line}: {ID_COLUMN} {shown(student_id)} is not safe as a file name: "
                "use ASCII letters, digits, '.', '_' and '-', starting with a letter or digit, "
                "not ending in '.', at most 64 characters, and no Windows device name"
            )
        # Ids that differ only in case would share files on macOS and Windows.
        folded = student_id.casefold()
        if folded in seen:
            raise RosterError(
                f"line {line}: {ID_COLUMN} {student_id!r} repeats line "
                f"{seen[folded]} (ids are compared ignoring case)"
            )
        seen[folded] = line
        students.append(Student(student_id, tuple(record.items())))
    return students


def _numbered(reader) -> Iterator[tuple[int, list[str]]]:
    """Each row that holds something, with the line it starts on (a quoted field may span
    lines); RosterError past the header and MAX_ROWS rows, or on text that is not CSV."""
    count = 0
    while True:
        line = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            raise RosterError(f"line {line}: not CSV: {error}") from None
        # A blank line, or a row of empty cells as spreadsheets export, holds no student.
        if not any(cell.strip() for cell in row):
            continue
        if count > MAX_ROWS:
            raise RosterError(f"line {line}: more than {MAX_ROWS} students")
        count += 1
        yield line, row


def _header(header: list[str], line: int) -> list[str]:
    columns = [name.strip() for name in header]
    if ID_COLUMN not in columns:
        raise RosterError(
            f"line {line}: no {ID_COLUMN} column in the header (got {shown(','.join(columns), 60)})"
        )
    for index, name in enumerate(columns):
        if not name:
            raise RosterError(f"line {line}: column {index + 1} of the header has no name")
        if any(unicodedata.category(ch) == "Cc" for ch in name):
            raise RosterError(f"line {line}: a column name holds a control character")
        if columns.index(name) != index:
            raise RosterError(f"line {line}: column {name!r} appears twice")
        if name != ID_COLUMN and name in KEY_COLUMNS:
            raise RosterError(f"line {line}: column {name!r} would clash with the key's own")
    return columns


# Drawing the numbers.


def _digest(seed: str, student_id: str, attempt: int) -> bytes:
    return hashlib.sha256(f"{seed}:{student_id}:{attempt}".encode()).digest()


def draw(seed: str, student_id: str, attempt: int = 0) -> Variant:
    """The numbers of one student at one attempt, from sha256(seed:id:attempt) alone."""
    rng = np.random.default_rng(int.from_bytes(_digest(seed, student_id, attempt), "big"))
    n = int(rng.choice(N_VALUES))
    t = int(rng.integers(1, n - 1))  # 1 <= t <= n - 2
    windows = [w for w in range(2, n) if n % w == 0]
    w = int(rng.choice(windows))
    c = int(rng.choice(C_VALUES))
    h = int(rng.integers(H_LOW, H_HIGH + 1))
    return Variant(n, t, w, c, h)


def assign(seed: str, student_ids: Sequence[str]) -> dict[str, Variant]:
    """Each student's numbers, no two students alike.

    Students take their turn in the order of sha256(seed:id:0), not the roster's;
    one whose numbers an earlier student already holds draws again with attempt
    1, 2, ... So a student's numbers depend on the seed, their id and the ids
    before them in that order, never on the order of the roster.
    """
    taken: set[tuple[int, ...]] = set()
    result: dict[str, Variant] = {}
    for student_id in sorted(student_ids, key=lambda s: (_digest(seed, s, 0), s)):
        attempt = 0
        variant = draw(seed, student_id)
        while variant.numbers in taken:
            attempt += 1
            variant = draw(seed, student_id, attempt)
        taken.add(variant.numbers)
        result[student_id] = variant
    return {s: result[s] for s in student_ids}


# What gets written.


def key_csv(students: list[Student], variants: dict[str, Variant]) -> bytes:
    """The answer key: the key's columns, then the roster's other columns, in roster order."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    extra = [name for name, _ in students[0].extra]
    writer.writerow([*KEY_COLUMNS, *extra])
    for s in students:
        v = variants[s.student_id]
        a = answers(v)
        writer.writerow(
            [
                s.student_id,
                *v.numbers,
                a.causal,
                a.strided,
                a.windowed,
                a.parameters,
                a.multiplies,
                a.adds,
                a.total,
                *(value for _, value in s.extra),
            ]
        )
    return out.getvalue().encode("utf-8")


def key_grids(v: Variant) -> dict[str, Grid]:
    """The three masks of a student's Problem 1, by file stem."""
    return {
        "causal": Grid("causal", v.n),
        "strided": Grid("strided", v.n, {"t": v.t}),
        "windowed": Grid("windowed", v.n, {"w": v.w}),
    }


class BlankGrid(Grid):
    """A grid with no cell shaded: what a student shades."""

    @property
    def mask(self) -> np.ndarray:
        return np.zeros((self.n, self.n), dtype=bool)


def blank_figure(n: int) -> Figure:
    """An empty n x n grid with 1-based labels, queries as rows and keys as columns."""
    side = 5.4 * min(1.0, n / 16)
    fig, ax = new_figure(side + 1.0, side + 0.9)
    ax.set_position(
        (0.7 / (side + 1.0), 0.2 / (side + 0.9), side / (side + 1.0), side / (side + 0.9))
    )
    draw_grid(ax, BlankGrid("causal", n), counts=False, tick_step=1 if n <= 16 else 2)
    ax.tick_params(labelsize=7, colors=INK)
    return fig


def _escape(text: str) -> str:
    """text shown as itself in Markdown and in the HTML it becomes."""
    return re.sub(r"([\\`*_\[\]])", r"\\\1", html.escape(text, quote=False))


def sheet_markdown(s: Student, v: Variant) -> str:
    """Problems 1 and 2 of the homework with the student's numbers, and three blank grids."""
    lines = [f"# {PDF_TITLE}: your numbers", ""]
    lines += [f"- **{_escape(ID_COLUMN)}:** {_escape(s.student_id)}"]
    lines += [f"- **{_escape(name)}:** {_escape(value)}" for name, value in s.extra]
    grid = f"grids/{v.n}.svg"
    alt = f"An empty {v.n} by {v.n} grid: rows are queries 1 to {v.n}, columns keys 1 to {v.n}"
    lines += [
        "",
        "Rows and columns count from 1. Row *i* is query *i*, column *j* is key *j*.",
        "",
        "## 1. (3 points) Pay attention",
        "",
        f"Standard (scaled) dot-product self-attention over **n = {v.n}** tokens computes all "
        f"n<sup>2</sup> = {v.n * v.n} query-key dot products. The patterns below compute "
        "fewer.",
        "",
        "**(a)** *Autoregressive* self-attention: every token attends only to its own position "
        f"and all previous positions. How many dot products are required, as a function of n, "
        f"and for n = {v.n}? Shade the squares of the grid that depict the computed scores.",
        "",
        f"![{alt}]({grid})",
        "",
        f"**(b)** Strided self-attention: every token attends to at most **t = {v.t}** "
        "positions prior to it, plus itself. How many dot products are required, as a "
        f"function of n and t, and for n = {v.n}, t = {v.t}? Shade the computed scores.",
        "",
        f"![{alt}]({grid})",
        "",
        f"**(c)** *Windowed* self-attention: the n tokens are partitioned into windows of size "
        f"**w = {v.w}** (w divides n), and every token attends to all positions within its "
        "window and prior to it, plus itself. Shade the computed scores.",
        "",
        f"![{alt}]({grid})",
        "",
        "## 2. (3 points) RNNs for images",
        "",
        "Hidden units are arranged in a grid. Each is connected from the corresponding input "
        "node and recurrently from its left and top neighbours (no biases; zero states "
        "outside the grid):",
        "",
        "> h<sup>i,j</sup> = σ(W<sub>in</sub> x<sup>i,j</sup> + W<sub>left</sub> "
        "h<sup>i−1,j</sup> + W<sub>top</sub> h<sup>i,j−1</sup>)",
        "",
        f"The input grid is **n × n = {v.n} × {v.n}**, each input x<sup>i,j</sup> has "
        f"**c = {v.c}** channels, and each hidden state h<sup>i,j</sup> has dimension "
        f"**h = {v.h}**.",
        "",
        "**(a)** How many trainable parameters does this architecture have? Give a formula "
        "in c and h, then the number.",
        "",
        "**(b)** How many arithmetic operations (scalar adds and multiplies) are required to "
        "compute all the hidden activations? Count the multiplies and adds of the three "
        "matrix-vector products and of summing the three vectors in every cell, with zero "
        "vectors standing in outside the grid; do not count σ. Give the formula, the number "
        "for your sizes, and the answer in big-O notation.",
        "",
        "**(c)** Compare this architecture with a regular convnet, and explain its advantages "
        "and disadvantages.",
        "",
    ]
    return "\n".join(lines)


SHEET_CSS = """
body { font-family: "DejaVu Sans", sans-serif; font-size: 10.5pt; line-height: 1.45;
       color: #000; margin: 0; }
h1 { font-size: 16pt; font-weight: 600; margin: 0 0 0.4em; }
h2 { font-size: 12.5pt; margin: 1.2em 0 0.4em; }
h2:nth-of-type(2) { break-before: page; }
ul { padding-left: 1.2em; }
p img { display: block; margin: 0.4em auto 0.8em; max-width: 80%; }
/* A grid stays on the page of the question it belongs to. */
p:has(> img) { break-before: avoid-page; break-inside: avoid; }
blockquote { margin: 0.6em 1.5em; }
"""


def sheet_html(markdown_text: str, grids: dict[str, bytes]) -> str:
    """A self-contained HTML page of a sheet: its blank grids inlined as data URIs."""
    import markdown

    body = markdown.markdown(markdown_text, extensions=["sane_lists"])
    for name, data in grids.items():
        uri = "data:image/svg+xml;base64," + base64.b64encode(data).decode("ascii")
        body = body.replace(f'src="{name}"', f'src="{uri}"')
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{PDF_TITLE}</title><style>{SHEET_CSS}</style></head>"
        f"<body>{body}</body></html>"
    )


def print_pdfs(pages: dict[str, str]) -> dict[str, bytes]:
    """Each HTML page printed to PDF by Debian's Chromium, as the chapter's PDF is.

    Chromium stamps the time into a PDF; pypdf rewrites its document information
    with a title only, so the same page gives the same bytes."""
    from playwright.sync_api import sync_playwright
    from pypdf import PdfReader, PdfWriter
    from site_server import CHROMIUM, CHROMIUM_ARGS

    printed: dict[str, bytes] = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(color_scheme="light")
            # A sheet loads nothing: its grids are data URIs.
            context.route(
                "**/*",
                lambda route: (
                    route.continue_() if route.request.url.startswith("data:") else route.abort()
                ),
            )
            page = context.new_page()
            for name, content in pages.items():
                page.set_content(content, wait_until="load")
                raw = page.pdf(**PAPER, print_background=True, tagged=True)
                writer = PdfWriter(clone_from=PdfReader(io.BytesIO(raw)))
                writer.metadata = {"/Title": PDF_TITLE}  # no dates, no producer
                out = io.BytesIO()
                writer.write(out)
                printed[name] = out.getvalue()
        finally:
            browser.close()
    return printed


def build_files(
    students: list[Student], variants: dict[str, Variant], pdf: bool
) -> dict[str, dict[str, bytes]]:
    """Every file of the output, by folder (relative to DIR) and name, drawn in memory."""
    folders: dict[str, dict[str, bytes]] = {"": {"answer-key.csv": key_csv(students, variants)}}
    sizes = sorted({v.n for v in variants.values()})
    folders["sheets/grids"] = {f"{n}.svg": svg_bytes(blank_figure(n)) for n in sizes}
    sheets: dict[str, bytes] = {}
    pages: dict[str, str] = {}
    # Students of one n share its causal grid, and may share the others: each is drawn once.
    figures: dict[tuple, bytes] = {}

    def drawn(g: Grid) -> bytes:
        key = (g.pattern, g.n, *g.params.items())
        if key not in figures:
            figures[key] = svg_bytes(grid_figure(g))
        return figures[key]

    for s in students:
        v = variants[s.student_id]
        text = sheet_markdown(s, v)
        sheets[f"{s.student_id}.md"] = text.encode("utf-8")
        grid = f"{v.n}.svg"
        pages[f"{s.student_id}.pdf"] = sheet_html(
            text, {f"grids/{grid}": folders["sheets/grids"][grid]}
        )
        folders[f"key/{s.student_id}"] = {
            f"{stem}.svg": drawn(g) for stem, g in key_grids(v).items()
        }
    if pdf:
        sheets.update(print_pdfs(pages))
    folders["sheets"] = sheets
    return folders


def check_out(out: Path) -> None:
    """DIR must be absent or an empty folder, in an existing folder we may write in."""
    try:
        mode = os.lstat(out).st_mode
    except FileNotFoundError:
        mode = None
    except OSError as error:
        raise UnsafePath(f"{out}: {error.strerror or error}") from None
    if mode is not None:
        if not stat.S_ISDIR(mode):
            kind = "a symlink" if stat.S_ISLNK(mode) else "not a folder"
            raise UnsafePath(f"{out} is {kind}: name a new or empty folder")
        if any(os.scandir(out)):
            raise UnsafePath(
                f"{out} is not empty: name a new or empty folder, so that no "
                "sheet of an earlier roster is left beside the new ones"
            )
    check_folder(out.absolute().parent)


def write_output(out: Path, folders: dict[str, dict[str, bytes]]) -> None:
    """Write every file into a temporary folder beside out, then rename it to out in one step:
    all of the output appears, or none of it."""
    parent = out.absolute().parent
    staging = Path(tempfile.mkdtemp(dir=parent, prefix=f".{out.name}-", suffix=".tmp"))
    try:
        umask = os.umask(0)
        os.umask(umask)
        # mkdtemp makes the folder private; the output is as readable as any folder.
        os.chmod(staging, 0o777 & ~umask)
        for folder, files in sorted(folders.items()):
            (staging / folder).mkdir(parents=True, exist_ok=True)
            write_files(staging / folder, files)
        # rename() replaces an empty folder, and fails on anything else that appeared.
        os.rename(staging, out)
    except OSError as error:
        raise UnsafePath(f"cannot write {out}: {error.strerror or error}") from None
    except UnsafePath as error:
        # The reason, without the name of the temporary folder it happened in.
        raise UnsafePath(f"cannot write {out}: {str(error).rsplit(': ', 1)[-1]}") from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def build_parser() -> ArgumentParser:
    parser = ArgumentParser(
        prog="variants.py",
        description="Draw each student's own numbers for Problems 1 and 2 and write the "
        "problem sheets and the answer key.",
        epilog="The same roster and seed give byte-identical files; keep the seed private. "
        "A student's numbers depend on the seed and their id, not on the roster's order; "
        "when two students draw the same numbers, the one later in the order of "
        "sha256(seed:id:0) draws again (sha256(seed:id:1), and so on).",
    )
    parser.add_argument(
        "--roster",
        required=True,
        type=path_argument,
        metavar="ROSTER.csv",
        help=f"UTF-8 CSV with a header and a {ID_COLUMN} column, at most "
        f"{MAX_ROWS} students and {MAX_ROSTER_BYTES} bytes",
    )
    parser.add_argument(
        "--seed",
        required=True,
        metavar="SEED",
        help="the private seed: 1 to 64 ASCII letters, digits, '_' or '-'",
    )
    parser.add_argument(
        "--out",
        required=True,
        type=path_argument,
        metavar="DIR",
        help="a new or empty folder for the key and the sheets; its parent must exist",
    )
    parser.add_argument(
        "--no-pdf",
        action="store_true",
        help="write the sheets as Markdown only (no Chromium needed)",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not SEED.fullmatch(args.seed):
        fail(
            parser,
            "--seed",
            f"must be 1 to 64 ASCII letters, digits, '_' or '-', got {shown(args.seed)}",
        )
    try:
        students = read_roster(read_input(args.roster, MAX_ROSTER_BYTES))
    except (UnsafePath, RosterError) as error:
        fail(
            parser,
            "--roster",
            f"{args.roster}: {error}" if isinstance(error, RosterError) else str(error),
        )
    try:
        check_out(args.out)
    except UnsafePath as error:
        fail(parser, "--out", str(error))
    if not args.no_pdf:
        from site_server import CHROMIUM

        if not CHROMIUM.is_file():
            fail(
                parser,
                "--no-pdf",
                f"printing the sheets needs Debian's Chromium at "
                f"{CHROMIUM}; install it, or pass --no-pdf for Markdown sheets only",
            )
    variants = assign(args.seed, [s.student_id for s in students])
    folders = build_files(students, variants, pdf=not args.no_pdf)
    try:
        write_output(args.out, folders)
    except UnsafePath as error:
        fail(parser, "--out", str(error))
    print(f"{args.out}: {len(students)} students, key in {args.out / 'answer-key.csv'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
