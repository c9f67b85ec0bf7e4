"""Give every student of a roster their own numbers for Problems 1 and 2, with a grader's key.

python scripts/variants.py --roster ROSTER.csv --seed SEED --out DIR [--previous KEY.csv]

The roster is a class list as Canvas, Gradescope, Moodle or Blackboard export it
(roster.py says how it is read). Each student's n, t, w, N, c and h are drawn from
the seed and their id; DIR receives:

  answer-key.csv             one row per student: the numbers, every answer, the value of
                             every other reading the rubric accepts
  key.html, key.pdf          the key book: one page per student, in roster order, with grids
  sheets/<file>.md, .pdf     Problems 1 and 2 with the student's numbers, answer boxes and
                             blank grids (<file> is an ASCII slug of the id and a hash)
  sheets/grids/<n>.svg       the blank n x n grids the Markdown sheets show
"""

from __future__ import annotations

import argparse
import csv
import functools
import hashlib
import io
import math
import os
import shutil
import signal
import stat
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import astuple, dataclass
from pathlib import Path

import numpy as np

from chapter.course import sheets
from chapter.course.roster import (
    MAX_ROWS,
    Roster,
    RosterError,
    Student,
    read_cell,
    read_roster,
    safe_cell,
)
from chapter.model import rnn2d
from chapter.model.attention import (
    causal_count,
    causal_mask,
    full_count,
    sparse_strided_count,
    strided_count,
    strided_mask,
    windowed_count,
    windowed_mask,
)
from chapter.shared.cli import ArgumentParser, fail, one_line, path_argument, shown, whole_number
from chapter.shared.safe_files import UnsafePath, check_folder, read_input, write_files

# A grid is drawn by hand: n stays at most 24. Each n has a window w >= 3 that divides it.
N_VALUES = (8, 9, 10, 12, 14, 15, 16, 18, 20, 21, 22, 24)
C_VALUES = tuple(range(1, 9))
H_LOW, H_HIGH = 2, 64
T_LOW, W_LOW = 2, 3
# Problem 1(d)'s long sequence: large enough that only the formula gives the count.
BIG_LOW, BIG_HIGH = 1_000, 1_000_000
# A strided or windowed grid leaves at least this share of the causal grid's cells
# unshaded, so that neither can be mistaken for the causal one.
GRID_DIFFERENCE = 0.25
# A draw that repeats another student's parameters or total is drawn again, this many
# times at most; past it, only the numbers and the 1(d) counts must differ.
SOFT_ATTEMPTS = 8
MAX_ATTEMPTS = 100_000

# The signals that stop a run and remove its temporary folder.
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)
MAX_ROSTER_BYTES = 2_000_000
MAX_KEY_BYTES = 20_000_000
SEED_CHARACTERS = "ASCII letters, digits, '_' or '-'"


def _enough_unshaded(n: int, count: int) -> bool:
    return causal_count(n) - count >= GRID_DIFFERENCE * causal_count(n)


@functools.cache
def t_values(n: int) -> range:
    """t >= 2, and the strided grid at least a quarter short of the causal one."""
    high = max(t for t in range(T_LOW, n) if _enough_unshaded(n, strided_count(n, t)))
    return range(T_LOW, high + 1)


@functools.cache
def w_values(n: int) -> tuple[int, ...]:
    """The windows w >= 3 that divide n, short of n, whose grid is a quarter short."""
    return tuple(
        w for w in range(W_LOW, n) if n % w == 0 and _enough_unshaded(n, windowed_count(n, w))
    )


@dataclass(frozen=True)
class Variant:
    """One student's numbers: n, t, w for the grids, N for 1(d), c and h for Problem 2."""

    n: int
    t: int
    w: int
    c: int
    h: int
    N: int  # noqa: N815 - the sheet's name

    def check(self) -> None:
        """ValueError unless every number is one draw could give."""
        if self.n not in N_VALUES:
            raise ValueError(f"n = {self.n} is not one of {N_VALUES}")
        if self.t not in t_values(self.n) or self.w not in w_values(self.n):
            raise ValueError(f"t = {self.t}, w = {self.w} do not fit n = {self.n}")
        if self.c not in C_VALUES or not H_LOW <= self.h <= H_HIGH:
            raise ValueError(f"c = {self.c}, h = {self.h} out of range")
        if not BIG_LOW <= self.N <= BIG_HIGH or self.N % self.w:
            raise ValueError(f"N = {self.N} is not a multiple of w from {BIG_LOW} to {BIG_HIGH}")


