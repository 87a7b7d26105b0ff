"""Records → the site: papers merged across files, grouped into collections, given pages.

One paper, many appearances: arXiv records merge by arXiv ID; a venue record joins the arXiv
paper whose normalised title it shares, or stands as a paper of its own, identified by its
venue and its link (the last path segment, or the `id=` of a forum link).
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import NamedTuple
from urllib.parse import parse_qs, urlsplit

from digest import urls
from digest.errors import Diagnostic
from digest.lazy import PaperOf, Records, Rows
from digest.model import Collection, CollectionKind, DigestFile, Paper, Record, Revision, venue_label
from digest.parse.text import is_arxiv_category, normalise_title

# Orals first: the order readers of a venue expect; other kinds follow alphabetically.
KIND_ORDER = ("oral", "spotlight", "poster")


GROWING = ("all", "category")
"""The kinds of collection that grow at their start, newest first, as daily digests come in.
Their pages are counted from the oldest end, so that a new day changes only the first page, the
pages it splits off and the page after those (see `page_members`); the lists of a venue or a
date stay as their files give them."""


@dataclass(frozen=True, slots=True)
class Site:
    papers: Sequence[Paper]
    """Every paper, in the order of the all-papers index: newest first, by the first date the
    paper is listed on, and papers of one date as the digests list them (in reading order);
    papers listed only in venue collections last."""
    digests: Sequence[DigestFile]
    """Every input file read as a digest, newest date first."""
    digest_pages: dict[str, str]
    """Digest source → its page."""
    all_papers: Collection
    venues: tuple[Collection, ...]
    categories: tuple[Collection, ...]
    dates: tuple[Collection, ...]
    """Newest first."""
    paper_of: Mapping[tuple[str, int], Paper]
    """(source, line) of a record → the paper it belongs to."""
    paths: urls.Paths = field(compare=False)
    """The output paths handed out, by what they show."""
    made: Mapping[str, Paper] | None = field(default=None, compare=False)
    """Of a site merged onto a `Base`: the papers the merge made (new, or listed again), the
    only ones in memory; the others are loaded when a page asks for them. None when the merge
    made every paper."""


class NeedsWholeSite(Exception):
    """A merge onto a `Base` that only the whole site can make (the reason says why)."""


class Listing(NamedTuple):
    """A digest of a `Base`: its file without the records, its page, and the (line, paper ID)
    of each of its records."""

    file: DigestFile
    page: str
    rows: tuple[tuple[int, str], ...]


class Kept(NamedTuple):
    """A collection of a `Base`."""

    key: str
    members: list[str]
    """Its papers' IDs, in order."""
    pages: tuple[str, ...]
    sources: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Base:
    """The site an earlier merge made, without its papers and records (which `paper` and
    `records` load when asked for): new days merge onto it (`build_site`)."""

    order: list[str]
    """Every paper's ID, in the site's order."""
    digests: list[Listing]
    """Newest first."""
    venues: list[Kept]
    categories: list[Kept]
    dates: list[Kept]
    """Newest first."""
    all_pages: tuple[str, ...]
    owners: dict[str, tuple[str, str]]
    """The output paths handed out (`digest.urls.Paths`)."""
    venue_titles: frozenset[str]
    """The normalised titles of the venue collections' records."""
    paper: Callable[[str], Paper]
    """A paper, by its ID."""
    records: Callable[[Listing], Callable[[], Sequence[Record]]]
    """What loads the records of a digest."""


