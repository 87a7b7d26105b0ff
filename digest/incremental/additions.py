"""An update that only adds days: new daily digests, each dated after every digest the last
build read, and no other change. It is the update a daily site makes every day, and it changes
few pages: the new papers', digests' and dates', the first pages of the lists that grow
(`digest.site.GROWING`), the pages that list a paper listed again, and the last segment of the
search index. So it works from the last build's catalog (`digest.incremental.catalog`) and loads only the
papers of the pages it renders, rather than reading and planning the whole site.

Everything else goes through the whole pipeline (`digest.build`), which gives the same site
byte for byte: any change to an earlier file, a venue collection or a file that is not a
daily digest, a paper listed again whose date, categories or page would change, a title that
could join a venue paper, a new path that another page holds, and a site with a `base_url`
(its feeds and sitemap are made from the whole site).
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from dataclasses import replace
from itertools import groupby
from pathlib import Path
from typing import NamedTuple

from digest import codec, urls, workers
from digest.census import Tally
from digest.config import Config
from digest.errors import Diagnostic
from digest.hashing import file_hash, fingerprint
from digest.incremental import catalog, manifest, searchindex
from digest.incremental.cache import CACHE_FOLDER, Cache
from digest.incremental.catalog import Catalog, Store
from digest.incremental.manifest import Manifest
from digest.inputs import Summary, input_files, read_files
from digest.lazy import ids_of
from digest.model import Record
from digest.profile import Profile
from digest.progress import Progress
from digest.render import PageJob, Pages
from digest.site import Listing, NeedsWholeSite, arxiv_key, build_site, date_neighbours
from digest.write import MARKER, UpdateInterrupted, site_folder


class Added(NamedTuple):
    """What an update that adds days did."""

    summary: Summary
    pages: int
    """The site's HTML pages."""
    written: int
    """Files written."""


class NotAnAddition(Exception):
    """The change is not one this module makes: the whole pipeline makes it."""


def update(
    config: Config,
    content: Path,
    output: Path,
    old: Manifest,
    inputs: dict[str, tuple[int, int]],
    where: Path,
    progress: Progress,
    profile: Profile,
    jobs: int,
) -> Added | None:
    """Make the update if it only adds days (see above), and return what it did; None, with
    nothing written, for any other change."""
    if not set(inputs) - set(old.inputs):
        return None  # no new file: not an addition
    try:
        with profile.stage("check"):
            kept, store = _last_build(config, old, inputs, where)
    except NotAnAddition as reason:
        profile.notes.append(f"the whole site is read again: {reason}")
        return None
    try:
        try:
            made = _Addition(config, content, kept, store, profile, progress, jobs, old, inputs)
            with profile.stage("plan"):
                index = made.search_plan(where)
        except NotAnAddition as reason:
            profile.notes.append(f"the whole site is read again: {reason}")
            return None  # nothing is written until here
        profile.notes.append("only the new days are read: the rest comes from the catalog")
        try:
            return made.write(index, output, old, inputs, where, profile, progress, jobs)
        except KeyboardInterrupt as exc:
            raise UpdateInterrupted from exc
    finally:
        store.close()


def _last_build(
    config: Config, old: Manifest, inputs: dict[str, tuple[int, int]], where: Path
) -> tuple[Catalog, Store]:
    """The catalog and paper store of the last build, if nothing it read has changed."""
    if config.base_url:
        raise NotAnAddition("the feeds and sitemap are made from the whole site")
    if not _unchanged(old, inputs, where):
        raise NotAnAddition("a file the last build read has changed or gone")
    catalog_path, store_path, _ = catalog.location(where)
    kept = catalog.read(catalog_path, catalog.made_for(old.stamp, old.content))
    if kept is None:
        raise NotAnAddition("the last build's catalog is missing or of another build")
    if kept.tally.lost:
        raise NotAnAddition("the last build lost a paper")
    if not store_path.exists():
        raise NotAnAddition("the paper store is missing")
    return kept, Store(store_path, kept.store)


def _unchanged(old: Manifest, inputs: dict[str, tuple[int, int]], where: Path) -> bool:
    """Whether every file the last build read is still there with the same bytes: a file whose
    size and time do not vouch for them (see `RACY`) is read and hashed."""
    known = manifest.known_hashes(old, inputs, where)
    for path in old.inputs:
        if path not in known:
            try:
                if path not in inputs or file_hash(Path(path).read_bytes()) != old.hashes.get(path):
                    return False
            except OSError:
                return False
    return True