@dataclass(frozen=True)
class Answers:
    """Every answer of one variant, each from the function the chapter's pages use.
    Problem 2(b) counts as equation (2.3): every cell, zero vectors outside, no sigma."""

    causal: int
    strided: int
    windowed: int
    parameters: int
    multiplies: int
    adds: int
    total: int
    causal_N: int  # noqa: N815
    strided_N: int  # noqa: N815
    windowed_N: int  # noqa: N815


@functools.cache
def _parameters(c: int, h: int) -> int:
    return rnn2d.parameter_count(c, h)


@functools.cache
def _total(n: int, c: int, h: int) -> int:
    return rnn2d.operation_count(n, c, h)


@functools.lru_cache(maxsize=100_000)
def answers(v: Variant) -> Answers:
    return Answers(
        causal=causal_count(v.n),
        strided=strided_count(v.n, v.t),
        windowed=windowed_count(v.n, v.w),
        parameters=_parameters(v.c, v.h),
        multiplies=rnn2d.multiply_count(v.n, v.c, v.h),
        adds=rnn2d.add_count(v.n, v.c, v.h),
        total=_total(v.n, v.c, v.h),
        causal_N=causal_count(v.N),
        strided_N=strided_count(v.N, v.t),
        windowed_N=windowed_count(v.N, v.w),
    )


ANSWER_LABELS = {
    "causal": "1(a) causal, n",
    "strided": "1(b) strided, n and t",
    "windowed": "1(c) windowed, n and w (cells shaded)",
    "causal_N": "1(d) causal, N",
    "strided_N": "1(d) strided, N and t",
    "windowed_N": "1(d) windowed, N and w",
    "parameters": "2(a) parameters",
    "multiplies": "2(b) multiplies",
    "adds": "2(b) adds",
    "total": "2(b) operations",
}

# The other readings of the questions that the rubric on the instructors page names,
# each with its value for one variant; the rubric says what credit each earns.
READINGS: dict[str, tuple[str, Callable[[Variant], int]]] = {
    "strided_t_with_self": (
        "1(b) t keys in all, the token itself among them",
        lambda v: strided_count(v.n, v.t - 1),
    ),
    "strided_N_t_with_self": (
        "1(d) strided, t keys in all",
        lambda v: strided_count(v.N, v.t - 1),
    ),
    "strided_sparse_transformer": (
        "1(b) Sparse Transformer strided, stride l = t",
        lambda v: sparse_strided_count(v.n, v.t),
    ),
    "strided_N_sparse_transformer": (
        "1(d) Sparse Transformer strided, stride l = t",
        lambda v: sparse_strided_count(v.N, v.t),
    ),
    "windowed_full_blocks": (
        "1(c) full w x w blocks (every position of the window)",
        lambda v: v.n // v.w * full_count(v.w),
    ),
    "windowed_N_full_blocks": (
        "1(d) windowed, full w x w blocks",
        lambda v: v.N // v.w * full_count(v.w),
    ),
    "windowed_union": (
        "1(c) union: every earlier position and the whole window",
        lambda v: causal_count(v.n) + v.n // v.w * (full_count(v.w) - causal_count(v.w)),
    ),
    "windowed_N_union": (
        "1(d) windowed, union reading",
        lambda v: causal_count(v.N) + v.N // v.w * (full_count(v.w) - causal_count(v.w)),
    ),
    "parameters_with_bias": (
        "2(a) with a bias",
        lambda v: rnn2d.parameter_count(v.c, v.h) + v.h,
    ),
    "parameters_per_cell": (
        "2(a) weights counted per cell",
        lambda v: rnn2d.cell_updates(v.n) * rnn2d.parameter_count(v.c, v.h),
    ),
    "total_with_sigma": (
        "2(b) counting one sigma per hidden unit",
        lambda v: rnn2d.operation_count(v.n, v.c, v.h) + rnn2d.nonlinearity_count(v.n, v.h),
    ),
    "total_border_skipped": (
        "2(b) skipping the products with zero border states",
        lambda v: rnn2d.operation_count(v.n, v.c, v.h) - rnn2d.border_saving(v.n, v.h),
    ),
    "multiply_adds": (
        "2(b) multiply-adds (one per multiply)",
        lambda v: rnn2d.multiply_count(v.n, v.c, v.h),
    ),
    "flops_2_per_multiply_add": (
        "2(b) FLOPs, two per multiply-add",
        lambda v: 2 * rnn2d.multiply_count(v.n, v.c, v.h),
    ),
}

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
    "N",
    "causal_N",
    "strided_N",
    "windowed_N",
    *READINGS,
    "name",
    "file",
)
NUMBER_COLUMNS = ("n", "t", "w", "c", "h", "N")


