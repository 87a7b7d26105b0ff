"""The publishing workflow users copy: valid YAML, triggered by new content, running exactly
the commands the README's "Publishing from CI" section gives."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from conftest import REPO

from digest.cli import main
from digest.render import Pages
from digest.write import MARKER

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


def cached_paths() -> list[str]:
    steps = load_workflow()["jobs"]["build"]["steps"]
    cached = [step for step in steps if step.get("uses", "").startswith("actions/cache@")]
    assert len(cached) == 1
    build = next(index for index, step in enumerate(steps) if step.get("run", "").strip() == "digest build")
    assert steps.index(cached[0]) < build, "restored before the build"
    return [line.strip() for line in cached[0]["with"]["path"].splitlines() if line.strip()]


def test_it_keeps_the_cache_and_the_site_between_runs() -> None:
    assert cached_paths() == [".digest-cache", "public"]


def run_workflow(origin: Path, workspace: Path, kept: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The build job's steps, as a runner makes them: a fresh clone at the same place, the
    folders of the cache step restored from `kept` and kept there again after; the digest
    commands run here (the install step is this checkout's). Returns each command's output."""
    monkeypatch.chdir(workspace.parent.parent)  # not in the folder about to go
    shutil.rmtree(workspace, ignore_errors=True)
    subprocess.run(["git", "clone", "--quiet", str(origin), str(workspace)], check=True)
    for name in cached_paths():
        if (kept / name).exists():
            shutil.copytree(kept / name, workspace / name, symlinks=True)  # times kept, as the cache's tar keeps them
    monkeypatch.chdir(workspace)
    outputs = []
    for step in load_workflow()["jobs"]["build"]["steps"]:
        command = step.get("run", "").strip()
        if command.startswith("digest "):
            result = CliRunner().invoke(main, command.split()[1:])
            assert result.exit_code == 0, result.output
            outputs.append(result.output)
    shutil.rmtree(kept, ignore_errors=True)
    for name in cached_paths():
        shutil.copytree(workspace / name, kept / name, symlinks=True)
    return outputs


def commit(origin: Path, message: str) -> None:
    git = ["git", "-C", str(origin), "-c", "user.name=t", "-c", "user.email=t@example.org"]
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "--quiet", "-m", message], check=True)


def test_a_daily_run_with_the_kept_folders_renders_only_what_the_new_day_changes(
    seed_site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two runs of the workflow in fresh clones, the cache step's folders carried over: the
    second, after a new day, is an update that renders only the pages the day changes, writes
    only the files whose bytes change, and leaves what a clean build makes."""
    origin = tmp_path / "origin"
    shutil.copytree(seed_site, origin)
    subprocess.run(["git", "init", "--quiet", str(origin)], check=True)
    commit(origin, "the seeds")
    workspace, kept = tmp_path / "runner" / "site", tmp_path / "kept"
    run_workflow(origin, workspace, kept, monkeypatch)
    first = {
        path: (data, kept.joinpath("public", path).stat().st_mtime_ns) for path, data in tree(kept / "public").items()
    }

    day = origin / "content" / "arxiv" / "2031-01-01" / "cs.CL.md"
    day.parent.mkdir(parents=True)
    shutil.copy(next((REPO.parent / "shared" / "corpus" / "cn-chat-arxiv").glob("*/*.md")), day)
    commit(origin, "a new day")
    rendered: list[str] = []
    render = Pages.render
    monkeypatch.setattr(Pages, "render", lambda pages, job: (rendered.append(job.path), render(pages, job))[1])
    build = run_workflow(origin, workspace, kept, monkeypatch)[-1]
    assert " rewritten," in build, build  # an update, not a full build
    site = tree(workspace / "public")
    changed = {path for path, data in site.items() if first.get(path, (b"",))[0] != data}
    assert {path for path in changed if path.endswith(".html")} <= set(rendered)
    assert len(rendered) < len([path for path in site if path.endswith(".html")]) // 3
    kept_times = {path for path in site if path not in changed and path in first and path != MARKER}  # marked
    assert all((workspace / "public" / path).stat().st_mtime_ns == first[path][1] for path in kept_times)
    rewritten = int(re.search(r"([\d,]+) files? rewritten", build)[1].replace(",", ""))  # type: ignore[index]
    assert rewritten == len(changed)

    clean = tmp_path / "clean"
    shutil.copytree(workspace, clean, ignore=shutil.ignore_patterns(".digest-cache", "public", ".git"))
    monkeypatch.chdir(clean)
    assert CliRunner().invoke(main, ["build"]).exit_code == 0
    assert tree(clean / "public") == site


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}