def build_site(
    digests: Iterable[DigestFile], page_size: int, base: Base | None = None
) -> tuple[Site, list[Diagnostic]]:
    """The site of `digests`; or, given the `base` of an earlier merge, the site of that and
    of `digests`, new days all dated after the base's, where only the papers they list are
    made (and held in memory: `Site.made`). A change to the base that only the whole site
    can make (a paper listed again whose date, categories or page would change, a title that
    may join a venue paper, a path another page holds) raises `NeedsWholeSite`."""
    ordered = sorted(digests, key=lambda d: (d.date, d.content_path))
    diagnostics: list[Diagnostic] = []
    known: set[str] = set()
    file_of = {d.source: d for d in ordered}
    if base is not None:
        last = max((listing.file.date for listing in base.digests), default="")
        if any(d.format != "arxiv" or d.date <= last for d in ordered):
            raise NeedsWholeSite("a file is not a daily digest dated after the others")
        known = set(base.order)
        file_of = {listing.file.source: listing.file for listing in base.digests} | file_of
    paths = urls.Paths() if base is None else urls.Paths(base.owners, strict=True)
    groups = _group(ordered, diagnostics, base, known)
    try:
        made = {key: merged_paper(paths, key, records, file_of) for key, records in groups.items()}
        digest_pages = {d.source: urls.digest_path(paths, d.content_path) for d in ordered}
    except urls.Taken:
        raise NeedsWholeSite("a path is taken") from None
    if base is not None:
        for key in known.intersection(made):
            if _place(base.paper(key)) != _place(made[key]):
                raise NeedsWholeSite("a paper listed again changes its date, categories or page")
    date_of = {source: file.date for source, file in file_of.items()}
    read = {(r.source, r.line): n for n, r in enumerate(r for d in ordered for r in d.records)}

    def by_first_listing(paper: Paper) -> tuple[str, int]:
        """Its first date, and where the digests of that date first list it (negated: the
        order is reversed, for the newest date first)."""
        first = min(read[r.source, r.line] for r in paper.appearances if date_of[r.source] == paper.first_date)
        return (paper.first_date, -first)

    # New papers come first: with a base, they are dated after all its papers.
    papers = sorted((made[key] for key in made if key not in known), key=by_first_listing, reverse=True)
    by_venue: dict[str, list[Paper]] = defaultdict(list)
    by_category: dict[str, list[Paper]] = defaultdict(list)
    for paper in papers:
        for label in dict.fromkeys(venue_label(r.venue, r.year) for r in paper.venue_sides):
            by_venue[label].append(paper)
        for category in paper.categories:
            by_category[category].append(paper)
    paper_of = {(r.source, r.line): paper for paper in made.values() for r in paper.appearances}
    by_date: dict[str, dict[str, Paper]] = defaultdict(dict)
    for digest in ordered:
        if digest.date:
            for record in digest.records:
                paper = paper_of[(record.source, record.line)]
                by_date[digest.date].setdefault(paper.id, paper)
    venue_sources = _sources(ordered, lambda d: venue_label(d.venue, d.year) if d.format == "venue" else "")
    date_sources = _sources(ordered, lambda d: d.date)

    def paper_by_id(paper_id: str) -> Paper:
        found = made.get(paper_id)
        if found is None:
            assert base is not None, "a merge without a base made every paper"
            found = base.paper(paper_id)
        return found

    def collection(
        kind: CollectionKind,
        key: str,
        members: list[Paper],
        sources: tuple[str, ...] = (),
        tail: list[str] | None = None,
    ) -> Collection:
        """A collection of `members`; with a `tail` (the base's collection of the same key, as
        IDs), of `members` and then those."""
        if tail is None:
            return Collection(
                kind, key, tuple(members), collection_pages(paths, kind, key, len(members), page_size), sources
            )
        ids = [paper.id for paper in members] + tail
        pages = collection_pages(paths, kind, key, len(ids), page_size)
        return Collection(kind, key, Rows(ids, paper_by_id), pages, sources)

    def as_before(kind: CollectionKind, kept: Kept) -> Collection:
        return Collection(kind, kept.key, Rows(kept.members, paper_by_id), kept.pages, kept.sources)

    kept_venues = {k.key: k for k in base.venues} if base else {}
    kept_categories = {k.key: k for k in base.categories} if base else {}
    try:
        venues = _by_key(
            [collection("venue", label, sorted(members, key=_kind_order(label)), venue_sources.get(label, ()),
                        _members(kept_venues, label)) for label, members in sorted(by_venue.items())],
            [as_before("venue", k) for key, k in kept_venues.items() if key not in by_venue],
        )  # fmt: skip
        categories = _by_key(
            [collection("category", key, members, (), _members(kept_categories, key))
             for key, members in sorted(by_category.items())],
            [as_before("category", k) for key, k in kept_categories.items() if key not in by_category],
        )  # fmt: skip
        dates = tuple(  # every date with a digest, even an empty one
            collection("date", date, list(by_date[date].values()), sources)
            for date, sources in sorted(date_sources.items(), reverse=True)
        ) + tuple(as_before("date", kept) for kept in (base.dates if base else []))
        all_papers = collection("all", "all", papers, (), base.order if base else None)
    except urls.Taken:
        raise NeedsWholeSite("a path is taken") from None
    newest_first = tuple(reversed(ordered))
    if base is None:
        site = Site(tuple(papers), newest_first, digest_pages, all_papers, venues, categories, dates, paper_of, paths)
        return site, diagnostics
    rows = {listing.file.source: listing.rows for listing in base.digests}
    rows.update((d.source, tuple((r.line, arxiv_key(r)) for r in d.records)) for d in ordered)
    earlier = tuple(
        replace(listing.file, records=Records(len(listing.rows), base.records(listing))) for listing in base.digests
    )
    site = Site(
        papers=all_papers.papers,
        digests=newest_first + earlier,
        digest_pages={listing.file.source: listing.page for listing in base.digests} | digest_pages,
        all_papers=all_papers,
        venues=venues,
        categories=categories,
        dates=dates,
        paper_of=PaperOf(rows, paper_by_id),
        paths=paths,
        made=made,
    )
    return site, diagnostics


