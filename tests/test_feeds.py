"""Atom feeds: valid Atom 1.0, absolute links, stable IDs, dates from the content, both languages."""

from __future__ import annotations

import dataclasses
import datetime
import os
import subprocess
import sys
import time
from pathlib import Path
from xml.etree import ElementTree as ET

import feedparser
import pytest
from conftest import REPO
from test_merge import daily, make_site, venue

from digest import feeds
from digest.config import Config, load_config
from digest.feeds import FEED_SIZE, feed_files, feed_path
from digest.inputs import load
from digest.site import Site

BASE = "https://example.org/digest/"
ATOM = "{http://www.w3.org/2005/Atom}"


def with_base_url(site: Path, base_url: str = BASE) -> Path:
    config = site / "site.toml"
    with config.open("a", encoding="utf-8") as file:
        file.write(f'\nbase_url = "{base_url}"\n')
    return config


def built(config_path: Path) -> tuple[Site, Config, dict[str, bytes]]:
    config = load_config(config_path)
    site = load(config).site
    return site, config, dict(feed_files(site, config))


@pytest.fixture
def seed(seed_site: Path) -> tuple[Site, Config, dict[str, bytes]]:
    return built(with_base_url(seed_site))


def parse(data: bytes) -> feedparser.FeedParserDict:
    ET.fromstring(data)  # well-formed XML, whatever feedparser forgives
    parsed = feedparser.parse(data)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    return parsed


def expected_counts(site: Site) -> dict[str, int]:
    dated = {
        site.paper_of[(r.source, r.line)].id for d in site.digests if d.date for r in d.records
    }  # papers that daily digests list: venue-only papers have no date and stay out of the site feed
    channels: dict[str, set[str]] = {}
    for digest in site.digests:
        if digest.channel:
            channels.setdefault(digest.channel, set()).update(
                site.paper_of[(r.source, r.line)].id for r in digest.records
            )
    counts = {feed_path("all", ""): min(FEED_SIZE, len(dated))}
    counts |= {feed_path("venue", v.key): min(FEED_SIZE, len(v.papers)) for v in site.venues}
    counts |= {feed_path("category", c.key): min(FEED_SIZE, len(c.papers)) for c in site.categories}
    counts |= {feed_path("channel", key): min(FEED_SIZE, len(ids)) for key, ids in channels.items()}
    return counts


def test_feed_paths() -> None:
    assert feed_path("all", "") == "feeds/all.atom"
    assert feed_path("venue", "NeurIPS 2023") == "feeds/venues/neurips-2023.atom"
    assert feed_path("channel", "cs.CL") == "feeds/channels/cs.cl.atom"
    assert feed_path("category", "cs.CL") == "feeds/categories/cs.cl.atom"
    assert feed_path("category", "../../etc") == "feeds/categories/etc.atom"
    with pytest.raises(ValueError):
        feed_path("date", "2023-10-03")


def test_every_feed_is_valid_atom_with_the_expected_entries(seed: tuple[Site, Config, dict[str, bytes]]) -> None:
    site, config, files = seed
    counts = expected_counts(site)
    assert sorted(files) == sorted(counts)
    assert len(site.venues) >= 1 and len(site.categories) >= 2  # the seeds exercise every kind
    for path, data in files.items():
        parsed = parse(data)
        assert len(parsed.entries) == counts[path], path
        assert parsed.feed.id == BASE + path
        assert parsed.feed.title.startswith(config.title)
        assert parsed.feed.author == config.title
        ids = [entry.id for entry in parsed.entries]
        assert len(set(ids)) == len(ids), path
    assert len(parse(files["feeds/all.atom"]).entries) == FEED_SIZE  # the seeds hold more than a feed shows


