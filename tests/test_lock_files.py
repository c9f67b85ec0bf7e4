"""The requirements files are complete, hashed locks of the short .in files beside them."""

from __future__ import annotations

import re

import pytest
from conftest import ROOT

LOCKS = {
    "requirements.txt": "requirements.in",
    "requirements-test.txt": "requirements-test.in",
    # The Gradescope bundle's, for Python 3.10; its command is written in its own .in file.
    "requirements-grader.txt": "requirements-grader.in",
    # Optional: mutmut, to measure how many seeded faults the fast tier catches.
    "requirements-mutation.txt": "requirements-mutation.in",
}

# A pinned requirement in a lock: name==version, an optional environment marker, then
# its hashes on continuation lines.
_ENTRY = re.compile(r"^([A-Za-z0-9][\w.-]*)==(\S+?)(?: ; (.+?))? \\\n((?:    --hash=.*\n)+)", re.M)


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _requirement_lines(text: str) -> list[str]:
    """The lines that name a requirement: neither comments, options nor continuations."""
    return [
        line
        for line in text.splitlines()
        if line.strip() and not line.lstrip().startswith(("#", "-"))
    ]


def _pins(lock: str) -> dict[str, set[str]]:
    """Each package in the lock file and the versions it is pinned to (one per marker)."""
    pins: dict[str, set[str]] = {}
    for name, version, _marker, _hashes in _ENTRY.findall((ROOT / lock).read_text()):
        pins.setdefault(_normal(name), set()).add(version)
    return pins


def _direct(source: str) -> dict[str, str]:
    """The name==version requirements of an .in file, following -r includes (a -c
    constraint file only narrows what the lock may pick, so it adds none)."""
    found = {}
    for line in (ROOT / source).read_text().splitlines():
        line = line.split("#")[0].strip()
        if line.startswith("-r "):
            found.update(_direct(line[3:].strip()))
        elif line and not line.startswith("-c "):
            name, version = line.split("==")
            found[_normal(name)] = version
    return found


@pytest.mark.parametrize("lock", LOCKS)
def test_every_requirement_is_pinned_with_hashes(lock: str) -> None:
    text = (ROOT / lock).read_text()
    entries = _ENTRY.findall(text)
    # Every requirement line is a complete entry, so pip runs in hash-checking mode for all.
    assert len(entries) == len(_requirement_lines(text)) > 10
    for name, _version, _marker, hashes in entries:
        assert re.fullmatch(r"(    --hash=sha256:[0-9a-f]{64}( \\)?\n)+", hashes), name


@pytest.mark.parametrize(("lock", "source"), LOCKS.items())
def test_lock_pins_every_requirement_of_its_source(lock: str, source: str) -> None:
    pins = _pins(lock)
    for name, version in _direct(source).items():
        assert pins.get(name) == {version}, f"{lock}: {name} {pins.get(name)}, {source}: {version}"


def test_test_lock_holds_everything_the_build_lock_does() -> None:
    build, test = _pins("requirements.txt"), _pins("requirements-test.txt")
    assert {name: test.get(name) for name in build} == build


@pytest.mark.parametrize(("lock", "source"), LOCKS.items())
def test_lock_was_made_by_the_command_written_in_requirements_in(lock: str, source: str) -> None:
    written = (ROOT / "requirements.in").read_text() + (ROOT / source).read_text()
    commands = re.findall(r"^#\s+(uv pip compile .*)$", written, re.M)
    header = (ROOT / lock).read_text().splitlines()[1]
    assert header.lstrip("# ") in commands
    assert f" {source} -o {lock}" in header


@pytest.mark.parametrize("lock", LOCKS)
def test_lock_names_no_index_of_this_machine(lock: str) -> None:
    # The locks install from PyPI on any machine; no local index, wheel folder or URL.
    text = (ROOT / lock).read_text()
    assert not re.search(r"--(extra-)?index-url|--find-links|file:|/opt/|https?://", text)
