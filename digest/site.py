"""Records → the site: papers merged across files, grouped into collections, given pages.

One paper, many appearances: arXiv records merge by arXiv ID; a venue record joins the arXiv
paper whose normalised title it shares, or stands as a paper of its own, identified by its
venue and the last segment of its link.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from digest import urls
from digest.errors import Diagnostic
from digest.model import Collection, CollectionKind, DigestFile, Paper, Record, venue_label
from digest.parse.text import normalise_title

# Orals first: the order readers of a venue expect; other kinds follow alphabetically.
KIND_ORDER = ("oral", "spotlight", "poster")


@dataclass(frozen=True, slots=True)
class Site:
    papers: tuple[Paper, ...]
    """Every paper, in the order of the all-papers index."""
    digests: tuple[DigestFile, ...]
    """Every input file read as a digest, newest date first."""
    digest_pages: dict[str, str]
    """Digest source → its page."""
    all_papers: Collection
    venues: tuple[Collection, ...]
    categories: tuple[Collection, ...]
    dates: tuple[Collection, ...]
    """Newest first."""
    paper_of: dict[tuple[str, int], Paper]
    """(source, line) of a record → the paper it belongs to."""


def build_site(digests: Iterable[DigestFile], page_size: int) -> tuple[Site, list[Diagnostic]]:
    ordered = sorted(digests, key=lambda d: (d.date, d.content_path))
    diagnostics: list[Diagnostic] = []
    paths = urls.Paths()
    groups = _group(ordered, diagnostics)
    papers = sorted((_paper(paths, key, records) for key, records in groups.items()), key=_title_order)
    paper_of = {(r.source, r.line): paper for paper in papers for r in paper.appearances}

    newest_first = tuple(sorted(ordered, key=lambda d: (d.date, d.content_path), reverse=True))
    digest_pages = {d.source: urls.digest_path(paths, d.content_path) for d in ordered}
    by_venue: dict[str, list[Paper]] = defaultdict(list)
    by_category: dict[str, list[Paper]] = defaultdict(list)
    for paper in papers:
        if paper.venue:
            by_venue[paper.venue_label].append(paper)
        if paper.category:
            by_category[paper.category].append(paper)
    venue_sources = _sources(ordered, lambda d: venue_label(d.venue, d.year) if d.format == "venue" else "")
    date_sources = _sources(ordered, lambda d: d.date)

    def collection(kind: CollectionKind, key: str, members: list[Paper], sources: tuple[str, ...] = ()) -> Collection:
        first = urls.collection_path(paths, kind, key)
        return Collection(kind, key, tuple(members), paths.paginate(kind, key, first, _page_count(members)), sources)

    def _page_count(members: list[Paper]) -> int:
        return max(1, -(-len(members) // page_size))

    venues = tuple(
        collection("venue", label, sorted(members, key=_kind_order), venue_sources.get(label, ()))
        for label, members in sorted(by_venue.items())
    )
    categories = tuple(
        collection("category", category, sorted(members, key=lambda p: p.arxiv_id, reverse=True))
        for category, members in sorted(by_category.items())
    )
    dates = tuple(
        collection("date", date, _papers_in(ordered, date, paper_of), date_sources[date])
        for date in sorted(date_sources, reverse=True)
    )
    all_pages = paths.paginate("all", "all", urls.ALL_PAPERS, _page_count(papers))
    all_papers = Collection("all", "all", tuple(papers), all_pages)
    site = Site(tuple(papers), newest_first, digest_pages, all_papers, venues, categories, dates, paper_of)
    return site, diagnostics


def _group(digests: list[DigestFile], diagnostics: list[Diagnostic]) -> dict[str, list[Record]]:
    """Paper ID → its records, in reading order."""
    groups: dict[str, list[Record]] = defaultdict(list)
    by_title: dict[str, set[str]] = defaultdict(set)
    venue_records: list[Record] = []
    for digest in digests:
        for record in digest.records:
            if record.format == "venue":
                venue_records.append(record)
                continue
            key = record.arxiv_id or _title_id(record)
            groups[key].append(record)
            if record.arxiv_id and record.title:
                by_title[normalise_title(record.title)].add(record.arxiv_id)
    for record in venue_records:
        matches = sorted(by_title.get(normalise_title(record.title), ())) if record.title else []
        if len(matches) > 1:
            diagnostics.append(
                Diagnostic(
                    record.source,
                    record.line,
                    1,
                    "warning",
                    f"title matches several arXiv papers ({', '.join(matches)}); published as a paper of its own",
                    "add the arXiv ID to the title or make the titles distinct",
                )
            )
        groups[matches[0] if len(matches) == 1 else _venue_id(record)].append(record)
    return groups


def _venue_id(record: Record) -> str:
    """`<venue-slug>/<last segment of the link>`, or a title-based ID when there is no link."""
    segment = urlsplit(record.url).path.rstrip("/").rpartition("/")[2] if record.url else ""
    if not segment:
        return _title_id(record)
    return f"{urls.slug(venue_label(record.venue, record.year))}/{segment}"


def _title_id(record: Record) -> str:
    """An ID for a record that names no arXiv ID nor link: stable for the same title."""
    key = normalise_title(record.title) or f"{record.source}:{record.line}"
    return "untitled-" + hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:12]


def _paper(paths: urls.Paths, paper_id: str, records: list[Record]) -> Paper:
    arxiv_records = [r for r in records if r.format == "arxiv"]
    venue_records = [r for r in records if r.format == "venue"]
    # The fullest arXiv side: highest version, and the latest reading on a tie.
    arxiv = max(reversed(arxiv_records), key=lambda r: r.version or 0, default=None)
    venue = venue_records[0] if venue_records else None

    def first(field: str) -> str:
        ordered = ([arxiv] if arxiv else []) + arxiv_records + venue_records
        return next((value for r in ordered if (value := getattr(r, field))), "")

    # The fullest English abstract with its own translation: a venue's is never cut.
    abstract_side = venue if venue and venue.abstract_en else arxiv or venue
    assert abstract_side is not None
    return Paper(
        id=paper_id,
        page=urls.paper_path(paths, paper_id),
        title=first("title"),
        title_zh=first("title_zh"),
        arxiv_id=arxiv.arxiv_id if arxiv else "",
        version=arxiv.version if arxiv else None,
        category=first("category"),
        authors=next((r.authors for r in venue_records if r.authors), ()),
        venue=venue.venue if venue else "",
        year=venue.year if venue else None,
        kind=venue.kind if venue else "",
        topic=venue.topic if venue else "",
        abstract_en=abstract_side.abstract_en,
        abstract_truncated=abstract_side.abstract_truncated,
        abstract_zh=abstract_side.abstract_zh or first("abstract_zh"),
        summary_zh=first("summary_zh"),
        summary_en=first("summary_en"),
        arxiv=arxiv,
        venue_side=venue,
        appearances=tuple(records),
    )


def _sources(digests: list[DigestFile], key_of: Callable[[DigestFile], str]) -> dict[str, tuple[str, ...]]:
    """Collection key → the sources of the digests behind it, in reading order."""
    found: dict[str, list[str]] = defaultdict(list)
    for digest in digests:
        if key := key_of(digest):
            found[key].append(digest.source)
    return {key: tuple(sources) for key, sources in found.items()}


def _papers_in(digests: list[DigestFile], date: str, paper_of: dict[tuple[str, int], Paper]) -> list[Paper]:
    """Papers listed by the digests of one date, in digest and table order, each once."""
    seen: dict[str, Paper] = {}
    for digest in digests:
        if digest.date == date:
            for record in digest.records:
                paper = paper_of[(record.source, record.line)]
                seen.setdefault(paper.id, paper)
    return list(seen.values())


def _title_order(paper: Paper) -> tuple[str, str]:
    return (normalise_title(paper.title), paper.id)


def _kind_order(paper: Paper) -> tuple[int, str, tuple[str, str]]:
    rank = KIND_ORDER.index(paper.kind) if paper.kind in KIND_ORDER else len(KIND_ORDER) + (not paper.kind)
    return (rank, paper.kind, _title_order(paper))