def test_links_are_absolute_under_the_base_url(seed: tuple[Site, Config, dict[str, bytes]]) -> None:
    site, _, files = seed
    pages = {BASE + paper.page for paper in site.papers}
    for path, data in files.items():
        parsed = parse(data)
        links = {link.rel: link.href for link in parsed.feed.links}
        assert links["self"] == BASE + path
        assert links["alternate"].startswith(BASE)
        for entry in parsed.entries:
            alternates = [link.href for link in entry.links if link.rel == "alternate"]
            assert len(alternates) == 1 and alternates[0] in pages
            assert all(link.href.startswith(("https://", "http://")) for link in entry.links)
    venue_feed = parse(files[feed_path("venue", site.venues[0].key)])
    assert {link.rel: link.href for link in venue_feed.feed.links}["alternate"] == BASE + site.venues[0].page
    channel_feed = parse(files["feeds/channels/cs.cl.atom"])
    digest_page = site.digest_pages[next(d.source for d in site.digests if d.channel == "cs.CL")]
    assert {link.rel: link.href for link in channel_feed.feed.links}["alternate"] == BASE + digest_page


def test_entry_ids_name_the_paper(seed: tuple[Site, Config, dict[str, bytes]]) -> None:
    site, _, files = seed
    entries = [e for data in files.values() for e in parse(data).entries]
    assert any(e.id == "urn:arxiv:2310.00212" for e in entries)
    venue_only = [p for p in site.papers if not p.arxiv_id]
    assert venue_only
    venue_feed = {e.id for e in parse(files[feed_path("venue", site.venues[0].key)]).entries}
    assert any(id.startswith("urn:digest:paper:neurips-2023/") for id in venue_feed)
    for entry in entries:  # one paper, one ID, in every feed
        assert entry.id.startswith(("urn:arxiv:", "urn:digest:paper:")), entry.id


def test_two_builds_give_the_same_bytes_and_ids(seed_site: Path, tmp_path: Path) -> None:
    config = with_base_url(seed_site)
    _, _, first = built(config)
    _, _, second = built(config)
    assert first == second
    script = (
        "import sys, json, hashlib\nfrom pathlib import Path\nfrom digest.config import load_config\n"
        "from digest.inputs import load\nfrom digest.feeds import feed_files\n"
        "c = load_config(Path(sys.argv[1]))\n"
        "print(json.dumps({p: hashlib.sha256(b).hexdigest() for p, b in feed_files(load(c).site, c)}))\n"
    )
    outputs = {
        subprocess.run(
            [sys.executable, "-c", script, str(config)],
            env={**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(REPO)},
            capture_output=True, text=True, check=True,
        ).stdout
        for seed in ("1", "12345")
    }  # fmt: skip
    assert len(outputs) == 1
    ids = {path: [e.id for e in parse(data).entries] for path, data in first.items()}
    assert ids == {path: [e.id for e in parse(data).entries] for path, data in second.items()}


