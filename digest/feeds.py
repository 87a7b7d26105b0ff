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
from datetime import date
from urllib.parse import quote
from xml.etree import ElementTree as ET

from markupsafe import escape

from digest import __version__, urls
from digest.config import Config
from digest.model import Collection, Paper
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


def feed_files(site: Site, config: Config) -> Iterator[tuple[str, bytes]]:
    """Every feed as (output path, bytes): the site's, then one per venue, channel and category.

    Nothing when `config.base_url` is empty. Two keys whose slugs fold to one path (`cs.CL`,
    `CS.CL`) share it: the first such key the site lists gets the feed.
    """
    if not config.base_url:
        return
    dates = _paper_dates(site)
    fallback = _site_date(site)
    feeds = _Feeds(site, config, dates, fallback)
    written: set[str] = set()
    for path, data in feeds.all():
        if path.casefold() not in written:
            written.add(path.casefold())
            yield path, data


class _Feeds:
    def __init__(self, site: Site, config: Config, dates: dict[str, tuple[str, str]], fallback: str) -> None:
        self.site = site
        self.config = config
        self.base = config.base_url
        self.dates = dates
        self.fallback = fallback

    def all(self) -> Iterator[tuple[str, bytes]]:
        site = self.site
        dated = [paper for paper in site.papers if paper.id in self.dates]
        yield self.feed(feed_path("all"), "latest papers", "", self._newest(dated))
        for venue in site.venues:
            yield self.collection_feed("venue", venue, venue.key)
        for channel, (page, members) in sorted(_channels(site).items()):
            yield self.feed(feed_path("channel", channel), f"{channel} daily", page, self._newest(members))
        for category in site.categories:
            yield self.collection_feed("category", category, f"category {category.key}")

    def collection_feed(self, kind: str, collection: Collection, label: str) -> tuple[str, bytes]:
        papers = self._newest(collection.papers)
        return self.feed(feed_path(kind, collection.key), label, collection.page, papers)

    def updated(self, paper: Paper) -> str:
        return self.dates.get(paper.id, ("", ""))[1] or _year_date(paper.year) or FALLBACK_DATE

    def published(self, paper: Paper) -> str:
        return self.dates.get(paper.id, ("", ""))[0] or self.updated(paper)

    def _newest(self, papers: Iterable[Paper]) -> list[Paper]:
        """The newest FEED_SIZE papers; `sorted` is stable, so ties keep the given order."""
        return sorted(papers, key=self.updated, reverse=True)[:FEED_SIZE]

    def url(self, path: str) -> str:
        return self.base + quote(path, safe="/")

    def feed(self, path: str, label: str, page: str, papers: list[Paper]) -> tuple[str, bytes]:
        config = self.config
        title = f"{config.title} — {label}"
        root = ET.Element("feed", {"xmlns": ATOM})
        _text(root, "id", self.url(path))
        _text(root, "title", title, type="text")
        if config.description:
            _text(root, "subtitle", config.description, type="text")
        updated = max((self.updated(p) for p in papers), default=self.fallback)
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
        _text(entry, "published", _timestamp(self.published(paper)))
        _text(entry, "updated", _timestamp(self.updated(paper)))
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


def _paper_dates(site: Site) -> dict[str, tuple[str, str]]:
    """Paper ID → (oldest, newest) date of the daily digests that list it."""
    dates: dict[str, tuple[str, str]] = {}
    for digest in site.digests:
        if not _valid_date(digest.date):
            continue
        for record in digest.records:
            paper = site.paper_of.get((record.source, record.line))
            if paper is None:
                continue
            first, last = dates.get(paper.id, (digest.date, digest.date))
            dates[paper.id] = (min(first, digest.date), max(last, digest.date))
    return dates


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
