"""What the last build knew of the site, kept so that an update that only adds days
(`digest.incremental.additions`) need not read the whole site again.

Three files in the site's cache folder, beside the manifest of an output folder (see
`digest.incremental.manifest`), written by each build that makes the whole site:
- the catalog: the site's shape without its text. Each paper's ID, in the site's order, with
  its first date and the fingerprint of its page; each digest's metadata and which paper each
  of its records belongs to; each collection's papers (as IDs) and pages; the output paths
  handed out; and what the build reported, file by file. It is sealed with the hash of its
  bytes, and made for one manifest (its stamp and the fingerprint of its input);
- the paper store: every paper, written on its own (`digest.codec`), so that a page's papers
  can be loaded without the others. Its index (paper ID → where the paper lies, and the CRC
  of its bytes) is the last thing in the file; an update appends the papers it changed and a
  new index;
- the shape of the search index the output folder holds (`digest.incremental.searchindex.Shape`).
"""

from __future__ import annotations

import contextlib
import os
import struct
import zlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from itertools import chain
from pathlib import Path
from typing import Any, NamedTuple

from digest import codec, urls
from digest.errors import Diagnostic
from digest.incremental.cache import VERSION, keep_sealed, read_sealed
from digest.incremental.feedtops import KeptFeed
from digest.lazy import ids_of
from digest.model import Collection, DigestFile, Paper, Record
from digest.parse.text import normalise_title
from digest.site import Base, Kept, Listing, Site
from digest.summary import Tally

_TRAILER = struct.Struct("<Q")
"""The end of the store: where its index starts."""


@dataclass(slots=True)
class Catalog:
    """The site's shape, as the last build left it (see above)."""

    made_for: str
    """The stamp and content fingerprint of the manifest written with it."""
    store: str
    """The identity of the paper store made with it."""
    order: list[str]
    """Every paper's ID, in the site's order."""
    tokens: list[str]
    """The token lists know each paper by, in the same order: its page fingerprint
    (`digest.render.Pages.paper_token`) or, for a paper listed again since that lists show as
    before (`digest.render.Pages.lists_alike`), the token they knew it by then. Pages that
    list papers are made from these, and the search index keeps each paper's key by them."""
    first_dates: list[str]
    """Each paper's first date, in the same order."""
    digests: list[Digest]
    """In the site's order: newest first."""
    venues: list[Kept]
    categories: list[Kept]
    dates: list[Kept]
    all_pages: tuple[str, ...]
    owners: Owners
    venue_titles: frozenset[str]
    """The normalised titles of the venue collections' records: a new arXiv record with one of
    them may join a venue paper, which only a whole build works out."""
    hashes: dict[str, str]
    """Each digest's source → the hash of its file's bytes."""
    problems: list[Diagnostic]
    by_file: dict[str, list[Diagnostic]]
    tally: Tally
    merged: list[Diagnostic]
    """What merging reported of daily digests' records."""
    merged_venues: list[Diagnostic]
    """What merging reported of venue collections' records (reported after the others)."""
    feeds: list[KeptFeed]
    """The site's feeds (none without a `base_url`)."""


class Digest(NamedTuple):
    """A digest as the catalog keeps it (`digest.site.Listing`): its rows as a list of lines and
    one of paper IDs. JSON reads lists of numbers or strings four times as fast as a list of
    pairs, and the catalog of the whole history holds 146,000 rows."""

    file: DigestFile
    page: str
    lines: list[int]
    papers: list[str]

    def listing(self) -> Listing:
        return Listing(self.file, self.page, tuple(zip(self.lines, self.papers, strict=True)))


class Owners(NamedTuple):
    """The output paths handed out (`digest.urls.Paths.owners`), as three lists, as `Digest`'s
    rows are kept: each path, and the kind and key of what it was handed out to."""

    paths: list[str]
    kinds: list[str]
    keys: list[str]

    @classmethod
    def of(cls, owners: Mapping[str, tuple[str, str]]) -> Owners:
        return cls(list(owners), [kind for kind, _ in owners.values()], [key for _, key in owners.values()])

    def mapping(self) -> dict[str, tuple[str, str]]:
        return dict(zip(self.paths, zip(self.kinds, self.keys, strict=True), strict=True))


