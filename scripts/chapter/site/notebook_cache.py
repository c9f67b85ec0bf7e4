"""Cache executed notebook pages, keyed on everything that changes what they show.

mkdocs-jupyter's own cache (turned off in mkdocs.yml) keys an entry on the
notebook and the plugin's options only, so a warm cache passes a build whose
NumPy is broken; and it writes entries in place, so an entry cut short by a full
disk or a kill fails every later build. This cache keys an entry also on the
kernel's Python and the versions of the packages the notebook imports (and what
they depend on), writes it atomically, and treats an unreadable entry as a miss.

Entries live in .cache/notebook-pages beside mkdocs.yml; the environment variable
NOTEBOOK_CACHE_DIR points them elsewhere (a relative path is taken from the folder
of mkdocs.yml).
"""

from __future__ import annotations

import ast
import hashlib
import json
import logging
import os
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import nbformat
from IPython.core.inputtransformer2 import TransformerManager
from jupyter_client.kernelspec import KernelSpecManager
from mkdocs.exceptions import PluginError
from mkdocs.structure.toc import AnchorLink, get_toc

from chapter.shared.safe_files import UnsafePath, read_input, write_files

log = logging.getLogger("mkdocs.hooks.notebook_cache")

CACHE_DIR_VARIABLE = "NOTEBOOK_CACHE_DIR"
DEFAULT_CACHE_DIR = ".cache/notebook-pages"
# The executed lab page is well under a megabyte; an entry past this is not ours.
ENTRY_LIMIT = 64 * 2**20

# The build side turns an executed notebook into HTML; their versions change the page too.
BUILD_PACKAGES = ("mkdocs-jupyter", "nbconvert", "nbclient", "jupyter-client", "pygments")

# Runs in the kernel's interpreter: the Python version, and the installed version of every
# distribution that provides one of the given modules, followed through its requirements.
_PROBE = r"""
import importlib.metadata as md, json, re, sys
owners = md.packages_distributions()
todo = [name for module in json.loads(sys.argv[1]) for name in owners.get(module, [])]
found = {}
while todo:
    name = re.sub(r"[-_.]+", "-", todo.pop()).lower()
    if name in found:
        continue
    try:
        dist = md.distribution(name)
    except md.PackageNotFoundError:
        continue  # a requirement for another platform
    found[name] = dist.version
    todo += [re.match(r"[\w.-]+", r).group() for r in dist.requires or [] if "extra ==" not in r]
print(json.dumps({"python": sys.version, "packages": found}, sort_keys=True))
"""

_used: set[Path] = set()
# Probes started in on_files, by notebook, with the arguments they were started with.
_probes: dict[str, tuple[tuple[str, frozenset[str]], subprocess.Popen]] = {}


def _stop(probe: subprocess.Popen) -> None:
    probe.kill()
    probe.communicate()


def _stop_probes() -> None:
    """Stop the probes of a build that ended before it reached their notebooks."""
    for _, probe in _probes.values():
        _stop(probe)
    _probes.clear()


def notebook_imports(notebook: nbformat.NotebookNode) -> set[str]:
    """The top-level modules that the notebook's code cells import."""
    modules = set()
    to_python = TransformerManager()
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        # IPython turns magics such as %config into plain calls, so the cell parses.
        for node in ast.walk(ast.parse(to_python.transform_cell(cell.source))):
            if isinstance(node, ast.Import):
                modules.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules.add(node.module.split(".")[0])
    return modules


def kernel_python(kernel_name: str) -> str:
    """The interpreter that runs the named kernel."""
    command = KernelSpecManager().get_kernel_spec(kernel_name).argv[0]
    # jupyter_client runs a kernel spec's bare "python" as its own interpreter; so do we.
    major, minor = sys.version_info[:2]
    if command in {"python", f"python{major}", f"python{major}.{minor}"}:
        return sys.executable
    return command


