"""Which pages and whole-site files a build makes, given the last build: `plan`.

A page is made again when the fingerprint of what it is made from (`digest.render.Pages`)
is not the one the last build wrote it with. After new days, only the pages they can change
are planned at all: the new papers', digests' and dates', the first pages of the lists that
grow (`digest.site.GROWING`), the pages that list a paper listed again, and the last segment
of the search index; the rest of the site is not even loaded.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping
from itertools import groupby

import digest.incremental.catalog as catalog
import digest.incremental.feedtops as feedtops
import digest.incremental.searchindex as searchindex
from digest import discover, feeds
from digest.hashing import fingerprint
from digest.incremental.cache import CACHE_FOLDER, Cache
from digest.incremental.check import BuildState
from digest.incremental.state import Change, Days, Files, Plan, keep_catalog
from digest.inputs import Loaded
from digest.lazy import ids_of
from digest.model import Paper
from digest.render import PageJob, Pages, assets
from digest.site import NeedsWholeSite, arxiv_key, date_neighbours
from digest.urls import HOME


def plan(state: BuildState, change: Change, loaded: Loaded) -> Plan:
    """The plan of a build of `loaded`, against the last build into the output folder."""
    if change.days is not None:
        return _days(state, change.days, loaded)
    return _whole(state, loaded)


def _whole(state: BuildState, loaded: Loaded) -> Plan:
    """Plan every page and, against the manifest of the last build (with the same code,
    templates and settings), find those whose inputs changed. The whole-site files are made
    again when some input's bytes changed, or one of them is to be mended."""
    old, config = state.old, state.config
    pages = Pages(loaded.site, config)
    jobs = pages.plan(loaded.hashes)
    fingerprints = {job.path: job.fingerprint for job in jobs}
    content = _content(loaded.hashes)
    if old is None:
        return Plan(
            pages,
            jobs,
            [jobs],
            _whole_site(state, loaded, jobs, content),
            False,
            {},
            _never,
            content,
            len(jobs),
            {},
            [],
        )
    made_from = {path: value.partition("=") for path, value in old.outputs.items()}
    previous = {path: digest for path, (_, _, digest) in made_from.items()}
    todo = [job for job in jobs if job.path not in made_from or made_from[job.path][0] != fingerprints[job.path]]
    files = _whole_site(state, loaded, jobs, content)
    if old.head.stamp != state.stamp or len(todo) > len(jobs) // 2:  # most of the site: a new one, swapped in whole
        return Plan(pages, jobs, [jobs], files, False, previous, _never, content, len(jobs), {}, [])
    # An update writes into the live site: pages new to it first, so that no page links to one
    # that is not there yet, then the pages that changed, then the whole-site files.
    phases = _phases(todo, previous)
    if old.content != content or any(path not in fingerprints for path in state.mend):
        return Plan(pages, jobs, phases, files, True, previous, fingerprints.__contains__, content, len(jobs), {}, [])
    return Plan(pages, jobs, phases, [], True, previous, _always, content, len(jobs), {}, [])


def _never(path: str) -> bool:
    return False


def _always(path: str) -> bool:
    return True


def _content(hashes: dict[str, str]) -> str:
    return fingerprint(*(f"{source}={digest}" for source, digest in sorted(hashes.items())))


def _phases(todo: list[PageJob], previous: dict[str, str]) -> list[list[PageJob]]:
    return [[job for job in todo if job.path not in previous], [job for job in todo if job.path in previous]]


def _whole_site(state: BuildState, loaded: Loaded, jobs: list[PageJob], content: str) -> list[tuple[str, Files]]:
    """The files made from the whole site: the search index is made from what earlier builds
    kept of it (`digest.incremental.searchindex`); the catalog is kept as they are written."""
    site, config = loaded.site, state.config
    fingerprints = {job.path: job.fingerprint for job in jobs}
    kept = Cache(config.root / CACHE_FOLDER / "search")
    shape = catalog.location(state.where).search

    def feeds_and_catalog() -> Iterable[tuple[str, bytes]]:
        selected = feeds.select(site) if config.base_url else []
        keep_catalog(state, loaded, fingerprints, content, feedtops.kept(selected))
        return feeds.feed_files(site, config, selected)

    return [
        ("search index", lambda: searchindex.search_files(site, kept, fingerprints, shape)),
        ("feeds and catalog", feeds_and_catalog),
        ("sitemap", functools.partial(discover.sitemap_files, [job.path for job in jobs], config)),
        ("assets", functools.partial(assets, config)),
    ]