class Files(NamedTuple):
    """The files kept beside a manifest for the next build of its output folder."""

    catalog: Path
    store: Path
    search: Path
    """The shape of the search index the output folder holds (`digest.incremental.searchindex.Shape`)."""


def location(manifest: Path) -> Files:
    """The files kept beside the manifest at `manifest`."""
    stem = manifest.name.removesuffix(".json")
    return Files(*(manifest.with_name(f"{stem}.{suffix}") for suffix in ("catalog", "papers", "search")))


def made_for(stamp: str, content: str) -> str:
    return f"{VERSION}:{stamp}:{content}"


def of_site(
    site: Site,
    tokens: Mapping[str, str],
    fingerprints: Mapping[str, str],
    made_for: str,
    store: str,
    diagnostics: tuple[list[Diagnostic], dict[str, list[Diagnostic]], Tally, list[Diagnostic]],
    feeds: list[KeptFeed],
) -> Catalog:
    """The catalog of a site just built: `tokens` are its input files' hashes, `fingerprints`
    its pages'; `diagnostics` what the build reported: about the content folder, file by file,
    the census, and from merging."""
    problems, by_file, tally, merged = diagnostics
    venue_sources = {d.source for d in site.digests if d.format == "venue"}
    digests = [
        Digest(
            replace(d, records=()),
            site.digest_pages[d.source],
            [r.line for r in d.records],
            [site.paper_of[(r.source, r.line)].id for r in d.records],
        )
        for d in site.digests
    ]
    titles = frozenset(normalise_title(r.title) for d in site.digests if d.source in venue_sources for r in d.records)

    return Catalog(
        made_for=made_for,
        store=store,
        order=[p.id for p in site.papers],
        tokens=[fingerprints[p.page] for p in site.papers],
        first_dates=[p.first_date for p in site.papers],
        digests=digests,
        venues=kept(site.venues),
        categories=kept(site.categories),
        dates=kept(site.dates),
        all_pages=site.all_papers.pages,
        owners=Owners.of(site.paths.owners),
        venue_titles=titles,
        hashes=dict(tokens),
        problems=problems,
        by_file=by_file,
        tally=tally,
        merged=[d for d in merged if d.path not in venue_sources],
        merged_venues=[d for d in merged if d.path in venue_sources],
        feeds=feeds,
    )


def kept(collections: Iterable[Collection]) -> list[Kept]:
    """Collections as the catalog keeps them: their papers as IDs."""
    return [Kept(c.key, ids_of(c.papers), c.pages, c.sources) for c in collections]


def base(
    catalog: Catalog, paper: Callable[[str], Paper], records: Callable[[Listing], Callable[[], Sequence[Record]]]
) -> Base:
    """The site the catalog describes, for new days to merge onto (`digest.site.build_site`):
    `paper` loads a paper, `records` a digest's records."""
    return Base(
        catalog.order, [d.listing() for d in catalog.digests], catalog.venues, catalog.categories, catalog.dates,
        catalog.all_pages, catalog.owners.mapping(), catalog.venue_titles, paper, records,
    )  # fmt: skip


def read(path: Path, made_for: str) -> Catalog | None:
    """The catalog at `path` if it was made for the manifest `made_for` describes; `codec.Unfit`
    when the file is not a catalog."""
    catalog = read_sealed(path, Catalog)
    if catalog is None or catalog.made_for != made_for:
        return None
    owners = catalog.owners
    if len(owners.kinds) != len(owners.paths) or len(owners.keys) != len(owners.paths):
        raise codec.Unfit(f"{path}: the output paths do not match their owners")
    if any(len(d.lines) != len(d.papers) for d in catalog.digests):
        raise codec.Unfit(f"{path}: a digest's lines do not match its papers")
    pages = chain(owners.paths, catalog.all_pages, (d.page for d in catalog.digests))
    pages = chain(pages, *(k.pages for k in (*catalog.venues, *catalog.categories, *catalog.dates)))
    pages = chain(pages, (feed.path for feed in catalog.feeds))
    if not urls.all_inside(pages):
        raise codec.Unfit(f"{path}: a page outside the output folder")
    return catalog


