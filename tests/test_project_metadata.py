"""README, CITATION.cff, mkdocs.yml and .ci/run agree with one another."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import yaml
from conftest import ROOT


def _tool(name: str) -> str:
    return str(Path(sys.executable).parent / name)


def mkdocs_config() -> dict:
    # mkdocs.yml has no custom tags, so a plain load reads it.
    return yaml.safe_load((ROOT / "mkdocs.yml").read_text())


def citation() -> dict:
    return yaml.safe_load((ROOT / "CITATION.cff").read_text())


def readme_commands() -> list[str]:
    """The shell commands of the fenced bash blocks in the README's "Two commands"
    section, in order."""
    section = re.search(
        r"^## Two commands\n(.*?)(?=^## )", (ROOT / "README.md").read_text(), re.S | re.M
    )
    blocks = re.findall(r"```bash\n(.*?)```", section[1], re.S)
    lines = [line.split("#")[0].strip() for block in blocks for line in block.splitlines()]
    return [line for line in lines if line]


def test_citation_file_is_valid_cff() -> None:
    result = subprocess.run(
        [
            _tool("check-jsonschema"),
            "--builtin-schema",
            "vendor.citation-file-format",
            str(ROOT / "CITATION.cff"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_citation_matches_site_config() -> None:
    config, cff = mkdocs_config(), citation()
    assert cff["url"] == config["site_url"]
    assert cff["repository-code"] == config["repo_url"]
    assert cff["title"].startswith(config["site_name"])
    assert set(cff["license"]) == {"CC-BY-4.0", "MIT"}


def test_readme_links_the_published_site() -> None:
    assert mkdocs_config()["site_url"] in (ROOT / "README.md").read_text()


def test_readme_has_exactly_two_setup_commands() -> None:
    serve, test = readme_commands()
    assert serve.endswith("mkdocs serve") and "requirements.txt" in serve
    assert test.endswith("python -m pytest") and "requirements-test.txt" in test


def test_ci_runs_exactly_the_readme_test_command() -> None:
    lines = [line for line in (ROOT / ".ci/run").read_text().splitlines() if line.strip()]
    assert lines[-1] == readme_commands()[1]


def test_licence_is_stated_in_readme_footer_and_home() -> None:
    footer = mkdocs_config()["copyright"]
    for text in (footer, (ROOT / "README.md").read_text(), (ROOT / "docs/index.md").read_text()):
        assert "CC BY 4.0" in text and "MIT" in text


def test_requirements_are_pinned_exactly() -> None:
    for name in ("requirements.in", "requirements-test.in"):
        for line in (ROOT / name).read_text().splitlines():
            line = line.split("#")[0].strip()
            if line and not line.startswith("-r "):
                assert re.fullmatch(r"[A-Za-z0-9_.\-\[\]]+==[\w.]+", line), f"{name}: {line}"


def test_material_is_free_of_the_search_xss() -> None:
    # 9.7.7 fixed a DOM XSS in search suggestions.
    pin = re.search(r"^mkdocs-material==([\d.]+)$", (ROOT / "requirements.in").read_text(), re.M)
    assert tuple(int(p) for p in pin.group(1).split(".")) >= (9, 7, 7)
