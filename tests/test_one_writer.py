"""Every file the chapter's code writes goes through safe_files (write_file, write_files),
which checks a target before any work, writes it whole or not at all and never writes
through a symlink, a pipe, a device or a folder. No other module of scripts/ opens a
file for writing, moves, copies or truncates one, or makes a temporary file, but in
the few places listed below with the reason. Files of the built site are MkDocs' own
to write (File.generated, into the site_dir it builds)."""

from __future__ import annotations

import ast

import pytest
from conftest import SCRIPTS

WRITER = "chapter/shared/safe_files.py"

# Where a file is written without safe_files, by module and function, and why. The
# scan reads code, not strings: lab_harness's _WRITER, a script that writes the same
# results again at the end of the run, is covered by the reason given for _write.
ALLOWED = {
    ("chapter/course/lab_harness.py", "_write"): (
        "the submission's results, written inside the sandbox by the process that runs "
        "the submission, which could undo any check made there and cannot import the "
        "package (python -I); the grader reads them back as untrusted bytes "
        "(read_input with follow_links=False)"
    ),
    ("chapter/course/variants.py", "Staging.commit"): (
        "the course kit's whole output folder, staged in a private folder that mkdtemp "
        "made, renamed onto an absent or empty folder in one step; rename() fails on a "
        "symlink, a file or a folder with files there"
    ),
}

# Calls of these modules that write, move or copy a file, or make a temporary one.
MODULE_CALLS = {
    "os": {"replace", "rename", "renames", "link", "symlink", "truncate", "ftruncate"},
    "shutil": {"copy", "copy2", "copyfile", "copyfileobj", "copytree", "move"},
    "tempfile": {"mkstemp", "NamedTemporaryFile", "TemporaryFile", "SpooledTemporaryFile"},
    "io": set(),
}
# Methods of a path that write it, whatever the path is called.
PATH_WRITES = {"write_text", "write_bytes", "touch", "symlink_to", "hardlink_to"}
WRITE_FLAGS = {"O_WRONLY", "O_RDWR", "O_CREAT", "O_TRUNC", "O_APPEND"}


def _writing_mode(call: ast.Call, position: int) -> bool:
    """Whether an open-like call's mode writes; a mode that is not a literal counts."""
    given = [k.value for k in call.keywords if k.arg == "mode"]
    given += call.args[position : position + 1]
    if not given:
        return False
    mode = given[0]
    return not isinstance(mode, ast.Constant) or bool(set(str(mode.value)) & set("wax+"))


def writes(call: ast.Call) -> bool:
    """Whether call writes, moves, copies or truncates a file or makes a temporary one."""
    func = call.func
    if isinstance(func, ast.Name):
        if func.id == "open":
            return _writing_mode(call, 1)
        # Imported from shutil or tempfile; a bare replace() is dataclasses'.
        return func.id in MODULE_CALLS["shutil"] | MODULE_CALLS["tempfile"]
    if not isinstance(func, ast.Attribute):
        return False
    name = func.attr
    owner = func.value.id if isinstance(func.value, ast.Name) else None
    if owner == "os" and name == "open":
        return any(isinstance(n, ast.Attribute) and n.attr in WRITE_FLAGS for n in ast.walk(call))
    if owner in ("os", "io") and name in ("open", "fdopen"):
        return _writing_mode(call, 1)
    if owner in MODULE_CALLS:
        return name in MODULE_CALLS[owner]
    if name in PATH_WRITES:
        return True
    if name == "open":
        return _writing_mode(call, 0)
    # A path's rename() and replace() take one argument; str.replace takes two.
    return name in ("rename", "replace") and len(call.args) == 1 and not call.keywords


def writes_in(source: str) -> list[tuple[str, str]]:
    """(function, call) of each write in a module's source; function is "" at top level."""
    found: list[tuple[str, str]] = []

    def visit(node: ast.AST, scope: tuple[str, ...]) -> None:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            scope = (*scope, node.name)
        if isinstance(node, ast.Call) and writes(node):
            found.append((".".join(scope), ast.unparse(node)))
        for child in ast.iter_child_nodes(node):
            visit(child, scope)

    visit(ast.parse(source), ())
    return found


def all_writes() -> list[tuple[str, str, str]]:
    """(module, function, call) of each write in scripts/ outside safe_files.py."""
    return [
        (module, function, call)
        for path in sorted(SCRIPTS.rglob("*.py"))
        if (module := str(path.relative_to(SCRIPTS))) != WRITER
        for function, call in writes_in(path.read_text(encoding="utf-8"))
    ]


def test_only_safe_files_writes_a_file() -> None:
    unexplained = [w for w in all_writes() if w[:2] not in ALLOWED]
    assert unexplained == [], "write these through chapter.shared.safe_files"


def test_every_allowed_write_is_still_there() -> None:
    assert {w[:2] for w in all_writes()} >= set(ALLOWED)


@pytest.mark.parametrize(
    "source",
    [
        "Path(p).write_text('x')",
        "out.write_bytes(b'')",
        "open(p, 'w')",
        "open(p, mode='ab')",
        "open(p, m)",
        "p.open('w', encoding='utf-8')",
        "os.fdopen(fd, 'wb')",
        "os.open(p, os.O_WRONLY | os.O_CREAT)",
        "os.replace(a, b)",
        "os.rename(a, b)",
        "tmp.replace(target)",
        "shutil.copyfile(a, b)",
        "tempfile.mkstemp(dir=d)",
        "tempfile.NamedTemporaryFile('w')",
        "copyfile(a, b)",
    ],
)
def test_the_scan_finds_each_way_of_writing(source: str) -> None:
    assert writes_in(f"def f():\n    {source}\n") == [("f", source)]


@pytest.mark.parametrize(
    "source",
    [
        "open(p)",
        "open(p, 'rb')",
        "p.open()",
        "os.open(p, os.O_RDONLY | os.O_NONBLOCK)",
        "text.replace('a', 'b')",
        "dataclasses.replace(v, n=3)",
        "tempfile.mkdtemp()",
        "Path(p).read_text()",
    ],
)
def test_the_scan_lets_reading_be(source: str) -> None:
    assert writes_in(source) == []
