"""What changed since the last build into an output folder, and what the next build keeps:
`changes` and `save` of the incremental layer (see `digest.incremental`)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path

import digest.incremental.catalog as catalog
import digest.incremental.manifest as manifest
from digest import codec, workers
from digest.hashing import file_hash
from digest.incremental.cache import CACHE_FOLDER, Cache
from digest.incremental.catalog import Catalog, Store
from digest.incremental.check import BuildState
from digest.incremental.feedtops import KeptFeed
from digest.incremental.manifest import Manifest
from digest.inputs import Loaded, Read
from digest.lazy import ids_of
from digest.model import Record
from digest.render import PageJob, Pages
from digest.site import Listing, NeedsWholeSite, arxiv_key, build_site
from digest.summary import Tally
from digest.write import MARKER, folder_size, mark


@dataclass(slots=True)
class Days:
    """New daily digests, dated after all the last build read, and no other change: the site
    is the last build's (its catalog and paper store) with these days merged onto it."""

    catalog: Catalog
    store: Store
    files: list[str]
    """Every input file."""
    new: list[Path]
    """The new ones."""


@dataclass(slots=True)
class Change:
    """What a build reads, and with what from the last build."""

    parsed: Cache
    """Files parsed before."""
    known: dict[str, str]
    """Files that need not be read again, by path: the hash of their bytes."""
    days: Days | None
    """New days onto the last build's site; None: every file makes the site."""
    reason: str = ""
    """Why the whole site is read, when it is after a last build."""


Files = Callable[[], Iterable[tuple[str, bytes]]]
"""What makes a set of whole-site files, as (output path, bytes)."""


@dataclass(frozen=True, slots=True)
class Plan:
    """What a build renders and writes, and how."""

    pages: Pages
    jobs: list[PageJob]
    """The pages planned: every page of the site, or those new days can change."""
    phases: list[list[PageJob]]
    """The pages to render, in the order they must be written."""
    files: list[tuple[str, Files]]
    """The whole-site files to make (search index, feeds, sitemap, assets), the slowest first;
    they are written with the last phase."""
    update: bool
    """Whether to update the live output folder rather than write a new one."""
    previous: dict[str, str]
    """Each file of the output folder → the hash of its bytes, from the last build."""
    stays: Callable[[str], bool]
    """Whether a file of the last build that this one does not make again stays."""
    content: str
    """The fingerprint of every input file's bytes."""
    pages_count: int
    """The site's HTML pages."""
    tokens: dict[str, str]
    """After new days: the token lists know each paper they made by (`Catalog.tokens`), by ID."""
    feeds: list[KeptFeed]
    """After new days: every feed, as the catalog keeps them."""

    @property
    def fingerprints(self) -> dict[str, str]:
        return {job.path: job.fingerprint for job in self.jobs}


class NotDays(Exception):
    """The change is more than new days."""


def changes(state: BuildState) -> Change:
    """What changed since the last build: only new days (`Days`), or more."""
    parsed = Cache(state.config.root / CACHE_FOLDER / "parsed")
    old = state.old
    if old is None or old.head.stamp != state.stamp or state.mend:
        return Change(parsed, manifest.known_hashes(old, state.inputs, state.where), None)
    try:
        days = _days(state, old)
    except NotDays as reason:
        return Change(parsed, manifest.known_hashes(old, state.inputs, state.where), None, str(reason))
    return Change(parsed, {}, days)


def everything(state: BuildState, change: Change, reason: str) -> Change:
    """The change made from every file, after new days could not be merged (`reason`)."""
    if change.days is not None:
        change.days.store.close()
    return Change(change.parsed, manifest.known_hashes(state.old, state.inputs, state.where), None, reason)


