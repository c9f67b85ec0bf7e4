"""The package's shape: every module is reached from a command or the site build, no
import goes round in a cycle, and no layer imports from a layer above it."""

from __future__ import annotations

import ast
from pathlib import Path

from conftest import SCRIPTS

PACKAGE = SCRIPTS / "chapter"
# Lower layers first; a module may import from its own layer's folder and from lower ones.
LAYERS = {"shared": 0, "model": 1, "figures": 2, "course": 3, "publishing": 3, "site": 3}


def _module_name(path: Path) -> str:
    parts = path.relative_to(SCRIPTS).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}
ENTRIES = sorted(SCRIPTS.glob("*.py"))


def imports(path: Path) -> set[str]:
    """The chapter modules path imports, anywhere in it, as dotted names."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            # `from chapter.site import events` imports the module chapter.site.events.
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return {name for name in found if name in MODULES}


GRAPH = {name: imports(path) for name, path in MODULES.items()}


def _layer(module: str) -> int | None:
    parts = module.split(".")
    return LAYERS[parts[1]] if len(parts) > 1 else None


def test_every_folder_of_the_package_is_a_layer() -> None:
    folders = {p.name for p in PACKAGE.iterdir() if p.is_dir() and p.name != "__pycache__"}
    assert folders == set(LAYERS)


def test_every_module_is_reached_from_a_command_or_the_site_build() -> None:
    reached = set()
    todo = [name for entry in ENTRIES for name in imports(entry)]
    while todo:
        name = todo.pop()
        if name not in reached:
            reached.add(name)
            todo.extend(GRAPH[name])
    packages = {name for name, path in MODULES.items() if path.name == "__init__.py"}
    assert set(MODULES) - packages - reached == set()


def test_no_module_imports_from_a_higher_layer_or_a_sibling_at_the_top() -> None:
    upward = [
        (module, imported)
        for module, found in GRAPH.items()
        for imported in found
        if _layer(module) is not None
        and _layer(imported) is not None
        and (
            _layer(imported) > _layer(module)
            or (
                _layer(imported) == _layer(module)
                and imported.split(".")[1] != module.split(".")[1]
            )
        )
    ]
    assert upward == []


def test_no_import_cycle() -> None:
    state: dict[str, str] = {}

    def visit(name: str, path: list[str]) -> None:
        state[name] = "open"
        for imported in sorted(GRAPH[name]):
            if state.get(imported) == "open":
                raise AssertionError(" -> ".join([*path, name, imported]))
            if imported not in state:
                visit(imported, [*path, name])
        state[name] = "done"

    for name in MODULES:
        if name not in state:
            visit(name, [])
