"""`digest import`: arXiv feeds in their three dialects → Format A digests, merged and idempotent.

The feeds are small files under tests/fixtures/feeds, written here after arXiv's published
formats; nothing touches the network.
"""

from __future__ import annotations

import contextlib
import html
import http.server
import io
import re
import threading
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import pytest

from digest import importer
from digest.config import load_config
from digest.importer import import_feeds
from digest.inputs import load
from digest.model import Record
from digest.parse import parse_file

FEEDS = Path(__file__).parent / "fixtures" / "feeds"
RSS2 = FEEDS / "rss2_cs.CL.xml"
RSS1 = FEEDS / "rss1_cs.CL.xml"
ATOM = FEEDS / "atom_api.xml"
MISLEADING = "9999.99999"
LIMIT = 60.0
"""Seconds a source may take: ample for the files and the local server of these tests."""

# (file, ID, version, announce type, title) per entry, in feed order.
EXPECTED: dict[str, tuple[str, list[tuple[str, int, str, str]]]] = {
    "rss2": (
        "arxiv/2024-02-15/cs.CL.md",
        [
            ("2402.01274", 1, "new", "Few-Shot Audio Classification with Self-Supervised Speech & Sound Encoders"),
            ("2402.09404", 1, "cross", "Sequential Reasoning Benchmarks for Interactive Language Agents"),
            ("2311.05232", 3, "replace", "Citation Noise (arXiv:9999.99999v9 [cs.CL]) in Title Metadata"),
            ("2402.09371", 1, "new", "Pipes | in Titles ](https://evil.example) and <script>alert(1)</script> Tags"),
        ],
    ),
    "rss1": (
        "arxiv/2023-10-03/cs.CL.md",
        [
            ("2310.00207", 1, "new", "Detecting Unseen Multiword Expressions in Sign Language"),
            ("2310.00212", 1, "cross", "Pairwise Policy Optimisation from Relative Feedback"),
            ("2305.14283", 3, "replace", "Query Rewriting for Retrieval-Augmented Models"),
            ("2310.00180", 1, "new", "Why Titles Cite (arXiv:9999.99999v9 [cs.CL]) Other Work?"),
            ("2310.00150", 1, "new", "Pipes | in Titles ](https://evil.example) and <script> Tags"),
        ],
    ),
    "atom": (
        "arxiv/2023-10-02/cs.LG.md",  # the API dates by its papers, not by the query
        [
            ("2310.00212", 1, "new", "Pairwise Policy Optimisation from Relative Feedback"),
            ("2309.17400", 2, "replace", "Sparse Updates with a Loss of $x^2$ Order"),
            ("2310.00100", 1, "cross", "Why Titles Cite (arXiv:9999.99999v9 [cs.CL]) Other Work?"),
            ("2310.00150", 1, "new", "Pipes | in Titles ](https://evil.example) and <script> Tags"),
        ],
    ),
}
FIXTURES = {"rss2": RSS2, "rss1": RSS1, "atom": ATOM}
DIALECTS = sorted(FIXTURES)


def one_line(text: str) -> str:
    return " ".join(text.split())


def feed_abstracts(dialect: str) -> list[str]:
    """Each entry's abstract as the feed file states it, read without feedparser."""
    root = ET.parse(FIXTURES[dialect]).getroot()
    if dialect == "atom":
        return [
            one_line(e.findtext("{http://www.w3.org/2005/Atom}summary") or "")
            for e in root.iter("{http://www.w3.org/2005/Atom}entry")
        ]
    if dialect == "rss1":
        items = root.iter("{http://purl.org/rss/1.0/}item")
        markup = [i.findtext("{http://purl.org/rss/1.0/}description") or "" for i in items]
        return [one_line(html.unescape(re.sub(r"<[^>]+>", " ", m))) for m in markup]
    prefix = re.compile(r"^arXiv:\S+ Announce Type: \S+ Abstract: ")
    return [prefix.sub("", one_line(i.findtext("description") or "")) for i in root.iter("item")]


def records_of(content: Path, name: str) -> list[Record]:
    path = content / name
    digest, diagnostics = parse_file(str(path), name, path.read_bytes())
    assert diagnostics == []
    assert digest is not None
    return list(digest.records)


def make_site(root: Path) -> Path:
    (root / "content").mkdir(parents=True, exist_ok=True)
    (root / "site.toml").write_text("", encoding="utf-8")
    return root / "content"