def write(path: Path, catalog: Catalog) -> None:
    keep_sealed(path, catalog)


def forget(*paths: Path) -> None:
    for path in paths:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def write_store(path: Path, identity: str, papers: Iterable[Paper]) -> None:
    """The paper store of `papers`, in one step; a failure is ignored (the next update is
    then a whole build)."""
    temporary = path.with_name(f"{path.name}.tmp-{os.getpid()}")
    try:
        with temporary.open("wb") as file:
            _append(file, identity, {}, papers)
        temporary.replace(path)
    except OSError:
        with contextlib.suppress(OSError):
            temporary.unlink()


def _append(file: Any, identity: str, index: dict[str, tuple[int, int, int]], papers: Iterable[Paper]) -> None:
    """Write each paper at the end of `file`, then the index and where it starts."""
    offset = file.tell()
    for paper in papers:
        data = codec.encode(_Stored.of(paper))
        file.write(data)
        index[paper.id] = (offset, len(data), zlib.crc32(data))
        offset += len(data)
    file.write(codec.encode(_Index.of(identity, index)))
    file.write(_TRAILER.pack(offset))


_TEXTS = ("title", "title_zh", "abstract_en", "abstract_zh", "summary_zh", "summary_en")
"""The texts of a paper that are most often those of one of its records."""


class _Stored(NamedTuple):
    """A paper as the store keeps it: each of its records once. Its arXiv and venue sides, and
    those of its texts that are a record's, are kept as the number of that record (among its
    appearances); None and -1 where they are kept as they are. Pickles kept each text once by
    themselves; this keeps the store as small (5.5 KB a paper of the history, not 9.8 KB)."""

    bare: Paper
    """The paper without what is kept by number."""
    arxiv: int
    venue_sides: tuple[int, ...] | None
    texts: tuple[int, ...]
    """For each of `_TEXTS`."""

    @classmethod
    def of(cls, paper: Paper) -> _Stored:
        records = paper.appearances
        arxiv = records.index(paper.arxiv) if paper.arxiv is not None and paper.arxiv in records else -1
        sides = None
        if all(side in records for side in paper.venue_sides):
            sides = tuple(map(records.index, paper.venue_sides))
        texts = tuple(_record_with(records, name, getattr(paper, name)) for name in _TEXTS)
        left: dict[str, Any] = {name: "" for name, number in zip(_TEXTS, texts, strict=True) if number >= 0}
        left["arxiv"] = paper.arxiv if arxiv < 0 else None
        left["venue_sides"] = paper.venue_sides if sides is None else ()
        return cls(replace(paper, **left), arxiv, sides, texts)

    def paper(self) -> Paper:
        records = self.bare.appearances
        texts = zip(_TEXTS, self.texts, strict=True)  # a store that says otherwise is unfit
        kept: dict[str, Any] = {name: getattr(records[n], name) for name, n in texts if n >= 0}
        if self.arxiv >= 0:
            kept["arxiv"] = records[self.arxiv]
        if self.venue_sides is not None:
            kept["venue_sides"] = tuple(records[n] for n in self.venue_sides)
        return replace(self.bare, **kept)


def _record_with(records: Sequence[Record], name: str, text: str) -> int:
    """The number of the first of `records` whose text `name` is `text` (not empty), or -1."""
    if text:
        for number, record in enumerate(records):
            if getattr(record, name) == text:
                return number
    return -1


class _Index(NamedTuple):
    """The end of a paper store: for each paper, where its bytes start, how many there are, and
    their CRC (as lists, as `Digest`'s rows are kept)."""

    format: int
    identity: str
    papers: list[str]
    offsets: list[int]
    sizes: list[int]
    checks: list[int]

    @classmethod
    def of(cls, identity: str, places: dict[str, tuple[int, int, int]]) -> _Index:
        offsets, sizes, checks = ([place[n] for place in places.values()] for n in range(3))
        return cls(VERSION, identity, list(places), offsets, sizes, checks)

    def places(self) -> dict[str, tuple[int, int, int]]:
        """Paper ID → where its bytes start, how many there are, and their CRC."""
        return dict(zip(self.papers, zip(self.offsets, self.sizes, self.checks, strict=True), strict=True))