def _days(state: BuildState, old: Manifest) -> Days:
    new = set(state.inputs) - set(old.head.inputs)
    if not new:
        raise NotDays("")  # an edit, not new days: nothing to note
    if not _unchanged(old, state.inputs, state.where):
        raise NotDays("a file the last build read has changed or gone")
    catalog_path, store_path, _ = catalog.location(state.where)
    kept = catalog.read(catalog_path, catalog.made_for(old.head.stamp, old.content))
    if kept is None:
        raise NotDays("the last build's catalog is missing or of another build")
    if kept.tally.lost:
        raise NotDays("the last build lost a paper")
    files = state.files
    if state.problems != kept.problems or set(files) != set(state.inputs):
        raise NotDays("a folder or file cannot be read")
    if not store_path.exists():
        raise NotDays("the paper store is missing")
    store = Store(store_path, kept.store)
    return Days(kept, store, files, [Path(file) for file in files if file in new])


def _unchanged(old: Manifest, inputs: dict[str, tuple[int, int]], where: Path) -> bool:
    """Whether every file the last build read is still there with the same bytes: a file whose
    size and time do not vouch for them (see `manifest.RACY`) is read and hashed."""
    known = manifest.known_hashes(old, inputs, where)
    for path in old.head.inputs:
        if path not in known:
            try:
                if path not in inputs or file_hash(Path(path).read_bytes()) != old.hashes.get(path):
                    return False
            except OSError:
                return False
    return True


def with_days(state: BuildState, days: Days, read: Read, page_size: int) -> Loaded:
    """The site of the last build with the new days `read` merged onto it (`build_site` with a
    base), and what the build reports; `NeedsWholeSite` when only the whole site can make it."""
    kept, old = days.catalog, state.old
    assert old is not None
    digests = read.digests  # a new file that is no digest adds only what it reports
    if read.tally.lost:
        raise NeedsWholeSite("a paper was lost")
    if set(read.hashes) & set(kept.hashes) or len({d.source for d in digests}) < len(digests):
        raise NeedsWholeSite("two files show the same name")  # names that are not UTF-8
    base = catalog.base(kept, days.store.__getitem__, _records(state, kept))
    site, merged = build_site(digests, page_size, base)
    assert site.made is not None
    days.store.hold(site.made.values())
    by_file = kept.by_file | read.by_file
    found = [d for file in days.files for d in by_file[file]]
    tally = Tally(kept.tally.found, kept.tally.published, kept.tally.reported)
    tally.add(read.tally)
    diagnostics = kept.problems + found + kept.merged + merged + kept.merged_venues
    hashes, by_path = kept.hashes | read.hashes, old.hashes | read.by_path
    return Loaded(site, len(days.files), diagnostics, tally, hashes, by_path, kept.problems, by_file, merged)


def _records(state: BuildState, kept: Catalog) -> Callable[[Listing], Callable[[], tuple[Record, ...]]]:
    """What loads the records of an earlier digest from the parse cache, which must hold it."""
    parsed = Cache(state.config.root / CACHE_FOLDER / "parsed")
    held = parsed.held()

    def records(listing: Listing) -> Callable[[], tuple[Record, ...]]:
        file = listing.file
        key = parsed.key(file.source, file.content_path, kept.hashes.get(file.source, ""))
        if key not in held:
            raise NeedsWholeSite("a digest is missing from the parse cache")

        def load() -> tuple[Record, ...]:
            found = parsed.get(key, workers.Parsed)
            if found is None or found[0] is None or len(found[0].records) != len(listing.rows):
                raise codec.Unfit(f"the parse cache does not hold the {len(listing.rows)} records of {file.source}")
            return tuple(found[0].records)

        return load

    return records


def forget(state: BuildState, change: Change, plan: Plan) -> None:
    """Forget the last build before this one changes the output: until `save`, it is in flux.
    The catalog goes with the whole-site files it describes (new days append to the paper
    store, which stays)."""
    manifest.forget(state.where)
    catalog_path, store_path, shape = catalog.location(state.where)
    if change.days is not None:
        catalog.forget(catalog_path, shape)
    elif plan.files:
        catalog.forget(catalog_path, store_path, shape)


