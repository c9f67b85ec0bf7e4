"""The site builds strictly, reproducibly, and fails loudly on a broken page."""

from __future__ import annotations

import filecmp
import json
import os
import re
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

import nbformat
import pytest
from conftest import ROOT, build_site

from chapter.site import notebook_cache, notebook_timings

# Every test here builds a site.
pytestmark = pytest.mark.slow

LAB = Path("docs/lab/attention-lab.ipynb")
# Where a build keeps its formulas' drawings (hooks/static_math.py's default).
MATH_STORE = Path(".cache/math")


def test_strict_build_has_every_page(built_site: Path) -> None:
    for page in (
        "index.html",
        "efficient-attention/index.html",
        "rnns-for-images/index.html",
        "lab/index.html",
        "lab/attention-lab/index.html",
        "references/index.html",
    ):
        assert (built_site / page).is_file(), f"{page} missing from the built site"
    assert (built_site / "assets/stylesheets/mathjax-svg.css").is_file()


def test_two_cold_builds_of_one_commit_are_identical(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Each build executes the lab and draws every formula afresh (empty cache folders of its
    # own), as the publishing workflow does; a third build from the first one's caches must
    # match too, without running the notebook or drawing a formula.
    sites = []
    for name, cache in (("first", "cache-a"), ("second", "cache-b"), ("warm", "cache-a")):
        monkeypatch.setenv("NOTEBOOK_CACHE_DIR", str(tmp_path / cache / "notebooks"))
        monkeypatch.setenv("MATH_CACHE_DIR", str(tmp_path / cache / "math"))
        result = build_site(tmp_path / name)
        log = result.stdout + result.stderr
        assert result.returncode == 0, log
        sites.append(tmp_path / name)
        hit = "Notebook cache hit" in log
        assert hit == (name == "warm"), f"the {name} build: cache hit {hit}"
        drawn = int(re.search(r"Math: (\d+) formulas, (\d+) drawn by MathJax", log)[2])
        assert (drawn == 0) == (name == "warm"), f"the {name} build drew {drawn} formulas"
    for other in sites[1:]:
        differing = _differing_files(sites[0], other)
        assert not differing, f"files differ between two builds: {differing}\n" + "\n".join(
            _first_difference(sites[0] / name, other / name) for name in differing
        )


def test_build_date_is_the_last_commit_date(built_site: Path) -> None:
    epoch = subprocess.run(
        ["git", "log", "-1", "--format=%ct"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.strip()
    commit_day = datetime.fromtimestamp(int(epoch), UTC).strftime("%Y-%m-%d")
    sitemap = (built_site / "sitemap.xml").read_text()
    lastmods = set(re.findall(r"<lastmod>([^<]+)</lastmod>", sitemap))
    assert lastmods == {commit_day}


def _differing_files(a: Path, b: Path) -> list[str]:
    cmp = filecmp.dircmp(a, b)
    found = [str(Path(cmp.left).relative_to(a) / n) for n in cmp.left_only + cmp.right_only]
    (_, mismatch, errors) = filecmp.cmpfiles(a, b, cmp.common_files, shallow=False)
    found += mismatch + errors
    for sub in cmp.common_dirs:
        found += [f"{sub}/{name}" for name in _differing_files(a / sub, b / sub)]
    return found


def _first_difference(a: Path, b: Path) -> str:
    """Where two versions of a file first differ, with some text on each side."""
    x, y = a.read_bytes(), b.read_bytes()
    at = next((i for i, pair in enumerate(zip(x, y, strict=False)) if pair[0] != pair[1]), None)
    at = min(len(x), len(y)) if at is None else at
    return f"{a.name} at byte {at}: {x[at - 80 : at + 80]!r} / {y[at - 80 : at + 80]!r}"


@pytest.fixture
def project_copy(tmp_path: Path) -> Path:
    """A copy of the site's sources whose lab is a one-cell notebook, so builds are quick."""
    copy = tmp_path / "project"
    # Everything a build reads (config, hooks, templates, CITATION.cff, scripts), not the
    # environment, caches or earlier builds.
    shutil.copytree(ROOT, copy, ignore=_not_sources)
    # The formulas are the site's own: the drawings an earlier build stored (the session's
    # built site) spare each build here from drawing them again.
    if (ROOT / MATH_STORE).is_dir():
        shutil.copytree(ROOT / MATH_STORE, copy / MATH_STORE)
    _write_notebook(copy / LAB, "print('ok')")
    return copy


def _not_sources(folder: str, names: list[str]) -> set[str]:
    """What copytree leaves out: byte code anywhere; at the top, the environment, caches
    and earlier builds (a folder named site further down, chapter/site, is source)."""
    left_out = {name for name in names if name == "__pycache__"}
    if Path(folder) == ROOT:
        left_out |= {".git", ".venv", ".cache", "site"} & set(names)
    return left_out


def _write_notebook(path: Path, code: str) -> None:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# Lab"), nbformat.v4.new_code_cell(code)]
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(nb, path)


def _failed_build(project: Path, tmp_path: Path) -> str:
    result = build_site(tmp_path / "out", project)
    assert result.returncode != 0, "the build should have failed"
    return result.stdout + result.stderr


def test_a_broken_link_and_a_missing_figure_each_fail_the_build(
    project_copy: Path, tmp_path: Path
) -> None:
    """Both are warnings, which --strict collects before it stops: one build names both."""
    page = project_copy / "docs/references.md"
    page.write_text(page.read_text() + "\nSee [the missing page](no-such-page.md).\n")
    page = project_copy / "docs/index.md"
    page.write_text(page.read_text() + "\n![A grid](figures/no-such-figure.svg)\n")
    log = _failed_build(project_copy, tmp_path)
    warnings = [line for line in log.splitlines() if line.startswith("WARNING")]
    assert any("references.md" in line and "no-such-page.md" in line for line in warnings), log
    assert any("index.md" in line and "no-such-figure.svg" in line for line in warnings), log


def test_notebook_cell_that_raises_fails_the_build(project_copy: Path, tmp_path: Path) -> None:
    _write_notebook(project_copy / LAB, "raise ValueError('broken lab cell')")
    log = _failed_build(project_copy, tmp_path)
    assert "attention-lab.ipynb" in log and "broken lab cell" in log


def test_a_cache_entry_is_used_only_when_its_digest_matches(tmp_path: Path) -> None:
    cache = notebook_cache
    entry = {"content": "<p>executed</p>", "toc": []}
    path = tmp_path / "key.json"
    cache.write_entry(path, entry)
    assert cache.read_entry(path) == entry
    # Poisoned: what a page would show, changed without its digest.
    path.write_text(json.dumps({"content": "<script>alert(1)</script>", "toc": []}))
    assert cache.read_entry(path) is None
    # A pipe, or a link to a device that never ends, is refused before a byte is read.
    path.unlink()
    os.mkfifo(path)
    assert cache.read_entry(path) is None
    path.unlink()
    path.symlink_to("/dev/zero")
    assert cache.read_entry(path) is None


def test_cache_key_covers_notebook_options_python_and_packages() -> None:
    cache = notebook_cache
    environment = {"python": "3.11.7", "packages": {"numpy": "2.4.6", "matplotlib": "3.11.2"}}
    key = cache.cache_key(b"{}", {"execute": True}, environment)
    assert cache.cache_key(b"{}", {"execute": True}, json.loads(json.dumps(environment))) == key
    changed = [
        cache.cache_key(b"{ }", {"execute": True}, environment),
        cache.cache_key(b"{}", {"execute": False}, environment),
        cache.cache_key(b"{}", {"execute": True}, {**environment, "python": "3.12.1"}),
        cache.cache_key(
            b"{}",
            {"execute": True},
            {**environment, "packages": {"numpy": "2.4.7", "matplotlib": "3.11.2"}},
        ),
    ]
    assert key not in changed and len(set(changed)) == len(changed)


def test_cache_key_reads_the_lab_imports_and_their_installed_versions() -> None:
    cache = notebook_cache
    modules = cache.notebook_imports(nbformat.read(ROOT / LAB, as_version=4))
    assert {"numpy", "matplotlib", "time"} <= modules
    environment = cache.kernel_environment(cache.kernel_python("python3"), modules)
    import matplotlib
    import numpy

    packages = environment["packages"]
    assert packages["numpy"] == numpy.__version__
    assert packages["matplotlib"] == matplotlib.__version__
    assert "pillow" in packages, "matplotlib's own requirements are part of the key"
    assert environment["python"] == sys.version


def test_a_build_from_any_folder_and_a_damaged_cache_entry(
    project_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Run from another folder, a build writes nothing there and keeps the executed lab
    in the project's own cache; an entry damaged there is a miss, and the next build
    writes it again whole."""
    monkeypatch.delenv("NOTEBOOK_CACHE_DIR", raising=False)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "mkdocs",
            "build",
            "--strict",
            "-f",
            str(project_copy / "mkdocs.yml"),
            "-d",
            str(tmp_path / "out"),
        ],
        cwd=elsewhere,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert list(elsewhere.iterdir()) == [], "the build wrote into the folder it ran from"
    (entry,) = (project_copy / ".cache/notebook-pages").glob("*.json")
    whole = entry.read_text()
    # What a full disk or a kill mid-write leaves behind.
    entry.write_text(whole[: len(whole) // 2])
    result = build_site(tmp_path / "second", project_copy)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Notebook cache hit" not in result.stdout + result.stderr
    assert json.loads(entry.read_text()) == json.loads(whole)


def test_timing_outputs_stay_off_the_page(built_site: Path) -> None:
    timings = notebook_timings
    page = (built_site / "lab/attention-lab/index.html").read_text()
    tagged = [
        c.id
        for c in nbformat.read(ROOT / LAB, as_version=4).cells
        if timings.TAG in c.metadata.get("tags", [])
    ]
    assert tagged, "the lab has no timing cells"
    for cell_id in tagged:
        start = page.index(f'id="cell-id={cell_id}"')
        cell = page[start : timings._div_end(page, page.rindex("<div", 0, start))]
        assert "jp-InputArea" in cell and "jp-OutputArea" not in cell, cell_id


def test_a_probe_started_for_other_imports_is_not_used(tmp_path: Path) -> None:
    # Under `mkdocs serve` the notebook may change between on_files, which starts its
    # probe, and on_pre_page: the probe must then be run again for the notebook as it is.
    cache = notebook_cache
    plugin = SimpleNamespace(config={"kernel_name": "python3"}, should_include=lambda f: True)
    config = SimpleNamespace(
        plugins={"mkdocs-jupyter": plugin}, config_file_path=str(tmp_path / "mkdocs.yml")
    )
    file = SimpleNamespace(abs_src_path=str(ROOT / LAB), src_uri="lab.ipynb")
    python = cache.kernel_python("python3")
    cache._probes["lab.ipynb"] = ((python, frozenset({"os"})), cache.start_probe(python, {"os"}))
    cache.on_pre_page(SimpleNamespace(file=file, render=None), config, None)
    modules = cache.notebook_imports(nbformat.read(ROOT / LAB, as_version=4))
    environment = cache.kernel_environment(python, modules)
    key = cache.cache_key((ROOT / LAB).read_bytes(), plugin.config, environment)
    assert cache._used == {cache.cache_dir(config) / f"{key}.json"}
    assert not cache._probes


@pytest.mark.slow
def test_mkdocs_serve_serves_the_chapter(tmp_path: Path) -> None:
    """The README's first command ends in `mkdocs serve`, which rewrites site_url and
    builds with every stage: the home page and the explorers' data must be served."""
    import socket
    import time
    import urllib.request

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    base = f"http://127.0.0.1:{port}/efficient-attention-2d-rnns/"
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1")
    log = tmp_path / "serve.log"
    with log.open("w") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "mkdocs", "serve", "--no-livereload", "-a", f"127.0.0.1:{port}"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 240
        while True:
            assert server.poll() is None, log.read_text()
            try:
                with urllib.request.urlopen(base, timeout=5) as response:
                    home = response.read().decode()
                break
            except OSError:
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(1)
        assert "Efficient Attention" in home
        with urllib.request.urlopen(base + "assets/patterns.json", timeout=5) as response:
            names = [p["name"] for p in json.loads(response.read())["patterns"]]
        assert "windowed" in names
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert "ERROR" not in log.read_text(), log.read_text()
