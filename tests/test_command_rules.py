"""The project's rules for commands, each checked over every command that it concerns.

Bad input gets exactly one line on stderr naming the argument, exit status 2, no
traceback and no file written. Numbers are ASCII digits within a stated range.
An output path that is a symlink, a named pipe or a folder is refused, not
replaced or opened; a write that fails leaves the old file as it was; inputs
that are not regular files, or too large, are refused before they are read.
"""

from __future__ import annotations

import errno
import importlib
import json
import os
import stat
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import expect_refusal, run_script, snapshot

from chapter.figures import bench as bench_figures
from chapter.figures import catalog as make_figures
from chapter.model import bench
from chapter.model.attention import parameters

FIGURE_COMMANDS = ("make_figures", "attention_figures", "rnn2d_figures", "bench_figures")

# A valid command line of each command, writing only into the test's folder ({tmp}).


def code_of(command: str):
    """The module of the chapter package behind a command file of scripts/."""
    return importlib.import_module(importlib.import_module(command).main.__module__)


VALID = {
    "attention_grid": ["--pattern", "full", "--n", "4", "--out", "{tmp}/grid.svg"],
    "rnn2d": ["--n", "4", "--c", "1", "--h", "1"],
    "make_student_notebook": ["--out", "{tmp}/student.ipynb"],
    "bench": ["--quick", "--json", "{tmp}/bench.json"],
    "make_pdf": ["--out", "{tmp}/chapter.pdf"],
    "grade_lab": ["--gradescope", "{tmp}"],
    **{name: ["--out", "{tmp}"] for name in FIGURE_COMMANDS},
}

# Numbers int() takes but a user did not mean, or that would print for ever.
HOSTILE_NUMBERS = {
    "full-width digits": "１２",
    "Arabic-Indic digits": "١٢",
    "underscore": "1_2",
    "spaces": " 12 ",
    "plus sign": "+12",
    "negative": "-1",
    "decimal": "12.0",
    "exponent": "1e3",
    "hexadecimal": "0x10",
    "empty": "",
    "2200 digits": "9" * 2200,
    "over the range": "1000001",
}
# Each numeric option, in a command line that is valid with a good number in place of V.


def grid_parameter_lines() -> list[tuple[str, list[str], str]]:
    """For each parameter of the registry, a grid command line with V in its place."""
    lines = []
    for name, (_, (pattern, *_)) in parameters().items():
        given = [(f"--{p.name}", "V" if p.name == name else str(p.default)) for p in pattern.params]
        args = ["--pattern", pattern.name, "--n", "12", *(a for pair in given for a in pair)]
        lines.append(("attention_grid", args, f"--{name}"))
    return lines


NUMERIC = [
    ("attention_grid", ["--pattern", "strided", "--n", "V", "--t", "3"], "--n"),
    *grid_parameter_lines(),
    ("rnn2d", ["--n", "V", "--c", "3", "--h", "16"], "--n"),
    ("rnn2d", ["--n", "32", "--c", "V", "--h", "16"], "--c"),
    ("rnn2d", ["--n", "32", "--c", "3", "--h", "V"], "--h"),
]
# A look-back of 0 is allowed: the token alone.
ZERO_ALLOWED = {f"--{name}" for name, (p, _) in parameters().items() if p.low == 0}
ZERO_NOT_ALLOWED = [
    row for row in NUMERIC if row[0] != "attention_grid" or row[2] not in ZERO_ALLOWED
]

