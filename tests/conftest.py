"""Shared test set-up: paths, one built site, and the guard that keeps fast runs fast."""

from __future__ import annotations

import contextlib
import fcntl
import importlib
import io
import os
import signal
import stat
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest

from chapter.model import rnn2d

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = ROOT / "scripts"

# The test being set up or run, so that build_site can tell whether it may build.
_current: list[pytest.Item] = []


# The modules that take a minute or more of a full run on the 2-core machine. pytest-xdist
# hands each worker the next module as it finishes one, so these start first and the
# short ones fill in at the end, instead of one long module running alone while the
# other worker idles. They alternate between those that drive Chromium, which keeps
# both cores busy by itself, and those that run one process at a time (the grader, the
# site builds), so that two Chromiums rarely run at once: the first two start
# together, then the next two. A stale list costs time only.
LONG_MODULES = (
    "test_grade_lab.py",
    "test_screen_widths.py",
    "test_site_build.py",
    "test_browser.py",
    "test_make_pdf.py",
    "test_practice.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Refuse a run in which a test not marked slow asks for the built site; run the
    long modules first (LONG_MODULES)."""
    unmarked = [
        item.nodeid
        for item in items
        if "built_site" in getattr(item, "fixturenames", ()) and not item.get_closest_marker("slow")
    ]
    if unmarked:
        raise pytest.UsageError(f"tests that use built_site must be marked slow: {unmarked}")
    rank = {name: place for place, name in enumerate(LONG_MODULES)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    _current[:] = [item]


def build_site(
    dest: Path, project: Path = ROOT, config: str = "mkdocs.yml"
) -> subprocess.CompletedProcess:
    """Run `mkdocs build --strict` on project's config into dest; return the process.

    Only a test marked slow may build: `pytest -m "not slow"` must never build the site.
    """
    if _current and _current[0].get_closest_marker("slow") is None:
        pytest.fail(f"{_current[0].nodeid} builds the site but is not marked slow", pytrace=False)
    # A test's small project names a hooks file of its own (stage_hooks), which imports
    # the chapter package from scripts/ as the project's scripts/mkdocs_hooks.py does.
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1", PYTHONPATH=str(SCRIPTS))
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", config, "-d", str(dest)],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def stage_hooks(project: Path, *stages: str) -> str:
    """Write project/stages.py, a hooks file that runs these stages of chapter.site in
    the build's order, and return the name mkdocs.yml's hooks list gives it."""
    (project / "stages.py").write_text(
        f"from chapter.site import events, {', '.join(stages)}\n\n"
        f"globals().update(events.adapter({', '.join(stages)}))\n"
    )
    return "stages.py"


@pytest.fixture(scope="session")
def built_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site, built once per test run with --strict; fails on any warning. Under
    pytest-xdist the workers share one build: the first to need it builds it while the
    others wait, in the run's common temporary folder. No test writes into it."""
    if "PYTEST_XDIST_WORKER" not in os.environ:
        return strict_build(tmp_path_factory.mktemp("site"))
    shared = tmp_path_factory.getbasetemp().parent
    with open(shared / "site.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (shared / "site.built").exists():
            strict_build(shared / "site")
            (shared / "site.built").touch()
    return shared / "site"


def strict_build(dest: Path, config: str = "mkdocs.yml") -> Path:
    """dest, with the site of config built into it by build_site; fails on any warning."""
    result = build_site(dest, config=config)
    log = result.stdout + result.stderr
    assert result.returncode == 0, f"mkdocs build --strict failed:\n{log}"
    warnings = [line for line in log.splitlines() if line.startswith(("WARNING", "ERROR"))]
    assert not warnings, "mkdocs build printed warnings:\n" + "\n".join(warnings)
    return dest


def processes_with(marker: str) -> list[str]:
    """The pids of the running processes whose command line holds marker."""
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if marker.encode() in cmdline.read_bytes():
                found.append(cmdline.parent.name)
        except OSError:
            pass
    return found


def run_script(
    script: str, *args: str, cwd: Path = ROOT, timeout: float = 60
) -> subprocess.CompletedProcess:
    """Run scripts/<script> with args as a user would; a hang fails after timeout seconds."""
    return subprocess.run(
        [sys.executable, str(SCRIPTS / script), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        timeout=timeout,
    )


def call_main(module: str, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    """Run scripts/<module>.py's main(args) in cwd, in this process so that many cases
    stay fast, and return what its command would have: status, stdout, stderr. A call
    that hangs fails after 20 s; any exception but SystemExit propagates."""

    def expire(signum: int, frame: object) -> None:
        raise TimeoutError(f"{module} {args} hung")

    main = importlib.import_module(module).main
    out, err = io.StringIO(), io.StringIO()
    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(20)
    try:
        with (
            contextlib.chdir(cwd),
            contextlib.redirect_stdout(out),
            contextlib.redirect_stderr(err),
        ):
            status = main(list(args))
    except SystemExit as stop:
        status = stop.code
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    return subprocess.CompletedProcess([module, *args], status, out.getvalue(), err.getvalue())


@pytest.fixture
def command(tmp_path: Path) -> Callable[[str, list[str]], tuple[int, str, str]]:
    """call_main in the test's folder: (exit status, stdout, stderr)."""

    def run(module: str, argv: list[str]) -> tuple[int, str, str]:
        result = call_main(module, *argv, cwd=tmp_path)
        return result.returncode, result.stdout, result.stderr

    return run


@pytest.fixture(scope="module")
def base_url(built_site: Path) -> Iterator[str]:
    """The built site, served on 127.0.0.1 while a test module runs."""
    from browser import serve

    with serve(built_site) as base:
        yield base


@pytest.fixture(scope="module")
def chromium() -> Iterator:
    """One headless Chromium per test module (skips, or in CI fails, without it)."""
    from browser import launched_chromium

    with launched_chromium() as browser:
        yield browser


def snapshot(folder: Path) -> dict[str, object]:
    """Every entry under folder: its kind, and a regular file's bytes or a link's target.
    Nothing is opened that is not a regular file."""
    found: dict[str, object] = {}
    for top, dirs, files in os.walk(folder):
        for name in dirs + files:
            path = Path(top, name)
            mode = os.lstat(path).st_mode
            if stat.S_ISREG(mode):
                found[str(path)] = path.read_bytes()
            elif stat.S_ISLNK(mode):
                found[str(path)] = ("link", os.readlink(path))
            else:
                found[str(path)] = stat.S_IFMT(mode)
    return found


def expect_refusal(result: tuple[int, str, str], argument: str) -> None:
    status, out, err = result
    assert status == 2, err
    assert out == ""
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert argument in lines[0], err


def random_problem(n: int, c: int, h: int, seed: int = 0):
    """A random n x n image of c channels and 2D RNN weights of h units."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, n, c))
    return x, *rnn2d.init_weights(c, h, rng)
