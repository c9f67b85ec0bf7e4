"""scripts/variants.py: each student's numbers, the answer key against brute force, the sheets,
and the refusal of every malformed roster with nothing written."""

from __future__ import annotations

import csv
import io
import os
import random
import stat
from pathlib import Path

import numpy as np
import pytest
import rnn2d
import variants
from attention_figures import grid_figure
from browser import require_chromium
from conftest import run_script
from figure_files import svg_bytes
from matplotlib import pyplot as plt
from test_attention_figures import drawn_cells
from test_command_rules import expect_refusal, snapshot
from test_rnn2d import random_problem

NAME = "Zoë Ł. 山田"
SEED = "fall-2026"


def write_roster(path: Path, ids: list[str], names: list[str] | None = None) -> Path:
    names = names or [f"Student {k}" for k in range(len(ids))]
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["student_id", "name"])
        writer.writerows(zip(ids, names, strict=True))
    return path


def ids(count: int) -> list[str]:
    return ["a1", *(f"s{k:03d}" for k in range(2, count + 1))]


def roster_of(tmp: Path, count: int) -> Path:
    return write_roster(
        tmp / "roster.csv", ids(count), [NAME, *(f"Student {k}" for k in range(2, count + 1))]
    )


def tree(folder: Path) -> dict[str, bytes]:
    """Every file under folder by relative path, with its bytes."""
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def read_key(out: Path) -> list[dict[str, str]]:
    with (out / "answer-key.csv").open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def variant_of(row: dict[str, str]) -> variants.Variant:
    return variants.Variant(*(int(row[k]) for k in "ntwch"))


