"""Merging records into papers and papers into collections, on small sites written here."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from conftest import AUDIT, REPO, SHARED

from digest.build import build
from digest.config import load_config
from digest.incremental.cache import Cache
from digest.inputs import load
from digest.model import Revision


def daily(*papers: tuple[str, str]) -> str:
    """A daily digest listing (arXiv ID, title) pairs."""
    rows = "".join(
        f"| [^{n}] | [{title}](https://arxiv.org/abs/{arxiv}) | 总结{n} |\n"
        for n, (arxiv, title) in enumerate(papers, 1)
    )
    blocks = "".join(
        f"[^{n}]: 标题{n}\n\n    {title}\n\n    [https://arxiv.org/abs/{arxiv}](https://arxiv.org/abs/{arxiv})\n\n"
        f"    总结{n}\n\n    \n\n    摘要{n}\n\n    Abstract {n}.\n    \n"
        for n, (arxiv, title) in enumerate(papers, 1)
    )
    return f"# 摘要\n\n| Ref | Title | Summary |\n| --- | --- | --- |\n{rows}\n# 详细\n\n{blocks}"


def venue(heading: str, *papers: tuple[str, str, str]) -> str:
    """A venue collection listing (title, kind, link) triples."""
    body = "".join(
        f"## {title}<sup>{kind}<sup>\n\nAuthors: A. Author, B. Author\n\nLink: [{link}]({link})\n\n"
        f"Abstract:\n\n {title} abstract.\n\n摘要:\n\n{title} 摘要。\n\n"
        for title, kind, link in papers
    )
    return f"# {heading}\n{body}"


def make_site(root: Path, files: dict[str, str]) -> Path:
    """A site folder: an empty site.toml (all defaults) and the given content files."""
    (root / "content").mkdir(parents=True, exist_ok=True)
    (root / "site.toml").write_text("", encoding="utf-8")
    for name, text in files.items():
        path = root / "content" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def test_forum_links_identify_papers_by_their_id(tmp_path: Path) -> None:
    forum = "https://openreview.net/forum?id="
    site = make_site(tmp_path, {"venues/iclr-2024/rl.md": venue(
        "Papers about RL in ICLR 2024", ("First", "oral", forum + "AAA"), ("Second", "poster", forum + "BBB"),
        ("Third", "poster", forum + "CCC"),
    )})  # fmt: skip
    loaded = load(load_config(site / "site.toml"))
    assert sorted(p.id for p in loaded.site.papers) == ["iclr-2024/AAA", "iclr-2024/BBB", "iclr-2024/CCC"]
    assert loaded.diagnostics == []


def test_one_link_for_two_titles_keeps_both_papers_and_says_so(tmp_path: Path) -> None:
    link = "https://example.org/paper"
    site = make_site(
        tmp_path, {"venues/x-2024/t.md": venue("Papers about T in X 2024", ("One", "", link), ("Two", "", link))}
    )
    loaded = load(load_config(site / "site.toml"))
    assert sorted(p.title for p in loaded.site.papers) == ["One", "Two"]
    assert [d.line for d in loaded.diagnostics] == [16] and "same as that of 'One'" in loaded.diagnostics[0].message


def test_paper_in_two_venues_is_in_both_collections(tmp_path: Path) -> None:
    site = make_site(tmp_path, {
        "arxiv/2024-01-02/cs.LG.md": daily(("2401.00001", "Shared Paper")),
        "venues/iclr-2024/a.md": venue("Papers about A in ICLR 2024", ("Shared Paper", "oral", "https://iclr.cc/1")),
        "venues/neurips-2024/b.md": venue("Papers about B in NeurIPS 2024", ("Shared paper", "poster", "https://nips.cc/2")),
    })  # fmt: skip
    result = build(load_config(site / "site.toml"))
    (paper,) = result.site.papers
    assert [v.key for v in result.site.venues] == ["ICLR 2024", "NeurIPS 2024"]
    assert all(v.papers == (paper,) for v in result.site.venues)
    html = (site / "public" / paper.page).read_text(encoding="utf-8")
    assert "https://iclr.cc/1" in html and "https://nips.cc/2" in html
    neurips = (site / "public" / "venues" / "neurips-2024.html").read_text(encoding="utf-8")
    assert "Poster" in neurips and "Oral" not in neurips, "kinds are per venue"


def test_a_revised_paper_is_one_paper_with_its_newest_text_and_its_earlier_titles(tmp_path: Path) -> None:
    site = make_site(tmp_path, {
        "arxiv/2024-01-01/cs.LG.md": daily(("2401.00001v1", "Original Title")),
        "arxiv/2024-01-02/cs.LG.md": daily(("2401.00001v1", "Original Title")),
        "arxiv/2024-01-03/cs.LG.md": daily(("2401.00001v2", "Something Else")),
        "arxiv/2024-01-04/cs.LG.md": daily(("2401.00001", "Something Else")),
    })  # fmt: skip
    loaded = load(load_config(site / "site.toml"))
    assert loaded.diagnostics == []
    (paper,) = loaded.site.papers
    assert (paper.title, paper.version, len(paper.appearances)) == ("Something Else", 2, 4)
    (revision,) = paper.revisions
    assert revision == Revision("Original Title", 1, ("2024-01-01", "2024-01-02"))
    build(load_config(site / "site.toml"))
    html = (site / "public" / paper.page).read_text(encoding="utf-8")
    assert 'id="revised"' in html and "Original Title" in html
    assert '<time datetime="2024-01-02">2024-01-02</time>' in html
    first_day = (site / "public/digests/arxiv/2024-01-01/cs.lg.html").read_text(encoding="utf-8")
    assert "Original Title" in first_day and "Something Else" not in first_day, "a digest shows its own listing"


def test_a_revised_abstract_is_a_revision_and_a_cut_abstract_is_not(tmp_path: Path) -> None:
    day = daily(("2401.00001v1", "Title"))
    site = make_site(tmp_path, {
        "arxiv/2024-01-01/cs.LG.md": day.replace("Abstract 1.", "Abstract one, in full."),
        "arxiv/2024-01-02/cs.LG.md": day.replace("Abstract 1.", "Abstract one, in"),  # cut short
        "arxiv/2024-01-03/cs.LG.md": day.replace("Abstract 1.", "Abstract two.").replace("v1", "v2"),
    })  # fmt: skip
    (paper,) = load(load_config(site / "site.toml")).site.papers
    assert paper.abstract_en == "Abstract two."
    assert paper.revisions == (Revision("Title", 1, ("2024-01-01", "2024-01-02")),)


def test_one_version_under_two_titles_is_a_warning(tmp_path: Path) -> None:
    site = make_site(tmp_path, {
        "arxiv/2024-01-01/cs.LG.md": daily(("2401.00001v1", "Original Title")),
        "arxiv/2024-01-02/cs.LG.md": daily(("2401.00001v1", "Something Else")),
    })  # fmt: skip
    loaded = load(load_config(site / "site.toml"))
    assert len(loaded.site.papers) == 1 and len(loaded.site.papers[0].appearances) == 2
    (warning,) = loaded.diagnostics
    assert warning.path == "content/arxiv/2024-01-02/cs.LG.md" and warning.severity == "warning"
    assert "2401.00001v1 is listed here as 'Something Else' but as 'Original Title'" in warning.message


def test_consecutive_days_merge_by_arxiv_id(tmp_path: Path) -> None:
    """The seed (cs.CL 2023-10-03) and the corpus's next day share papers; count them from the files."""
    day1 = REPO / "content" / "arxiv" / "2023-10-03" / "cs.CL.md"
    day2 = SHARED / "corpus" / "cn-chat-arxiv" / "2023-10-04" / "cs.CL.md"
    ids = [
        set(
            re.findall(
                r"^\| \[\^\d+\] \| \[.*\]\(https?://arxiv\.org/abs/([^)]+)\)", p.read_text(encoding="utf-8"), re.M
            )
        )
        for p in (day1, day2)
    ]
    assert ids[0] & ids[1], "the files overlap"
    site = make_site(tmp_path, {"arxiv/2023-10-03/cs.CL.md": day1.read_text(encoding="utf-8"),
                                "arxiv/2023-10-04/cs.CL.md": day2.read_text(encoding="utf-8")})  # fmt: skip
    loaded = load(load_config(site / "site.toml"))
    assert len(loaded.site.papers) == len(ids[0] | ids[1])
    shared = [p for p in loaded.site.papers if len(p.appearances) == 2]
    assert {p.arxiv_id for p in shared} == ids[0] & ids[1]


