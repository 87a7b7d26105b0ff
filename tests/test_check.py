"""`digest check`: every problem, a summary, exit codes, and the GitHub and JSON formats."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from digest.cli import main

BROKEN_ROW = "| [^2] broken row\n"
WARNING_ONLY = (
    "---\ndate: 2023-10-05\n---\n# 摘要\n\n| Ref | Title | Summary |\n| --- | --- | --- |\n\n# 详细\n\nstray text\n"
)


@pytest.fixture
def in_site(seed_site: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(seed_site)
    return seed_site


def add(site: Path, name: str, text: str) -> Path:
    path = site / "content" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_clean_content_passes_and_nothing_is_written(in_site: Path) -> None:
    result = CliRunner().invoke(main, ["check"])
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "checked 2 files: 208 papers (listings found 210 = published 210 + reported 0), 0 errors, 0 warnings\n"
    )
    assert not (in_site / "public").exists()


def test_errors_exit_1_with_located_diagnostics(in_site: Path) -> None:
    day = (in_site / "content/arxiv/2023-10-03/cs.CL.md").read_text(encoding="utf-8")
    add(in_site, "arxiv/2023-10-04/cs.CL.md", day.replace("| [^2] |", "| [^2] broken |", 1))
    result = CliRunner().invoke(main, ["check"])
    assert result.exit_code == 1
    assert "content/arxiv/2023-10-04/cs.CL.md:6:1: error: table row cannot be read" in result.stdout
    assert "listings found 280 = published 280 + reported 0" in result.stdout, "the row's block still publishes it"
    assert result.stdout.rstrip().endswith("1 error, 1 warning"), "and its block has no row"


def test_warnings_fail_only_with_strict(in_site: Path) -> None:
    add(in_site, "arxiv/x/cs.AI.md", WARNING_ONLY)
    runner = CliRunner()
    plain, strict = runner.invoke(main, ["check"]), runner.invoke(main, ["check", "--strict"])
    assert plain.exit_code == 0 and "0 errors, 1 warning" in plain.stdout
    assert strict.exit_code == 1 and "--strict: warnings count as errors" in strict.stdout


def test_paths_limit_the_check_to_files_and_folders(in_site: Path) -> None:
    runner = CliRunner()
    one = runner.invoke(main, ["check", "content/venues"])
    assert one.exit_code == 0 and one.stdout.startswith("checked 1 file: 140 papers")
    day = runner.invoke(main, ["check", "content/arxiv/2023-10-03/cs.CL.md"])
    assert day.exit_code == 0 and day.stdout.startswith("checked 1 file: 70 papers")
    missing = runner.invoke(main, ["check", "content/nothing-here.md"])
    assert missing.exit_code == 2


def test_github_format_annotates_the_line(in_site: Path) -> None:
    add(in_site, "arxiv/2023-10-04/a,b:c.md", "# 摘要\n\n| Ref | Title | Summary |\n| --- | --- | --- |\n" + BROKEN_ROW)
    result = CliRunner().invoke(main, ["check", "--format", "github"])
    assert result.exit_code == 1
    (line,) = [line for line in result.stdout.splitlines() if line.startswith("::")]
    assert re.fullmatch(
        r"::error file=content/arxiv/2023-10-04/a%2Cb%3Ac\.md,line=5,col=1,title=digest::table row cannot be read "
        r"\(hint: .+\)",
        line,
    )


def test_json_format_for_other_tools(in_site: Path) -> None:
    add(in_site, "arxiv/2023-10-04/x.md", "# 摘要\n\n| Ref | Title | Summary |\n| --- | --- | --- |\n" + BROKEN_ROW)
    result = CliRunner().invoke(main, ["check", "--format", "json"])
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert {k: report[k] for k in ("files", "found", "published", "reported", "lost", "errors")} == {
        "files": 3, "found": 211, "published": 210, "reported": 1, "lost": 0, "errors": 1,
    }  # fmt: skip
    (diagnostic,) = report["diagnostics"]
    assert diagnostic["path"] == "content/arxiv/2023-10-04/x.md" and diagnostic["line"] == 5
    assert diagnostic["severity"] == "error" and diagnostic["hint"]


def test_diagnostics_never_print_control_characters(in_site: Path) -> None:
    # The warning about a mistyped block header quotes the line as it is.
    add(in_site, "arxiv/2023-10-04/x.md", "# 摘要\n\n# 详细\n\n[^1]：\x1b]0;pwned\x07\u202e\n")
    for output_format in ("text", "github"):
        result = CliRunner().invoke(main, ["check", "--format", output_format])
        assert "detail block header is written" in result.stdout
        assert not any(ch in result.stdout for ch in "\x1b\x07\u202e"), output_format
        assert "\\u001b]0;pwned\\u0007" in result.stdout


def test_a_file_named_twice_is_checked_once(in_site: Path) -> None:
    result = CliRunner().invoke(main, ["check", "content", "content/arxiv/2023-10-03/cs.CL.md"])
    assert result.exit_code == 0 and result.stdout.startswith("checked 2 files: 208 papers (listings found 210 ")


def test_a_file_cut_short_is_said_once_where_it_stops(in_site: Path) -> None:
    day = (in_site / "content/arxiv/2023-10-03/cs.CL.md").read_text(encoding="utf-8")
    lines = day.splitlines(keepends=True)
    cut = "".join(lines[: len(lines) // 2])  # in the detail block of [^33]
    add(in_site, "arxiv/2023-10-04/cs.CL.md", cut)
    stops = len(cut.rstrip("\n").split("\n"))
    result = CliRunner().invoke(main, ["check", "content/arxiv/2023-10-04/cs.CL.md"])
    assert result.exit_code == 1
    said = [line for line in result.stdout.splitlines() if "cut short" in line]
    assert said == [
        f"content/arxiv/2023-10-04/cs.CL.md:{stops}:1: error: the file looks cut short: it stops at line {stops}, "
        "before the detail blocks of the table's last 37 rows ([^34] to [^70]); "
        "they are published from their rows alone"
    ]
    assert "has no detail block" not in result.stdout
    assert "listings found 70 = published 70 + reported 0" in result.stdout
    assert len(result.stdout.splitlines()) < 12, result.stdout


def test_repeated_diagnostics_of_one_kind_are_folded_but_all_in_json(in_site: Path) -> None:
    day = (in_site / "content/arxiv/2023-10-03/cs.CL.md").read_text(encoding="utf-8")
    # The detail blocks of the even papers gone: 35 rows with no block, not at the end.
    blocks = re.split(r"(?m)^(?=\[\^\d+\]:)", day)
    kept = [b for b in blocks if not re.match(r"\[\^(\d*[02468])\]:", b)]
    add(in_site, "arxiv/2023-10-04/cs.CL.md", "".join(kept))
    result = CliRunner().invoke(main, ["check", "content/arxiv/2023-10-04/cs.CL.md"])
    shown = [line for line in result.stdout.splitlines() if "has no detail block" in line]
    assert len(shown) == 4 and re.search(
        r":\d+:1: error: 32 more like the above, on lines [\d, ]+, …: table row \[\^N\] has no detail block$", shown[3]
    ), shown
    assert "35 errors" in result.stdout.splitlines()[-1]
    report = json.loads(
        CliRunner().invoke(main, ["check", "--format", "json", "content/arxiv/2023-10-04/cs.CL.md"]).stdout
    )
    assert sum("has no detail block" in d["message"] for d in report["diagnostics"]) == 35