@pytest.fixture(scope="module")
def key_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 30-student roster written out once, Markdown sheets only."""
    tmp = tmp_path_factory.mktemp("variants")
    out = tmp / "out"
    status = variants.main(
        ["--roster", str(roster_of(tmp, 30)), "--seed", SEED, "--out", str(out), "--no-pdf"]
    )
    assert status == 0
    return out


# Drawing: ranges, uniqueness, seeds and roster order.


def check_ranges(v: variants.Variant) -> None:
    assert 8 <= v.n <= 24 and any(v.n % d == 0 for d in range(2, v.n)), v
    assert 1 <= v.t <= v.n - 2, v
    assert 2 <= v.w < v.n and v.n % v.w == 0, v
    assert v.c in (1, 3, 4), v
    assert 2 <= v.h <= 64, v


def test_numbers_stay_in_their_ranges_for_many_seeds() -> None:
    drawn = [variants.draw(f"seed{k}", f"s{j}") for k in range(60) for j in range(40)]
    for v in drawn:
        check_ranges(v)
    # Every allowed value of n and c turns up, and h spans its range.
    assert (
        {v.n for v in drawn}
        == set(variants.N_VALUES)
        == {8, 9, 10, 12, 14, 15, 16, 18, 20, 21, 22, 24}
    )
    assert {v.c for v in drawn} == {1, 3, 4}
    assert {v.h for v in drawn} == set(range(2, 65))


def test_no_two_of_200_students_alike() -> None:
    for seed in ("1", "2", SEED):
        assigned = variants.assign(seed, ids(200))
        assert len({v.numbers for v in assigned.values()}) == 200


def test_collisions_draw_again_whatever_the_roster_order(monkeypatch: pytest.MonkeyPatch) -> None:
    real = variants.draw

    def crowded(seed: str, student_id: str, attempt: int = 0) -> variants.Variant:
        # Everyone's first draw is the same: all but one must draw again.
        return variants.Variant(8, 1, 2, 1, 2) if attempt == 0 else real(seed, student_id, attempt)

    monkeypatch.setattr(variants, "draw", crowded)
    roster = ids(50)
    first = variants.assign(SEED, roster)
    assert len({v.numbers for v in first.values()}) == 50
    shuffled = roster[:]
    random.Random(0).shuffle(shuffled)
    assert variants.assign(SEED, shuffled) == first
    assert sum(v == variants.Variant(8, 1, 2, 1, 2) for v in first.values()) == 1


def test_ordinary_ids_are_taken() -> None:
    good = ["a1", "A-1", "s.2026_07", "9", "console", "com10", "nul1", "x" * 64]
    students = variants.read_roster(_rows("student_id", *good))
    assert [s.student_id for s in students] == good


def test_roster_order_does_not_change_anyones_numbers() -> None:
    roster = ids(120)
    shuffled = roster[::-1]
    assert variants.assign(SEED, shuffled) == variants.assign(SEED, roster)


def test_another_seed_gives_other_numbers() -> None:
    one, other = variants.assign("1", ids(30)), variants.assign("2", ids(30))
    changed = sum(one[s] != other[s] for s in one)
    assert changed >= 28, f"only {changed} of 30 students got new numbers"


def _two_runs(tmp_path: Path, students: int, *options: str, timeout: float) -> list[dict]:
    """The files of two runs on one roster and seed, into tmp_path/one and tmp_path/two."""
    roster = roster_of(tmp_path, students)
    runs = []
    for name in ("one", "two"):
        out = str(tmp_path / name)
        args = ("--roster", str(roster), "--seed", SEED, "--out", out, *options)
        result = run_script("variants.py", *args, timeout=timeout)
        assert result.returncode == 0, result.stderr
        runs.append(tree(tmp_path / name))
    return runs


@pytest.mark.slow
def test_same_inputs_give_the_same_bytes_markdown_and_svg(tmp_path: Path) -> None:
    runs = _two_runs(tmp_path, 5, "--no-pdf", timeout=180)
    assert runs[0] == runs[1]
    assert "answer-key.csv" in runs[0] and "key/a1/windowed.svg" in runs[0]


@pytest.mark.slow
@pytest.mark.browser
def test_same_inputs_give_the_same_bytes_pdfs_included(tmp_path: Path) -> None:
    require_chromium()
    runs = _two_runs(tmp_path, 3, timeout=300)
    assert runs[0] == runs[1]
    assert {"sheets/a1.pdf", "sheets/s002.pdf", "sheets/s003.pdf"} <= runs[0].keys()

    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(runs[0]["sheets/a1.pdf"]))
    text = " ".join(page.extract_text() for page in reader.pages)
    v = variant_of(read_key(tmp_path / "one")[0])
    for needle in (
        "(3 points) Pay attention",
        f"n = {v.n}",
        f"t = {v.t}",
        f"w = {v.w}",
        f"c = {v.c}",
        f"h = {v.h}",
    ):
        assert needle in text
    # Latin letters print with the system's fonts; 山田 needs a CJK font installed.
    assert "Zoë Ł." in text
    assert reader.metadata == {"/Title": variants.PDF_TITLE}


# The key against brute force.


def brute_force_masks(v: variants.Variant) -> dict[str, np.ndarray]:
    i, j = np.indices((v.n, v.n))
    return {
        "causal": j <= i,
        "strided": (j <= i) & (i - j <= v.t),
        "windowed": (j <= i) & (i // v.w == j // v.w),
    }


@pytest.mark.slow
def test_key_columns_and_roster_order(key_run: Path) -> None:
    with (key_run / "answer-key.csv").open(encoding="utf-8", newline="") as fh:
        header = next(csv.reader(fh))
    assert header == [*variants.KEY_COLUMNS, "name"]
    assert [row["student_id"] for row in read_key(key_run)] == ids(30)


def test_key_counts_equal_brute_force_masks(key_run: Path) -> None:
    for row in read_key(key_run):
        v = variant_of(row)
        check_ranges(v)
        for name, mask in brute_force_masks(v).items():
            assert int(row[name]) == int(mask.sum()), (row["student_id"], name)


def test_key_parameters_equal_the_weight_arrays(key_run: Path) -> None:
    for row in read_key(key_run):
        v = variant_of(row)
        weights = rnn2d.init_weights(v.c, v.h, np.random.default_rng(0))
        assert int(row["parameters"]) == sum(w.size for w in weights), row["student_id"]


def test_key_operations_equal_an_instrumented_run(key_run: Path) -> None:
    rows = read_key(key_run)
    for row in rows:
        assert int(row["total"]) == int(row["multiplies"]) + int(row["adds"])
    # The instrumented loop does every scalar operation in Python: the three cheapest
    # students whose c and h differ, so that swapping the two would show.
    cheapest = sorted((r for r in rows if r["c"] != r["h"]), key=lambda r: int(r["total"]))[:3]
    for row in cheapest:
        v = variant_of(row)
        _, count = rnn2d.rnn2d_counted(*random_problem(v.n, v.c, v.h))
        assert (count.multiplies, count.adds) == (int(row["multiplies"]), int(row["adds"]))


@pytest.mark.slow
def test_key_grids_show_each_students_masks(key_run: Path) -> None:
    for row in read_key(key_run)[:6]:
        v = variant_of(row)
        masks = brute_force_masks(v)
        for stem, grid in variants.key_grids(v).items():
            fig = grid_figure(grid)
            drawn = drawn_cells(fig.axes[0], v.n)
            assert (np.logical_or.reduce(list(drawn.values())) == masks[stem]).all(), stem
            # The file is that very figure.
            written = (key_run / "key" / row["student_id"] / f"{stem}.svg").read_bytes()
            assert svg_bytes(fig) == written, (row["student_id"], stem)


def test_blank_grids_shade_nothing(key_run: Path) -> None:
    sizes = {variant_of(row).n for row in read_key(key_run)}
    assert {p.name for p in (key_run / "sheets" / "grids").iterdir()} == {f"{n}.svg" for n in sizes}
    fig = variants.blank_figure(12)
    try:
        assert not any(cells.any() for cells in drawn_cells(fig.axes[0], 12).values())
        assert fig.axes[0].get_xlim() == (0, 12)
    finally:
        plt.close(fig)


def test_sheets_restate_the_problems_with_each_students_numbers(key_run: Path) -> None:
    for row in read_key(key_run):
        v = variant_of(row)
        text = (key_run / "sheets" / f"{row['student_id']}.md").read_text(encoding="utf-8")
        for needle in (
            f"**n = {v.n}**",
            f"**t = {v.t}**",
            f"**w = {v.w}**",
            f"**c = {v.c}**",
            f"**h = {v.h}**",
            "(3 points) Pay attention",
            "(3 points) RNNs for images",
            f"](grids/{v.n}.svg)",
        ):
            assert needle in text, (row["student_id"], needle)
        assert text.count(f"](grids/{v.n}.svg)") == 3
        # The answers are not on the sheet.
        assert f" {row['total']}" not in text and f" {row['strided']} " not in text


def test_utf8_names_survive_in_the_key_and_the_sheets(key_run: Path) -> None:
    assert read_key(key_run)[0]["name"] == NAME
    assert NAME in (key_run / "sheets" / "a1.md").read_text(encoding="utf-8")


def test_output_has_ordinary_permissions(tmp_path: Path) -> None:
    mask = os.umask(0o022)
    try:
        assert (
            variants.main(
                [
                    "--roster",
                    str(roster_of(tmp_path, 2)),
                    "--seed",
                    "7",
                    "--out",
                    str(tmp_path / "out"),
                    "--no-pdf",
                ]
            )
            == 0
        )
    finally:
        os.umask(mask)
    for path in [tmp_path / "out", *(tmp_path / "out").rglob("*")]:
        expected = 0o755 if path.is_dir() else 0o644
        assert stat.S_IMODE(path.stat().st_mode) == expected, path


def test_an_empty_output_folder_is_filled(tmp_path: Path, command) -> None:
    (tmp_path / "out").mkdir()
    status, out, err = command(
        "variants",
        ["--roster", str(roster_of(tmp_path, 2)), "--seed", "123", "--out", "out", "--no-pdf"],
    )
    assert status == 0, err
    assert (tmp_path / "out" / "answer-key.csv").is_file()


# Refusals: one line, exit 2, nothing written.


def _rows(header: str, *rows: str) -> bytes:
    return "\n".join([header, *rows, ""]).encode("utf-8")


BAD_ROSTERS: dict[str, tuple[bytes, str]] = {
    "empty file": (b"", "line 1: no header row"),
    "no header": (_rows("a1,Ada", "a2,Bo"), "line 1: no student_id column"),
    "no student_id column": (_rows("id,name", "a1,Ada"), "no student_id column"),
    "header only": (_rows("student_id,name"), "no students"),
    "duplicate id": (
        _rows("student_id,name", "a1,Ada", "a2,Bo", "a1,Cy"),
        "line 4: student_id 'a1' repeats line 2",
    ),
    "ids differing in case": (_rows("student_id", "ab", "AB"), "line 3: student_id 'AB'"),
    "empty id": (_rows("student_id,name", "a1,Ada", ",Bo"), "line 3: empty student_id"),
    "parent folder": (_rows("student_id", "../x"), "line 2: student_id '../x' is not safe"),
    "slash": (_rows("student_id", "a/b"), "line 2: student_id 'a/b' is not safe"),
    "dot": (_rows("student_id", "."), "line 2: student_id '.' is not safe"),
    "hidden": (_rows("student_id", ".x"), "line 2: student_id '.x' is not safe"),
    "space": (_rows("student_id", "a b"), "line 2: student_id 'a b' is not safe"),
    "final dot": (_rows("student_id", "a1."), "line 2: student_id 'a1.' is not safe"),
    "device name": (_rows("student_id", "a1", "con"), "line 3: student_id 'con' is not safe"),
    "device name with a suffix": (_rows("student_id", "LPT1.x"), "student_id 'LPT1.x' is not"),
    "non-ASCII id": (_rows("student_id", "zoë"), "line 2: student_id 'zoë' is not safe"),
    "not UTF-8": (b"student_id,name\na1,Zo\xeb\n", "line 2: not UTF-8"),
    "NUL byte": (b"student_id\na1\x00\n", "line 2: a NUL byte"),
    "too few fields": (
        _rows("student_id,name", "a1,Ada", "a2"),
        "line 3: expected 2 values, got 1",
    ),
    "control character": (_rows("student_id,name", 'a1,"A\rda"'), "line 2: column name"),
    "clashing column": (_rows("student_id,total", "a1,3"), "column 'total' would clash"),
    "repeated column": (_rows("student_id,name,name", "a1,A,B"), "column 'name' appears twice"),
    "unnamed column": (_rows("student_id,", "a1,A"), "column 2 of the header has no name"),
    "unclosed quote": (_rows("student_id,name", 'a1,"Ada'), "not CSV"),
    "blank rows are skipped": (
        _rows("student_id,name", ",", "", "a1,A", " , ", "a1,B"),
        "line 6: student_id 'a1' repeats line 4",
    ),
    "over 10,000 rows": (
        _rows("student_id", *(f"s{k}" for k in range(10_001))),
        "line 10002: more than 10000 students",
    ),
}


@pytest.mark.parametrize("data,reason", BAD_ROSTERS.values(), ids=BAD_ROSTERS.keys())
def test_a_malformed_roster_is_refused_with_nothing_written(
    data: bytes, reason: str, tmp_path: Path, command
) -> None:
    (tmp_path / "roster.csv").write_bytes(data)
    before = snapshot(tmp_path)
    result = command("variants", ["--roster", "roster.csv", "--seed", SEED, "--out", "out"])
    expect_refusal(result, "--roster")
    assert reason in result[2], result[2]
    assert snapshot(tmp_path) == before


def _too_large(tmp: Path) -> Path:
    path = tmp / "huge.csv"
    with path.open("wb") as fh:
        fh.truncate(variants.MAX_ROSTER_BYTES + 1)  # sparse: no disk space used
    return path


def _fifo(tmp: Path) -> Path:
    os.mkfifo(tmp / "pipe.csv")
    return tmp / "pipe.csv"


def _folder(tmp: Path) -> Path:
    (tmp / "folder.csv").mkdir()
    return tmp / "folder.csv"


UNSAFE_INPUTS = {
    "too large": (_too_large, "over the limit"),
    "named pipe": (_fifo, "a named pipe, not a regular file"),
    "folder": (_folder, "a folder, not a regular file"),
    "device": (lambda tmp: Path("/dev/zero"), "a device, not a regular file"),
    "missing": (lambda tmp: tmp / "missing.csv", "No such file"),
}


@pytest.mark.parametrize("kind", sorted(UNSAFE_INPUTS))
def test_a_roster_that_is_not_a_small_regular_file_is_refused(
    kind: str, tmp_path: Path, command
) -> None:
    make, reason = UNSAFE_INPUTS[kind]
    roster = make(tmp_path)
    before = snapshot(tmp_path)
    result = command("variants", ["--roster", str(roster), "--seed", SEED, "--out", "out"])
    expect_refusal(result, "--roster")
    assert reason in result[2]
    assert snapshot(tmp_path) == before


BAD_SEEDS = {
    "empty": "",
    "space": "fall 2026",
    "non-ASCII": "hérbst",
    "too long": "9" * 65,
    "slash": "a/b",
}


@pytest.mark.parametrize("seed", BAD_SEEDS.values(), ids=BAD_SEEDS.keys())
def test_a_bad_seed_is_refused(seed: str, tmp_path: Path, command) -> None:
    roster = roster_of(tmp_path, 2)
    before = snapshot(tmp_path)
    expect_refusal(
        command("variants", ["--roster", str(roster), "--seed", seed, "--out", "o"]), "--seed"
    )
    assert snapshot(tmp_path) == before


def _nonempty(tmp: Path) -> Path:
    (tmp / "out").mkdir()
    (tmp / "out" / "old-sheet.md").write_text("an earlier roster's\n")
    return tmp / "out"


def _a_file(tmp: Path) -> Path:
    (tmp / "out").write_text("a file\n")
    return tmp / "out"


def _symlink(tmp: Path) -> Path:
    (tmp / "elsewhere").mkdir()
    (tmp / "out").symlink_to(tmp / "elsewhere")
    return tmp / "out"


UNSAFE_OUTS = {
    "not empty": (_nonempty, "is not empty"),
    "a file": (_a_file, "is not a folder"),
    "a symlink": (_symlink, "is a symlink"),
    "missing parent": (lambda tmp: tmp / "missing" / "out", "does not exist"),
}


@pytest.mark.parametrize("kind", sorted(UNSAFE_OUTS))
def test_an_unsafe_output_folder_is_refused(kind: str, tmp_path: Path, command) -> None:
    roster = roster_of(tmp_path, 2)
    make, reason = UNSAFE_OUTS[kind]
    out = make(tmp_path)
    before = snapshot(tmp_path)
    result = command(
        "variants", ["--roster", str(roster), "--seed", SEED, "--out", str(out), "--no-pdf"]
    )
    expect_refusal(result, "--out")
    assert reason in result[2]
    assert snapshot(tmp_path) == before


def test_a_full_disk_midway_writes_nothing(
    tmp_path: Path, command, monkeypatch: pytest.MonkeyPatch
) -> None:
    roster = roster_of(tmp_path, 3)
    before = snapshot(tmp_path)
    calls = []

    def fsync(fd: int) -> None:
        calls.append(fd)
        if len(calls) > 5:
            raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", fsync)
    result = command(
        "variants", ["--roster", str(roster), "--seed", SEED, "--out", "out", "--no-pdf"]
    )
    expect_refusal(result, "--out")
    assert "No space left" in result[2]
    assert snapshot(tmp_path) == before, "no output and no temporary folder may be left"