def test_chinese_titles_topics_and_channels_pass_the_audit(tmp_path: Path) -> None:
    site = make_site(tmp_path, {
        "arxiv/2024-01-01/中文频道.md": daily(("2401.00002", "Reading 史记 with Language Models")),
        "venues/会议-2024/主题.md": venue("Papers about 强化学习 in 会议 2024", ("中文标题的论文", "poster", "https://x.org/1")),
    })  # fmt: skip
    build(load_config(site / "site.toml"))
    audit = subprocess.run([sys.executable, str(AUDIT), str(site / "public")], capture_output=True, text=True)
    assert audit.returncode == 0, audit.stdout
    names = [p.relative_to(site / "public").as_posix() for p in (site / "public").rglob("*.html")]
    assert all(re.fullmatch(r"[a-z0-9._/-]+", name) for name in names), names


def test_content_outside_the_site_never_shows_an_absolute_path(tmp_path: Path) -> None:
    outside = make_site(tmp_path / "elsewhere", {"arxiv/2024-01-01/cs.LG.md": daily(("2401.00003", "Away"))})
    site = make_site(tmp_path / "site", {})
    result = build(load_config(site / "site.toml"), content=outside / "content")
    assert result.site.papers[0].appearances[0].source == "content/arxiv/2024-01-01/cs.LG.md"
    for page in (site / "public").rglob("*.html"):
        assert str(tmp_path) not in page.read_text(encoding="utf-8"), page


