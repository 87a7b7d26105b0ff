"""The pipeline, read top to bottom: read → parse → merge → render → write."""

from __future__ import annotations

import dataclasses
import functools
import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from digest import codec, discover, feeds, workers
from digest.config import Config
from digest.errors import DigestError, printable
from digest.hashing import fingerprint
from digest.incremental import additions, catalog, manifest, searchindex
from digest.incremental.cache import CACHE_FOLDER, Cache, clear
from digest.incremental.manifest import Manifest
from digest.inputs import Loaded, Summary, input_files, load
from digest.profile import Profile
from digest.progress import Progress, quiet
from digest.render import PageJob, Pages, assets, template_folders
from digest.site import Site
from digest.workers import Task, collector_paused, make_files, pages_of
from digest.write import MARKER, Target, UpdateInterrupted, one_build_at_a_time, site_folder


@dataclass(frozen=True, slots=True)
class BuildResult:
    summary: Summary
    pages: int
    """The site's HTML pages."""
    written: int
    """Files written by this build: all of them in a first build, none when nothing changed."""
    output: Path
    seconds: float
    kind: str
    """`full` (every page rendered, the site swapped in whole), `update` (only pages whose
    input changed, written in place) or `none` (nothing changed, nothing read)."""
    site: Site | None
    """The site, when this build read it whole (an update that only adds days does not)."""
    profile: Profile
    unfit: str = ""
    """The file of the cache folder that was not one digest wrote, and why: the cache was then
    cleared, and the site built in full."""

    def cache_warning(self) -> str:
        """The line that says so, if it happened."""
        if not self.unfit:
            return ""
        return f"warning: the build cache was cleared and the site built in full: {printable(self.unfit)}"


def build(
    config: Config,
    content: Path | None = None,
    output: Path | None = None,
    progress: Progress = quiet,
    jobs: int = 0,
    full: bool = False,
) -> BuildResult:
    """Build the site into the output folder, redoing only what changed since the last build
    into it (see `digest.incremental`); `full` redoes everything. `jobs`: worker processes for
    parsing and rendering (0: one per core, or none when there is little to do)."""
    started = time.perf_counter()
    output = output or config.output
    with one_build_at_a_time(output):
        try:
            return _build(config, content or config.content, output, progress, jobs, full, started)
        except codec.Unfit as unfit:
            # A file of the cache folder that is not one digest wrote (damaged, or put there):
            # nothing of the cache is trusted, and the site is made from the content alone.
            problem = str(unfit)
            clear(config.root)
        try:
            result = _build(config, content or config.content, output, progress, jobs, True, started)
        except codec.Unfit as again:  # the cache folder changed under this build
            hint = f"remove the folder {config.root / CACHE_FOLDER} and build again"
            raise DigestError(f"error: {printable(str(again))}\n  hint: {hint}") from None
        return dataclasses.replace(result, unfit=problem)


