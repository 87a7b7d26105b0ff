"""Atom 1.0 feeds: the latest papers of the whole site, and of each venue, channel and category.

Feeds need absolute links, so there are none when `base_url` is empty (a site read from disk).

Everything in a feed comes from the content, never from the clock, so two builds of the same
content give the same bytes:

- A paper's date is the newest date of the daily digests that list it (`updated`), and the
  oldest (`published`). A paper only venue collections list has no date: it is left out of the
  site feed (which is ordered by date) and, in its venue feed, dated 1 January of the venue's
  year (1970-01-01 when the venue gives no year either).
- A feed's `updated` is its newest entry's; a feed with no entries takes the newest date of the
  whole site's content (digest dates, then venue years), and 1970-01-01 when there is none.
- An entry's ID is `urn:arxiv:<ID>` for arXiv papers, `urn:digest:paper:<paper ID>` for the
  others (`neurips-2023/72260`): it names the paper, not the build, the order or the page.

Each feed holds the newest `FEED_SIZE` papers of its collection, newest first (ties keep the
collection's own order). Content is untrusted text: it goes through `richtext.plain`, loses the
characters XML 1.0 cannot carry, and is escaped by ElementTree (the entry's HTML content is
built escaped, then escaped again as the element's text).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from urllib.parse import quote
from xml.etree import ElementTree as ET

from markupsafe import escape

from digest import __version__, urls
from digest.config import Config
from digest.model import Paper
from digest.parse.text import is_web_url
from digest.richtext import plain
from digest.site import Site

FEED_SIZE = 50
"""Entries per feed: the newest papers of the collection."""
FEED_FOLDER = "feeds"
FEED_KINDS = {"venue": "venues", "channel": "channels", "category": "categories"}
"""Feed kind → its folder under `feeds/`; the site feed is `feeds/all.atom`."""
FALLBACK_DATE = "1970-01-01"
"""The date of a feed or entry that nothing in the content dates."""
ATOM = "http://www.w3.org/2005/Atom"
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
# Characters XML 1.0 cannot carry: C0 controls but tab and newline, surrogates, U+FFFE/U+FFFF.
_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_NOT_XML = re.compile("[\ud800-\udfff\ufffe\uffff]")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def feed_path(kind: str, key: str = "") -> str:
    """The output path of a feed: `feeds/all.atom` for kind `all`, else `feeds/<folder>/<slug>.atom`."""
    if kind == "all":
        return f"{FEED_FOLDER}/all.atom"
    if kind not in FEED_KINDS:
        raise ValueError(f"no feed of kind {kind!r}; kinds: all, {', '.join(FEED_KINDS)}")
    return f"{FEED_FOLDER}/{FEED_KINDS[kind]}/{urls.slug(key)}.atom"


@dataclass(frozen=True, slots=True)
class Feed:
    """One feed: its file, the collection it follows, and its newest papers."""

    path: str
    kind: str
    """`all`, or one of `FEED_KINDS`."""
    key: str
    label: str
    page: str
    """The page it follows (its collection's, or the newest digest of its channel)."""
    papers: list[Paper]
    """The newest `FEED_SIZE` papers, newest first."""


def feed_files(site: Site, config: Config, feeds: Iterable[Feed] | None = None) -> Iterator[tuple[str, bytes]]:
    """Every feed (`select`), or those of `feeds`, as (output path, bytes). Nothing when
    `config.base_url` is empty."""
    if not config.base_url:
        return
    dates = Dates(site)
    writer = _Feeds(config, dates)
    for feed in select(site, dates) if feeds is None else feeds:
        yield writer.feed(feed)


def select(site: Site, dates: Dates | None = None) -> list[Feed]:
    """The site's feeds: the site's, then one per venue, channel and category. Two keys whose
    slugs fold to one path (`cs.CL`, `CS.CL`) share it: the first such key gets the feed."""
    dates = dates or Dates(site)

    def make(kind: str, key: str, page: str, papers: Iterable[Paper]) -> Feed:
        return Feed(feed_path(kind, key), kind, key, label(kind, key), page, dates.newest(papers))

    found = [make("all", "all", "", filter(dates.dated, site.papers))]
    found += [make("venue", venue.key, venue.page, venue.papers) for venue in site.venues]
    found += [make("channel", key, page, members) for key, (page, members) in sorted(_channels(site).items())]
    found += [make("category", category.key, category.page, category.papers) for category in site.categories]
    written: set[str] = set()
    feeds = []
    for feed in found:
        if feed.path.casefold() not in written:
            written.add(feed.path.casefold())
            feeds.append(feed)
    return feeds


LABELS = {"all": "latest papers", "channel": "{} daily", "category": "category {}", "venue": "{}"}
"""What each kind of feed is titled, after the site's title."""


def label(kind: str, key: str) -> str:
    return LABELS[kind].format(key)


class Dates:
    """The dates of a site's papers in feeds: from the daily digests that list them."""

    def __init__(self, site: Site) -> None:
        self.date_of = {d.source: d.date for d in site.digests if _valid_date(d.date)}
        self.fallback = _site_date(site)
        """The date of a feed with no entries."""
        self._found: dict[str, tuple[str, str]] = {}

    def listed(self, paper: Paper) -> tuple[str, str]:
        """The oldest and newest date of the daily digests that list `paper` ('' when none)."""
        found = self._found.get(paper.id)
        if found is None:
            dates = [day for r in paper.appearances if (day := self.date_of.get(r.source))]
            found = self._found[paper.id] = (min(dates), max(dates)) if dates else ("", "")
        return found

    def dated(self, paper: Paper) -> bool:
        return bool(self.listed(paper)[1])

    def updated(self, paper: Paper) -> str:
        return self.listed(paper)[1] or _year_date(paper.year) or FALLBACK_DATE

    def published(self, paper: Paper) -> str:
        return self.listed(paper)[0] or self.updated(paper)

    def newest(self, papers: Iterable[Paper]) -> list[Paper]:
        """The newest FEED_SIZE papers; `sorted` is stable, so ties keep the given order."""
        return sorted(papers, key=self.updated, reverse=True)[:FEED_SIZE]


class _Feeds:
    def __init__(self, config: Config, dates: Dates) -> None:
        self.config = config
        self.base = config.base_url
        self.dates = dates

    def url(self, path: str) -> str:
        return self.base + quote(path, safe="/")

    def feed(self, feed: Feed) -> tuple[str, bytes]:
        config, path, page, papers = self.config, feed.path, feed.page, feed.papers
        title = f"{config.title} — {feed.label}"
        root = ET.Element("feed", {"xmlns": ATOM})
        _text(root, "id", self.url(path))
        _text(root, "title", title, type="text")
        if config.description:
            _text(root, "subtitle", config.description, type="text")
        updated = max((self.dates.updated(p) for p in papers), default=self.dates.fallback)
        _text(root, "updated", _timestamp(updated))
        ET.SubElement(root, "link", {"rel": "self", "type": "application/atom+xml", "href": self.url(path)})
        ET.SubElement(root, "link", {"rel": "alternate", "type": "text/html", "href": self.url(page)})
        author = ET.SubElement(root, "author")
        _text(author, "name", config.title)
        _text(root, "generator", "digest", version=__version__)
        for paper in papers:
            root.append(self.entry(paper))
        ET.indent(root)
        body = ET.tostring(root, encoding="unicode")
        return path, ('<?xml version="1.0" encoding="utf-8"?>\n' + body + "\n").encode("utf-8")

    def entry(self, paper: Paper) -> ET.Element:
        entry = ET.Element("entry")
        _text(entry, "id", entry_id(paper))
        _text(entry, "title", plain(paper.title) or plain(paper.title_zh) or paper.id, type="text")
        ET.SubElement(entry, "link", {"rel": "alternate", "type": "text/html", "href": self.url(paper.page)})
        for link in dict.fromkeys(_source_links(paper)):
            ET.SubElement(entry, "link", {"rel": "related", "href": _clean(link)})
        _text(entry, "published", _timestamp(self.dates.published(paper)))
        _text(entry, "updated", _timestamp(self.dates.updated(paper)))
        for name in paper.authors:
            if name.strip():
                _text(ET.SubElement(entry, "author"), "name", name.strip())
        if paper.category:
            ET.SubElement(entry, "category", {"term": _clean(paper.category), "label": _clean(paper.category)})
        if paper.summary_zh.strip():
            _text(entry, "summary", plain(paper.summary_zh), type="text", **{_XML_LANG: "zh-Hans"})
        _text(entry, "content", _content_html(paper), type="html")
        return entry


def entry_id(paper: Paper) -> str:
    """The entry's ID: the paper's, whatever the build, the feed or the order."""
    if paper.arxiv_id:
        return "urn:arxiv:" + quote(paper.arxiv_id, safe="/.-")
    return "urn:digest:paper:" + quote(paper.id, safe="/.-_~")


def _content_html(paper: Paper) -> str:
    """Both languages as HTML, each in its own `lang` block; every piece of text escaped."""
    english = _block("en", paper.title, [
        ("Summary", paper.summary_en),
        ("Abstract" + (" (cut at 1,000 characters upstream)" if paper.abstract_truncated else ""), paper.abstract_en),
    ])  # fmt: skip
    chinese = _block("zh-Hans", paper.title_zh, [("总结", paper.summary_zh), ("摘要", paper.abstract_zh)])
    venue = f"<p>{escape(_clean(paper.venue_label))}</p>" if paper.venue_label else ""
    return english + chinese + venue


def _block(lang: str, title: str, fields: list[tuple[str, str]]) -> str:
    parts = [f"<h2>{escape(_clean(plain(title)))}</h2>"] if title.strip() else []
    for label, text in fields:
        paragraphs = [p for p in _clean(plain(text)).split("\n\n") if p.strip()]
        if paragraphs:
            parts.append(f"<h3>{escape(label)}</h3>")
            parts.extend(f"<p>{escape(p.strip())}</p>" for p in paragraphs)
    return f'<div lang="{lang}">{"".join(parts)}</div>' if parts else ""


def _source_links(paper: Paper) -> Iterator[str]:
    """The paper's own pages elsewhere: arXiv, then each venue's link."""
    if paper.arxiv_id:
        yield urls.arxiv_abs(paper.arxiv_id)
    for side in paper.venue_sides:
        if is_web_url(side.url):
            yield side.url


def _channels(site: Site) -> dict[str, tuple[str, list[Paper]]]:
    """Channel → (its newest digest's page, its papers: newest digest first, each once)."""
    found: dict[str, tuple[str, dict[str, Paper]]] = {}
    for digest in site.digests:  # newest first
        if digest.format != "arxiv" or not digest.channel:
            continue
        _, members = found.setdefault(digest.channel, (site.digest_pages[digest.source], {}))
        for record in digest.records:
            paper = site.paper_of.get((record.source, record.line))
            if paper is not None:
                members.setdefault(paper.id, paper)
    return {channel: (page, list(members.values())) for channel, (page, members) in found.items()}


def _site_date(site: Site) -> str:
    """The newest date in the content: a digest's, else a venue year's 1 January."""
    digest_dates = [d.date for d in site.digests if _valid_date(d.date)]
    year_dates = [y for d in site.digests if (y := _year_date(d.year))]
    return max(digest_dates, default="") or max(year_dates, default="") or FALLBACK_DATE


def _valid_date(text: str) -> bool:
    if not _DATE.fullmatch(text):
        return False
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _year_date(year: int | None) -> str:
    return f"{year:04d}-01-01" if year is not None and 1 <= year <= 9999 else ""


def _timestamp(day: str) -> str:
    return f"{day}T00:00:00Z"


def _clean(text: str) -> str:
    """Text XML 1.0 can carry: controls become spaces, the rest that XML forbids U+FFFD."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _NOT_XML.sub("\ufffd", _CONTROLS.sub(" ", text))


def _text(parent: ET.Element, tag: str, text: str, **attributes: str) -> ET.Element:
    element = ET.SubElement(parent, tag, {name: _clean(value) for name, value in attributes.items()})
    element.text = _clean(text)
    return element
