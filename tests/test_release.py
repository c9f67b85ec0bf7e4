"""Pinned releases: one tag in mkdocs.yml, equal to CITATION.cff's version, filled into the
lab's links by `<!-- chapter:release -->` (tests/test_markers.py), and a workflow that
attaches the files to the release."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from conftest import ROOT

RELEASE_WORKFLOW = ROOT / ".github" / "workflows" / "release.yml"


def release_tag() -> str:
    return yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))["extra"]["release"]


def test_release_tag_is_v_and_the_citation_version() -> None:
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    assert release_tag() == "v" + str(cff["version"])


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
    assert "chapter:release" not in page and "/blob/main/docs/lab" not in page