def _members(kept: dict[str, Kept], key: str) -> list[str] | None:
    return kept[key].members if key in kept else None


def _by_key(*collections: list[Collection]) -> tuple[Collection, ...]:
    return tuple(sorted((c for part in collections for c in part), key=lambda c: c.key))


def _place(paper: Paper) -> tuple[str, tuple[str, ...], str]:
    """What places a paper in the site's lists."""
    return (paper.first_date, paper.categories, paper.page)


def date_neighbours(dates: Sequence[tuple[str, str, int]]) -> dict[str, tuple[str, str]]:
    """Each date's (newer, older) neighbours that list papers, as their first pages ('' where
    there is none), given each date's (key, first page, number of papers), newest first. A date
    page links to them, skipping dates whose digests list no paper."""
    found: dict[str, tuple[str, str]] = {}
    newer = ""
    for key, page, count in dates:
        found[key] = (newer, "")
        newer = page if count else newer
    older = ""
    for key, page, count in reversed(dates):
        found[key] = (found[key][0], older)
        older = page if count else older
    return found


def channels_on(paper: Paper, date: str, digest_of: Mapping[str, DigestFile]) -> list[str]:
    """The channels whose digests of `date` list `paper`, in reading order, once each."""
    return list(dict.fromkeys(d.channel for r in paper.appearances if (d := digest_of[r.source]).date == date))