def start_probe(python: str, modules: set[str]) -> subprocess.Popen:
    """Start reading the versions the notebook runs on; probe_result() waits for them."""
    return subprocess.Popen(
        [python, "-c", _PROBE, json.dumps(sorted(modules))],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def probe_result(probe: subprocess.Popen) -> dict:
    stdout, stderr = probe.communicate()
    if probe.returncode != 0:
        raise PluginError(f"cannot read the notebook kernel's packages: {stderr.strip()}")
    environment = json.loads(stdout)
    environment["build"] = {name: metadata.version(name) for name in BUILD_PACKAGES}
    return environment


def kernel_environment(python: str, modules: set[str]) -> dict:
    """The Python and package versions that the notebook runs on, as that Python sees them."""
    return probe_result(start_probe(python, modules))


def cache_key(notebook: bytes, options: dict, environment: dict) -> str:
    """A hash of the notebook's bytes, the plugin's options and the environment it runs in."""
    hasher = hashlib.sha256(notebook)
    hasher.update(json.dumps([options, environment], sort_keys=True, default=repr).encode())
    return hasher.hexdigest()


def cache_dir(config) -> Path:
    root = Path(config.config_file_path).parent
    return root / os.environ.get(CACHE_DIR_VARIABLE, DEFAULT_CACHE_DIR)


def _digest_path(path: Path) -> Path:
    return path.with_suffix(".sha256")


def read_entry(path: Path) -> dict | None:
    """The cached page at path, or None when it is missing, unreadable, not a regular
    file, too large, or not what its digest beside it says (then it is a miss)."""
    try:
        data = read_input(path, ENTRY_LIMIT)
        digest = read_input(_digest_path(path), 100).decode("ascii").strip()
        if hashlib.sha256(data).hexdigest() != digest:
            return None
        entry = json.loads(data)
        if not isinstance(entry["content"], str):
            return None
        get_toc(entry["toc"])
    except (UnsafePath, ValueError, KeyError, TypeError, AttributeError, RecursionError):
        return None
    return entry


def write_entry(path: Path, entry: dict) -> None:
    """Write entry and its digest, each atomically: readers see a matching pair or a miss."""
    data = json.dumps(entry).encode()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_files(
            path.parent,
            {path.name: data, _digest_path(path).name: hashlib.sha256(data).hexdigest().encode()},
        )
    except (OSError, UnsafePath) as error:
        # The page itself is built; an entry that cannot be written (a full disk) only costs
        # the next build a run of the notebook, so this is not a warning that fails --strict.
        log.info("Notebook cache not written: %s", error)


def _toc_tokens(items: list[AnchorLink]) -> list[dict]:
    return [
        {"level": a.level, "id": a.id, "name": a.title, "children": _toc_tokens(a.children)}
        for a in items
    ]


def on_config(config):
    plugin = config.plugins.get("mkdocs-jupyter")
    if plugin is not None and plugin.config["cache"]:
        raise PluginError("set mkdocs-jupyter's cache: false; chapter.site.notebook_cache caches")
    if plugin is not None and not plugin.config["ignore_h1_titles"]:
        # A cached page restores content and table of contents, not a title read from the notebook.
        raise PluginError("chapter.site.notebook_cache needs mkdocs-jupyter's ignore_h1_titles")
    return config


def on_pre_build(config):
    _used.clear()
    _stop_probes()


def _probe_arguments(plugin, source: Path) -> tuple[str, frozenset[str]]:
    notebook = nbformat.read(source, as_version=4)
    kernel = plugin.config["kernel_name"] or notebook.metadata.kernelspec.name
    return kernel_python(kernel), frozenset(notebook_imports(notebook))


def on_files(files, config):
    # The probe takes about half a second, mostly spent by importlib.metadata: started
    # here, it runs on the other core while the pages before the notebook are rendered.
    plugin = config.plugins.get("mkdocs-jupyter")
    for file in files if plugin is not None else ():
        if plugin.should_include(file):
            arguments = _probe_arguments(plugin, Path(file.abs_src_path))
            _probes[file.src_uri] = (arguments, start_probe(*arguments))
    return files


def on_pre_page(page, config, files):
    plugin = config.plugins.get("mkdocs-jupyter")
    if plugin is None or not plugin.should_include(page.file):
        return page
    source = Path(page.file.abs_src_path)
    arguments = _probe_arguments(plugin, source)
    started, probe = _probes.pop(page.file.src_uri, (None, None))
    if started != arguments:  # the notebook changed since on_files, or was not seen there
        if probe is not None:
            _stop(probe)
        probe = start_probe(*arguments)
    environment = probe_result(probe)
    key = cache_key(source.read_bytes(), dict(plugin.config), environment)
    path = cache_dir(config) / f"{key}.json"
    _used.add(path)
    render = page.render  # mkdocs-jupyter's: converts, and executes, the notebook

    def cached_render(config, files):
        entry = read_entry(path)
        if entry is not None:
            log.info("Notebook cache hit: %s", page.file.src_uri)
            page.content, page.toc = entry["content"], get_toc(entry["toc"])
            return
        render(config, files)
        write_entry(path, {"content": page.content, "toc": _toc_tokens(page.toc.items)})

    page.render = cached_render
    return page


def on_build_error(error):
    _stop_probes()


def on_post_build(config):
    _stop_probes()
    # Entries this build did not use belong to older notebooks or packages.
    folder = cache_dir(config)
    if _used and folder.is_dir():
        for stale in set(folder.glob("*.json")) - _used:
            stale.unlink(missing_ok=True)
            _digest_path(stale).unlink(missing_ok=True)