class Store:
    """The papers of the paper store at `path`, loaded one at a time, when asked for. A store
    that is not one `write_store` wrote, or of another build, is `codec.Unfit`."""

    def __init__(self, path: Path, identity: str) -> None:
        self.path = path
        fd = codec.open_file(path, largest=4 * codec.LARGEST)  # read with `pread`: forked workers share it
        if fd is None:
            raise codec.Unfit(f"{path}: missing")
        self._fd = fd
        try:
            end = os.fstat(self._fd).st_size - _TRAILER.size
            if end < 0:
                raise codec.Unfit("not a paper store")
            (start,) = _TRAILER.unpack(os.pread(self._fd, _TRAILER.size, end))
            if not end - codec.LARGEST <= start <= end:
                raise codec.Unfit("not a paper store")
            index = os.pread(self._fd, end - start, start)
            places = codec.decode(index, _Index)
            if (places.format, places.identity) != (VERSION, identity):
                raise codec.Unfit("the paper store of another build")
            self.index = places.places()
        except (codec.Unfit, OSError, struct.error, ValueError) as exc:
            os.close(self._fd)
            raise codec.Unfit(f"{path}: {exc}") from None
        self._loaded: dict[str, Paper] = {}
        self.replaced: dict[str, Paper] = {}
        """The stored papers that `hold` gave others in place of, by ID."""

    def __getitem__(self, paper_id: str) -> Paper:
        paper = self._loaded.get(paper_id)
        if paper is None:
            try:
                offset, size, check = self.index[paper_id]
                if size > codec.LARGEST:
                    raise codec.Unfit("a paper larger than any digest writes")
                data = os.pread(self._fd, size, offset)
                if zlib.crc32(data) != check:
                    raise codec.Unfit("damaged")
                paper = self._loaded[paper_id] = codec.decode(data, _Stored).paper()
                if not urls.inside(paper.page):
                    raise codec.Unfit("a page outside the output folder")
            except (codec.Unfit, KeyError, IndexError, OSError, OverflowError, ValueError) as exc:
                raise codec.Unfit(f"{self.path}: paper {paper_id!r}: {exc}") from None
        return paper

    def hold(self, papers: Iterable[Paper]) -> None:
        """Give out `papers` for their IDs from now on (papers this build changed); the stored
        ones they replace go to `replaced`."""
        papers = list(papers)
        stored = [paper.id for paper in papers if paper.id in self.index and paper.id not in self.replaced]
        self.replaced.update((paper, self[paper]) for paper in stored)
        self._loaded.update((paper.id, paper) for paper in papers)

    def append(self, identity: str, papers: Sequence[Paper]) -> None:
        """Add `papers` (new, or in place of the stored ones) and name the store `identity`.
        When the papers replaced take a fifth of the file, the store is written anew without
        them (the others' bytes are copied, not loaded)."""
        (start,) = _TRAILER.unpack(os.pread(self._fd, _TRAILER.size, os.fstat(self._fd).st_size - _TRAILER.size))
        replaced = {paper.id for paper in papers}
        live = sum(size for paper, (_, size, _) in self.index.items() if paper not in replaced)
        if start - live <= start // 5:
            with self.path.open("r+b") as file:
                file.seek(start)
                file.truncate()
                _append(file, identity, self.index, papers)
            return
        kept: dict[str, tuple[int, int, int]] = {}
        temporary = self.path.with_name(f"{self.path.name}.tmp-{os.getpid()}")
        with temporary.open("wb") as file:
            for paper, (offset, size, check) in self.index.items():
                if paper not in replaced:
                    kept[paper] = (file.tell(), size, check)
                    file.write(os.pread(self._fd, size, offset))
            _append(file, identity, kept, papers)
        temporary.replace(self.path)
        self.index = kept

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1