@pytest.mark.parametrize("dialect", DIALECTS)
def test_each_dialect_becomes_a_format_a_digest(tmp_path: Path, dialect: str) -> None:
    content = make_site(tmp_path)
    name, expected = EXPECTED[dialect]
    report = import_feeds([str(FIXTURES[dialect])], content, LIMIT)
    assert report.problems == []
    assert report.written == [content / name]
    assert (report.added, report.updated, report.skipped) == (len(expected), 0, 0)

    records = records_of(content, name)
    assert [(r.arxiv_id, r.version, r.announce, r.title) for r in records] == expected
    assert [r.abstract_en for r in records] == feed_abstracts(dialect)
    assert any(len(r.abstract_en) > 1000 for r in records)
    for record in records:
        assert record.url == f"https://arxiv.org/abs/{record.arxiv_id}"
        assert (record.title_zh, record.summary_zh, record.summary_en, record.abstract_zh) == ("", "", "", "")
        assert "(arXiv:" not in record.title.replace("(arXiv:9999.99999v9 [cs.CL])", "")
        assert MISLEADING not in record.arxiv_id


@pytest.mark.parametrize("dialect", DIALECTS)
def test_the_whole_pipeline_publishes_the_imported_papers(tmp_path: Path, dialect: str) -> None:
    content = make_site(tmp_path)
    import_feeds([str(FIXTURES[dialect])], content, LIMIT)
    loaded = load(load_config(tmp_path / "site.toml"))
    assert [d for d in loaded.diagnostics if d.severity == "error"] == []
    assert sorted(p.arxiv_id for p in loaded.site.papers) == sorted(e[0] for e in EXPECTED[dialect][1])


@pytest.mark.parametrize("dialect", DIALECTS)
def test_whole_abstracts_are_not_marked_truncated(tmp_path: Path, dialect: str) -> None:
    content = make_site(tmp_path)
    import_feeds([str(FIXTURES[dialect])], content, LIMIT)
    records = records_of(content, EXPECTED[dialect][0])
    assert [r.abstract_truncated for r in records] == [False] * len(records)


@pytest.mark.parametrize("dialect", DIALECTS)
def test_importing_twice_changes_nothing(tmp_path: Path, dialect: str) -> None:
    content = make_site(tmp_path)
    path = content / EXPECTED[dialect][0]
    import_feeds([str(FIXTURES[dialect])], content, LIMIT)
    before, stamp = path.read_bytes(), path.stat().st_mtime_ns
    again = import_feeds([str(FIXTURES[dialect]), str(FIXTURES[dialect])], content, LIMIT)
    assert again.written == []
    assert again.unchanged == [path]
    assert (again.added, again.updated) == (0, 0)
    assert path.read_bytes() == before
    assert path.stat().st_mtime_ns == stamp
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]  # no temporary files left


HAND_MADE = """---
date: 2024-02-15
---
# 摘要

| Ref | Title | Summary |
| --- | --- | --- |
| [^1] | [An Older Paper](https://arxiv.org/abs/2402.00001) | 手工总结，含有 | 竖线。 |
| [^2] | [Old Title of the Replaced Paper](https://arxiv.org/abs/2311.05232) | 旧版本的总结。 |

# 详细

[^1]: 一篇较早的论文

    An Older Paper

    [https://arxiv.org/abs/2402.00001](https://arxiv.org/abs/2402.00001)

    手工总结，含有 | 竖线。

<4>

    人工翻译的摘要。

    arXiv:2402.00001v1 Announce Type: new  Abstract: An abstract translated by hand.
<4>
[^2]: 被替换的论文

    Old Title of the Replaced Paper

    [https://arxiv.org/abs/2311.05232](https://arxiv.org/abs/2311.05232)

    旧版本的总结。

<4>

    旧版本的中文摘要。

    arXiv:2311.05232v2 Announce Type: new  Abstract: The second version's abstract.
<4>
""".replace("<4>", "    ")