def _days(state: BuildState, days: Days, loaded: Loaded) -> Plan:
    """The pages new days can change (see above), and the search index's segments."""
    old, kept, site = state.old, days.catalog, loaded.site
    assert old is not None and site.made is not None
    made = site.made
    new_categories = {c.key for c in site.categories} - {k.key for k in kept.categories}
    if new_categories & {listing.file.channel for listing in kept.digests}:
        raise NeedsWholeSite("a new category is named as an earlier digest's channel, which lists link to it")
    pages = Pages(site, state.config)
    tokens = loaded.hashes
    changed = {key: pages.paper_token(paper, tokens) for key, paper in made.items()}
    known = dict(zip(kept.order, kept.tokens, strict=True))
    # Lists know a paper by a token (`Catalog.tokens`): its page's, or, for a paper listed again
    # that they show as before, the one they knew it by. Its lists are not made again then.
    alike = {key for key, stored in days.store.replaced.items() if pages.lists_alike(stored, made[key])}
    listed_as = changed | {key: known[key] for key in alike}
    token_of = (known | listed_as).__getitem__
    shown = [paper for key, paper in made.items() if key not in alike]  # lists have yet to show them so
    everything = pages.everything(tokens)
    jobs = [PageJob("home.html", HOME, "home", fingerprint=everything), *pages.listing_jobs(everything)]
    order = ids_of(site.papers)
    position = {paper: n for n, paper in enumerate(order)}
    jobs += (PageJob("paper.html", p.page, "paper", position[p.id], fingerprint=changed[p.id]) for p in made.values())
    # The new digests' pages, and those of the earlier digests that list a paper listed again.
    fresh = site.digests[: len(site.digests) - len(kept.digests)]
    new = len(order) - len(kept.order)  # the new papers come first
    relisted = [paper for paper in shown if position[paper.id] >= new]
    earlier = {r.source for paper in relisted for r in paper.appearances} - {d.source for d in fresh}
    index = {d.source: n for n, d in enumerate(site.digests)}
    listed = {listing.file.source: listing.papers for listing in kept.digests}
    for digest in reversed(fresh):
        jobs.append(pages.digest_job(index[digest.source], tokens, (listed_as[arxiv_key(r)] for r in digest.records)))
    for source in sorted(earlier):
        list(site.digests[index[source]].records)  # loaded now, while a missing one can stop the addition
        jobs.append(pages.digest_job(index[source], tokens, (token_of(p) for p in listed[source])))
    date_of = {d.source: d.date for d in site.digests}
    touched = {("all", "all")}
    touched |= {("category", category) for p in shown for category in p.categories}
    touched |= {("date", date_of[r.source]) for p in shown for r in p.appearances}
    touched |= {("date", digest.date) for digest in fresh}  # a new date may list no paper
    before = date_neighbours([(k.key, k.pages[0], len(k.members)) for k in kept.dates])
    touched |= {("date", key) for key, around in pages.neighbours.items() if before.get(key, around) != around}
    for number, collection in enumerate(pages.collections):
        if (collection.kind, collection.key) in touched:
            jobs += pages.collection_jobs(number, ids_of(collection.papers), token_of, tokens)
    search, search_cache = _search(state, days, made, order, token_of)
    made_from = {path: value.partition("=")[0] for path, value in old.outputs.items()}
    todo = [job for job in jobs if made_from.get(job.path) != job.fingerprint]
    previous = {path: value.rpartition("=")[2] for path, value in old.outputs.items()}
    files: list[tuple[str, Files]] = [
        ("search index", functools.partial(search.files, days.store.__getitem__, search_cache))
    ]
    kept_feeds = kept.feeds
    if (config := state.config).base_url:  # the feeds they change, and the sitemap
        listed |= {d.source: [arxiv_key(r) for r in d.records] for d in fresh}
        changed_feeds, kept_feeds = feedtops.after_days(site, kept.feeds, len(fresh), days.store.__getitem__, listed)
        every_page = {path for path, value in old.outputs.items() if not value.startswith("=")}
        every_page.update(job.path for job in jobs)
        files.append(("feeds", functools.partial(feeds.feed_files, site, config, changed_feeds)))
        files.append(("sitemap", functools.partial(discover.sitemap_files, sorted(every_page), config)))
    rewritten = tuple(search.rewritten())
    pages_count = old.head.pages + sum(job.path not in previous for job in jobs)

    def stays(path: str) -> bool:
        return not (rewritten and path.startswith(rewritten))

    phases = _phases(todo, previous)
    return Plan(pages, jobs, phases, files, True, previous, stays, _content(tokens), pages_count, listed_as, kept_feeds)


def _search(
    state: BuildState, days: Days, made: Mapping[str, Paper], order: list[str], token_of: Callable[[str], str]
) -> tuple[searchindex.Addition, Cache]:
    """What the new days rewrite of the search index, and the cache that keeps its parts."""
    kept = days.catalog
    first_dates = [made[paper].first_date for paper in order[: len(order) - len(kept.order)]] + kept.first_dates
    oldest_first = reversed(range(len(order)))
    grouped = [(date, [order[n] for n in day]) for date, day in groupby(oldest_first, first_dates.__getitem__)]
    cache = Cache(state.config.root / CACHE_FOLDER / "search")
    shape = catalog.location(state.where).search
    addition = searchindex.addition(
        [day for _, day in grouped], [date for date, _ in grouped], token_of, made, cache, shape
    )
    if addition is None:
        raise NeedsWholeSite("the search cache is missing a part")
    return addition, cache