def _build(
    config: Config, content: Path, output: Path, progress: Progress, jobs: int, full: bool, started: float
) -> BuildResult:
    profile = Profile()
    where = manifest.location(config, output)
    with profile.stage("check"):
        stamp = manifest.stamp(config, content, template_folders(config))
        inputs = manifest.inputs_now(input_files(content) if content.is_dir() else [])
        old = None if full else manifest.read(where)
        if old is not None and old.marker != manifest.marker_identity(output / MARKER):
            old = None  # the output folder is no longer the one this manifest describes
        # Output files removed or changed since the last build are made again, as if it had not
        # made them: found by their sizes and times, then confirmed by their bytes.
        mend: set[str] = set()
        if old is not None and (state := manifest.output_state(output, old.outputs)) != old.written:
            mend = manifest.damaged(output, old.outputs)
            if mend:
                old = dataclasses.replace(old, outputs={p: v for p, v in old.outputs.items() if p not in mend})
            else:  # only times changed (a file of the reader's added beside ours): nothing to mend
                old = dataclasses.replace(old, written=state)
                manifest.write(where, old)
    if old is not None and old.inputs == inputs and old.stamp == stamp and not mend:
        seconds = time.perf_counter() - started
        return BuildResult(old.summary, old.pages, 0, output, seconds, "none", None, profile)
    if old is not None and old.stamp == stamp and not mend:
        with collector_paused():
            added = additions.update(config, content, output, old, inputs, where, progress, profile, jobs)
        if added is not None:
            seconds = time.perf_counter() - started
            return BuildResult(added.summary, added.pages, added.written, output, seconds, "update", None, profile)

    cache = Cache(config.root / CACHE_FOLDER / "parsed")
    with collector_paused():
        known = manifest.known_hashes(old, inputs, where)
        loaded = load(config, content, progress=progress, profile=profile, parsed=cache, jobs=jobs, known=known)
        cache.prune()
        with profile.stage("plan"):
            plan = _plan(loaded, config, old, same_stamp=old is not None and old.stamp == stamp, mend=mend)
        manifest.forget(where)  # from here until the new one is written, the output is in flux
        if plan.whole_site:
            catalog.forget(*catalog.location(where))
        protected = [config.root, content, config.templates, Path.cwd()]
        try:
            with site_folder(output, protected, plan.previous, plan.update) as target, profile.stage("render+write"):
                keep = functools.partial(_keep_catalog, loaded, plan, stamp, where)
                shape = catalog.location(where).search
                made, written = _render_and_write(
                    plan, loaded.site, config, target, progress, profile, jobs, keep, shape
                )
        except KeyboardInterrupt as exc:
            if plan.update:
                raise UpdateInterrupted from exc
            raise
        outputs = {path: f"{plan.fingerprints.get(path, '')}={digest}" for path, digest in made.items()}
        marker = manifest.marker_identity(output / MARKER)
        with profile.stage("manifest"):
            if marker is not None:
                summary, pages = loaded.summary(), len(plan.jobs)
                hashes = loaded.by_path
                written_now = manifest.output_state(output, outputs)
                manifest.write(
                    where, Manifest(inputs, stamp, outputs, marker, plan.content, summary, pages, hashes, written_now)
                )
    seconds = time.perf_counter() - started
    kind = "update" if plan.update else "full"
    return BuildResult(loaded.summary(), len(plan.jobs), written, output, seconds, kind, loaded.site, profile)


@dataclass(frozen=True, slots=True)
class _Plan:
    """What a build renders and writes, and how."""

    pages: Pages
    jobs: list[PageJob]
    """Every page of the site."""
    fingerprints: dict[str, str]
    """Page → the fingerprint of what it is made from."""
    content: str
    """The fingerprint of every input file's bytes."""
    previous: dict[str, str]
    """Each file of the output folder → the hash of its bytes, from the last build."""
    update: bool
    """Whether to update the live output folder rather than write a new one."""
    phases: list[list[PageJob]]
    """The pages to render, in the order they must be written."""
    whole_site: bool
    """Whether to make the search index, feeds, sitemap and assets again."""


def _plan(loaded: Loaded, config: Config, old: Manifest | None, same_stamp: bool, mend: set[str]) -> _Plan:
    """Plan every page and, against the manifest `old` of the last build (with the same code,
    templates and settings: `same_stamp`), find those whose inputs changed. `mend`: output files
    to make again (they are not in `old`); the whole-site files are all made when one is."""
    pages = Pages(loaded.site, config)
    jobs = pages.plan(loaded.hashes)
    fingerprints = {job.path: job.fingerprint for job in jobs}
    content = fingerprint(*(f"{source}={digest}" for source, digest in sorted(loaded.hashes.items())))
    if old is None:
        return _Plan(pages, jobs, fingerprints, content, {}, False, [jobs], True)
    made_from = {path: value.partition("=") for path, value in old.outputs.items()}
    previous = {path: digest for path, (_, _, digest) in made_from.items()}
    todo = [job for job in jobs if job.path not in made_from or made_from[job.path][0] != fingerprints[job.path]]
    if not same_stamp or len(todo) > len(jobs) // 2:  # most of the site: a new one, swapped in whole
        return _Plan(pages, jobs, fingerprints, content, previous, False, [jobs], True)
    # An update writes into the live site: pages new to it first, so that no page links to one
    # that is not there yet, then the pages that changed, then the whole-site files (made
    # again only when some input's bytes changed).
    phases = [[job for job in todo if job.path not in previous], [job for job in todo if job.path in previous]]
    whole_site = old.content != content or any(path not in fingerprints for path in mend)
    return _Plan(pages, jobs, fingerprints, content, previous, True, phases, whole_site)


