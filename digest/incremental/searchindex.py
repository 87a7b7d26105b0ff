"""The search index (`digest.search`) made from what earlier builds kept of it.

The cache keeps each segment under the `search_key`s of its days' papers, as its files hold it
(`Segment`), and the last segment a second time, as a `Part` that days after it extend
(`search.join`): new days never extend another, since `search.segments` cuts the days from the
first on. A build writes again the segments whose papers changed. A segment that only gained
days at its end, as the last one does each day, is its kept part joined with the part of the
new days' papers; any other (a paper of an earlier day listed again with new text, or no cache)
is made from all its papers. The files are the same, byte for byte, as those
`digest.search.index_files` makes of the whole site."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import chain
from pathlib import Path

from digest import codec, search, urls
from digest.incremental.cache import Cache, keep_sealed, read_sealed
from digest.model import Paper
from digest.search import BLOCK_SIZE, Part, Segment
from digest.site import Site


def search_files(
    site: Site, cache: Cache | None = None, tokens: dict[str, str] | None = None, shape: Path | None = None
) -> Iterator[tuple[str, bytes]]:
    """(output path, bytes) of every file of the search index of `site`, `search/meta.js` last
    (see above), given the fingerprint of each paper's page in `tokens` (see `_search_keys`).
    The index's `Shape` is kept at `shape`."""
    if cache is None or cache.folder is None:
        yield from search.index_files(search.build_index(site))
        return
    days = search.by_day(site)
    keys = _search_keys(days, cache, tokens or {})
    documents: list[str] = []
    layout: list[tuple[int, int]] = []
    kept: list[tuple[str, str, int, int]] = []
    all_day_keys = [cache.key(*day) for day in keys]
    runs = search.segments([len(day) for day in days])
    for number, (start, end) in enumerate(runs):
        day_keys = all_day_keys[start:end]
        key, part_key = _keys(cache, number, day_keys)
        segment = _kept_segment(cache, key, day_keys, lambda day: days[day], start, number == len(runs) - 1)
        yield from search.term_files(number, segment)
        documents += segment.documents
        layout.append((len(segment.documents), segment.shards))
        kept.append((key, part_key, len(segment.documents), segment.shards))
    yield from search.document_files(documents)
    starts = search.day_starts([len(day) for day in days], [day[0].first_date for day in days])
    yield search.meta_file(len(documents), layout, search.version_of(chain.from_iterable(keys), layout), starts)
    if shape is not None:
        keep_sealed(shape, Shape(kept))
    cache.prune()


def _keys(cache: Cache, number: int, day_keys: Sequence[str]) -> tuple[str, str]:
    """The cache keys of segment `number` as written and of its part, given its days' keys."""
    return cache.key("segment", str(number), *day_keys), _part_key(cache, day_keys)


def _part_key(cache: Cache, day_keys: Sequence[str]) -> str:
    return cache.key("part", *day_keys)


def _kept_segment(
    cache: Cache, key: str, day_keys: list[str], papers: Callable[[int], Sequence[Paper]], start: int, last: bool
) -> Segment:
    """The segment kept under `key`, of the days from `start` (kept under `day_keys`), as the
    cache keeps it or made from its part (`_part`; `papers` gives a day's papers), which is
    kept if the segment is the `last`."""
    segment = cache.get(key, Segment)
    if segment is not None:
        _check_documents(segment.documents)
        if not 0 < segment.shards <= max(1, len(segment.postings)):
            raise codec.Unfit(f"a search segment of {segment.shards} shards")
        cache.keep(_part_key(cache, day_keys))
        return segment
    segment = search.segment_of(_part(cache, day_keys, papers, start, last))
    cache.put(key, codec.encode(segment))
    return segment


def _part(cache: Cache, day_keys: list[str], papers: Callable[[int], Sequence[Paper]], start: int, keep: bool) -> Part:
    """The part of the days from `start` (kept under `day_keys`): the part kept for the most of
    its first days, joined with the part of the papers of the days after them; or, when none
    is kept, the part of all their papers. It is kept in place of the shorter one if `keep`
    (a part is about as large as its segment, 13 MB of 8,000 papers: only the last is kept)."""
    for known in range(len(day_keys), 0, -1):
        kept = cache.get(_part_key(cache, day_keys[:known]), Part)
        if kept is not None:
            _check_documents(kept.documents)
            break
    else:
        known, kept = 0, None
    if kept is not None and known == len(day_keys):
        return kept
    part = search.index_part([paper for day in range(start + known, start + len(day_keys)) for paper in papers(day)])
    if kept is not None:
        part = search.join([kept, part])
        cache.discard(_part_key(cache, day_keys[:known]))
    if keep:
        cache.put(_part_key(cache, day_keys), codec.encode(part))
    return part


def _check_documents(documents: list[str]) -> None:
    """Documents the cache gave, which the index's files hold as they are: each must be the JSON
    text of a value (as `document` makes them), so that none can be anything else in a script."""
    for text in documents:
        try:
            json.loads(text)
        except (ValueError, RecursionError):
            raise codec.Unfit(f"a search document that is not JSON: {text[:40]!r}") from None


@dataclass(frozen=True, slots=True)
class Shape:
    """The index an output folder holds, as the build that wrote it keeps it beside its
    manifest (`digest.incremental.catalog.location`), for an update that adds days."""

    segments: list[tuple[str, str, int, int]]
    """Each segment's cache keys (as written, and of its part), documents and term shards."""