BAD = (
    [
        pytest.param(module, [*args, "--he"], "--he", id=f"{module} --he abbreviates --help")
        for module, args in VALID.items()
    ]
    + [
        pytest.param(module, [*args, "--bogus"], "--bogus", id=f"{module} unknown option")
        for module, args in VALID.items()
    ]
    + [
        pytest.param(
            module,
            [value if a == "V" else a for a in args],
            option,
            id=f"{module} {option} {label}",
        )
        for module, args, option in NUMERIC
        for label, value in HOSTILE_NUMBERS.items()
    ]
    + [
        pytest.param(module, [a.replace("V", "0") for a in args], option, id=f"{module} {option} 0")
        for module, args, option in ZERO_NOT_ALLOWED
    ]
    + [
        pytest.param("attention_grid", ["--pattern", "full", "--n", "4", "--out", ""], "--out"),
        pytest.param("make_student_notebook", ["--out", ""], "--out"),
        pytest.param(
            "make_student_notebook", ["--solution", "", "--out", "{tmp}/s.ipynb"], "--solution"
        ),
        pytest.param("bench", ["--quick", "--json", ""], "--json"),
        pytest.param("bench_figures", ["--data", "", "--out", "{tmp}"], "--data"),
        *(
            pytest.param(name, ["--out", ""], "--out", id=f"{name} empty --out")
            for name in FIGURE_COMMANDS
        ),
    ]
)


@pytest.fixture(autouse=True)
def no_benchmark_run(monkeypatch: pytest.MonkeyPatch) -> None:
    """A case that reached the timing would take minutes: it fails at once instead."""

    def refuse(settings: bench.Settings) -> dict:
        raise AssertionError("the benchmark started")

    monkeypatch.setattr(bench, "run", refuse)


def fill(argv: list[str], tmp: Path) -> list[str]:
    return [a.replace("{tmp}", str(tmp)) for a in argv]


# Rule: bad input is one line naming the argument, exit 2, nothing written.