def _render_and_write(
    plan: _Plan,
    site: Site,
    config: Config,
    target: Target,
    progress: Progress,
    profile: Profile,
    jobs: int,
    keep: Callable[[], Iterable[tuple[str, bytes]]],
    shape: Path,
) -> tuple[dict[str, str], int]:
    """Render and write what the plan says, on `jobs` workers (0: one per core, none for a
    small site); return every output file with the hash of its bytes, and how many files were
    written. With the whole-site files, `keep` keeps the catalog for the next build, and the
    search index's shape is kept at `shape`."""
    tasks = _whole_site_tasks(site, config, plan, keep, shape) if plan.whole_site else []
    results = (
        done
        for number, phase in enumerate(plan.phases, start=1)
        for done in workers.run(plan.pages, phase, target, tasks if number == len(plan.phases) else [], jobs)
    )
    made: dict[str, str] = {}
    written = 0
    for done in pages_of(results, progress, sum(map(len, plan.phases))):
        made.update(done.hashes)
        written += done.written
        profile.add(done)
    if plan.update:
        # What was not made again is as the last build left it; what it made and this one did
        # not is gone from the site.
        kept = plan.fingerprints if plan.whole_site else plan.previous
        made.update({path: plan.previous[path] for path in kept if path not in made})
        for path in sorted(set(plan.previous) - set(made), reverse=True):
            target.remove(path)
    return made, written


def _whole_site_tasks(
    site: Site, config: Config, plan: _Plan, keep: Callable[[], Iterable[tuple[str, bytes]]], shape: Path
) -> list[Task]:
    """The files made from the whole site: each set is made by one task, the slowest first. The
    search index is made from what earlier builds kept of it (`digest.incremental.searchindex`)."""
    pages = [job.path for job in plan.jobs]
    kept = Cache(config.root / CACHE_FOLDER / "search")
    makers: list[tuple[str, Callable[[], Iterable[tuple[str, bytes]]]]] = [
        ("search index", lambda: searchindex.search_files(site, kept, plan.fingerprints, shape)),
        ("feeds", lambda: feeds.feed_files(site, config)),
        ("sitemap", lambda: discover.sitemap_files(pages, config)),
        ("assets", lambda: assets(config)),
        ("catalog", keep),
    ]
    return [functools.partial(make_files, name, make) for name, make in makers]


def _keep_catalog(loaded: Loaded, plan: _Plan, stamp: str, where: Path) -> list[tuple[str, bytes]]:
    """Keep the catalog and the paper store of the site (`digest.incremental.catalog`) for the next build,
    beside the manifest at `where`: they are no files of the site."""
    catalog_path, store_path, _ = catalog.location(where)
    identity = os.urandom(8).hex()
    catalog.write_store(store_path, identity, loaded.site.papers)
    reported = (loaded.problems, loaded.by_file, loaded.tally, loaded.merged)
    made_for = catalog.made_for(stamp, plan.content)
    catalog.write(
        catalog_path, catalog.of_site(loaded.site, loaded.hashes, plan.fingerprints, made_for, identity, reported)
    )
    return []