def test_unreadable_files_and_odd_names_are_reported_and_the_rest_builds(tmp_path: Path) -> None:
    site = make_site(tmp_path, {"arxiv/2024-01-01/cs.LG.md": daily(("2401.00004", "Readable"))})
    folder = site / "content" / "arxiv" / "2024-01-02"
    folder.mkdir()
    (folder / "broken.md").symlink_to(tmp_path / "nowhere.md")
    (folder / "\udcbc\udcc6.md").write_text(daily(("2401.00005", "Odd Name")), encoding="utf-8")  # GBK bytes
    result = build(load_config(site / "site.toml"))
    messages = [(d.path, d.severity, d.message) for d in result.summary.diagnostics]
    assert (
        "content/arxiv/2024-01-02/broken.md",
        "error",
        "cannot read the file: No such file or directory",
    ) in messages
    assert ("content/arxiv/2024-01-02/\ufffd\ufffd.md", "warning", "the file name is not valid UTF-8") in messages
    assert sorted(p.title for p in result.site.papers) == ["Odd Name", "Readable"]
    audit = subprocess.run([sys.executable, str(AUDIT), str(site / "public")], capture_output=True, text=True)
    assert audit.returncode == 0, audit.stdout


def test_an_empty_digest_still_has_its_pages(tmp_path: Path) -> None:
    empty = "# 摘要\n\n| Ref | Title | Summary |\n| --- | --- | --- |\n\n\n# 详细\n\n\n\n"
    site = make_site(tmp_path, {"arxiv/2026-08-22/cs.AI.md": empty})
    result = build(load_config(site / "site.toml"))
    assert result.summary.diagnostics == [] and result.site.papers == ()
    assert [d.key for d in result.site.dates] == ["2026-08-22"]
    assert (site / "public" / "dates" / "2026-08-22.html").is_file()
    assert "This digest lists no papers." in (site / "public" / "digests/arxiv/2026-08-22/cs.ai.html").read_text()


def test_titles_of_only_emoji_or_punctuation_merge_nothing(tmp_path: Path) -> None:
    site = make_site(tmp_path, {
        "arxiv/2024-01-01/cs.LG.md": daily(("2310.00001", "🚀🚀")),
        "venues/x-2024/t.md": venue("Papers about T in X 2024", ("🎉", "", "https://x.org/1"), ("???", "", "https://x.org/2")),
    })  # fmt: skip
    loaded = load(load_config(site / "site.toml"))
    assert sorted(p.title for p in loaded.site.papers) == ["???", "🎉", "🚀🚀"]
    assert all(len(p.appearances) == 1 for p in loaded.site.papers)


EMPTY_DAY = "# 摘要\n\n| Ref | Title | Summary |\n| --- | --- | --- |\n\n# 详细\n"