@dataclass(frozen=True, slots=True)
class Addition:
    """What an update that adds days (`digest.incremental.additions`) rewrites of the index: the segments
    whose days changed, the document files from the first of them on, and `search/meta.js`."""

    days: list[list[str]]
    """Each day's papers, by ID, `oldest_first`."""
    dates: list[str]
    """Each day's date."""
    keys: list[list[str]]
    """Each day's papers' `search_key`s."""
    runs: list[tuple[int, int]]
    segment_keys: list[str]
    day_keys: list[str]
    before: Shape
    """The index the output folder holds."""
    shape: Path

    def files(self, papers: Callable[[str], Paper], cache: Cache) -> Iterator[tuple[str, bytes]]:
        """The files that change; `papers` gives a paper by its ID. The cache loses what only
        the index before held, and the new `Shape` is kept."""
        known = {key: (documents, shards) for key, _, documents, shards in self.before.segments}
        layout: list[tuple[int, int]] = []
        documents: list[str] = []  # those of the segments from the first that changed on
        first = None  # the first document of that segment
        for number, key in enumerate(self.segment_keys):
            if first is None and key in known:
                layout.append(known[key])
                continue
            if first is None:
                first = sum(count for count, _ in layout)
                before = number  # the block it starts in begins in the segments before
                while len(documents) < first % BLOCK_SIZE:
                    before -= 1
                    documents = self._segment(before, papers, cache).documents + documents
                documents = documents[len(documents) - first % BLOCK_SIZE :]
            segment = self._segment(number, papers, cache)
            if key not in known:
                yield from search.term_files(number, segment)
            documents += segment.documents
            layout.append((len(segment.documents), segment.shards))
        total = sum(count for count, _ in layout)
        if first is not None:
            yield from search.document_files(documents, first // BLOCK_SIZE, search.block_count(total))
        keys = chain.from_iterable(self.keys)
        starts = search.day_starts([len(day) for day in self.days], self.dates)
        yield search.meta_file(total, layout, search.version_of(keys, layout), starts)
        kept = [
            (key, _part_key(cache, self.day_keys[start:end]), *shape)
            for key, (start, end), shape in zip(self.segment_keys, self.runs, layout, strict=True)
        ]
        keep_sealed(self.shape, Shape(kept))
        for key in {key for key, _, _, _ in self.before.segments} - set(self.segment_keys):
            cache.discard(key)
        for key in {part for _, part, _, _ in self.before.segments} - {part for _, part, _, _ in kept}:
            cache.discard(key)

    def _segment(self, number: int, papers: Callable[[str], Paper], cache: Cache) -> Segment:
        start, end = self.runs[number]
        day_papers = lambda day: [papers(paper) for paper in self.days[day]]  # noqa: E731
        last = number == len(self.runs) - 1
        return _kept_segment(cache, self.segment_keys[number], self.day_keys[start:end], day_papers, start, last)

    def rewritten(self) -> list[str]:
        """The folders of the segments whose term files are all segment again."""
        known = {key for key, _, _, _ in self.before.segments}
        return [f"{urls.SEARCH_INDEX}/t/{n}/" for n, key in enumerate(self.segment_keys) if key not in known]


def addition(
    days: list[list[str]],
    dates: list[str],
    tokens: Callable[[str], str],
    changed: Mapping[str, Paper],
    cache: Cache,
    shape: Path,
) -> Addition | None:
    """The plan of an update of the index to `days` (each day's papers by ID, `oldest_first`, and
    each day's date in `dates`),
    given each paper's page fingerprint (`tokens`) and the papers whose pages changed, for the
    output folder whose index's `Shape` is kept at `shape`; None when the cache does not hold
    what the last build made (a whole build makes the index then)."""
    known = cache.get(cache.key("search keys"), dict[str, str])
    before = read_sealed(shape, Shape)
    if known is None or before is None:
        return None
    found = {token: known.get(token, "") for token in map(tokens, chain.from_iterable(days))}
    found.update((tokens(paper), search.search_key(changed[paper])) for paper in changed)
    keys = [[found[tokens(paper)] for paper in day] for day in days]
    if "" in found.values():
        return None  # a paper whose key the last build did not keep
    if found != known:
        cache.put(cache.key("search keys"), codec.encode(found))
    total, last = sum(map(len, days)), sum(documents for _, _, documents, _ in before.segments)
    if len(search.file_name("d", 0, search.block_count(total))) != len(
        search.file_name("d", 0, search.block_count(last))
    ):
        return None  # every document file is named anew
    runs = search.segments([len(day) for day in days])
    day_keys = [cache.key(*day) for day in keys]
    segment_keys = [_keys(cache, number, day_keys[start:end])[0] for number, (start, end) in enumerate(runs)]
    return Addition(days, dates, keys, runs, segment_keys, day_keys, before, shape)


def _search_keys(days: list[list[Paper]], cache: Cache, tokens: dict[str, str]) -> list[list[str]]:
    """Each paper's `search_key`, day by day. The fingerprint of a paper's page (in `tokens`, by
    page: `digest.render.Pages.plan`) covers all its key covers (the paper's page, its records,
    the bytes and place of their files), so the cache keeps the last build's keys by page
    fingerprint, and only a paper whose fingerprint changed is fingerprinted again."""
    entry = cache.key("search keys")
    known = cache.get(entry, dict[str, str]) or {}
    found: dict[str, str] = {}
    keys = []
    for day in days:
        day_keys = []
        for paper in day:
            token = tokens.get(paper.page)
            key = known.get(token) if token else None
            if key is None:
                key = search.search_key(paper)
            if token:
                found[token] = key
            day_keys.append(key)
        keys.append(day_keys)
    if found != known:
        cache.put(entry, codec.encode(found))
    return keys
