"""The one reader and writer, called directly: limits at their edge, links, devices, file
modes and subfolders (the commands' tests see the same rules through a subprocess)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from chapter.shared.safe_files import UnsafePath, _kind, check_targets, read_input, write_files


def test_a_file_of_exactly_the_limit_is_read_and_one_byte_more_is_not(tmp_path: Path) -> None:
    path = tmp_path / "data"
    path.write_bytes(b"x" * 10)
    assert read_input(path, 10) == b"x" * 10
    with pytest.raises(UnsafePath, match="over the limit of 9 bytes"):
        read_input(path, 9)


def test_a_link_is_followed_only_when_asked(tmp_path: Path) -> None:
    (tmp_path / "data").write_bytes(b"ok")
    (tmp_path / "link").symlink_to(tmp_path / "data")
    assert read_input(tmp_path / "link", 10) == b"ok"
    with pytest.raises(UnsafePath, match="is a symlink"):
        read_input(tmp_path / "link", 10, follow_links=False)


@pytest.mark.parametrize(
    ("mode", "kind"),
    [
        (stat.S_IFBLK, "a device"),
        (stat.S_IFCHR, "a device"),
        (stat.S_IFIFO, "a named pipe"),
        (stat.S_IFSOCK, "a socket"),
        (stat.S_IFLNK, "a symlink"),
        (stat.S_IFDIR, "a folder"),
    ],
)
def test_each_kind_of_file_is_named(mode: int, kind: str) -> None:
    assert _kind(mode) == kind


def test_a_device_is_refused_before_a_byte_is_read() -> None:
    with pytest.raises(UnsafePath, match="/dev/zero is a device, not a regular file"):
        read_input(Path("/dev/zero"), 10)


@pytest.mark.parametrize("umask", [0o022, 0o077])
def test_written_files_are_as_readable_as_the_umask_allows(tmp_path: Path, umask: int) -> None:
    previous = os.umask(umask)
    try:
        (written,) = write_files(tmp_path, {"out.txt": b"hi"})
    finally:
        os.umask(previous)
    assert stat.S_IMODE(written.stat().st_mode) == 0o666 & ~umask


def test_subfolders_are_made_but_never_entered_through_a_link(tmp_path: Path) -> None:
    write_files(tmp_path, {"a/b/c.txt": b"c"})
    assert (tmp_path / "a/b/c.txt").read_bytes() == b"c"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (tmp_path / "linked").symlink_to(elsewhere)
    with pytest.raises(UnsafePath, match="linked is a symlink, not a folder"):
        check_targets(tmp_path, ["linked/c.txt"])
    with pytest.raises(UnsafePath, match="linked is a symlink, not a folder"):
        write_files(tmp_path, {"linked/c.txt": b"c"})
    assert list(elsewhere.iterdir()) == []