def test_merging_keeps_hand_made_chinese_and_adds_no_duplicates(tmp_path: Path) -> None:
    content = make_site(tmp_path)
    path = content / "arxiv/2024-02-15/cs.CL.md"
    path.parent.mkdir(parents=True)
    path.write_text(HAND_MADE, encoding="utf-8")
    report = import_feeds([str(RSS2)], content, LIMIT)
    assert report.problems == []
    assert (report.added, report.updated, report.skipped) == (3, 1, 0)
    text = path.read_text(encoding="utf-8")
    assert text.startswith("---\ndate: 2024-02-15\n---\n# 摘要\n")
    records = records_of(content, "arxiv/2024-02-15/cs.CL.md")
    assert [r.ref for r in records] == [1, 2, 3, 4, 5]
    assert [r.arxiv_id for r in records] == ["2402.00001", "2311.05232", "2402.01274", "2402.09404", "2402.09371"]
    older, replaced = records[0], records[1]
    assert (older.title_zh, older.summary_zh, older.abstract_zh) == (
        "一篇较早的论文",
        "手工总结，含有 | 竖线。",
        "人工翻译的摘要。",
    )
    assert older.abstract_en == "An abstract translated by hand."
    # A higher version: the feed's English, the file's Chinese.
    assert (replaced.version, replaced.announce) == (3, "replace")
    assert replaced.title == "Citation Noise (arXiv:9999.99999v9 [cs.CL]) in Title Metadata"
    assert replaced.abstract_en.startswith("Titles sometimes quote identifiers")
    assert (replaced.title_zh, replaced.summary_zh, replaced.abstract_zh) == (
        "被替换的论文",
        "旧版本的总结。",
        "旧版本的中文摘要。",
    )
    # Merging again, from any of the feeds' files, changes nothing.
    before = path.read_bytes()
    again = import_feeds([str(RSS2)], content, LIMIT)
    assert (again.written, again.added, again.updated, again.skipped) == ([], 0, 0, 4)
    assert path.read_bytes() == before


def test_an_older_version_never_replaces_a_newer_one(tmp_path: Path) -> None:
    content = make_site(tmp_path)
    path = content / "arxiv/2024-02-15/cs.CL.md"
    path.parent.mkdir(parents=True)
    path.write_text(HAND_MADE.replace("2311.05232v2", "2311.05232v7"), encoding="utf-8")
    report = import_feeds([str(RSS2)], content, LIMIT)
    assert (report.added, report.updated, report.skipped) == (3, 0, 1)
    replaced = records_of(content, "arxiv/2024-02-15/cs.CL.md")[1]
    assert (replaced.version, replaced.title) == (7, "Old Title of the Replaced Paper")


def test_a_file_the_parser_complains_about_is_left_alone(tmp_path: Path) -> None:
    content = make_site(tmp_path)
    path = content / "arxiv/2024-02-15/cs.CL.md"
    path.parent.mkdir(parents=True)
    broken = HAND_MADE + "a stray line the parser would drop\n"
    path.write_text(broken, encoding="utf-8")
    report = import_feeds([str(RSS2)], content, LIMIT)
    assert not report.ok
    assert report.written == []
    assert path.read_text(encoding="utf-8") == broken


def test_hostile_text_survives_as_text(tmp_path: Path) -> None:
    content = make_site(tmp_path)
    import_feeds([str(RSS2)], content, LIMIT)
    hostile = records_of(content, "arxiv/2024-02-15/cs.CL.md")[3]
    assert hostile.title == "Pipes | in Titles ](https://evil.example) and <script>alert(1)</script> Tags"
    assert hostile.abstract_en == (
        "Text such as <script>alert('x')</script>, a | b | c and [link](https://evil.example) "
        "must reach readers as text, with 5 < 6 and AT&T intact."
    )
    assert hostile.url == "https://arxiv.org/abs/2402.09371"


def test_ids_come_from_the_entry_never_from_the_title(tmp_path: Path) -> None:
    content = make_site(tmp_path)
    import_feeds([str(RSS1), str(ATOM)], content, LIMIT)
    cl = {r.arxiv_id: r for r in records_of(content, "arxiv/2023-10-03/cs.CL.md")}
    lg = {r.arxiv_id: r for r in records_of(content, "arxiv/2023-10-02/cs.LG.md")}
    assert cl["2310.00180"].title.startswith("Why Titles Cite (arXiv:9999.99999v9")
    assert lg["2310.00100"].title.startswith("Why Titles Cite (arXiv:9999.99999v9")
    assert all(MISLEADING not in key for key in [*cl, *lg])


NO_ID = """<?xml version='1.0' encoding='UTF-8'?>
<rss version="2.0"><channel><title>cs.CL updates on arXiv.org</title>
<link>http://rss.arxiv.org/rss/cs.CL</link><pubDate>Fri, 16 Feb 2024 00:00:00 -0500</pubDate>
<item><title>No Identifier Anywhere (arXiv:2402.55555v1)</title><description>Abstract: none.</description></item>
<item><title>Fine</title><guid isPermaLink="false">oai:arXiv.org:2402.00002v2</guid>
<description>arXiv:2402.00002v2 Announce Type: replace-cross \nAbstract: Fine.</description></item>
</channel></rss>
"""


