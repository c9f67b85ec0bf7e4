"""The one way the chapter's scripts read their inputs and write their files.

A target is checked before any long work: its folder must exist, and the
target itself must be absent or a regular file we may write; a symlink, a
folder, a device or a named pipe is never replaced, and never opened (opening
a named pipe for writing waits for a reader forever). A file is written whole
or not at all: into a temporary file beside it, flushed to disk, then renamed
over the target, so a full disk leaves the old file as it was.

The built site's files are MkDocs' to write: the build hands it their content
(File.generated) and it writes them into the site folder it builds.
"""

from __future__ import annotations

import errno
import json
import os
import stat
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any


class UnsafePath(ValueError):
    """A path that cannot be read or written safely; the message is one line."""


def _kind(mode: int) -> str:
    if stat.S_ISLNK(mode):
        return "a symlink"
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "of an unknown kind"


def _reason(error: OSError) -> str:
    return error.strerror or str(error)


def check_folder(folder: Path) -> None:
    """An existing folder we may create files in, probed by creating one; UnsafePath if not."""
    try:
        mode = os.stat(folder).st_mode
    except FileNotFoundError:
        raise UnsafePath(f"folder {folder} does not exist") from None
    except NotADirectoryError:
        raise UnsafePath(f"{folder} is not a folder: a part of it is a file") from None
    except OSError as error:
        raise UnsafePath(f"{folder}: {_reason(error)}") from None
    if not stat.S_ISDIR(mode):
        raise UnsafePath(f"{folder} is not a folder")
    # Only creating a file shows a read-only file system or a full inode table.
    try:
        fd, probe = tempfile.mkstemp(dir=folder, prefix=".probe-", suffix=".tmp")
    except OSError as error:
        raise UnsafePath(f"cannot write in {folder}: {_reason(error)}") from None
    os.close(fd)
    os.unlink(probe)


def check_target(path: Path) -> None:
    """A file we may replace: absent or a regular writable file, in a folder we may
    write in. UnsafePath with a one-line reason otherwise."""
    check_targets(path.parent, [path.name])


def check_targets(folder: Path, names: Iterable[str]) -> None:
    """check_target for each name in folder, probing the folder once. A name may hold
    subfolders (a/b.py): each one that exists must be a real folder, not a link."""
    for name in names:
        for sub in _subfolders(folder, name):
            _check_subfolder(sub)
        _check_entry(folder / name)
    check_folder(folder)


def _subfolders(folder: Path, name: str) -> list[Path]:
    """The folders between folder and folder / name, outermost first."""
    parts = Path(name).parts[:-1]
    return [folder.joinpath(*parts[: i + 1]) for i in range(len(parts))]


def _check_subfolder(path: Path) -> None:
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return
    except OSError as error:
        raise UnsafePath(f"{path}: {_reason(error)}") from None
    if not stat.S_ISDIR(mode):
        raise UnsafePath(f"{path} is {_kind(mode)}, not a folder: not writing into it")


def _check_entry(path: Path) -> None:
    """The target itself, never followed through a symlink and never opened."""
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return
    except NotADirectoryError:
        raise UnsafePath(f"{path.parent} is not a folder") from None
    except OSError as error:
        raise UnsafePath(f"{path}: {_reason(error)}") from None
    if not stat.S_ISREG(mode):
        raise UnsafePath(f"{path} is {_kind(mode)}, not a regular file: not replacing it")
    if not os.access(path, os.W_OK):
        raise UnsafePath(f"{path} is read-only")


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _write_temp(folder: Path, data: bytes, mode: int) -> Path:
    """data in a new temporary file in folder, on disk, with the given permissions."""
    # A short name of its own: the target's name may already be as long as names go.
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
            # mkstemp makes the file private; the output is as readable as any file.
            os.fchmod(fh.fileno(), mode)
    except BaseException:
        os.unlink(tmp)
        raise
    return Path(tmp)


def write_files(folder: Path, files: Mapping[str, bytes]) -> list[Path]:
    """Write every file, by name, into folder: all of them, or none and UnsafePath.

    Each target is checked again just before the renames, so nothing that
    turned into a symlink or a pipe in the meantime is replaced.
    """
    mode = 0o666 & ~_umask()
    staged: dict[Path, Path] = {}
    try:
        for name, data in files.items():
            for sub in _subfolders(folder, name):
                _check_subfolder(sub)
                sub.mkdir(exist_ok=True)
            staged[folder / name] = _write_temp(folder, data, mode)
        for target in staged:
            _check_entry(target)
        for target, tmp in staged.items():
            os.replace(tmp, target)
    except OSError as error:
        raise UnsafePath(f"cannot write in {folder}: {_reason(error)}") from None
    finally:
        for tmp in staged.values():
            tmp.unlink(missing_ok=True)
    return list(staged)


def write_file(path: Path, data: bytes) -> Path:
    """Write data to path whole or not at all; the old file stays if anything fails."""
    (written,) = write_files(path.parent, {path.name: data})
    return written


def read_input(path: Path, limit: int, follow_links: bool = True) -> bytes:
    """The bytes of a regular file of at most limit bytes; UnsafePath otherwise.

    A device or a named pipe is refused before a byte is read: /dev/zero never
    ends, and a pipe without a writer would block. With follow_links False a
    symlink is refused too (for files that someone else could have planted).
    """
    flags = os.O_RDONLY | os.O_NONBLOCK | (0 if follow_links else os.O_NOFOLLOW)
    try:
        # O_NONBLOCK: opening a named pipe must not wait for a writer; it is
        # refused just below, once fstat has said what the file is.
        fd = os.open(path, flags)
    except OSError as error:
        if error.errno == errno.ELOOP and not follow_links:
            raise UnsafePath(f"{path} is a symlink, not a regular file") from None
        raise UnsafePath(f"{path}: {_reason(error)}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise UnsafePath(f"{path} is {_kind(info.st_mode)}, not a regular file")
        if info.st_size > limit:
            raise UnsafePath(f"{path} is over the limit of {limit} bytes")
        with os.fdopen(fd, "rb", closefd=False) as fh:
            # One byte more than allowed shows a file that grew after fstat.
            data = fh.read(limit + 1)
    except OSError as error:
        raise UnsafePath(f"{path}: {_reason(error)}") from None
    finally:
        os.close(fd)
    if len(data) > limit:
        raise UnsafePath(f"{path} is over the limit of {limit} bytes")
    return data


def read_notebook(path: Path, limit: int) -> tuple[str, Any]:
    """The text of a notebook file of at most limit bytes and its decoded JSON, not yet
    checked as a notebook; UnsafePath or ValueError with a one-line reason otherwise."""
    try:
        text = read_input(path, limit).decode("utf-8")
        return text, json.loads(text)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(f"{path}: not a notebook: not JSON: {error}") from None
    except RecursionError:
        raise ValueError(f"{path}: not a notebook: nested too deeply") from None
