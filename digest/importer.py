"""`digest import`: arXiv listing feeds → Format A daily digests under `content/arxiv/`.

Three feed dialects are read, each as arXiv publishes it:

- RSS 2.0 from `rss.arxiv.org` (since 2024-01-31): the ID and version come from
  `<guid>oai:arXiv.org:ID vN</guid>` (else the description's `arXiv:ID vN Announce Type: …`
  prefix), the type from `arxiv:announce_type`. The description is plain text (arXiv escapes it
  once), so `<script>` in an abstract is text, not a tag.
- RSS 1.0 from the old `export.arxiv.org/rss/<archive>`: the ID comes from `rdf:about` (the
  entry's id). arXiv put the version, primary category and `UPDATED` / `CROSS LISTED` marker
  only in the `(arXiv:ID vN [cat] MARK)` tail of the title; they are taken from that tail only
  when its ID is the entry's own. The description is HTML (`<p>` paragraphs).
- Atom from the query API (`export.arxiv.org/api/query`): the ID and version come from `<id>`,
  the announce type from the version and whether the primary category is the channel.

IDs never come from the title. Abstracts are kept whole (whitespace folded to one line, HTML
tags of HTML fields stripped, entities decoded); Chinese fields are left empty for translation.

A feed gives one file, `content/arxiv/<date>/<channel>.md`: the date is the feed's own
(RSS `pubDate`, `lastBuildDate` or `dc:date`, Atom `<updated>`, in the feed's time zone), the
channel the listing's (RSS title `cs.CL updates on arXiv.org`, or the rss.arxiv.org link) or,
for the query API, the one category every entry is listed in.

An existing file is read with the project's parser and merged: its papers stay (with their
Chinese text), new IDs are appended, a higher version replaces only the English fields. The
file is rewritten only when its bytes change, so importing a feed twice changes nothing. A file
the parser reports any problem in is left alone (rewriting it could lose what the parser could
not read) and the import says so.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import email.utils
import io
import os
import re
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from digest import urls
from digest.errors import Diagnostic
from digest.model import Record
from digest.parse import parse_file
from digest.parse.text import TRUNCATION_LIMIT, arxiv_id_from_url, clean, looks_truncated, split_arxiv_id

FETCH_TIMEOUT = 30.0
"""Seconds to wait for a feed URL to connect or to send its next bytes."""
MAX_FEED_BYTES = 20 * 1024 * 1024
"""Feeds larger than this are refused (arXiv's biggest daily listings are a few MB)."""
DEFAULT_CHANNEL = "arxiv"

_SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")  # matched in full: no newline, no long names
_GUID = re.compile(r"^oai:arXiv\.org:(?P<id>\S+)$", re.IGNORECASE)
_PREFIX = re.compile(
    r"^\s*arXiv:\s*(?P<id>\S+)\s+Announce\s+Type\s*:\s*(?P<type>[A-Za-z-]+)\s+Abstract\s*:\s*", re.IGNORECASE
)
_TITLE_TAIL = re.compile(
    r"\.?\s*\(arXiv:\s*(?P<id>[^\s\[\]()]+)\s*\[(?P<category>[^\]]*)\]\s*(?P<mark>[A-Za-z]+(?: [A-Za-z]+)*)?\s*\)\s*$"
)
_RSS_TITLE = re.compile(r"^\s*(?P<channel>\S+)\s+updates\s+on\s+arXiv\.org\s*$", re.IGNORECASE)
_RSS_LINK = re.compile(r"^https?://(?:rss|export)\.arxiv\.org/(?:rss|atom)/(?P<channel>[^/?#\s]+)/?$", re.IGNORECASE)
_OLD_MARKS = {"UPDATED": "replace", "CROSS LISTED": "cross"}
_NEW_TYPES = ("new", "cross", "replace", "replace-cross")
# A field line the digest tokenizer would read as a block header or a table row.
_DECLARATION = re.compile(r"^\s*(\[\^|\|\s*\[\^)")
_ZWSP = "\u200b"  # invisible, and dropped by the parser's `clean`: breaks a pattern, not the text


@dataclass(slots=True)
class ImportReport:
    """What an import did."""

    written: list[Path] = field(default_factory=list)
    """Digest files created or rewritten."""
    unchanged: list[Path] = field(default_factory=list)
    """Digest files that already held everything the feeds list."""
    added: int = 0
    """Papers new to their file."""
    updated: int = 0
    """Papers whose file had an older version: English fields replaced, Chinese kept."""
    skipped: int = 0
    """Papers their file already had (same or newer version), and entries without an ID."""
    problems: list[Diagnostic] = field(default_factory=list)
    """Located problems: a warning per unusable entry, an error per unusable source or file."""

    @property
    def ok(self) -> bool:
        return not any(p.severity == "error" for p in self.problems)


@dataclass(frozen=True, slots=True)
class FeedPaper:
    """One entry of a feed, as Format A will hold it."""

    arxiv_id: str
    version: int | None
    announce: str
    """new, cross, replace or replace-cross."""
    title: str
    abstract: str
    category: str
    """Primary category, when the feed says."""
    date: str = ""
    """The entry's own date (YYYY-MM-DD), when it states one (the API's Atom does)."""

    @property
    def url(self) -> str:
        return urls.arxiv_abs(self.arxiv_id)


@dataclass(frozen=True, slots=True)
class Feed:
    source: str
    date: str
    channel: str
    papers: tuple[FeedPaper, ...]


def import_feeds(sources: Sequence[str], content: Path, time_limit: float) -> ImportReport:
    """Import each source (a feed file or an http(s) URL) into `content/arxiv/<date>/<channel>.md`;
    a URL that takes more than `time_limit` seconds in all (a server that sends a byte now and
    then never hits `FETCH_TIMEOUT`) is reported and skipped."""
    report = ImportReport()
    targets: dict[Path, tuple[str, list[FeedPaper]]] = {}
    for source in sources:
        data = _read(source, report, time_limit)
        if data is None:
            continue
        feed = read_feed(source, data, report)
        if feed is None:
            continue
        path = content / "arxiv" / feed.date / f"{feed.channel}.md"
        targets.setdefault(path, (source, []))[1].extend(feed.papers)
    for path, (source, papers) in targets.items():
        _merge_into(path, source, papers, content, report)
    return report


# Reading sources -----------------------------------------------------------------------------


def _read(source: str, report: ImportReport, time_limit: float) -> bytes | None:
    if re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://", source):
        if not source.lower().startswith(("http://", "https://")):
            _error(report, source, "only http(s) URLs and files can be imported", "name a feed file or an https:// URL")
            return None
        return _fetch(source, report, time_limit)
    try:
        with open(source, "rb") as stream:
            return _capped(stream.read(MAX_FEED_BYTES + 1), source, report)
    except OSError as exc:
        _error(report, source, f"cannot read the feed: {exc.strerror}", "check the path")
        return None


def _capped(data: bytes, source: str, report: ImportReport) -> bytes | None:
    """`data`, read with one byte to spare, unless that byte shows the feed is over the limit."""
    if len(data) > MAX_FEED_BYTES:
        _error(report, source, f"feed is larger than {MAX_FEED_BYTES} bytes; not imported", "import a daily listing")
        return None
    return data


class _HttpOnly(urllib.request.HTTPRedirectHandler):
    """Redirects are followed only to http(s): a feed URL must not lead to ftp:// or file://."""

    def redirect_request(
        self, req: urllib.request.Request, fp: Any, code: int, msg: str, headers: Any, newurl: str
    ) -> urllib.request.Request | None:
        if not newurl.lower().startswith(("http://", "https://")):
            raise urllib.error.URLError(f"redirected to a non-http(s) address: {newurl[:80]}")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


_OPENER = urllib.request.build_opener(_HttpOnly)


def _fetch(url: str, report: ImportReport, time_limit: float) -> bytes | None:
    """The feed at `url`, read as it comes, within `time_limit` seconds in all (past it by one
    wait for the next bytes at most, which is itself at most that limit)."""
    request = urllib.request.Request(url, headers={"User-Agent": "digest-import (+https://arxiv.org/help/rss)"})
    deadline = time.monotonic() + time_limit
    try:
        with _OPENER.open(request, timeout=min(FETCH_TIMEOUT, time_limit)) as response:
            data = bytearray()
            while len(data) <= MAX_FEED_BYTES and (chunk := response.read1(65536)):
                data += chunk
                if time.monotonic() > deadline:
                    _error(
                        report,
                        url,
                        f"the feed took more than {time_limit:g} s to arrive ({len(data)} bytes so far); not imported",
                        "try again later, import a saved file, or give it longer with --time-limit",
                    )
                    return None
            return _capped(bytes(data), url, report)
    except (OSError, ValueError) as exc:
        _error(report, url, f"cannot fetch the feed: {exc}", "check the URL and the network, or import a saved file")
        return None


def read_feed(source: str, data: bytes, report: ImportReport) -> Feed | None:
    """The papers of one feed, or None (and an error on `report`) when it is not an arXiv feed."""
    # Sanitising would delete text such as `<script>` from abstracts; nothing here is HTML output.
    # A stream, never bytes: feedparser opens bytes that look like a file name or a URL.
    import feedparser  # type: ignore[import-untyped]  # here, not where the command line starts

    parsed = feedparser.parse(io.BytesIO(data), sanitize_html=False, resolve_relative_uris=False)
    version = str(parsed.get("version") or "")
    if not version or not (version.startswith(("rss", "atom"))):
        reason = parsed.get("bozo_exception")
        _error(
            report,
            source,
            "not an RSS or Atom feed" + (f" ({reason})" if reason else ""),
            "import an arXiv listing: rss.arxiv.org/rss/CHANNEL, export.arxiv.org/rss/CHANNEL "
            "or export.arxiv.org/api/query",
        )
        return None
    meta: Mapping[str, Any] = parsed.get("feed", {})
    dialect = "atom" if version.startswith("atom") else "rss1" if version in ("rss090", "rss10") else "rss2"
    date = _feed_date(meta)
    if date is None:
        _error(
            report,
            source,
            "the feed has no date (pubDate, lastBuildDate, dc:date or updated)",
            "import the feed as arXiv serves it",
        )
        return None
    entries: list[Mapping[str, Any]] = list(parsed.get("entries", []))
    channel = _channel(meta, entries, dialect)
    if not _SAFE_NAME.fullmatch(channel):
        _error(
            report,
            source,
            f"the feed's channel '{channel[:40]}' is not a safe file name",
            "channels are letters, digits, '.', '-' and '_'",
        )
        return None
    papers: dict[str, FeedPaper] = {}
    for number, entry in enumerate(entries, 1):
        paper = _paper(entry, dialect, channel)
        if paper is None:
            title = _text(entry, "title")[:60]
            report.skipped += 1
            report.problems.append(
                Diagnostic(
                    source, 0, 1, "warning",
                    f"entry {number} ('{title}') has no arXiv ID in its id, guid or description, or no title; skipped",
                    "arXiv entries carry a title and an 'oai:arXiv.org:ID' guid or 'http://arxiv.org/abs/ID' id",
                )
            )  # fmt: skip
            continue
        known = papers.get(paper.arxiv_id)
        if known is None or (paper.version or 0) > (known.version or 0):
            papers[paper.arxiv_id] = paper
    if not papers:
        _error(report, source, "the feed lists no arXiv papers; nothing written", "import an arXiv listing feed")
        return None
    if dialect == "atom":  # the API stamps its feed with the day of the query: date by the papers
        date = max((p.date for p in papers.values() if p.date), default=date)
    return Feed(source, date, channel, tuple(papers.values()))


def _feed_date(meta: Mapping[str, Any]) -> str | None:
    for key in ("published", "updated"):  # RSS pubDate; lastBuildDate, dc:date, Atom <updated>
        raw = meta.get(key)
        if not isinstance(raw, str) or not raw.strip():
            continue
        when = _parse_date(raw.strip())
        if when is not None:
            return when.isoformat()
        parsed = meta.get(f"{key}_parsed")
        if parsed:
            return f"{parsed.tm_year:04d}-{parsed.tm_mon:02d}-{parsed.tm_mday:02d}"
    return None


def _parse_date(raw: str) -> dt.date | None:
    """The calendar date a feed states, in its own time zone (arXiv's evening `dc:date` is the
    listing's day, not the next day in UTC)."""
    try:
        return dt.datetime.fromisoformat(raw).date()
    except ValueError:
        pass
    try:
        return email.utils.parsedate_to_datetime(raw).date()
    except (TypeError, ValueError, IndexError):
        return None


def _channel(meta: Mapping[str, Any], entries: list[Mapping[str, Any]], dialect: str) -> str:
    if dialect != "atom":
        title = _RSS_TITLE.match(str(meta.get("title") or ""))
        if title:
            return title["channel"]
        link = _RSS_LINK.match(str(meta.get("link") or ""))
        if link:
            return link["channel"]
        return DEFAULT_CHANNEL
    # The query API: the category every entry is listed in, the most common primary one first.
    listed = [_categories(e) for e in entries]
    if not listed:
        return DEFAULT_CHANNEL
    common = set(listed[0]).intersection(*listed[1:])
    primaries = [_primary(e) for e in entries]
    ranked = sorted(common, key=lambda c: (-primaries.count(c), c))
    return ranked[0] if ranked else DEFAULT_CHANNEL


def _categories(entry: Mapping[str, Any]) -> list[str]:
    terms = [str(t.get("term") or "") for t in entry.get("tags", []) or []]
    primary = _primary(entry)
    return [t for t in [primary, *terms] if t]


def _primary(entry: Mapping[str, Any]) -> str:
    primary = entry.get("arxiv_primary_category")
    if isinstance(primary, Mapping):
        return str(primary.get("term") or "")
    return ""


def _paper(entry: Mapping[str, Any], dialect: str, channel: str) -> FeedPaper | None:
    title = _text(entry, "title")
    body = _text(entry, "summary", plain=dialect == "rss2")
    prefix = _PREFIX.match(body)
    abstract = body[prefix.end() :] if prefix else body
    found = _entry_id(entry)
    if found is None and prefix:
        found = split_arxiv_id(prefix["id"])
    if found is None or not title:
        return None  # reported as skipped: a block without a title cannot be published
    arxiv_id, version = found
    category = ""
    announce = ""
    if dialect == "rss1":
        tail = _TITLE_TAIL.search(title)
        if tail:
            title = title[: tail.start()].rstrip()
            told = split_arxiv_id(tail["id"])
            if told is not None and told[0] == arxiv_id:  # trusted only as the entry's own tail
                version = version if version is not None else told[1]
                category = tail["category"].strip()
                announce = _OLD_MARKS.get((tail["mark"] or "").upper(), "new")
    elif dialect == "atom":
        category = _primary(entry)
        replaced = (version or 1) > 1
        crossed = bool(category) and channel != DEFAULT_CHANNEL and category != channel
        announce = {(False, False): "new", (False, True): "cross", (True, False): "replace"}.get(
            (replaced, crossed), "replace-cross"
        )
    else:
        told_type = str(entry.get("arxiv_announce_type") or "").strip().lower()
        announce = told_type or (prefix["type"].lower() if prefix else "new")
        tags = [str(t.get("term") or "") for t in entry.get("tags", []) or []]
        category = tags[0] if tags else ""
    if announce not in _NEW_TYPES:
        announce = "new"
    stated = None
    if dialect == "atom":  # `in` first: feedparser's get maps a missing `updated` to `published`, with a warning
        keys = [key for key in ("updated", "published") if key in entry]  # not .get(), for the reason above
        stamps = [str(entry[key]) for key in keys if entry[key]]
        stated = _parse_date(stamps[0]) if stamps else None
    return FeedPaper(arxiv_id, version, announce, title, abstract, category, stated.isoformat() if stated else "")


def _entry_id(entry: Mapping[str, Any]) -> tuple[str, int | None] | None:
    """ID and version from the entry's id / guid / rdf:about, then its link."""
    for key in ("id", "link"):
        value = str(entry.get(key) or "").strip()
        guid = _GUID.match(value)
        found = split_arxiv_id(guid["id"]) if guid else arxiv_id_from_url(value)
        if found is not None:
            return found
    return None


def _text(entry: Mapping[str, Any], key: str, *, plain: bool = False) -> str:
    """A text field on one line: HTML fields lose their tags and entities, unless `plain`."""
    value = str(entry.get(key) or "")
    detail = entry.get(f"{key}_detail")
    kind = str(detail.get("type") or "") if isinstance(detail, Mapping) else ""
    if not plain and kind in ("text/html", "application/xhtml+xml"):
        value = _strip_tags(value)
    return " ".join(clean(value).split())


class _TextOnly(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("p", "br", "div", "li"):
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("p", "div", "li"):
            self.parts.append(" ")


def _strip_tags(markup: str) -> str:
    parser = _TextOnly()
    parser.feed(markup)
    parser.close()
    return "".join(parser.parts)  # character references are decoded by the parser


# Merging and writing -------------------------------------------------------------------------


def _merge_into(path: Path, source: str, papers: list[FeedPaper], content: Path, report: ImportReport) -> None:
    content_path = path.relative_to(content).as_posix()
    front = ""
    records: list[Record] = []
    if path.exists():
        try:
            data = path.read_bytes()
        except OSError as exc:
            _error(report, str(path), f"cannot read the digest to merge into: {exc.strerror}", "check its permissions")
            return
        digest, found = parse_file(str(path), content_path, data)
        if found or digest is None or digest.format != "arxiv":
            _error(
                report,
                str(path),
                f"the digest has {len(found) or 'unreadable'} problem(s) the parser reports; "
                f"{source} was not merged into it, so that nothing in it is lost",
                f"run 'digest check' on {path}, fix the file, then import again",
            )
            return
        text = data.decode("utf-8")
        lines = text.split("\n")
        body_start = _body_start(lines)
        front = "\n".join(lines[:body_start]) + "\n" if body_start else ""
        records = list(digest.records)
    else:
        data = None
    by_id = {r.arxiv_id: i for i, r in enumerate(records)}
    changed = data is None
    for paper in papers:
        at = by_id.get(paper.arxiv_id)
        if at is None:
            by_id[paper.arxiv_id] = len(records)
            records.append(_new_record(paper, content_path))
            report.added += 1
        elif (paper.version or 0) > (records[at].version or 0):
            records[at] = _updated(records[at], paper)
            report.updated += 1
        else:
            report.skipped += 1
            continue
        changed = True
    new = (front + render_digest(records)).encode("utf-8")
    # Nothing added or updated: the file stays as it is, whatever its own spacing.
    if not changed or data == new:
        report.unchanged.append(path)
        return
    _write_atomic(path, new)
    report.written.append(path)


def _body_start(lines: list[str]) -> int:
    if lines and lines[0].strip() == "---":
        for index in range(1, len(lines)):
            if lines[index].strip() == "---":
                return index + 1
    return 0


def _new_record(paper: FeedPaper, content_path: str) -> Record:
    return Record(
        source=content_path,
        line=0,
        format="arxiv",
        ref=0,
        title=paper.title,
        arxiv_id=paper.arxiv_id,
        version=paper.version,
        category=paper.category,
        announce=paper.announce,
        url=paper.url,
        abstract_en=paper.abstract,
    )


def _updated(record: Record, paper: FeedPaper) -> Record:
    """A newer version: the feed's English fields, the record's Chinese ones."""
    return dataclasses.replace(
        record,
        title=paper.title,
        version=paper.version,
        category=paper.category,
        announce=paper.announce,
        url=paper.url,
        abstract_en=paper.abstract,
        abstract_truncated=False,
    )


def render_digest(records: Sequence[Record]) -> str:
    """Format A text of `records`, numbered `[^1]` … in order."""
    rows = []
    blocks = []
    for number, record in enumerate(records, 1):
        title_line = _title_line(record)
        rows.append(f"| [^{number}] | [{_row_title(record)}]({record.url}) | {_one_line(record.summary_zh)} |\n")
        fields = [
            title_line,
            f"[{record.url}]({record.url})",
            _field(record.summary_zh),
            _field(record.summary_en),
            _field(record.abstract_zh),
            _abstract_field(record),
        ]
        body = "\n\n".join(f"    {text}" for text in fields)
        blocks.append(f"[^{number}]: {_one_line(record.title_zh)}\n\n{body}\n    \n")
    return (
        "# 摘要\n\n| Ref | Title | Summary |\n| --- | --- | --- |\n" + "".join(rows) + "\n# 详细\n\n" + "".join(blocks)
    )


def _one_line(text: str) -> str:
    return " ".join(clean(text).split())


def _field(text: str) -> str:
    """One field line; text that would read as a block header or table row gets an invisible
    mark in front, which the parser drops."""
    text = _one_line(text)
    return _ZWSP + text if _DECLARATION.match(text) else text


def _needs_tail(record: Record) -> bool:
    """Whether the title line must end with `(arXiv:ID [cat])`: for old-feed records (their
    marker and category live there) and for titles that themselves contain `(arXiv:`, which
    the parser would otherwise read as the ID."""
    return (
        record.announce in _OLD_MARKS
        or bool(record.category and record.announce not in _NEW_TYPES)
        or ("arxiv:" in record.title.lower())
    )


def _tail(record: Record) -> str:
    version = f"v{record.version}" if record.version is not None else ""
    mark = f" {record.announce}" if record.announce in _OLD_MARKS else ""
    return f". (arXiv:{record.arxiv_id}{version} [{record.category}]{mark})"


def _title_line(record: Record) -> str:
    title = _one_line(record.title)
    return _field(title + _tail(record) if _needs_tail(record) else title)


def _row_title(record: Record) -> str:
    title = _one_line(record.title) + (_tail(record) if _needs_tail(record) else "")
    # The parser takes a row's title up to the first `](http`; an invisible mark breaks it.
    return title.replace("](http", "](" + _ZWSP + "http")


def _raw_abstract(record: Record) -> str:
    """The English abstract with its `arXiv:ID vN Announce Type: TYPE Abstract: ` prefix, which
    carries the ID, version and type in the 2024+ style."""
    if record.announce not in _NEW_TYPES:
        return record.abstract_en
    version = f"v{record.version}" if record.version is not None else ""
    return f"arXiv:{record.arxiv_id}{version} Announce Type: {record.announce} Abstract: {record.abstract_en}"


def _abstract_field(record: Record) -> str:
    """The English abstract's line. A whole abstract about as long as upstream's cut would read
    as cut: its prefix, which the parser drops with its spaces, takes a few more spaces until
    the field is clearly longer than any cut one."""
    line = _field(_raw_abstract(record))
    if record.announce in _NEW_TYPES:
        while looks_truncated(line) and len(line) <= 2 * TRUNCATION_LIMIT:
            line = line.replace(" Abstract: ", " Abstract:  ", 1)
    return line


def _write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as stream:
            stream.write(data)
        os.replace(name, path)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise


def _error(report: ImportReport, where: str, message: str, hint: str) -> None:
    report.problems.append(Diagnostic(where, 0, 1, "error", message, hint))
