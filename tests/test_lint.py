"""Every Python source and notebook is formatted and lint-clean, as pyproject.toml
configures ruff."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from conftest import ROOT

RUFF = str(Path(sys.executable).parent / "ruff")
NOTEBOOKS = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "docs").rglob("*.ipynb"))


def ruff(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [RUFF, *args], cwd=ROOT, capture_output=True, text=True, check=False, timeout=120
    )


def test_there_are_notebooks_to_check() -> None:
    assert NOTEBOOKS


def test_every_python_file_is_formatted() -> None:
    # The pages and the generated student notebook are left out in pyproject.toml.
    result = ruff("format", "--check", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_python_sources_pass_ruff_check() -> None:
    result = ruff("check", "--output-format", "concise", "scripts", "tests")
    assert result.returncode == 0, result.stdout + result.stderr


def test_notebooks_pass_ruff_check() -> None:
    result = ruff("check", "--output-format", "concise", *NOTEBOOKS)
    assert result.returncode == 0, result.stdout + result.stderr
