"""The attention_grid.py command: its printed count, its files and its one-line errors."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from conftest import call_main

from chapter.figures import grid as attention_grid
from chapter.figures.attention import MAX_DRAW_N
from chapter.model.attention import PATTERNS
from chapter.shared.safe_files import UnsafePath


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    # In this process: a new one per case would spend most of its time importing
    # matplotlib. test_command_rules runs the command as a real process.
    return call_main("attention_grid", *args, cwd=cwd)


@pytest.mark.parametrize(
    ("args", "count"),
    [
        (["--pattern", "full", "--n", "12"], 144),
        (["--pattern", "causal", "--n", "12"], 78),
        (["--pattern", "strided", "--n", "12", "--t", "3"], 42),
        (["--pattern", "strided", "--n", "12", "--t", "0"], 12),
        (["--pattern", "strided", "--n", "5", "--t", "70"], 15),
        (["--pattern", "windowed", "--n", "12", "--w", "4"], 30),
        (["--pattern", "windowed", "--n", "12", "--w", "5"], 33),
        (["--pattern", "causal", "--n", "1000000"], 500000500000),
        (["--pattern", "sparse-strided", "--n", "12", "--l", "4"], 54),
        (["--pattern", "sparse-fixed", "--n", "12", "--l", "4", "--c", "1"], 42),
        (["--pattern", "sparse-fixed", "--n", "12", "--l", "4", "--c", "4"], 78),
    ],
)
def test_prints_the_count_last(args: list[str], count: int, tmp_path: Path) -> None:
    result = run(*args, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert result.stdout.splitlines()[-1] == str(count)
    assert list(tmp_path.iterdir()) == [], "no file without --out"


def test_printed_count_is_the_brute_force_count_for_many_sizes(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # In-process, so many sizes stay fast; the subprocess tests above cover the command.
    for n in (1, 2, 7, 64):
        for t in (0, 1, 5, 63, 70):
            assert attention_grid.main(["--pattern", "strided", "--n", str(n), "--t", str(t)]) == 0
            printed = int(capsys.readouterr().out.splitlines()[-1])
            # Query i sees itself and the t keys before it, as far as they exist.
            assert printed == sum(min(i, t) + 1 for i in range(n)), (n, t)


@pytest.mark.parametrize(("suffix", "magic"), [(".svg", b"<?xml"), (".png", b"\x89PNG")])
def test_draws_the_grid_when_asked(suffix: str, magic: bytes, tmp_path: Path) -> None:
    out = tmp_path / f"grid{suffix}"
    result = run("--pattern", "windowed", "--n", "12", "--w", "5", "--out", str(out), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert out.read_bytes().startswith(magic)
    assert result.stdout.splitlines()[-1] == "33"
    assert sorted(tmp_path.iterdir()) == [out], "only the requested file is written"


def test_draws_the_largest_allowed_grid(tmp_path: Path) -> None:
    out = tmp_path / "big.svg"
    n = str(MAX_DRAW_N)
    result = run("--pattern", "strided", "--n", n, "--t", "7", "--out", str(out), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert out.is_file()


def test_help_names_the_options_and_the_partial_window(tmp_path: Path) -> None:
    result = run("--help", cwd=tmp_path)
    assert result.returncode == 0
    for option in ("--pattern", "--n", "--t", "--w", "--l", "--c", "--out"):
        assert option in result.stdout
    for name in PATTERNS:
        assert name in result.stdout
    assert "need not divide" in result.stdout
    assert f"N <= {MAX_DRAW_N}" in result.stdout


BAD = [
    (["--pattern", "full", "--n", "0"], "--n"),
    (["--pattern", "full", "--n", "-3"], "--n"),
    (["--pattern", "full", "--n", "2.5"], "--n"),
    (["--pattern", "full", "--n", "twelve"], "--n"),
    (["--pattern", "full"], "--n"),
    (["--pattern", "strided", "--n", "12", "--t", "-1"], "--t"),
    (["--pattern", "strided", "--n", "12", "--t", "x"], "--t"),
    (["--pattern", "strided", "--n", "12"], "--t"),
    (["--pattern", "windowed", "--n", "12"], "--w"),
    (["--pattern", "windowed", "--n", "12", "--w", "0"], "--w"),
    (["--pattern", "causal", "--n", "12", "--t", "3"], "--t"),
    (["--pattern", "strided", "--n", "12", "--t", "3", "--w", "4"], "--w"),
    (["--pattern", "sliding", "--n", "12"], "--pattern"),
    (["--pattern", "sparse-fixed", "--n", "12", "--l", "4"], "--c"),
    (["--pattern", "sparse-fixed", "--n", "12", "--l", "4", "--c", "5"], "--c"),
    (["--pattern", "sparse-fixed", "--n", "12", "--l", "0", "--c", "1"], "--l"),
    (["--pattern", "windowed", "--n", "12", "--w", "4", "--l", "4"], "--l"),
    (["--n", "12"], "--pattern"),
    (["--pattern", "full", "--n", str(MAX_DRAW_N + 1), "--out", "grid.svg"], "--n"),
    (["--pattern", "full", "--n", "12", "--out", "grid.pdf"], "--out"),
    (["--pattern", "full", "--n", "12", "--out", "grid"], "--out"),
    (["--pattern", "full", "--n", "12", "--out", "missing/grid.svg"], "--out"),
    (["--pattern", "full", "--n", "12", "--out", "a-file/grid.svg"], "--out"),
    (["--pattern", "full", "--n", "12", "--out", "a-folder.svg"], "--out"),
]


@pytest.mark.parametrize(("args", "argument"), BAD, ids=[" ".join(a) for a, _ in BAD])
def test_bad_input_is_one_line_naming_the_argument(
    args: list[str], argument: str, tmp_path: Path
) -> None:
    (tmp_path / "a-file").write_text("not a folder\n")
    (tmp_path / "a-folder.svg").mkdir()
    before = sorted(tmp_path.rglob("*"))
    result = run(*args, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("attention_grid.py: error: ")
    assert argument in lines[0]
    assert sorted(tmp_path.rglob("*")) == before, "no file may be written"


def test_a_failed_write_is_reported_on_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Permissions cannot be tested as root, so make the write itself fail.
    def refuse(path, data):
        raise UnsafePath(f"cannot write in {path.parent}: Permission denied")

    monkeypatch.setattr(attention_grid, "write_file", refuse)
    out = tmp_path / "grid.svg"
    with pytest.raises(SystemExit) as stop:
        attention_grid.main(["--pattern", "full", "--n", "4", "--out", str(out)])
    assert stop.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.splitlines() == [
        f"attention_grid.py: error: --out: cannot write in {tmp_path}: Permission denied"
    ]
    assert not out.exists()