def test_an_entry_without_an_id_is_a_warning_naming_it(tmp_path: Path) -> None:
    content = make_site(tmp_path)
    feed = tmp_path / "no-id.xml"
    feed.write_text(NO_ID, encoding="utf-8")
    report = import_feeds([str(feed)], content, LIMIT)
    assert report.ok
    assert [(p.path, p.severity) for p in report.problems] == [(str(feed), "warning")]
    assert "entry 1" in report.problems[0].message and "No Identifier Anywhere" in report.problems[0].message
    records = records_of(content, "arxiv/2024-02-16/cs.CL.md")
    assert [(r.arxiv_id, r.version, r.announce) for r in records] == [("2402.00002", 2, "replace-cross")]


def test_what_is_not_a_feed_is_an_error(tmp_path: Path) -> None:
    content = make_site(tmp_path)
    page = tmp_path / "page.html"
    page.write_text("<!doctype html><title>Not a feed</title><p>hello</p>", encoding="utf-8")
    report = import_feeds([str(page), str(tmp_path / "missing.xml"), "file:///etc/passwd", "ftp://x/y"], content, LIMIT)
    assert [p.severity for p in report.problems] == ["error"] * 4
    assert not (content / "arxiv").exists()


def test_an_unsafe_channel_is_refused(tmp_path: Path) -> None:
    content = make_site(tmp_path)
    feed = tmp_path / "evil.xml"
    feed.write_text(NO_ID.replace("cs.CL updates", "../../x updates").replace("rss/cs.CL", "rss/x"), encoding="utf-8")
    report = import_feeds([str(feed)], content, LIMIT)
    assert not report.ok
    assert not any(tmp_path.rglob("x.md"))


def test_a_url_is_fetched_with_a_timeout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    content = make_site(tmp_path)
    calls: list[tuple[str, Any]] = []

    def fake_urlopen(request: urllib.request.Request, timeout: float) -> io.BytesIO:
        calls.append((request.full_url, timeout))
        return io.BytesIO(RSS2.read_bytes())

    monkeypatch.setattr(importer._OPENER, "open", fake_urlopen)
    report = import_feeds(["https://rss.arxiv.org/rss/cs.CL"], content, LIMIT)
    assert calls and calls[0][0] == "https://rss.arxiv.org/rss/cs.CL" and calls[0][1] > 0
    assert report.written == [content / "arxiv/2024-02-15/cs.CL.md"]