class _Addition:
    """The new days read and merged into the catalog's site, and the pages planned."""

    def __init__(
        self,
        config: Config,
        content: Path,
        kept: Catalog,
        store: Store,
        profile: Profile,
        progress: Progress,
        jobs: int,
        old: Manifest,
        inputs: dict[str, tuple[int, int]],
    ) -> None:
        self.config, self.content, self.kept, self.store = config, content, kept, store
        self.token = dict(zip(kept.order, kept.tokens, strict=True))
        """Each paper's page fingerprint, from the last build and, once planned, this one."""
        problems: list[Diagnostic] = []
        self.files = input_files(content, problems)
        if problems != kept.problems or {os.fsdecode(file) for file in self.files} != set(inputs):
            raise NotAnAddition("a folder or file cannot be read")
        self.parsed = Cache(config.root / CACHE_FOLDER / "parsed")
        fresh = [file for file in self.files if os.fsdecode(file) not in old.inputs]
        self.read = read_files(fresh, config.root, content, self.parsed, {}, jobs, profile, progress)
        digests = self.read.digests  # a new file that is no digest adds only what it reports
        if self.read.tally.lost:
            raise NotAnAddition("a paper was lost")
        if set(self.read.hashes) & set(kept.hashes) or len({d.source for d in digests}) < len(digests):
            raise NotAnAddition("two files show the same name")  # names that are not UTF-8
        self.ordered = sorted(digests, key=lambda d: (d.date, d.content_path))
        base = catalog.base(kept, store.__getitem__, self._records)
        with profile.stage("merge"):
            try:
                self.site, self.merged = build_site(digests, config.page_size, base)
            except NeedsWholeSite as reason:
                raise NotAnAddition(str(reason)) from None
        assert self.site.made is not None
        self.made = self.site.made
        self.store.hold(self.made.values())
        self.order = ids_of(self.site.papers)
        self.added = [self.made[paper] for paper in self.order[: len(self.order) - len(kept.order)]]
        self.relisted = [paper for key, paper in self.made.items() if key in self.token]
        self.date_of = {d.source: d.date for d in self.site.digests}
        self.rows = {listing.file.source: listing.rows for listing in kept.digests}
        self.rows.update((d.source, tuple((r.line, arxiv_key(r)) for r in d.records)) for d in self.ordered)
        self.digest_pages = {d.source: self.site.digest_pages[d.source] for d in self.ordered}
        with profile.stage("plan"):
            self._plan()

    def _records(self, listing: Listing) -> Callable[[], tuple[Record, ...]]:
        """The records of an earlier digest, from the parse cache, which must hold it."""
        file = listing.file
        key = self.parsed.key(file.source, file.content_path, self.kept.hashes.get(file.source, ""))
        if not self.parsed.has(key):
            raise NotAnAddition("a digest is missing from the parse cache")

        def load() -> tuple[Record, ...]:
            parsed = self.parsed.get(key, workers.Parsed)
            if parsed is None or parsed[0] is None or len(parsed[0].records) != len(listing.rows):
                raise codec.Unfit(f"the parse cache does not hold the {len(listing.rows)} records of {file.source}")
            return tuple(parsed[0].records)

        return load

    def _plan(self) -> None:
        """The pages whose fingerprint may have changed, with their fingerprints."""
        kept, site, made = self.kept, self.site, self.made
        self.pages = pages = Pages(site, self.config)
        self.tokens = tokens = kept.hashes | self.read.hashes
        self.changed = {key: pages.paper_token(paper, tokens) for key, paper in made.items()}
        self.token.update(self.changed)
        token_of = self.token.__getitem__
        everything = pages.everything(tokens)
        jobs = [PageJob("home.html", urls.HOME, "home", fingerprint=everything), *pages.listing_jobs(everything)]
        position = {paper: n for n, paper in enumerate(self.order)}
        jobs += (
            PageJob("paper.html", p.page, "paper", position[p.id], fingerprint=self.changed[p.id])
            for p in made.values()
        )
        # Pages that list a paper listed again: its earlier digests and dates, its categories.
        earlier = {r.source for paper in self.relisted for r in paper.appearances} - set(self.digest_pages)
        index = {d.source: n for n, d in enumerate(site.digests)}
        for digest in self.ordered:
            jobs.append(
                pages.digest_job(index[digest.source], tokens, (self.changed[arxiv_key(r)] for r in digest.records))
            )
        for source in sorted(earlier):
            list(site.digests[index[source]].records)  # loaded now, while a missing one can stop the addition
            jobs.append(pages.digest_job(index[source], tokens, (token_of(p) for _, p in self.rows[source])))
        touched = {("all", "all")}
        touched |= {("category", category) for p in made.values() for category in p.categories}
        touched |= {("date", self.date_of[r.source]) for p in made.values() for r in p.appearances}
        touched |= {("date", digest.date) for digest in self.ordered}  # a new date may list no paper
        before = date_neighbours([(k.key, k.pages[0], len(k.members)) for k in self.kept.dates])
        touched |= {("date", key) for key, around in pages.neighbours.items() if before.get(key, around) != around}
        for number, collection in enumerate(pages.collections):
            if (collection.kind, collection.key) in touched:
                jobs += pages.collection_jobs(number, ids_of(collection.papers), token_of, tokens)
        self.jobs = jobs

    def search_plan(self, where: Path) -> searchindex.Addition:
        """What the update rewrites of the search index of the output whose manifest is at `where`."""
        self.search_cache = Cache(self.config.root / CACHE_FOLDER / "search")
        first_dates = [paper.first_date for paper in self.added] + self.kept.first_dates
        oldest_first = reversed(range(len(self.order)))
        grouped = [(date, [self.order[n] for n in day]) for date, day in groupby(oldest_first, first_dates.__getitem__)]
        days, dates = [day for _, day in grouped], [date for date, _ in grouped]
        shape = catalog.location(where).search
        plan = searchindex.addition(days, dates, self.token.__getitem__, self.made, self.search_cache, shape)
        if plan is None:
            raise NotAnAddition("the search cache is missing a part")
        return plan

    def write(
        self,
        plan: searchindex.Addition,
        output: Path,
        old: Manifest,
        inputs: dict[str, tuple[int, int]],
        where: Path,
        profile: Profile,
        progress: Progress,
        jobs: int,
    ) -> Added:
        config = self.config
        before = {path: value.partition("=") for path, value in old.outputs.items()}
        todo = [job for job in self.jobs if job.path not in before or before[job.path][0] != job.fingerprint]
        phases = [[job for job in todo if job.path not in before], [job for job in todo if job.path in before]]
        search_cache = self.search_cache
        previous = {path: digest for path, (_, _, digest) in before.items()}
        manifest.forget(where)  # from here until the new one is written, the output is in flux
        catalog_path, _, shape = catalog.location(where)
        catalog.forget(catalog_path, shape)
        task = functools.partial(
            workers.make_files, "search index", lambda: plan.files(self.store.__getitem__, search_cache)
        )
        protected = [config.root, self.content, config.templates, Path.cwd()]
        made: dict[str, str] = {}
        written = 0
        with site_folder(output, protected, previous, update=True) as target, profile.stage("render+write"):
            results = (
                done
                for number, phase in enumerate(phases, start=1)
                for done in workers.run(self.pages, phase, target, [task] if number == 2 else [], jobs)
            )
            for done in workers.pages_of(results, progress, sum(map(len, phases))):
                made.update(done.hashes)
                written += done.written
                profile.add(done)
            rewritten = tuple(plan.rewritten())
            stale = [p for p in previous if p.startswith(rewritten) and p not in made] if rewritten else []
            for path in sorted(stale, reverse=True):
                target.remove(path)
        fingerprints = {job.path: job.fingerprint for job in self.jobs}
        outputs = {path: value for path, value in old.outputs.items() if path not in stale}
        outputs.update((path, f"{fingerprints.get(path, '')}={digest}") for path, digest in made.items())
        summary = self._summary()
        pages = old.pages + sum(job.path not in before for job in self.jobs)
        if (marker := manifest.marker_identity(output / MARKER)) is not None:
            with profile.stage("manifest"):
                identity = os.urandom(8).hex()
                self.store.append(identity, list(self.made.values()))
                hashes = old.hashes | self.read.by_path
                content = fingerprint(*(f"{source}={digest}" for source, digest in sorted(self.tokens.items())))
                catalog.write(catalog_path, self._catalog(catalog.made_for(old.stamp, content), identity, summary))
                state = manifest.output_state(output, outputs)
                manifest.write(
                    where, Manifest(inputs, old.stamp, outputs, marker, content, summary, pages, hashes, state)
                )
        return Added(summary, pages, written)

    def _summary(self) -> Summary:
        kept = self.kept
        by_file = kept.by_file | self.read.by_file
        files = [os.fsdecode(file) for file in self.files]
        found = [d for file in files for d in by_file[file]]
        tally = Tally(kept.tally.found, kept.tally.published, kept.tally.reported)
        tally.add(self.read.tally)
        diagnostics = kept.problems + found + kept.merged + self.merged + kept.merged_venues
        return Summary(len(self.order), len(files), tally, diagnostics)

    def _catalog(self, made_for: str, identity: str, summary: Summary) -> Catalog:
        kept = self.kept
        digests = [
            Listing(
                replace(d, records=()), self.digest_pages[d.source], tuple((r.line, arxiv_key(r)) for r in d.records)
            )
            for d in reversed(self.ordered)
        ]
        return replace(
            kept,
            made_for=made_for,
            store=identity,
            order=self.order,
            tokens=[self.token[paper] for paper in self.order],
            first_dates=[paper.first_date for paper in self.added] + kept.first_dates,
            digests=digests + kept.digests,
            categories=catalog.kept(self.site.categories),
            dates=catalog.kept(self.site.dates),
            all_pages=self.site.all_papers.pages,
            owners=self.site.paths.owners,
            hashes=self.tokens,
            by_file=kept.by_file | self.read.by_file,
            tally=summary.tally,
            merged=kept.merged + self.merged,
        )