@pytest.mark.parametrize(("module", "argv", "argument"), BAD)
def test_bad_input_is_one_line_naming_the_argument(
    module: str, argv: list[str], argument: str, tmp_path: Path, command
) -> None:
    before = snapshot(tmp_path)
    expect_refusal(command(module, fill(argv, tmp_path)), argument)
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("module", sorted(VALID))
def test_a_real_process_gives_one_line_and_no_traceback(module: str, tmp_path: Path) -> None:
    result = run_script(f"{module}.py", *fill(VALID[module], tmp_path), "--he", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1 and "--he" in result.stderr, result.stderr
    assert list(tmp_path.iterdir()) == []


def test_largest_numbers_are_taken(command) -> None:
    status, out, _ = command("rnn2d", ["--n", "100000", "--c", "100000", "--h", "100000"])
    assert status == 0 and out.splitlines()[-1].startswith("operations: ")
    status, out, _ = command("attention_grid", ["--pattern", "causal", "--n", "1000000"])
    assert status == 0 and out.splitlines()[-1] == str(1_000_000 * 1_000_001 // 2)


# Rule: an output path is absent or a regular writable file in an existing folder.


def _symlink(tmp: Path, name: str) -> Path:
    (tmp / "elsewhere.txt").write_text("not to be replaced\n")
    (tmp / name).symlink_to(tmp / "elsewhere.txt")
    return tmp / name


def _fifo(tmp: Path, name: str) -> Path:
    os.mkfifo(tmp / name)
    return tmp / name


def _folder(tmp: Path, name: str) -> Path:
    (tmp / name).mkdir()
    return tmp / name


def _under_a_file(tmp: Path, name: str) -> Path:
    (tmp / "a-file").write_text("a file, not a folder\n")
    return tmp / "a-file" / name


def _missing_folder(tmp: Path, name: str) -> Path:
    return tmp / "missing" / name


TARGETS: dict[str, Callable[[Path, str], Path]] = {
    "symlink": _symlink,
    "named pipe": _fifo,
    "folder": _folder,
    "under a file": _under_a_file,
    "missing folder": _missing_folder,
}
# Commands writing one file: the option, a command line with {target}, the file's suffix.
FILE_WRITERS = {
    "attention_grid": ("--out", ["--pattern", "full", "--n", "4", "--out", "{target}"], ".svg"),
    "make_student_notebook": ("--out", ["--out", "{target}"], ".ipynb"),
    "bench": ("--json", ["--quick", "--json", "{target}"], ".json"),
}


def write_to(command, module: str, target: Path) -> tuple[int, str, str]:
    """Run a command of FILE_WRITERS with target as the file it writes."""
    _, argv, _ = FILE_WRITERS[module]
    return command(module, [a.replace("{target}", str(target)) for a in argv])


def first_figure(module: str) -> str:
    """The file name of one figure the command draws."""
    if module == "make_figures":
        return next(iter(make_figures.all_figures()))
    return next(iter(code_of(module).FIGURES))


@pytest.mark.parametrize("kind", sorted(TARGETS))
@pytest.mark.parametrize("module", sorted(FILE_WRITERS))
def test_an_unsafe_output_file_is_refused(module: str, kind: str, tmp_path: Path, command) -> None:
    option, _, suffix = FILE_WRITERS[module]
    target = TARGETS[kind](tmp_path, f"target{suffix}")
    before = snapshot(tmp_path)
    expect_refusal(write_to(command, module, target), option)
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("kind", ["symlink", "named pipe", "folder"])
@pytest.mark.parametrize("module", FIGURE_COMMANDS)
def test_an_unsafe_figure_file_refuses_the_whole_set(
    module: str, kind: str, tmp_path: Path, command, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Checked before drawing: a refused run draws nothing.
    monkeypatch.setattr(
        "chapter.figures.files.svg_bytes", lambda fig: pytest.fail("drew before checking")
    )
    TARGETS[kind](tmp_path, first_figure(module))
    before = snapshot(tmp_path)
    expect_refusal(command(module, ["--out", str(tmp_path)]), "--out")
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("kind", ["named pipe", "under a file", "missing folder"])
@pytest.mark.parametrize("module", FIGURE_COMMANDS)
def test_an_unsafe_figure_folder_is_refused(
    module: str, kind: str, tmp_path: Path, command
) -> None:
    folder = TARGETS[kind](tmp_path, "figures")
    before = snapshot(tmp_path)
    expect_refusal(command(module, ["--out", str(folder)]), "--out")
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("module", sorted(FILE_WRITERS))
def test_a_read_only_output_file_is_refused(
    module: str, tmp_path: Path, command, monkeypatch: pytest.MonkeyPatch
) -> None:
    option, _, suffix = FILE_WRITERS[module]
    target = tmp_path / f"target{suffix}"
    target.write_text("old\n")
    target.chmod(0o444)
    # Root may write any file, so access() is told the truth a user would meet.
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda p, mode: mode != os.W_OK and real_access(p, mode))
    expect_refusal(write_to(command, module, target), option)
    assert target.read_text() == "old\n"


# Rule: a write that fails (a full disk) leaves every old file as it was.


def _disk_full(monkeypatch: pytest.MonkeyPatch, after: int = 0) -> None:
    calls = []

    def fsync(fd: int) -> None:
        calls.append(fd)
        if len(calls) > after:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", fsync)


def _tiny_result(settings: bench.Settings) -> dict:
    machine = {
        "cpu": "test",
        "cores": 1,
        "numpy": "-",
        "blas": "-",
        "blas_core": None,
        "matmul_gflops": 1.0,
    }
    return {"machine": machine, "settings": {}, "records": []}


@pytest.mark.parametrize("module", sorted(FILE_WRITERS))
def test_a_full_disk_leaves_the_old_file(
    module: str, tmp_path: Path, command, monkeypatch: pytest.MonkeyPatch
) -> None:
    option, _, suffix = FILE_WRITERS[module]
    target = tmp_path / f"target{suffix}"
    target.write_text("old\n")
    monkeypatch.setattr(bench, "run", _tiny_result)
    _disk_full(monkeypatch)
    status, _, err = write_to(command, module, target)
    assert status == 2
    assert len(err.splitlines()) == 1 and option in err and "No space left" in err, err
    assert sorted(tmp_path.iterdir()) == [target], "no temporary file may be left"
    assert target.read_text() == "old\n"


def test_a_full_disk_midway_leaves_every_old_figure(
    tmp_path: Path, command, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The figure commands share one writer; the one with the fewest figures is quickest.
    names = list(bench_figures.FIGURES)
    for name in names:
        (tmp_path / name).write_text("old\n")
    _disk_full(monkeypatch, after=len(names) // 2)
    status, _, err = command("bench_figures", ["--out", str(tmp_path)])
    assert status == 2 and "--out" in err and "No space left" in err, err
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(names)
    assert all((tmp_path / name).read_text() == "old\n" for name in names)


@pytest.mark.parametrize("module", ["attention_grid", "make_student_notebook"])
def test_written_files_have_ordinary_permissions(module: str, tmp_path: Path, command) -> None:
    _, _, suffix = FILE_WRITERS[module]
    target = tmp_path / f"target{suffix}"
    mask = os.umask(0o022)
    try:
        status, _, err = write_to(command, module, target)
    finally:
        os.umask(mask)
    assert status == 0, err
    assert stat.S_IMODE(target.stat().st_mode) == 0o644


# Rule: an input is a regular file of bounded size, refused before it is read.

READERS = {
    "make_student_notebook": ("--solution", ["--solution", "{input}", "--out", "{tmp}/s.ipynb"]),
    "bench_figures": ("--data", ["--data", "{input}", "--out", "{tmp}"]),
}
LIMITS = {"make_student_notebook": "MAX_NOTEBOOK_BYTES", "bench_figures": "MAX_DATA_BYTES"}


def _too_large(tmp: Path, module: str) -> Path:
    path = tmp / "huge.json"
    with path.open("wb") as fh:
        # Sparse: the size is there without the disk space.
        fh.truncate(getattr(code_of(module), LIMITS[module]) + 1)
    return path


# How to make each kind of input, and what the one line says about it.
INPUTS: dict[str, tuple[Callable[[Path, str], Path], str]] = {
    "named pipe": (lambda tmp, module: _fifo(tmp, "pipe.json"), "a named pipe, not a regular"),
    "endless device": (lambda tmp, module: Path("/dev/zero"), "a device, not a regular file"),
    "folder": (lambda tmp, module: _folder(tmp, "folder.json"), "a folder, not a regular file"),
    "missing": (lambda tmp, module: tmp / "missing.json", "No such file"),
    "too large": (_too_large, "over the limit"),
}


@pytest.mark.parametrize("kind", sorted(INPUTS))
@pytest.mark.parametrize("module", sorted(READERS))
def test_an_unsafe_input_is_refused_before_reading(
    module: str, kind: str, tmp_path: Path, command
) -> None:
    option, argv = READERS[module]
    make, reason = INPUTS[kind]
    source = make(tmp_path, module)
    before = snapshot(tmp_path)
    argv = [a.replace("{input}", str(source)).replace("{tmp}", str(tmp_path)) for a in argv]
    result = command(module, argv)
    expect_refusal(result, option)
    # The reason shows the file was judged before reading: no parse error of its bytes.
    assert reason in result[2]
    assert snapshot(tmp_path) == before


def _records(**change: object) -> bytes:
    """Records of every case the plots draw, the RNN's changed as given."""
    records = [
        {"case": case, "n": 512, "count_ratio": 4.0, "speedup": 2.0}
        for case in bench_figures.ATTENTION_CASES
    ]
    records.append({"case": "2D RNN wavefront", "n": 16, "count_ratio": 8.3, "speedup": 2.0})
    records[-1].update(change)
    return json.dumps({"records": records}).encode()


BAD_DATA = {
    "not JSON": b"{",
    "not UTF-8": b'{"records": "\xff"}',
    "nested": b"[" * 100_000,
    "records not a list": b'{"records": 5}',
    "NaN ratio": _records(count_ratio=float("nan")),
    "n as text": _records(n="16"),
    "zero speedup": _records(speedup=0),
    "a case missing": _records(case="another case"),
}


def test_good_benchmark_data_is_drawn(tmp_path: Path, command) -> None:
    (tmp_path / "data.json").write_bytes(_records())
    status, _, err = command("bench_figures", ["--data", "data.json", "--out", str(tmp_path)])
    assert status == 0, err


@pytest.mark.parametrize("data", BAD_DATA.values(), ids=BAD_DATA.keys())
def test_bad_benchmark_data_is_one_line(data: bytes, tmp_path: Path, command) -> None:
    path = tmp_path / "data.json"
    path.write_bytes(data)
    before = snapshot(tmp_path)
    result = command("bench_figures", ["--data", str(path), "--out", str(tmp_path)])
    expect_refusal(result, "--data")
    assert snapshot(tmp_path) == before
