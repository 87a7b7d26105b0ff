"""The feeds after new days, from those of the last build (`digest.feeds`).

A feed holds the newest `FEED_SIZE` papers of what it follows, by the newest date a daily
digest lists them (or a venue's year), ties in the order of what it follows. The papers new
days make (new, or listed again) are the only ones whose place can change: a paper they do
not make keeps its date and its place among the others. So a feed they touch holds the
newest of its papers they made and of those it held before; a paper it did not hold, and
the days did not make, had fifty papers before it and still has. Only those feeds are
written again; a feed with no papers is dated as the site, so it is too.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from typing import NamedTuple

from digest import feeds
from digest.feeds import FEED_SIZE, Feed, feed_path
from digest.lazy import ids_of
from digest.model import Paper
from digest.site import NeedsWholeSite, Site


class KeptFeed(NamedTuple):
    """A feed as the catalog keeps it."""

    path: str
    kind: str
    key: str
    members: list[str]
    """Its papers' IDs, newest first."""


def kept(selected: Sequence[Feed]) -> list[KeptFeed]:
    return [KeptFeed(feed.path, feed.kind, feed.key, [paper.id for paper in feed.papers]) for feed in selected]


def after_days(
    site: Site,
    before: Sequence[KeptFeed],
    fresh: int,
    paper: Callable[[str], Paper],
    listed: Mapping[str, Sequence[str]],
) -> tuple[list[Feed], list[KeptFeed]]:
    """The feeds new days change, and every feed as the catalog keeps them. `site` was merged
    onto a base with its first `fresh` digests new; `paper` loads a paper; `listed` gives each
    digest's paper ID of each of its records."""
    made = site.made
    assert made is not None
    dates = feeds.Dates(site)
    if any(d.source not in dates.date_of for d in site.digests[:fresh]):
        raise NeedsWholeSite("a new digest's date is not a date")
    place = {digest.source: (number, digest) for number, digest in enumerate(site.digests)}
    position = {paper_id: n for n, paper_id in enumerate(ids_of(site.papers))}

    def in_channel(paper: Paper, channel: str) -> tuple[int, int]:
        """Where a channel's feed first lists `paper`: its digests newest first, in reading order."""
        return min(
            (number, listed[r.source].index(paper.id))
            for r in paper.appearances
            if (digest := place[r.source][1]).format == "arxiv" and digest.channel == channel
            for number in (place[r.source][0],)
        )

    touched: dict[tuple[str, str], list[Paper]] = defaultdict(list)
    touched["all", "all"] = [p for p in made.values() if dates.dated(p)]
    for p in made.values():
        for category in p.categories:
            touched["category", category].append(p)
        for channel in {d.channel for r in p.appearances if (d := place[r.source][1]).format == "arxiv" and d.channel}:
            touched["channel", channel].append(p)
    for digest in site.digests[:fresh]:  # a new channel may list no paper
        if digest.channel:
            touched.setdefault(("channel", digest.channel), [])
    for feed in before:
        if not feed.members:  # dated as the site
            touched.setdefault((feed.kind, feed.key), [])
    owners = {feed.path.casefold(): feed for feed in before}
    paths = [feed_path(kind, key).casefold() for kind, key in touched]
    if len(set(paths)) < len(paths):
        raise NeedsWholeSite("two feeds share a path")
    pages = _pages(site)
    changed: list[Feed] = []
    now = {feed.path: feed for feed in before}
    for (kind, key), papers in touched.items():
        path = feed_path(kind, key)
        owner = owners.get(path.casefold())
        if owner is not None and (owner.kind, owner.key) != (kind, key):
            raise NeedsWholeSite("two feeds share a path")
        candidates = papers + [paper(i) for i in (owner.members if owner else []) if i not in made]
        if kind == "channel":
            candidates.sort(key=lambda p: in_channel(p, key))
        else:
            candidates.sort(key=lambda p: position[p.id])
        candidates.sort(key=dates.updated, reverse=True)
        newest = candidates[:FEED_SIZE]
        changed.append(Feed(path, kind, key, feeds.label(kind, key), pages[kind, key], newest))
        now[path] = KeptFeed(path, kind, key, [p.id for p in newest])
    return changed, list(now.values())


def _pages(site: Site) -> dict[tuple[str, str], str]:
    """The page each feed follows: its collection's, or its channel's newest digest."""
    pages = {("all", "all"): ""}
    pages.update((("venue", c.key), c.page) for c in site.venues)
    pages.update((("category", c.key), c.page) for c in site.categories)
    for digest in reversed(site.digests):  # the newest last, so that it stays
        if digest.format == "arxiv" and digest.channel:
            pages["channel", digest.channel] = site.digest_pages[digest.source]
    return pages
