"""The GitHub workflows parse, pass zizmor, and keep the project's hardening rules."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import ROOT

WORKFLOWS = sorted((ROOT / ".github/workflows").glob("*.yml"))
PUBLISH = ROOT / ".github/workflows/pages.yml"
RELEASE = ROOT / ".github/workflows/release.yml"


def _tool(name: str) -> str:
    return str(Path(sys.executable).parent / name)


def _load(path: Path) -> dict:
    # PyYAML reads the key `on` as True; workflows only need their jobs here.
    return yaml.safe_load(path.read_text())


def test_there_is_a_test_a_publish_and_a_release_workflow() -> None:
    assert {p.name for p in WORKFLOWS} == {"tests.yml", "pages.yml", "release.yml"}
    triggers = _load(ROOT / ".github/workflows/tests.yml")[True]
    assert "push" in triggers and "pull_request" in triggers


@pytest.mark.parametrize("persona", ["regular", "pedantic", "auditor"])
def test_zizmor_finds_nothing(persona: str) -> None:
    result = subprocess.run(
        [
            _tool("zizmor"),
            "--offline",
            "--no-progress",
            f"--persona={persona}",
            str(ROOT / ".github"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No findings to report" in result.stdout + result.stderr


@pytest.mark.parametrize(
    ("path", "last"), [(PUBLISH, "deploy"), (RELEASE, "publish")], ids=["pages.yml", "release.yml"]
)
def test_publishing_waits_for_the_tests_on_the_same_commit(path: Path, last: str) -> None:
    # A reusable-workflow call runs tests.yml on the commit being published.
    assert "workflow_call" in _load(ROOT / ".github/workflows/tests.yml")[True]
    jobs = _load(path)["jobs"]
    callers = [
        name for name, job in jobs.items() if job.get("uses") == "$/.github/workflows/tests.yml"
    ]
    assert len(callers) == 1
    assert callers[0] in _needs(jobs["build"])
    assert "build" in _needs(jobs[last])


def _needs(job: dict) -> list[str]:
    needs = job.get("needs", [])
    return [needs] if isinstance(needs, str) else needs


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_no_job_runs_in_a_container_image_named_by_tag(path: Path) -> None:
    for name, job in _load(path)["jobs"].items():
        image = job.get("container")
        image = image.get("image") if isinstance(image, dict) else image
        assert image is None or "@sha256:" in image, f"{path.name}: job {name} uses {image}"


@pytest.mark.parametrize(
    ("schema", "files"),
    [
        ("vendor.github-workflows", WORKFLOWS),
        ("vendor.dependabot", [ROOT / ".github/dependabot.yml"]),
    ],
)
def test_files_match_github_schemas(schema: str, files: list[Path]) -> None:
    result = subprocess.run(
        [_tool("check-jsonschema"), "--builtin-schema", schema, *map(str, files)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_workflow_permissions_start_read_only(path: Path) -> None:
    workflow = _load(path)
    assert workflow["permissions"] in ({}, {"contents": "read"})
    assert "concurrency" in workflow
    for name, job in workflow["jobs"].items():
        writes = {k for k, v in job.get("permissions", {}).items() if v == "write"}
        if name == "deploy" and path == PUBLISH:
            assert writes == {"pages", "id-token"}
            assert job["environment"]["name"] == "github-pages"
        elif name == "publish" and path == RELEASE:
            # It attaches files to the release, and checks out and runs nothing of ours.
            assert writes == {"contents"}
            assert all("actions/checkout@" not in step.get("uses", "") for step in job["steps"])
        else:
            assert not writes, f"{path.name}: job {name} may write {writes}"


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_actions_are_pinned_to_commits_with_versions(path: Path) -> None:
    uses = re.findall(r"uses:\s*(\S+)(.*)", path.read_text())
    assert uses
    for ref, comment in uses:
        if re.fullmatch(r"\$/\.github/workflows/[\w-]+\.yml", ref):
            continue  # this repository's own workflow, at the commit being run
        assert re.fullmatch(r"[\w.-]+/[\w./-]+@[0-9a-f]{40}", ref), ref
        assert re.fullmatch(r"\s*#\s*v\d+(\.\d+)*", comment), f"{ref} lacks a version comment"


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_checkout_keeps_no_credentials(path: Path) -> None:
    for job in _load(path)["jobs"].values():
        for step in job.get("steps", []):
            if step.get("uses", "").startswith("actions/checkout@"):
                assert step["with"]["persist-credentials"] is False


@pytest.mark.parametrize("path", [PUBLISH, RELEASE], ids=lambda p: p.name)
def test_publishing_workflow_restores_no_cache(path: Path) -> None:
    text = path.read_text()
    assert "actions/cache" not in text
    for job in _load(path)["jobs"].values():
        for step in job.get("steps", []):
            assert "cache" not in step.get("with", {}), step


def test_publishing_uses_the_pages_actions() -> None:
    text = PUBLISH.read_text()
    for action in ("configure-pages", "upload-pages-artifact", "deploy-pages"):
        assert f"actions/{action}@" in text


def test_dependabot_watches_pip_and_actions() -> None:
    config = yaml.safe_load((ROOT / ".github/dependabot.yml").read_text())
    assert {u["package-ecosystem"] for u in config["updates"]} == {"pip", "github-actions"}
