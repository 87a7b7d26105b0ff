"""Problems around the input files rather than in them: folders, links, pipes, concurrent
builds, odd configuration. Each is reported (exit 1) or refused (exit 2), never a traceback."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import AUDIT, REPO, SHARED
from test_merge import daily, make_site, venue

from digest.census import Declared, account, declared_papers
from digest.cli import main
from digest.config import load_config
from digest.inputs import load

BUILD = [sys.executable, "-m", "digest", "build"]
CORPUS = sorted((SHARED / "corpus" / "cn-chat-arxiv").glob("*/*.md"))


def test_linked_folders_are_followed_once_and_pipes_reported(tmp_path: Path) -> None:
    site = make_site(tmp_path / "site", {})
    elsewhere = tmp_path / "elsewhere" / "2024-01-01"
    elsewhere.mkdir(parents=True)
    (elsewhere / "cs.LG.md").write_text(daily(("2401.00010", "Linked")), encoding="utf-8")
    (site / "content" / "arxiv").symlink_to(tmp_path / "elsewhere")
    (site / "content" / "loop").symlink_to(site / "content")
    os.mkfifo(site / "content" / "pipe.md")
    loaded = load(load_config(site / "site.toml"))
    assert [p.title for p in loaded.site.papers] == ["Linked"]
    assert [(d.path, d.message) for d in loaded.diagnostics] == [("content/pipe.md", "not a regular file; skipped")]


def test_links_to_the_disk_the_system_or_above_are_errors_and_walking_is_bounded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = make_site(tmp_path / "site", {"arxiv/2024-01-01/cs.LG.md": daily(("2401.00010", "Kept"))})
    content = site / "content"
    for name, target in [("rootfs", "/"), ("devices", "/dev"), ("up", str(site)), ("proc", "/proc/self")]:
        (content / name).symlink_to(target)
    (content / "stderr.md").symlink_to("/dev/fd/2")
    loaded = load(load_config(site / "site.toml"))
    assert [p.title for p in loaded.site.papers] == ["Kept"]
    said = sorted((d.path, d.message) for d in loaded.diagnostics)
    assert said == [
        ("content/devices", "link leads to the system's /dev; not read"),
        ("content/proc", "link leads to the system's /proc/self; not read"),
        ("content/rootfs", "link leads to a folder that holds the content folder, /; not read"),
        # /dev/fd is itself a link, to the process's own folder in /proc.
        ("content/stderr.md", f"link leads to the system's /proc/{os.getpid()}/fd/2; not read"),
        ("content/up", f"link leads to a folder that holds the content folder, {site.resolve()}; not read"),
    ]
    # Walking stops after so many folders, and says so.
    for n in range(5):
        (content / "deep" / f"f{n}").mkdir(parents=True)
    monkeypatch.setattr("digest.listing.MAX_FOLDERS", 4)
    bounded = load(load_config(site / "site.toml"))
    assert any("holds more than 4 folders" in d.message for d in bounded.diagnostics)


def test_concurrent_builds_each_publish_a_complete_site(tmp_path: Path) -> None:
    """Builds that overlap (each about a second long, started a moment apart) into one folder."""
    site = make_site(tmp_path / "site", {})
    shutil.copytree(REPO / "content", site / "content", dirs_exist_ok=True)
    for file in CORPUS:
        shutil.copy(file, site / "content" / f"{file.parent.name}-{file.name}")
    builds = []
    for _ in range(3):
        builds.append(subprocess.Popen(BUILD, cwd=site, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE))
        time.sleep(0.3)
    errors = [build.communicate(timeout=300)[1] for build in builds]
    assert [build.returncode for build in builds] == [0, 0, 0], errors
    audit = subprocess.run([sys.executable, str(AUDIT), str(site / "public")], capture_output=True, text=True)
    assert audit.returncode == 0, audit.stdout
    assert len(list((site / "public" / "papers").glob("*.html"))) == 1390
    assert not list(site.glob(".public.*"))


def test_output_names_with_glob_characters_touch_nothing_else(tmp_path: Path) -> None:
    site = make_site(tmp_path / "site", {"arxiv/2024-01-01/cs.LG.md": daily(("2401.00011", "Glob"))})
    keep = site / ".keep.tmp-important"
    keep.mkdir()
    (keep / "data.txt").write_text("mine", encoding="utf-8")
    result = subprocess.run([*BUILD, "--output", "*"], cwd=site, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert (keep / "data.txt").read_text(encoding="utf-8") == "mine"


def test_unusable_output_or_config_is_exit_2_with_a_message(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    site = make_site(tmp_path / "site", {"arxiv/2024-01-01/cs.LG.md": daily(("2401.00012", "Out"))})
    monkeypatch.chdir(site)
    (site / "afile").write_text("", encoding="utf-8")
    runner = CliRunner()
    for args, config in ((["build", "--output", "afile/public"], b""), (["build"], b'title = "\xff"\n')):
        (site / "site.toml").write_bytes(config)
        result = runner.invoke(main, args)
        assert result.exit_code == 2, result.output
        assert ("\n" + result.stderr).count("\nerror: ") == 1 and "hint:" in result.stderr  # after any progress
        assert result.exception is None or isinstance(result.exception, SystemExit)


def test_front_matter_surrogates_are_dropped_not_fatal(tmp_path: Path) -> None:
    text = '---\nchannel: "\\ud800x"\n---\n' + daily(("2401.00013", "Surrogate"))
    site = make_site(tmp_path / "site", {"arxiv/2024-01-01/cs.LG.md": text})
    result = subprocess.run(BUILD, cwd=site, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr


def test_text_from_content_never_starts_a_line_of_its_own(tmp_path: Path) -> None:
    text = '---\n"k\\n::error file=evil,line=1::injected": 1\n---\n# 摘要\n'
    site = make_site(tmp_path / "site", {"arxiv/2024-01-01/cs.LG.md": text})
    result = subprocess.run([sys.executable, "-m", "digest", "check"], cwd=site, capture_output=True, text=True)
    assert not any(line.startswith("::") for line in result.stdout.splitlines())
    assert "\\u000a::error" in result.stdout


def test_census_counts_both_formats_and_only_errors_report() -> None:
    # A footnote in a venue abstract declares a daily paper; the parser says it is not published.
    footnoted = venue("Papers about A in B 2024", ("One", "poster", "https://x.org/1")) + "[^1]: a footnote\n"
    assert [d.ref for d in declared_papers(footnoted)] == [None, "1"]
    assert tally_of(footnoted, "venues/b-2024/a.md") == (2, 1, 1, [])
    # A YAML comment in front matter is not a paper.
    assert declared_papers("---\n## overrides\nvenue: X\n---\n# Papers about A in B 2024\n## One\n") == [
        Declared((6,), None)
    ]
    # A tab before a block header, and headers and rows indented like fields, still declare papers,
    # for the parser as for the census.
    two = daily(("2401.00014", "One"), ("2401.00015", "Two"))
    for indented in (two.replace("\n[^2]:", "\n\t[^2]:"), two.replace("\n[^2]:", "\n    [^2]:")):
        assert [d.ref for d in declared_papers(indented)] == ["1", "2"] and load_records(indented) == [1, 2]


BIG = "9" * 5000  # Python reads no number of 4,301 digits or more


@pytest.mark.parametrize(
    ("where", "old", "new", "tally", "diagnostic"),
    [
        (
            "row",
            "| [^2] |",
            f"| [^{BIG}] |",
            (3, 2, 1, []),
            (6, "error", "reference number [^999999999999…] has 5,000"),
        ),
        ("block", "[^2]: ", f"[^{BIG}]: ", (3, 2, 1, []), (24, "error", "reference number [^999999999999…] has 5,000")),
        ("both", "[^2]", f"[^{BIG}]", (2, 1, 1, []), (6, "error", "reference number")),
        ("zeros", "[^2]", f"[^{'0' * 5000}2]", (2, 2, 0, []), None),
        (
            "title",
            "    Two\n",
            f"    Two (arXiv:2401.00015v{BIG} [cs.LG])\n",
            (2, 2, 0, []),
            (26, "warning", "title line"),
        ),
        (
            "link",
            "[Two](https://arxiv.org/abs/2401.00015)",
            f"[Two](https://arxiv.org/abs/2401.00015v{BIG})",
            (2, 2, 0, []),
            (6, "warning", "table row [^2] and its detail block"),
        ),
    ],
    ids=["row", "block", "both", "zeros", "title", "link"],
)
def test_a_number_too_long_to_read_is_a_located_diagnostic(
    where: str, old: str, new: str, tally: tuple[int, int, int, list[tuple[str, int]]], diagnostic: tuple | None
) -> None:
    from digest.parse import parse_file

    text = daily(("2401.00014", "One"), ("2401.00015", "Two")).replace(old, new)
    assert text.count(BIG) or where == "zeros"
    assert tally_of(text, "arxiv/2024-01-01/cs.LG.md") == tally, "every paper published or reported"
    _, diagnostics = parse_file("t.md", "arxiv/2024-01-01/cs.LG.md", text.encode())
    shown = [(d.line, d.severity, d.message) for d in diagnostics]
    if diagnostic is None:
        assert shown == []
    else:
        line, severity, start = diagnostic
        assert any(d[:2] == (line, severity) and d[2].startswith(start) for d in shown), shown
        assert all(len(message) < 300 for _, _, message in shown), "no message quotes the number whole"


def test_a_venue_headings_year_of_thousands_of_digits_is_no_year(tmp_path: Path) -> None:
    site = make_site(
        tmp_path / "site", {"venues/b/a.md": venue(f"Papers about A in B {BIG}", ("One", "poster", "https://x.org/1"))}
    )
    run = subprocess.run(BUILD, cwd=site, capture_output=True, text=True, timeout=120)
    assert run.returncode in (0, 1) and "Traceback" not in run.stderr, run.stderr[-2000:]
    assert "found 1 = published 1" in run.stdout or "reported 1" in run.stdout, run.stdout


def test_the_census_and_the_parser_read_headings_as_commonmark_does() -> None:
    """What Markdown calls a level-two heading starts a paper, for the parser as for the census;
    a line that only looks like one is an error where it stands, never a paper folded into the
    one above it."""
    from digest.parse import parse_file

    def paper(heading: str, n: int) -> str:
        return f"{heading}\n\nAuthors: A\n\nLink: https://x.org/{n}\n\nAbstract:\n\n Text {n}.\n\n摘要:\n\n文{n}。\n\n"

    headings = ["## One", " ## Two", "##\tThree", "Four\n---", "＃＃ Five", "\u2028## Six", "    ## Seven", "##Eight"]
    text = "# Papers about A in B 2024\n" + "".join(paper(h + "<sup>poster<sup>", n) for n, h in enumerate(headings, 1))
    # (Four's heading is `Four<sup>poster<sup>` underlined: the kind goes on the text line.)
    text = text.replace("Four\n---<sup>poster<sup>", "Four<sup>poster<sup>\n---")
    digest, diagnostics = parse_file("t.md", "venues/b-2024/a.md", text.encode())
    assert digest is not None
    assert [(r.title, r.kind) for r in digest.records] == [(t, "poster") for t in ("One", "Two", "Three", "Four")]
    lines = text.split("\n")
    errors = [d.line for d in diagnostics if d.severity == "error"]
    assert [lines[n - 1].strip("\u2028 ")[:5] for n in errors] == ["＃＃ Fi", "## Si", "## Se", "##Eig"], diagnostics
    assert all("looks like a '##' heading" in d.message for d in diagnostics if d.severity == "error")
    assert tally_of(text, "venues/b-2024/a.md") == (4, 4, 0, [])
    # A reference number in full-width digits is read, and counted, as a reader reads it.
    day = daily(("2401.00014", "One"), ("2401.00015", "Two")).replace("[^2]", "[^２]")
    assert tally_of(day, "arxiv/2024-01-01/cs.LG.md") == (2, 2, 0, [])
    _, diagnostics = parse_file("t.md", "arxiv/2024-01-01/cs.LG.md", day.encode())
    assert [d.message for d in diagnostics] == [
        "reference number [^２] is written in other digits than 0-9; read as [^2]"
    ] * 2
    # A heading indented three spaces inside a detail block is a heading all the same: reported.
    two = daily(("2401.00014", "One"), ("2401.00015", "Two"))
    stray = two.replace("    Abstract 1.\n", "    Abstract 1.\n\n   ## Stray\n")
    assert tally_of(stray, "arxiv/2024-01-01/cs.LG.md") == (3, 2, 1, [])
    # So is the table's header underlined with `---` (a setext heading), whatever else it is.
    underlined = two.replace("| Ref | Title | Summary |\n", "| Ref | Title | Summary |\n---\n")
    assert tally_of(underlined, "arxiv/2024-01-01/cs.LG.md") == (3, 2, 1, [])


def test_a_stray_heading_never_hides_a_digest() -> None:
    day = (REPO / "content" / "arxiv" / "2023-10-03" / "cs.CL.md").read_text(encoding="utf-8")
    found, published, reported, lost = tally_of("## cs.CL digest for 2023-10-03\n" + day, "arxiv/2023-10-03/cs.CL.md")
    assert (found, published, reported, lost) == (71, 70, 1, []), "the heading's 'paper' is reported, not the 70"
    warned = "摘要：今天\n" + day  # a venue label first must not turn the digest into a venue collection
    assert tally_of(warned, "arxiv/2023-10-03/cs.CL.md") == (70, 70, 0, [])


def tally_of(text: str, content_path: str) -> tuple[int, int, int, list[tuple[str, int]]]:
    from digest.parse import parse_file

    digest, diagnostics = parse_file("t.md", content_path, text.encode())
    tally = account("t.md", text, digest, diagnostics)
    return tally.found, tally.published, tally.reported, tally.lost


def load_records(text: str) -> list[int]:
    from digest.parse import parse_file

    digest, _ = parse_file("t.md", "arxiv/2024-01-01/t.md", text.encode())
    return [r.ref for r in digest.records] if digest else []


def test_ctrl_c_leaves_the_previous_site_and_exits_130(tmp_path: Path) -> None:
    site = make_site(tmp_path / "site", {})
    for file in CORPUS:
        shutil.copy(file, site / "content" / f"{file.parent.name}-{file.name}")
    assert subprocess.run(BUILD, cwd=site, capture_output=True).returncode == 0
    before = {p.relative_to(site).as_posix(): p.read_bytes() for p in (site / "public").rglob("*") if p.is_file()}
    (site / "site.toml").write_text('title = "Changed"\n', encoding="utf-8")
    build = subprocess.Popen(BUILD, cwd=site, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    while not list(site.glob(".public.tmp-*")) and build.poll() is None:
        time.sleep(0.01)
    build.send_signal(signal.SIGINT)
    _, errors = build.communicate(timeout=60)
    assert build.returncode == 130 and "interrupted: the previous site is left as it was" in errors
    after = {p.relative_to(site).as_posix(): p.read_bytes() for p in (site / "public").rglob("*") if p.is_file()}
    assert after == before
    assert not list(site.glob(".public.*"))


def test_a_broken_template_override_is_exit_2_and_the_site_is_kept(seed_site: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(seed_site)
    runner = CliRunner()
    assert runner.invoke(main, ["build"]).exit_code == 0
    (seed_site / "templates").mkdir()
    for broken in ("{% if %}", "{{ no_such_name }}", "{{ 1 / 0 }}", '{{ "x".index("y") }}'):
        (seed_site / "templates" / "paper.html").write_text(broken, encoding="utf-8")
        result = runner.invoke(main, ["build"])
        assert result.exit_code == 2 and "templates/paper.html:1: template failed" in result.stderr, result.stderr
        assert "hint:" in result.stderr
        assert isinstance(result.exception, SystemExit)
    assert (seed_site / "public" / "papers" / "2310.00212.html").is_file()
