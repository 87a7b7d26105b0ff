"""The command line, through click's CliRunner, and the exit codes the README documents."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from digest import cli
from digest.cli import main


@pytest.fixture
def in_site(seed_site: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(seed_site)
    return seed_site


@pytest.mark.parametrize(
    "args",
    [
        ["--help"],
        ["build", "--help"],
        ["export", "--help"],
        ["init", "--help"],
        ["serve", "--help"],
        ["import", "--help"],
    ],
)
def test_help_has_an_example(args: list[str]) -> None:
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0
    assert "Example:" in result.output and "digest " in result.output.split("Example:")[1]


def test_build_ends_with_one_summary_line(in_site: Path) -> None:
    result = CliRunner().invoke(main, ["build"])
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines()[-1].startswith("note: no base_url in site.toml")  # after progress lines
    assert re.fullmatch(
        r"built 208 papers from 2 files: 2\d\d pages written to public/ in \d+\.\d\d s; "
        r"listings found 210 = published 210 \+ reported 0\n",
        result.stdout,
    )
    assert (in_site / "public" / "index.html").is_file()


def test_build_with_source_and_output(in_site: Path, tmp_path: Path) -> None:
    out = tmp_path / "elsewhere"
    result = CliRunner().invoke(main, ["build", "--source", "content/venues", "--output", str(out)])
    assert result.exit_code == 0, result.output
    assert "built 140 papers from 1 file:" in result.stdout
    assert (out / "venues" / "neurips-2023.html").is_file() and not (in_site / "public").exists()


def test_bad_file_is_reported_and_the_rest_is_published(in_site: Path) -> None:
    bad = in_site / "content" / "arxiv" / "2023-10-04"
    bad.mkdir()
    (bad / "cs.CL.md").write_text(
        "# 摘要\n\n| Ref | Title | Summary |\n| --- | --- | --- |\n| [^1] broken row\n", encoding="utf-8"
    )
    result = CliRunner().invoke(main, ["build"])
    assert result.exit_code == 1
    assert "content/arxiv/2023-10-04/cs.CL.md:5:1: error: table row cannot be read" in result.stderr
    assert "hint:" in result.stderr
    assert "built 208 papers from 3 files" in result.stdout and "(1 error, 0 warnings)" in result.stdout
    assert "listings found 211 = published 210 + reported 1" in result.stdout
    assert (in_site / "public" / "papers" / "2310.00212.html").is_file()


def test_unknown_config_key_names_key_line_and_valid_keys(in_site: Path) -> None:
    (in_site / "site.toml").write_text('title = "x"\ntitel = "y"\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["build"])
    assert result.exit_code == 2
    assert "site.toml:2:1: error: unknown key 'titel'" in result.stderr and "did you mean 'title'?" in result.stderr
    assert not (in_site / "public").exists()


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ('language = "fr"', '\'language\' must be one of "en", "zh", "both"'),
        ('base_url = "example.org"', "'base_url' must be an absolute http(s) address"),
        ('base_url = "javascript:alert(1)//x"', "'base_url' must be an absolute http(s) address"),
        ('base_url = "https://x.org/?q=1"', "without ?query or #fragment"),
    ],
)
def test_bad_language_or_base_url_is_located(in_site: Path, line: str, problem: str) -> None:
    (in_site / "site.toml").write_text(f'title = "x"\n{line}\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["build"])
    assert result.exit_code == 2
    assert "site.toml:2:1: error: " in result.stderr and problem in result.stderr, result.stderr


def test_base_url_gets_its_trailing_slash(in_site: Path) -> None:
    from digest.config import load_config

    (in_site / "site.toml").write_text('base_url = "https://example.org/papers"\n', encoding="utf-8")
    assert load_config(in_site / "site.toml").base_url == "https://example.org/papers/"


def test_refuses_to_replace_a_folder_it_did_not_make(in_site: Path) -> None:
    precious = in_site / "public" / "notes.txt"
    precious.parent.mkdir()
    precious.write_text("keep me", encoding="utf-8")
    result = CliRunner().invoke(main, ["build"])
    assert result.exit_code == 2 and "was not made by digest" in result.stderr
    assert precious.read_text(encoding="utf-8") == "keep me"


def test_refuses_to_build_over_the_site_itself(in_site: Path) -> None:
    result = CliRunner().invoke(main, ["build", "--output", "."])
    assert result.exit_code == 2
    assert (in_site / "content").is_dir() and (in_site / "site.toml").is_file()


def test_a_full_rebuild_replaces_the_previous_site(in_site: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(main, ["build"]).exit_code == 0
    stale = in_site / "public" / "stale.html"
    stale.write_text("old", encoding="utf-8")
    again = runner.invoke(main, ["build"])
    assert again.exit_code == 0 and "nothing changed" in again.stdout
    assert runner.invoke(main, ["build", "--full"]).exit_code == 0
    assert not stale.exists() and (in_site / "public" / "index.html").is_file()
    assert not list(in_site.glob(".public.*")), "no staging folder is left behind"


def test_build_profile_names_each_stage_and_the_slowest_templates(in_site: Path) -> None:
    result = CliRunner().invoke(main, ["build", "--profile", "--jobs", "2"])
    assert result.exit_code == 0, result.output
    stages = dict(re.findall(r"^  (read|parse|merge|plan|render\+write) +([0-9.]+)$", result.stderr, re.M))
    assert set(stages) == {"read", "parse", "merge", "plan", "render+write"}
    work = dict(re.findall(r"^  (render pages|write pages|search index) +([0-9.]+)$", result.stderr, re.M))
    assert set(work) == {"render pages", "write pages", "search index"}
    templates = re.findall(r"^  (\w+\.html) +[0-9.]+ +(\d+) ", result.stderr, re.M)
    assert ("paper.html", "208") in templates


def test_export_prints_json(in_site: Path) -> None:
    result = CliRunner().invoke(main, ["export"])
    assert result.exit_code == 0, result.output
    papers = json.loads(result.stdout)
    assert len(papers) == 208 and papers[0]["page"].startswith("papers/")


def test_a_site_past_what_github_pages_publishes_is_warned_of(seed_site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(seed_site)
    built = CliRunner().invoke(main, ["build"])
    assert built.exit_code == 0 and "GitHub Pages" not in built.stderr
    size = sum(p.stat().st_size for p in (seed_site / "public").rglob("*") if p.is_file())
    monkeypatch.setattr(cli, "PUBLISHED_LIMIT", size - 1)
    again = CliRunner().invoke(main, ["build", "--full"])
    assert again.exit_code == 0
    assert f"warning: the site in public/ is {size / 1e9:.2f} GB; GitHub Pages publishes sites of up to" in again.stderr


def test_the_installed_command_flushes_what_it_printed_and_keeps_its_exit_code(in_site: Path) -> None:
    """`digest.cli.run` ends the process without freeing what the build holds: what was printed
    into a pipe (block-buffered) still arrives, and the command's exit code is kept."""
    command = [sys.executable, "-m", "digest"]
    built = subprocess.run([*command, "build"], capture_output=True, text=True, check=False)
    assert built.returncode == 0, built.stderr
    assert built.stdout.startswith("built 208 papers from 2 files:") and "note: no base_url" in built.stderr
    exported = subprocess.run([*command, "export"], capture_output=True, text=True, check=False)
    assert exported.returncode == 0 and len(json.loads(exported.stdout)) == 208
    missing = subprocess.run([*command, "build", "--config", "nowhere.toml"], capture_output=True, text=True)
    assert missing.returncode == 2 and "nowhere.toml" in missing.stderr
    assert subprocess.run([*command, "nonsense"], capture_output=True, text=True).returncode == 2


@pytest.mark.parametrize(("code", "status", "said"), [(None, 0, ""), (3, 3, ""), ("stopped", 1, "stopped\n")])
def test_an_exit_is_ended_as_python_would_end_it(code: object, status: int, said: str) -> None:
    script = f"import sys; from digest import cli; cli.main = lambda: sys.exit({code!r}); print('out'); cli.run()"
    buffered = {name: value for name, value in os.environ.items() if name != "PYTHONUNBUFFERED"}
    ended = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=buffered)
    assert (ended.returncode, ended.stdout, ended.stderr) == (status, "out\n", said)
