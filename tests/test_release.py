"""Pinned releases: one tag in mkdocs.yml, equal to CITATION.cff's version, filled into the
lab's links by hooks/release_links.py, and a workflow that attaches the files to the release."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
import yaml
from conftest import ROOT
from mkdocs.exceptions import PluginError

spec = importlib.util.spec_from_file_location("release_links", ROOT / "hooks" / "release_links.py")
release_links = importlib.util.module_from_spec(spec)
spec.loader.exec_module(release_links)

RELEASE_WORKFLOW = ROOT / ".github" / "workflows" / "release.yml"


def release_tag() -> str:
    return yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))["extra"]["release"]


def test_release_tag_is_v_and_the_citation_version() -> None:
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    assert release_tag() == "v" + str(cff["version"])


def test_placeholder_becomes_the_tag() -> None:
    text = "[x]: https://example.org/blob/{{ release }}/a.ipynb and {{release}}"
    expected = "[x]: https://example.org/blob/v1.1/a.ipynb and v1.1"
    assert release_links.render(text, "v1.1") == expected


def test_a_page_without_the_placeholder_is_left_alone() -> None:
    assert release_links.render("no { braces } here", None) == "no { braces } here"


@pytest.mark.parametrize("release", [None, "", "main", "1.1", "v1.1; rm"])
def test_a_missing_or_odd_release_stops_the_build(release: object) -> None:
    with pytest.raises(PluginError, match="extra.release"):
        release_links.render("see {{ release }}", release, "lab/index.md")


def test_release_workflow_runs_on_version_tags_and_attaches_the_files() -> None:
    workflow = yaml.safe_load(RELEASE_WORKFLOW.read_text(encoding="utf-8"))
    assert workflow[True] == {"push": {"tags": ["v*"]}}
    text = RELEASE_WORKFLOW.read_text(encoding="utf-8")
    for path in ("docs/lab/attention-lab-student.ipynb", "scripts/INSTRUCTORS.md"):
        assert path in text
    publish = " ".join(step.get("run", "") for step in workflow["jobs"]["publish"]["steps"])
    assert "gh release create" in publish and "gh release upload" in publish
    for name in ("dist/chapter.pdf", "dist/attention-lab-student.ipynb", "dist/INSTRUCTORS.md"):
        assert name in publish


@pytest.mark.slow
def test_built_lab_page_links_the_release(built_site: Path) -> None:
    page = (built_site / "lab" / "index.html").read_text(encoding="utf-8")
    tag = release_tag()
    assert f"/blob/{tag}/docs/lab/attention-lab-student.ipynb" in page
    assert f"/raw/{tag}/docs/lab/attention-lab.ipynb" in page
    assert "{{" not in page and "/blob/main/docs/lab" not in page
