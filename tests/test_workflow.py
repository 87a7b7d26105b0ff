"""The publishing workflow users copy: valid YAML, triggered by new content, running exactly
the commands the README's "Publishing from CI" section gives."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from conftest import REPO

from digest.cli import main

WORKFLOW = REPO / ".github" / "workflows" / "publish.yml"


def load_workflow() -> dict[Any, Any]:
    data = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def readme_commands() -> list[str]:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Publishing from CI", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```\n(.*?)```", section, re.S)
    assert block, "the section shows its commands in a code block"
    return [line.strip() for line in block[1].splitlines() if line.strip()]


def test_workflow_is_valid_yaml_with_a_build_and_a_deploy_job() -> None:
    workflow = load_workflow()
    assert set(workflow["jobs"]) == {"build", "deploy"}
    assert workflow["jobs"]["deploy"]["needs"] == "build"
    uses = [step.get("uses", "") for job in workflow["jobs"].values() for step in job["steps"]]
    assert any(u.startswith("actions/upload-pages-artifact@") for u in uses)
    assert any(u.startswith("actions/deploy-pages@") for u in uses)
    assert workflow["permissions"] == {"contents": "read", "pages": "write", "id-token": "write"}


def test_a_push_touching_content_triggers_it() -> None:
    workflow = load_workflow()
    triggers = workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` as true
    assert "content/**" in triggers["push"]["paths"]


def test_it_runs_the_readme_commands_in_order() -> None:
    steps = load_workflow()["jobs"]["build"]["steps"]
    runs = [step["run"].strip() for step in steps if "run" in step]
    assert runs == readme_commands()
    assert runs[1].startswith("digest check --strict"), "the check runs before the build"
    upload = next(step for step in steps if step.get("uses", "").startswith("actions/upload-pages-artifact@"))
    assert upload["with"]["path"] == "public"


def test_the_check_passes_on_this_repositorys_content(seed_site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The workflow would publish this repository's own site: its strict check is clean."""
    monkeypatch.chdir(seed_site)
    command = readme_commands()[1].split()
    assert command[0] == "digest"
    result = CliRunner().invoke(main, command[1:])
    assert result.exit_code == 0, result.output
    assert "0 errors, 0 warnings" in result.output


def test_it_keeps_the_parse_cache_between_runs() -> None:
    steps = load_workflow()["jobs"]["build"]["steps"]
    cached = [step for step in steps if step.get("uses", "").startswith("actions/cache@")]
    assert [step["with"]["path"] for step in cached] == [".digest-cache"]
    build = next(index for index, step in enumerate(steps) if step.get("run", "").strip() == "digest build")
    assert steps.index(cached[0]) < build, "restored before the build"