def collection_pages(paths: urls.Paths, kind: CollectionKind, key: str, count: int, page_size: int) -> tuple[str, ...]:
    """The pages of a collection of `count` papers (see `page_members`)."""
    first = urls.ALL_PAPERS if kind == "all" else urls.collection_path(paths, kind, key)
    if kind in GROWING:  # full pages from the oldest end, and the first page holds the rest
        return paths.paginate(kind, key, first, max(1, count // page_size), from_oldest=True)
    return paths.paginate(kind, key, first, max(1, -(-count // page_size)))


def page_members(collection: Collection, number: int, page_size: int) -> tuple[Paper, ...]:
    """The papers on page `number` (from 1, in the order of `collection.pages`). A growing
    collection's pages after the first are full, counted from the oldest end, and its first
    page holds the others' remainder: from `page_size` papers to twice that less one."""
    start, end = page_bounds(collection.kind, len(collection.papers), len(collection.pages), number, page_size)
    return tuple(collection.papers[start:end])


def page_bounds(kind: CollectionKind, count: int, pages: int, number: int, page_size: int) -> tuple[int, int]:
    """Where page `number` of `pages` starts and ends in a collection of `count` papers."""
    if kind not in GROWING:
        return (number - 1) * page_size, min(count, number * page_size)
    end = count - (pages - number) * page_size
    return (0 if number == 1 else end - page_size), end


def _group(
    digests: list[DigestFile], diagnostics: list[Diagnostic], base: Base | None, known: set[str]
) -> dict[str, list[Record]]:
    """Paper ID → its records, in reading order; with a `base`, a paper it has (`known`) starts
    with the records it had there."""
    groups: dict[str, list[Record]] = defaultdict(list)
    by_title: dict[str, set[str]] = defaultdict(set)
    venue_records: list[Record] = []
    for digest in digests:
        for record in digest.records:
            if record.format == "venue":
                venue_records.append(record)
                continue
            key = arxiv_key(record)
            if base is not None and key in known and key not in groups:
                earlier = base.paper(key)
                if earlier.venue_sides:
                    raise NeedsWholeSite("a venue paper is listed again")
                groups[key] = list(earlier.appearances)
            if groups[key] and (conflict := title_conflict(key, groups[key], record)):
                diagnostics.append(conflict)
            groups[key].append(record)
            if record.arxiv_id and (title := normalise_title(record.title)):
                by_title[title].add(record.arxiv_id)
                if base is not None and title in base.venue_titles:
                    raise NeedsWholeSite("a title may join a venue paper")
    for record in venue_records:
        # A title of only emoji or punctuation normalises to nothing and matches nothing.
        title = normalise_title(record.title)
        matches = sorted(by_title.get(title, ())) if title else []
        if len(matches) > 1:
            diagnostics.append(_warning(
                record, f"title matches several arXiv papers ({', '.join(matches)}); published as a paper of its own",
                "make the titles distinct if these are different papers",
            ))  # fmt: skip
        key = matches[0] if len(matches) == 1 else _venue_id(record)
        if len(matches) != 1 and groups[key] and not _same_title(groups[key][0], record):
            first = groups[key][0]
            diagnostics.append(_warning(
                record, f"link is the same as that of '{first.title[:60]}' at {first.location}; "
                "published as a paper of its own",
                "give each paper its own link",
            ))  # fmt: skip
            key = f"{key}-{_title_id(record)}"
        groups[key].append(record)
    return groups


def arxiv_key(record: Record) -> str:
    """The ID of the paper a daily digest's record belongs to."""
    return record.arxiv_id or _title_id(record)


def title_conflict(key: str, earlier: Sequence[Record], record: Record) -> Diagnostic | None:
    """The warning for a `record` of paper `key` whose title is not that of an `earlier` record of
    the same version. A paper revised on arXiv may change its title from one version to the
    next (see `revisions`), but one version has one title: two under the same ID and version
    look like a wrong ID."""
    if record.version is None or not record.title:
        return None
    same = next((r for r in earlier if r.version == record.version and r.title), None)
    if same is None or _same_title(same, record):
        return None
    return Diagnostic(
        record.source, record.line, 1, "warning",
        f"arXiv {key}v{record.version} is listed here as '{record.title[:60]}' but as '{same.title[:60]}' "
        f"at {same.location}; they are published as one paper, with the newest text",
        "check the arXiv ID: one version of a paper has one title",
    )  # fmt: skip


def _warning(record: Record, message: str, hint: str) -> Diagnostic:
    return Diagnostic(record.source, record.line, 1, "warning", message, hint)


def _same_title(one: Record, other: Record) -> bool:
    """Titles that name the same paper. Titles that normalise to nothing (only emoji or
    punctuation) are the same only when they are equal as written."""
    key = normalise_title(one.title)
    return key == normalise_title(other.title) and (key != "" or one.title == other.title)


def _venue_id(record: Record) -> str:
    """`<venue-slug>/<the link's id>`, or a title-based ID when there is no link.

    The link's id is its `id=` query value (OpenReview's `forum?id=…`) or its last path segment.
    """
    if not record.url:
        return _title_id(record)
    parts = urlsplit(record.url)
    query_id = parse_qs(parts.query).get("id", [""])[0]
    segment = query_id or parts.path.rstrip("/").rpartition("/")[2]
    if not segment:
        return _title_id(record)
    return f"{urls.slug(venue_label(record.venue, record.year))}/{segment}"


def _title_id(record: Record) -> str:
    """An ID for a record that names no arXiv ID nor link: stable for the same title."""
    key = normalise_title(record.title) or f"{record.source}:{record.line}"
    return "untitled-" + hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:12]


def merged_paper(paths: urls.Paths, paper_id: str, records: list[Record], files: Mapping[str, DigestFile]) -> Paper:
    """The paper merged from its `records`; `files` gives each record's input file (by source)."""
    arxiv_records = [r for r in records if r.format == "arxiv"]
    venue_records = [r for r in records if r.format == "venue"]
    # The newest arXiv text: highest version, and the latest reading on a tie.
    arxiv = max(reversed(arxiv_records), key=lambda r: r.version or 0, default=None)
    first_per_venue: dict[str, Record] = {}
    for record in venue_records:
        first_per_venue.setdefault(venue_label(record.venue, record.year), record)
    sides = tuple(first_per_venue.values())
    venue = sides[0] if sides else None
    # Fields are taken from the arXiv side first, then from any other record that has them.
    preferred = ([arxiv] if arxiv else []) + arxiv_records + venue_records

    def first(field: str) -> str:
        """The field's first non-empty value, in `preferred` order (a loop: quicker than a
        generator, and this runs five times for each of 100,000 papers)."""
        for record in preferred:
            value: str = getattr(record, field)
            if value:
                return value
        return ""

    primary, categories, cross_listed = listed_in(arxiv_records, files, preferred)
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
        category=primary,
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
        venue_sides=sides,
        appearances=tuple(records),
        first_date=min(filter(None, (files[r.source].date for r in records)), default=""),
        categories=categories,
        cross_listed=cross_listed,
        revisions=revisions(arxiv, arxiv_records, files) if len(arxiv_records) > 1 else (),
    )


PRIMARY_TYPES = frozenset({"new", "replace"})
"""Announce types of the new feed for a paper whose primary category is the channel's; `cross`
and `replace-cross` list a paper of another primary category in the channel."""


def listed_in(
    records: Sequence[Record], files: Mapping[str, DigestFile], preferred: Sequence[Record]
) -> tuple[str, tuple[str, ...], tuple[str, ...]]:
    """(primary category, every category that lists the paper, those it is only cross-listed
    in) from its daily digests' `records`; the primary category is the first that a `preferred`
    record states (see `stated_primary`). Each channel named after an arXiv category or archive
    lists the paper there: as primary when the record states that the paper's primary category
    is the channel or in it (an archive), and as cross-listed otherwise, also when nothing says."""
    primaries: set[str] = set()
    listed: set[str] = set()
    for record in records:
        channel = files[record.source].channel
        stated = stated_primary(record, channel)
        if stated:
            primaries.add(stated)
            listed.add(stated)
        if is_arxiv_category(channel):
            listed.add(channel)
            if stated.startswith(channel) and stated[len(channel) : len(channel) + 1] in ("", "."):
                primaries.add(channel)
    category = next((c for r in preferred if (c := stated_primary(r, files[r.source].channel))), "")
    return category, tuple(sorted(listed)), tuple(sorted(listed - primaries))


def stated_primary(record: Record, channel: str) -> str:
    """The primary category a listing states: the old feed's title line names it, and a `new` or
    `replace` listing of the new feed is of its channel's."""
    if record.category:
        return record.category
    return channel if record.announce in PRIMARY_TYPES and is_arxiv_category(channel) else ""


def revisions(
    newest: Record | None, records: Sequence[Record], files: Mapping[str, DigestFile]
) -> tuple[Revision, ...]:
    """The earlier texts of a paper, which its `newest` record replaced, in reading order: listings
    whose title or abstract differs from it (an abstract cut short is the same as its whole)."""
    if newest is None:
        return ()
    shown = _text_key(newest)
    found: dict[tuple[str, str], list[Record]] = {}
    for record in records:
        key = _text_key(record)
        if not _same_text(key, shown):
            same = next((earlier for earlier in found if _same_text(earlier, key)), key)
            found.setdefault(same, []).append(record)
    return tuple(
        Revision(
            title=listings[0].title,
            version=max((r.version for r in listings if r.version is not None), default=None),
            dates=tuple(sorted({files[r.source].date for r in listings} - {""})),
        )
        for listings in found.values()
    )


def _text_key(record: Record) -> tuple[str, str]:
    return normalise_title(record.title), " ".join(record.abstract_en.split())


def _same_text(one: tuple[str, str], other: tuple[str, str]) -> bool:
    (title, abstract), (other_title, other_abstract) = one, other
    return title == other_title and (abstract.startswith(other_abstract) or other_abstract.startswith(abstract))


def _sources(digests: list[DigestFile], key_of: Callable[[DigestFile], str]) -> dict[str, tuple[str, ...]]:
    """Collection key → the sources of the digests behind it, in reading order."""
    found: dict[str, list[str]] = defaultdict(list)
    for digest in digests:
        if key := key_of(digest):
            found[key].append(digest.source)
    return {key: tuple(sources) for key, sources in found.items()}


def _title_order(paper: Paper) -> tuple[str, str]:
    return (normalise_title(paper.title), paper.id)


def kind_in(paper: Paper, label: str) -> str:
    """The paper's presentation kind at the venue called `label`."""
    side = paper.side_in(label)
    return side.kind if side else ""


def _kind_order(label: str) -> Callable[[Paper], tuple[int, str, tuple[str, str]]]:
    def order(paper: Paper) -> tuple[int, str, tuple[str, str]]:
        kind = kind_in(paper, label)
        rank = KIND_ORDER.index(kind) if kind in KIND_ORDER else len(KIND_ORDER) + (not kind)
        return (rank, kind, _title_order(paper))

    return order