# Drawing the numbers.


def _digest(seed: str, student_id: str, attempt: int) -> bytes:
    # The seed holds no ':' and attempt is last, so no two (id, attempt) share a text.
    return hashlib.sha256(f"{seed}:{student_id}:{attempt}".encode()).digest()


def draw(seed: str, student_id: str, attempt: int = 0) -> Variant:
    """The numbers of one student at one attempt, from sha256(seed:id:attempt) alone."""
    rng = np.random.default_rng(int.from_bytes(_digest(seed, student_id, attempt), "big"))
    n = int(rng.choice(N_VALUES))
    t = int(rng.choice(t_values(n)))
    w = int(rng.choice(w_values(n)))
    c = int(rng.choice(C_VALUES))
    h = int(rng.integers(H_LOW, H_HIGH + 1))
    k = int(rng.integers(math.ceil(BIG_LOW / w), BIG_HIGH // w + 1))
    return Variant(n, t, w, c, h, k * w)


class Taken:
    """The numbers and answers students already hold."""

    def __init__(self) -> None:
        self.numbers: set[tuple[int, ...]] = set()
        self.lengths: set[int] = set()
        self.long_counts: set[int] = set()
        self.parameters: set[int] = set()
        self.totals: set[int] = set()

    def free(self, v: Variant, soft: bool) -> bool:
        """Whether v repeats nothing held: its numbers, N and 1(d) counts, and when soft
        its parameters and total. The cheap checks come first: a large roster draws often."""
        if astuple(v)[:5] in self.numbers or v.N in self.lengths:
            return False
        if soft and (
            _parameters(v.c, v.h) in self.parameters or _total(v.n, v.c, v.h) in self.totals
        ):
            return False
        a = answers(v)
        return not {a.causal_N, a.strided_N, a.windowed_N} & self.long_counts

    def add(self, v: Variant) -> None:
        a = answers(v)
        self.numbers.add(astuple(v)[:5])
        self.lengths.add(v.N)
        self.long_counts |= {a.causal_N, a.strided_N, a.windowed_N}
        self.parameters.add(a.parameters)
        self.totals.add(a.total)


def assign(
    seed: str, student_ids: Sequence[str], previous: dict[str, Variant] | None = None
) -> dict[str, Variant]:
    """Each student's numbers, no two students alike.

    A student in previous keeps their numbers. The others take their turn in the order
    of sha256(seed:id:0), not the roster's, and draw with attempt 0, 1, 2, ... until
    their numbers (n, t, w, c, h), their N and their three 1(d) counts are held by no
    one before them, and for the first SOFT_ATTEMPTS attempts their parameters and
    total too."""
    previous = previous or {}
    taken = Taken()
    for v in previous.values():
        taken.add(v)
    result = dict(previous)
    newcomers = [s for s in student_ids if s not in previous]
    for student_id in sorted(newcomers, key=lambda s: (_digest(seed, s, 0), s)):
        for attempt in range(MAX_ATTEMPTS):
            variant = draw(seed, student_id, attempt)
            if taken.free(variant, soft=attempt < SOFT_ATTEMPTS):
                break
        else:
            raise RosterError(f"no distinct numbers left for {student_id!r}")
        taken.add(variant)
        result[student_id] = variant
    return result


# The previous key.


def read_previous(data: bytes) -> dict[str, tuple[Variant, str]]:
    """Each student of an earlier answer-key.csv, in its order: numbers and name."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise RosterError(f"not UTF-8 (byte {error.start + 1})") from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    missing = [c for c in ("student_id", *NUMBER_COLUMNS) if c not in (reader.fieldnames or [])]
    if missing:
        raise RosterError(
            f"line 1: no {', '.join(missing)} column: not an answer-key.csv of this variants.py"
        )
    kept: dict[str, tuple[Variant, str]] = {}
    taken = Taken()
    try:
        for row in reader:
            line = reader.line_num
            if len(kept) >= MAX_ROWS:
                raise RosterError(f"line {line}: more than {MAX_ROWS} students")
            student_id = read_cell(row["student_id"] or "")
            try:
                if any(
                    not (row[c] or "").isascii() or not (row[c] or "").isdigit()
                    for c in NUMBER_COLUMNS
                ):
                    raise ValueError("a number is not written in digits")
                v = Variant(**{c: int(row[c]) for c in NUMBER_COLUMNS})
                v.check()
            except ValueError as error:
                raise RosterError(f"line {line}: {error}") from None
            if not student_id or student_id in kept:
                raise RosterError(f"line {line}: student_id {shown(student_id)} empty or repeated")
            if not taken.free(v, soft=False):
                raise RosterError(f"line {line}: numbers an earlier row already holds")
            taken.add(v)
            kept[student_id] = (v, read_cell(row.get("name") or ""))
    except csv.Error as error:
        raise RosterError(f"line {reader.line_num}: not CSV: {error}") from None
    return kept


# What gets written.


def key_row(s: Student, v: Variant) -> list:
    a = answers(v)
    return [
        safe_cell(s.student_id),
        *astuple(v)[:5],
        a.causal,
        a.strided,
        a.windowed,
        a.parameters,
        a.multiplies,
        a.adds,
        a.total,
        v.N,
        a.causal_N,
        a.strided_N,
        a.windowed_N,
        *(value(v) for _, value in READINGS.values()),
        safe_cell(s.name),
        s.file,
    ]


def key_csv(students: list[Student], variants: dict[str, Variant]) -> bytes:
    """The answer key, in roster order; no cell that a spreadsheet would run."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(KEY_COLUMNS)
    writer.writerows(key_row(s, variants[s.student_id]) for s in students)
    return out.getvalue().encode("utf-8")


def key_masks(v: Variant) -> dict[str, np.ndarray]:
    """The three grids of a student's Problem 1, by pattern."""
    return {
        "causal": causal_mask(v.n),
        "strided": strided_mask(v.n, v.t),
        "windowed": windowed_mask(v.n, v.w),
    }


@functools.lru_cache(maxsize=4096)
def _key_grid(part: str, pattern: str, mask_bytes: bytes, n: int) -> tuple[str, str]:
    """A grid of the key with its caption; students of one n often share a grid."""
    mask = np.frombuffer(mask_bytes, dtype=bool).reshape(n, n)
    label = f"({part}) {pattern}: {int(mask.sum())} of {n * n} cells"
    return label, sheets.grid_svg(mask, label)


def key_page(s: Student, v: Variant) -> dict:
    a = answers(v)
    grids = [
        _key_grid(part, pattern, mask.tobytes(), v.n)
        for part, (pattern, mask) in zip("abc", key_masks(v).items(), strict=True)
    ]
    return {
        "student_id": s.student_id,
        "name": s.name,
        "file": s.file,
        "v": v,
        "answers": [(label, getattr(a, name)) for name, label in ANSWER_LABELS.items()],
        "readings": [(label, value(v)) for label, value in READINGS.values()],
        "grids": grids,
    }


def blank_grid(n: int) -> bytes:
    label = f"An empty {n} by {n} grid: rows are queries 1 to {n}, columns keys 1 to {n}"
    return sheets.grid_svg(np.zeros((n, n), dtype=bool), label).encode("utf-8")


class Staging:
    """A private folder beside out that becomes out in one rename: all of the output
    appears, or none of it. Files go in as they are made; anything that stops the run,
    a signal included, removes the folder."""

    def __init__(self, out: Path) -> None:
        self.out = out
        # mkdtemp makes the folder 0700: the key is private until it is complete.
        self.path = Path(
            tempfile.mkdtemp(dir=out.absolute().parent, prefix=f".{out.name}-", suffix=".tmp")
        )

    def write(self, folder: str, files: dict[str, bytes]) -> None:
        try:
            # write_files makes the subfolders, each checked to be a real folder.
            write_files(self.path, {str(Path(folder, name)): data for name, data in files.items()})
        except UnsafePath as error:
            # The reason, without the name of the temporary folder it happened in.
            raise UnsafePath(f"cannot write {self.out}: {str(error).rsplit(': ', 1)[-1]}") from None

    def commit(self) -> None:
        # From here the output is whole or absent: a signal waits until main returns.
        signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
        umask = os.umask(0)
        os.umask(umask)
        try:
            os.chmod(self.path, 0o777 & ~umask)
            # rename() replaces an empty folder, and fails on anything else that appeared
            # (a file, a symlink, a folder with files): the one write of a whole folder,
            # which safe_files does not do.
            os.rename(self.path, self.out)
        except OSError as error:
            raise UnsafePath(f"cannot write {self.out}: {error.strerror or error}") from None

    def __enter__(self) -> Staging:
        return self

    def __exit__(self, *exc: object) -> None:
        shutil.rmtree(self.path, ignore_errors=True)


@dataclass(frozen=True)
class Options:
    text: sheets.SheetText
    paper: str
    chromium: Path | None  # None: no PDFs


def produce(
    stage: Staging, roster: Roster, kept: list[Student], variants: dict[str, Variant], o: Options
) -> None:
    """Every file of the output, written into stage as it is made."""
    everyone = [*roster.students, *kept]
    stage.write("", {"answer-key.csv": key_csv(everyone, variants)})
    grids = {v.n: blank_grid(v.n) for v in variants.values()}
    stage.write("sheets/grids", {f"{n}.svg": grids[n] for n in sorted(grids)})
    sources = {
        s.file: sheets.sheet_markdown(s.student_id, s.name, variants[s.student_id], o.text)
        for s in roster.students
    }
    stage.write("sheets", {f"{f}.md": text.encode("utf-8") for f, text in sources.items()})
    title = f"{o.text.course}: {sheets.TITLE}"
    book = sheets.key_html([key_page(s, variants[s.student_id]) for s in everyone], title)
    stage.write("", {"key.html": book.encode("utf-8")})
    if o.chromium is None:
        return

    def pages() -> Iterator[tuple[str, str]]:
        for s in roster.students:
            n = variants[s.student_id].n
            grid = {f"grids/{n}.svg": grids[n]}
            yield f"sheets/{s.file}.pdf", sheets.sheet_html(sources[s.file], grid, title)
        yield "key.pdf", book

    def done(name: str, data: bytes) -> None:
        _stop_if_signalled()
        folder, _, file = name.rpartition("/")
        stage.write(folder, {file: data})

    _signals["defer"] = True
    try:
        sheets.print_pdfs(pages(), o.chromium, o.paper, title, done)
    finally:
        _signals["defer"] = False
    _stop_if_signalled()


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


# The command.


def _printable(limit: int) -> Callable[[str], str]:
    def parse(text: str) -> str:
        if len(text) > limit or not text.isprintable():
            raise argparse.ArgumentTypeError(f"must be at most {limit} printable characters")
        return text

    parse.__name__ = "text"
    return parse


def _points(text: str) -> tuple[int, int]:
    parts = text.split(",")
    if len(parts) != 2:
        raise argparse.ArgumentTypeError("must be two whole numbers, as in 3,3")
    number = whole_number(0, 100)
    return number(parts[0]), number(parts[1])


def build_parser() -> ArgumentParser:
    parser = ArgumentParser(
        prog="variants.py",
        description="Draw each student's own numbers for Problems 1 and 2 and write the "
        "problem sheets, the answer key and the key book.",
        epilog="The same roster and seed give byte-identical files; keep the seed private. "
        "Students take their turn in the order of sha256(seed:id:0), not the roster's, "
        "and draw again (sha256(seed:id:1), ...) while their numbers, N or 1(d) counts "
        "are held by a student before them, so a newcomer can change the numbers of "
        "students after it. --previous KEY.csv keeps every student of an earlier key "
        "exactly as they were and draws the newcomers around them.",
    )
    parser.add_argument(
        "--roster",
        required=True,
        type=path_argument,
        metavar="ROSTER.csv",
        help="a class list as the learning platform exports it: CSV in UTF-8, UTF-16 or "
        f"Windows-1252, at most {MAX_ROWS} students and {MAX_ROSTER_BYTES} bytes",
    )
    parser.add_argument(
        "--seed",
        required=True,
        metavar="SEED",
        help=f"the private seed: 1 to 64 {SEED_CHARACTERS}",
    )
    parser.add_argument(
        "--out",
        required=True,
        type=path_argument,
        metavar="DIR",
        help="a new or empty folder for the key and the sheets; its parent must exist",
    )
    parser.add_argument(
        "--previous",
        type=path_argument,
        metavar="KEY.csv",
        help="an earlier answer-key.csv: its students keep their numbers",
    )
    parser.add_argument(
        "--id-column",
        type=_printable(100),
        metavar="NAME",
        help="the column that identifies a student (default: the first of student_id, "
        "SID, Email, ID, SIS User ID, Email address, Username in the roster)",
    )
    parser.add_argument(
        "--name-columns",
        type=_printable(300),
        metavar="A,B",
        help="the columns printed as the name, comma-separated (default: name, Student or "
        "Full name, else First Name and Last Name)",
    )
    parser.add_argument(
        "--course",
        type=_printable(100),
        default="Deep learning",
        help="the course name on every page (default: %(default)s)",
    )
    parser.add_argument(
        "--due", type=_printable(100), default="", help="the due date, as it should print"
    )
    parser.add_argument(
        "--points",
        type=_points,
        default=(3, 3),
        metavar="P1,P2",
        help="the points of Problems 1 and 2 (default: 3,3)",
    )
    parser.add_argument(
        "--paper", choices=sorted(sheets.PAPERS), default="a4", help="(default: %(default)s)"
    )
    parser.add_argument(
        "--chromium",
        type=path_argument,
        metavar="PATH",
        help="the Chromium or Chrome that prints the PDFs (default: chromium or "
        "google-chrome on PATH, then the usual places on macOS and Windows)",
    )
    parser.add_argument(
        "--no-pdf",
        action="store_true",
        help="no PDFs: Markdown sheets and the HTML key book only (no Chromium needed)",
    )
    return parser


class Stopped(BaseException):
    """A signal asked the run to stop; finally blocks clean up on the way out."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


# While Chromium prints, a signal is noted and acted on between two pages: raised inside
# Playwright's event loop, it would break the connection before the browser is closed.
_signals: dict[str, int | bool] = {"defer": False, "pending": 0}


def _stop(signum: int, frame: object) -> None:
    if _signals["defer"]:
        _signals["pending"] = signum
        return
    raise Stopped(signum)


def _stop_if_signalled() -> None:
    if _signals["pending"]:
        raise Stopped(int(_signals["pending"]))


def main(argv: list[str] | None = None) -> int:
    """The command; on SIGTERM, SIGINT or SIGHUP nothing is left behind, exit 128 + signal."""
    _signals.update(defer=False, pending=0)
    previous = {s: signal.signal(s, _stop) for s in STOP_SIGNALS}
    try:
        return run(argv)
    except Stopped as stop:
        print(f"variants.py: stopped by signal {stop.signum}: nothing written", file=sys.stderr)
        return 128 + stop.signum
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)


def run(argv: list[str] | None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not (
        1 <= len(args.seed) <= 64
        and all(c.isascii() and (c.isalnum() or c in "_-") for c in args.seed)
    ):
        fail(parser, "--seed", f"must be 1 to 64 {SEED_CHARACTERS}, got {shown(args.seed)}")
    names = None
    if args.name_columns is not None:
        names = [name.strip() for name in args.name_columns.split(",")]
    try:
        roster = read_roster(
            read_input(args.roster, MAX_ROSTER_BYTES), id_column=args.id_column, name_columns=names
        )
    except (UnsafePath, RosterError) as error:
        fail(
            parser,
            "--roster",
            f"{args.roster}: {error}" if isinstance(error, RosterError) else str(error),
        )
    earlier: dict[str, tuple[Variant, str]] = {}
    if args.previous is not None:
        try:
            earlier = read_previous(read_input(args.previous, MAX_KEY_BYTES))
        except (UnsafePath, RosterError) as error:
            fail(
                parser,
                "--previous",
                f"{args.previous}: {error}" if isinstance(error, RosterError) else str(error),
            )
    try:
        check_out(args.out)
    except UnsafePath as error:
        fail(parser, "--out", str(error))
    chromium = None
    if not args.no_pdf:
        chromium = sheets.find_chromium(args.chromium)
        if chromium is None:
            where = args.chromium or "on PATH or in the usual places"
            fail(
                parser,
                "--chromium",
                f"no Chromium or Chrome {where}: install it (Debian: apt-get install "
                "chromium), name it with --chromium PATH, or pass --no-pdf",
            )
    for notice in roster.notices:
        print(f"variants.py: note: {args.roster}: {one_line(notice)}", file=sys.stderr)
    on_roster = {s.student_id for s in roster.students}
    kept = [Student(i, name) for i, (_, name) in earlier.items() if i not in on_roster]
    if kept:
        print(
            f"variants.py: note: {len(kept)} students of {args.previous} are not on the "
            "roster: their rows stay in the key, without sheets",
            file=sys.stderr,
        )
    try:
        variants = assign(
            args.seed,
            [s.student_id for s in [*roster.students, *kept]],
            {i: v for i, (v, _) in earlier.items()},
        )
    except RosterError as error:
        fail(parser, "--roster", f"{args.roster}: {error}")
    if chromium is not None:
        _warn_fonts(roster.students, sheets.font_coverage())
    options = Options(sheets.SheetText(args.course, args.due, args.points), args.paper, chromium)
    try:
        with Staging(args.out) as stage:
            produce(stage, roster, kept, variants, options)
            stage.commit()
    except (UnsafePath, OSError) as error:
        fail(parser, "--out", str(error))
    except sheets.PrintError as error:
        fail(parser, "--chromium", str(error))
    print(f"{args.out}: {len(variants)} students, key in {args.out / 'answer-key.csv'}")
    return 0


def _warn_fonts(students: list[Student], covered: Callable[[str], bool] | None) -> None:
    """Name, before printing, each student whose name or id no installed font can draw."""
    if covered is None:
        print(
            "variants.py: warning: fontconfig's fc-list is not installed: names in other "
            "scripts than the Latin, Greek and Cyrillic may print as empty boxes",
            file=sys.stderr,
        )
        return
    for s in students:
        lacking = sheets.missing_glyphs([s.name + s.student_id], covered)
        for chars in lacking.values():
            print(
                f"variants.py: warning: no installed font draws {one_line(chars)!r} of "
                f"{one_line(s.name or s.student_id)!r} ({s.file}): it will print as boxes; "
                "install fonts-noto-core and fonts-noto-cjk (Debian, Ubuntu)",
                file=sys.stderr,
            )