def hrefs(html: str, pattern: str) -> list[str]:
    return re.findall(rf'href="([^"]*{pattern}[^"]*)"', html)


def test_the_home_page_opens_on_the_newest_day_with_papers(tmp_path: Path) -> None:
    site = make_site(tmp_path, {
        "arxiv/2024-01-01/cs.LG.md": daily(("2401.00001", "Old Paper")),
        "arxiv/2024-01-02/cs.LG.md": daily(("2401.00002", "Shared Paper"), ("2401.00003", "Learning Only")),
        "arxiv/2024-01-02/cs.AI.md": daily(("2401.00002", "Shared Paper")),
        "arxiv/2024-01-03/cs.AI.md": EMPTY_DAY,
    })  # fmt: skip
    build(load_config(site / "site.toml"))
    public = site / "public"
    home = (public / "index.html").read_text(encoding="utf-8")
    today = home[home.index('id="today"') :]
    assert 'href="dates/2024-01-02.html"' in today.split("</h2>")[0], "the newest date with papers, not the empty one"
    assert today.count("papers/2401.00002.html") == 1 and today.count("papers/2401.00003.html") == 1
    assert "papers/2401.00001.html" not in today, "only that day's papers"
    shared = today[today.index("papers/2401.00002.html") :].split("</tr>")[0]
    assert ">cs.LG<" in shared and ">cs.AI<" in shared, "a paper listed in two channels shows both"
    assert hrefs(today, "dates/2024-01-01.html"), "links to the days before"
    # Date pages link to the dates around them that list papers.
    middle = (public / "dates/2024-01-02.html").read_text(encoding="utf-8")
    assert hrefs(middle, "2024-01-01.html") and not hrefs(middle, "2024-01-03.html")
    first = (public / "dates/2024-01-01.html").read_text(encoding="utf-8")
    around = first.split('class="day-links"')[1].split("</nav>")[0]
    assert hrefs(around, "2024-01-02.html") and 'rel="prev"' not in around, "no older date: no link to one"
    # The archive shows every date, the empty one too, with its count.
    archive = (public / "dates.html").read_text(encoding="utf-8")
    for date, count in (("2024-01-01", 1), ("2024-01-02", 2), ("2024-01-03", 0)):
        day = rf'href="dates/{date}.html"><time datetime="{date}">\d+</time> <span class="count">{count}<'
        assert re.search(day, archive), date


def test_a_site_of_venues_alone_opens_on_its_venues(tmp_path: Path) -> None:
    site = make_site(tmp_path, {"venues/iclr-2024/rl.md": venue(
        "Papers about RL in ICLR 2024", ("First", "oral", "https://example.org/a"),
    )})  # fmt: skip
    build(load_config(site / "site.toml"))
    home = (site / "public" / "index.html").read_text(encoding="utf-8")
    assert 'id="today"' not in home and 'href="venues/iclr-2024.html"' in home


def test_a_text_a_paper_repeats_on_later_days_is_kept_once(tmp_path: Path) -> None:
    """Each record keeps the text its own file gives, but an abstract the next day repeats is
    the same string as the first day's, not a copy: read fresh and read from the parse cache."""
    same = daily(("2401.00001", "A paper"), ("2401.00002", "Another"))
    changed = same.replace("Abstract 1.", "Abstract 1, revised.")
    site = make_site(tmp_path, {"arxiv/2024-01-01/cs.CL.md": same, "arxiv/2024-01-02/cs.CL.md": same,
                                "arxiv/2024-01-03/cs.CL.md": changed})  # fmt: skip
    config = load_config(site / "site.toml")
    cache = tmp_path / "cache"
    for parsed in (None, Cache(cache), Cache(cache)):  # parsed; parsed and kept; from the cache
        loaded = load(config, parsed=parsed)
        first = next(p for p in loaded.site.papers if p.arxiv_id == "2401.00001")
        records = sorted(first.appearances, key=lambda r: r.source)
        assert [r.abstract_en for r in records] == ["Abstract 1.", "Abstract 1.", "Abstract 1, revised."]
        assert records[1].abstract_en is records[0].abstract_en
        assert records[1].title is records[0].title and records[1].summary_zh is records[0].summary_zh
        assert records[2].title is records[0].title
        assert first.abstract_en == "Abstract 1, revised."  # the newest text, as before