def test_dates_come_from_the_content_not_the_clock(seed_site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = with_base_url(seed_site)
    _, _, before = built(config)
    channel = parse(before["feeds/channels/cs.cl.atom"])
    assert channel.feed.updated == "2023-10-03T00:00:00Z"
    assert {e.updated for e in channel.entries} == {"2023-10-03T00:00:00Z"}
    assert {e.published for e in channel.entries} == {"2023-10-03T00:00:00Z"}
    # Venue-only papers are dated 1 January of the venue year.
    venue = parse(before["feeds/venues/neurips-2023.atom"])
    assert {e.updated for e in venue.entries} <= {"2023-10-03T00:00:00Z", "2023-01-01T00:00:00Z"}
    assert "2023-01-01T00:00:00Z" in {e.updated for e in venue.entries}
    assert [e.updated for e in venue.entries] == sorted((e.updated for e in venue.entries), reverse=True)

    class Future(datetime.datetime):
        @classmethod
        def now(cls, tz: datetime.tzinfo | None = None) -> Future:
            return cls(2099, 1, 1, tzinfo=tz)

        @classmethod
        def utcnow(cls) -> Future:
            return cls(2099, 1, 1)

    monkeypatch.setattr(time, "time", lambda: 4_070_908_800.0)
    monkeypatch.setattr(datetime, "datetime", Future)
    _, _, after = built(config)
    assert after == before


def test_entries_carry_both_languages(seed: tuple[Site, Config, dict[str, bytes]]) -> None:
    site, _, files = seed
    by_id = {feeds.entry_id(p): p for p in site.papers}
    for data in files.values():
        for entry in parse(data).entries:
            paper = by_id[entry.id]
            html = entry.content[0].value
            assert entry.content[0].type == "text/html"
            assert 'lang="en"' in html
            if paper.title_zh or paper.abstract_zh or paper.summary_zh:
                assert 'lang="zh-Hans"' in html
            if paper.title_zh:
                assert paper.title_zh in html
    entry = next(e for e in parse(files["feeds/all.atom"]).entries if e.id == "urn:arxiv:2310.00212")
    assert entry.title.startswith("Pairwise Proximal Policy Optimization")
    assert "该论文提出了一种新的强化学习框架" in entry.summary
    tags = {t.term for t in entry.tags}
    assert tags and all("." in t for t in tags)


def test_no_base_url_no_feeds(seed_site: Path) -> None:
    config = load_config(seed_site / "site.toml")
    assert config.base_url == ""
    assert list(feed_files(load(config).site, config)) == []


def test_hostile_titles_stay_text(tmp_path: Path) -> None:
    hostile = "A <script>alert(1)</script> & ]]> \x01\x0b\x1f title"
    site = make_site(tmp_path, {
        "arxiv/2024-01-02/cs.LG.md": daily(("2401.00001", hostile), ("2401.00002", "Plain & simple")),
        "venues/x-2024/t.md": venue("Papers about T in X 2024", ("V <b>]]></b> & co", "oral", "https://x.org/p/1")),
    })  # fmt: skip
    _, _, files = built(with_base_url(site))
    assert set(files) >= {"feeds/all.atom", "feeds/channels/cs.lg.atom", "feeds/venues/x-2024.atom"}
    titles: list[str] = []
    contents: list[str] = []
    for data in files.values():
        parsed = parse(data)
        titles += [e.title for e in parsed.entries]
        contents += [e.content[0].value for e in parsed.entries]
        root = ET.fromstring(data)
        for entry in root.iter(f"{ATOM}entry"):
            content = entry.find(f"{ATOM}content")
            assert content is not None and content.text and "<script>" not in content.text
    assert any(t.startswith("A <script>alert(1)</script> & ]]>") and t.endswith("title") for t in titles)
    assert "V <b>]]></b> & co" in titles
    assert any("&lt;script&gt;" in c for c in contents)  # in the HTML, the title is escaped text
    assert not any(ch in "".join(titles) for ch in "\x01\x0b\x1f")


def test_unsafe_characters_never_break_the_xml() -> None:
    text = "a\x00b\x08c\ud800d\ufffee\r\nf"
    cleaned = feeds._clean(text)
    root = ET.Element("t")
    root.text = cleaned
    ET.fromstring(ET.tostring(root))
    assert cleaned == "a b c\ufffdd\ufffde\nf"


def test_text_the_parser_lets_through_is_cleaned(seed: tuple[Site, Config, dict[str, bytes]]) -> None:
    site, config, _ = seed
    paper = next(p for p in site.papers if p.arxiv_id == "2310.00212")
    nasty = dataclasses.replace(
        paper, title="T\x00i\x1bt<l>e ]]> &amp;\ud800", title_zh="标\x0c题", summary_zh="总\x07结", authors=("A\x01 B",)
    )
    papers = tuple(nasty if p is paper else p for p in site.papers)
    data = dict(feed_files(dataclasses.replace(site, papers=papers), config))["feeds/all.atom"]
    entry = next(e for e in parse(data).entries if e.id == "urn:arxiv:2310.00212")
    assert entry.title == "T i t<l>e ]]> &amp;\ufffd"
    assert "标 题" in entry.content[0].value and entry.summary == "总 结"