def save(state: BuildState, change: Change, plan: Plan, loaded: Loaded, made: dict[str, str], grown: int) -> int:
    """Keep what the next build needs: the manifest and, after new days, the catalog and the
    paper store with them (a build of the whole site keeps those as it writes: `keep_catalog`).
    `made`: each file this build made, with the hash of its bytes; `grown`: the bytes the
    output folder grew by. Return the site's size in bytes."""
    mark(state.output)  # a copy of the folder as it was before this build is not taken for it
    if not plan.update:  # a new folder: all it holds, this build wrote
        size = grown
    elif state.old is not None and not state.mend:
        size = state.old.head.size + grown
    else:  # files were changed or removed by hand: their sizes are not known, so they are counted
        size = folder_size(state.output)
    marker = manifest.marker_identity(state.output / MARKER)
    if marker is None:
        return size
    old = state.old.outputs if state.old is not None and plan.update else {}
    outputs = {path: value for path, value in old.items() if path not in made and plan.stays(path)}
    fingerprints = plan.fingerprints
    outputs.update((path, f"{fingerprints.get(path, '')}={digest}") for path, digest in made.items())
    if (days := change.days) is not None:
        identity = os.urandom(8).hex()
        assert loaded.site.made is not None
        days.store.append(identity, list(loaded.site.made.values()))
        catalog_path = catalog.location(state.where).catalog
        made_for = catalog.made_for(state.stamp, plan.content)
        catalog.write(catalog_path, _added_to(days.catalog, loaded, made_for, identity, plan))
    watched = manifest.watch(outputs)
    written = manifest.output_state(state.output, watched)
    head = manifest.Head(state.inputs, state.stamp, marker, written, watched, loaded.summary(), plan.pages_count, size)
    manifest.write(state.where, Manifest(head, plan.content, loaded.by_path, outputs))
    return size


def _added_to(kept: Catalog, loaded: Loaded, made_for: str, identity: str, plan: Plan) -> Catalog:
    """The catalog of the last build with the new days of `loaded` added."""
    site = loaded.site
    assert site.made is not None
    order = ids_of(site.papers)
    new = len(order) - len(kept.order)
    token = dict(zip(kept.order, kept.tokens, strict=True)) | plan.tokens
    fresh = site.digests[: len(site.digests) - len(kept.digests)]
    pages = site.digest_pages
    digests = [
        catalog.Digest(
            replace(d, records=()), pages[d.source], [r.line for r in d.records], list(map(arxiv_key, d.records))
        )
        for d in fresh
    ]
    return replace(
        kept,
        made_for=made_for,
        store=identity,
        order=order,
        tokens=[token[paper] for paper in order],
        first_dates=[site.made[paper].first_date for paper in order[:new]] + kept.first_dates,
        digests=digests + kept.digests,
        categories=catalog.kept(site.categories),
        dates=catalog.kept(site.dates),
        all_pages=site.all_papers.pages,
        owners=catalog.Owners.of(site.paths.owners),
        hashes=loaded.hashes,
        by_file=loaded.by_file,
        tally=loaded.tally,
        merged=kept.merged + loaded.merged,
        feeds=plan.feeds,
    )


def keep_catalog(
    state: BuildState, loaded: Loaded, fingerprints: dict[str, str], content: str, feeds: list[KeptFeed]
) -> None:
    """Keep the catalog and the paper store of the whole site `loaded`, with its `feeds`, for
    the next build, beside the manifest: they are no files of the site."""
    catalog_path, store_path, _ = catalog.location(state.where)
    identity = os.urandom(8).hex()
    catalog.write_store(store_path, identity, loaded.site.papers)
    reported = (loaded.problems, loaded.by_file, loaded.tally, loaded.merged)
    made_for = catalog.made_for(state.stamp, content)
    kept = catalog.of_site(loaded.site, loaded.hashes, fingerprints, made_for, identity, reported, feeds)
    catalog.write(catalog_path, kept)