def test_the_import_command_reports_and_is_idempotent(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from digest.cli import main

    make_site(tmp_path)
    monkeypatch.chdir(tmp_path)
    first = CliRunner().invoke(main, ["import", str(FIXTURES["rss2"])])
    assert first.exit_code == 0, first.output
    assert f"wrote content/{EXPECTED['rss2'][0]}" in first.stdout
    assert first.stdout.splitlines()[-1].startswith("imported 4 new papers")
    again = CliRunner().invoke(main, ["import", str(FIXTURES["rss2"])])
    assert again.exit_code == 0 and "0 files written, 1 unchanged" in again.stdout
    missing = CliRunner().invoke(main, ["import", "no-such-feed.xml"])
    assert missing.exit_code == 1 and "no-such-feed.xml" in missing.stderr


def test_pages_say_the_translation_is_pending(tmp_path: Path) -> None:
    from digest.build import build

    content = make_site(tmp_path)
    import_feeds([str(FIXTURES["atom"])], content, LIMIT)
    build(load_config(tmp_path / "site.toml"))
    public = tmp_path / "public"
    papers = sorted((public / "papers").glob("*.html"))
    assert papers
    for page in papers:
        assert "本文的中文翻译尚待补充。" in page.read_text(encoding="utf-8"), page.name
    (digest,) = (public / "digests").rglob("*.html")
    assert digest.read_text(encoding="utf-8").count(">待翻译<") == len(papers)


def test_feed_bytes_that_look_like_a_file_name_are_not_opened(tmp_path: Path) -> None:
    """feedparser opens a path it is given as bytes; the importer hands it a stream instead."""
    evil = tmp_path / "evil.xml"
    evil.write_bytes(str(FIXTURES["rss2"]).encode())
    content = make_site(tmp_path)
    report = import_feeds([str(evil)], content, LIMIT)
    assert not report.ok and report.written == []
    assert "not an RSS or Atom feed" in report.problems[0].message


@pytest.mark.parametrize("term", ["evil&#10;", "a" * 300, "..", "cs/../../x"])
def test_a_hostile_channel_is_refused(tmp_path: Path, term: str) -> None:
    feed = ATOM.read_text(encoding="utf-8")
    feed = re.sub(r'(<arxiv:primary_category[^>]*term=")[^"]*"', rf'\g<1>{term}"', feed)
    feed = re.sub(r'(<category term=")[^"]*"', rf'\g<1>{term}"', feed)
    source = tmp_path / "hostile.xml"
    source.write_text(feed, encoding="utf-8")
    content = make_site(tmp_path)
    report = import_feeds([str(source)], content, LIMIT)
    written = [p for p in content.rglob("*") if p.is_file()]
    assert all(p.name.endswith(".md") and "\n" not in p.name and len(p.name) < 80 for p in written)
    assert all(p.resolve().is_relative_to(content.resolve()) for p in written)
    assert report.ok or "not a safe file name" in report.problems[0].message


def test_a_feed_with_no_arxiv_papers_writes_nothing(tmp_path: Path) -> None:
    blog = tmp_path / "blog.xml"
    blog.write_text(
        '<?xml version="1.0"?><rss version="2.0"><channel><title>A blog</title>'
        "<pubDate>Mon, 01 Jan 2024 00:00:00 GMT</pubDate><item><title>Hello</title>"
        "<guid>https://blog.example/1</guid></item><item><guid>oai:arXiv.org:2401.00001v1</guid>"
        "<title></title></item></channel></rss>",
        encoding="utf-8",
    )
    content = make_site(tmp_path)
    report = import_feeds([str(blog)], content, LIMIT)
    assert report.written == [] and not any(content.rglob("*.md"))
    assert "lists no arXiv papers" in report.problems[-1].message
    assert "or no title" in report.problems[1].message, "the entry without a title was reported"


def test_redirects_lead_only_to_http() -> None:
    request = urllib.request.Request("https://rss.arxiv.org/rss/cs.CL")
    handler = importer._HttpOnly()
    with pytest.raises(urllib.error.URLError, match="non-http"):
        handler.redirect_request(request, None, 302, "Found", {}, "file:///etc/passwd")
    followed = handler.redirect_request(request, None, 302, "Found", {}, "https://arxiv.org/rss/cs.CL")
    assert followed is not None and followed.full_url == "https://arxiv.org/rss/cs.CL"


@pytest.mark.parametrize("length", [900, 940, 955, 960, 990, 1000, 1010, 1200])
def test_a_whole_abstract_near_upstreams_cut_is_not_marked_cut(tmp_path: Path, length: int) -> None:
    """Upstream cut abstracts at 1,000 characters (with the prefix); an imported one of about
    that length is whole all the same, and must read back whole and unchanged."""
    words = ("lorem ipsum dolor sit amet consectetur " * 60)[: length - 1].rstrip() + "x"
    feed = RSS2.read_text(encoding="utf-8")
    first = re.compile(r"Abstract: (.*?)</description>", re.S).search(feed, feed.index("<item"))
    assert first
    source = tmp_path / "feed.xml"
    source.write_text(feed[: first.start(1)] + words + feed[first.end(1) :], encoding="utf-8")
    content = make_site(tmp_path)
    import_feeds([str(source)], content, LIMIT)
    (record,) = [r for r in records_of(content, EXPECTED["rss2"][0]) if r.abstract_en.endswith("x")]
    assert record.abstract_en == words and not record.abstract_truncated


def test_a_feed_that_trickles_in_stops_at_the_time_limit(tmp_path: Path) -> None:
    """A server that sends a byte now and then never hits the per-read timeout: the time limit
    of the whole fetch stops it, and the report names the source."""
    content = make_site(tmp_path)
    stop = threading.Event()

    class Trickle(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml")
            self.end_headers()
            with contextlib.suppress(OSError):
                while not stop.is_set():
                    self.wfile.write(b" ")
                    self.wfile.flush()
                    stop.wait(0.05)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Trickle)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/rss/cs.CL"
    reports: list[importer.ImportReport] = []
    importing = threading.Thread(target=lambda: reports.append(import_feeds([url], content, time_limit=1)))
    importing.start()
    importing.join(60)  # without a limit it would read for days: the test fails instead of waiting
    stop.set()
    importing.join(10)
    server.shutdown()
    server.server_close()
    assert reports, "the import did not stop"
    (problem,) = reports[0].problems
    assert problem.path == url and problem.message.startswith("the feed took more than 1 s to arrive"), problem
    assert not reports[0].written
