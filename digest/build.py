"""The pipeline, read top to bottom: read → parse → merge → render → write."""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import gc
import os
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from digest import additions, catalog, codec, discover, feeds, manifest, search, workers
from digest.census import Tally
from digest.config import Config
from digest.errors import Diagnostic, DigestError, printable
from digest.manifest import Cache, Manifest, Summary, file_hash, fingerprint
from digest.model import DigestFile
from digest.profile import Profile
from digest.progress import Progress, quiet
from digest.render import PageJob, Pages, assets, template_folders
from digest.site import Site, build_site
from digest.workers import Done, Task
from digest.write import MARKER, Target, one_build_at_a_time, site_folder

CONTENT_SUFFIXES = (".md", ".txt")


@dataclass(frozen=True, slots=True)
class Loaded:
    """Everything read from the input files, before anything is written."""

    site: Site
    files: int
    """Input files read (those that were not digests included)."""
    diagnostics: list[Diagnostic]
    tally: Tally
    """Papers the files declare: found = published + reported (+ lost, a bug)."""
    hashes: dict[str, str] = field(default_factory=dict)
    """Each digest's source → the hash of its file's bytes."""
    by_path: dict[str, str] = field(default_factory=dict)
    """Each input file, as a path → the hash of its bytes."""
    problems: list[Diagnostic] = field(default_factory=list)
    """About the content folder rather than a file in it (a folder that cannot be read)."""
    by_file: dict[str, list[Diagnostic]] = field(default_factory=dict)
    """Each input file, as a path → what it has to report."""
    merged: list[Diagnostic] = field(default_factory=list)
    """What merging the files' records reported."""

    def summary(self) -> Summary:
        return Summary(len(self.site.papers), self.files, self.tally, self.diagnostics)


class UpdateInterrupted(KeyboardInterrupt):
    """Ctrl-C during an update: some pages are new and the others as they were (each file
    whole); with no manifest left, the next build is a full one and finishes the job."""


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


def load(
    config: Config,
    content: Path | None = None,
    paths: Sequence[Path] = (),
    progress: Progress = quiet,
    profile: Profile | None = None,
    cache: Cache | None = None,
    jobs: int = 0,
    known: dict[str, str] | None = None,
) -> Loaded:
    """Read, parse and merge input files: the files and folders in `paths`, or else every
    digest file under the content folder. With a `cache`, files parsed before are not parsed
    again, and a file `known` by its path (its hash, from the last build, when its size and
    modification time are as they were) is not read either. `jobs`: worker processes for
    parsing (0: one per core when there is much to parse)."""
    profile = profile or Profile()
    cache = cache or Cache(None)
    content = content or config.content
    if not paths and not content.is_dir():
        raise DigestError(
            f"error: content folder {content} does not exist\n"
            "  hint: create it, correct 'content' in site.toml, or name another folder with --source"
        )
    problems: list[Diagnostic] = []
    if paths:
        files = _each_once(f for p in paths for f in (input_files(p, problems) if p.is_dir() else [p]))
    else:
        files = input_files(content, problems)
    if not files:
        hint = (
            "put daily digests in content/arxiv/DATE/CHANNEL.md and venue collections in content/venues/VENUE/TOPIC.md"
        )
        where = _display(content, config.root, content)
        problems.append(Diagnostic(where, 0, 1, "warning", "no digest files (.md or .txt) found", hint))
    read = read_files(files, config.root, content, cache, known or {}, jobs, profile, progress)
    with profile.stage("merge"):
        site, merged = build_site(read.digests, config.page_size)
    diagnostics = problems + [d for found in read.by_file.values() for d in found] + read.lost() + merged
    return Loaded(site, len(files), diagnostics, read.tally, read.hashes, read.by_path, problems, read.by_file, merged)


@dataclass(frozen=True, slots=True)
class Read:
    """What input files hold, each parsed."""

    digests: list[DigestFile]
    by_file: dict[str, list[Diagnostic]]
    """Each file (as a path, in the order read) → what it has to report."""
    tally: Tally
    hashes: dict[str, str]
    """Each digest's source → the hash of its file's bytes."""
    by_path: dict[str, str]
    """Each file, as a path → the hash of its bytes."""

    def lost(self) -> list[Diagnostic]:
        message = "this paper was neither published nor reported; this is a bug in digest"
        hint = "please report it with this file"
        return [Diagnostic(path, line, 1, "error", message, hint) for path, line in self.tally.lost]


def read_files(
    files: Sequence[Path],
    root: Path,
    content: Path,
    cache: Cache,
    known: dict[str, str],
    jobs: int = 0,
    profile: Profile | None = None,
    progress: Progress = quiet,
) -> Read:
    """Read and parse `files` (see `load`)."""
    profile = profile or Profile()
    hashes: dict[str, str] = {}
    with profile.stage("read"):
        opened = [_open(file, root, content, hashes, cache, known) for file in files]
        by_path = {os.fsdecode(file): o.digest for file, o in zip(files, opened, strict=True) if o.digest}
    unparsed = [(o.name, o.content_path, o.data) for o in opened if o.data is not None and o.parsed is None]
    parsed = workers.parse(unparsed, jobs)
    digests: list[DigestFile] = []
    by_file: dict[str, list[Diagnostic]] = {}
    tally = Tally()
    for path, file in zip(files, progress(opened, len(opened), "read", "files"), strict=True):
        if file.data is not None and file.parsed is None:
            with profile.stage("parse"):
                file.parsed, kept = next(parsed)
                cache.put(file.key, kept)
        found = list(file.diagnostics)
        if file.parsed is not None:
            digest, reported, counted = file.parsed
            found += reported
            tally.add(counted)
            if digest is not None:
                digests.append(digest)
        by_file[os.fsdecode(path)] = found
    return Read(digests, by_file, tally, hashes, by_path)


def _each_once(files: Iterable[Path]) -> list[Path]:
    """Files in order, a file named twice (or reached through a link) only the first time."""
    seen: set[str] = set()
    unique = []
    for file in files:
        if (real := os.path.realpath(file)) not in seen:
            seen.add(real)
            unique.append(file)
    return unique


@dataclass(slots=True)
class _Opened:
    """An input file, read, and parsed if the cache had it."""

    name: str
    """As diagnostics and pages name it."""
    content_path: str
    data: bytes | None
    """None when the file could not be read."""
    diagnostics: list[Diagnostic]
    """About the file itself (it cannot be read, its name is not UTF-8)."""
    key: str = ""
    parsed: workers.Parsed | None = None
    """The digest, the parser's diagnostics and the census of its papers."""
    digest: str = ""
    """The hash of its bytes (two names can show the same, when they are not UTF-8)."""


def _open(
    file: Path, root: Path, content: Path, hashes: dict[str, str], cache: Cache, known: dict[str, str]
) -> _Opened:
    """Read one file, and take its parsed form from the cache if it is there: a file `known`
    (see `load`) and in the cache is not read at all."""
    name = _display(file, root, content)
    if (digest := known.get(os.fsdecode(file))) is not None:
        shown = _readable(name)
        content_path = _readable(_content_path(file, content))
        key = cache.key(shown, content_path, digest)
        if (parsed := cache.get(key, workers.Parsed)) is not None:
            hashes[shown] = digest
            warned = [] if name == shown else [_unreadable_name(shown)]
            return _Opened(shown, content_path, b"", warned, key, parsed, digest)
    try:
        data = file.read_bytes()
    except OSError as exc:
        hint = "check that the file exists and can be read; a link may be broken"
        error = Diagnostic(name, 0, 1, "error", f"cannot read the file: {exc.strerror}", hint)
        return _Opened(name, "", None, [error])
    diagnostics = []
    if name != (readable := _readable(name)):
        diagnostics.append(_unreadable_name(readable))
    opened = _Opened(readable, _readable(_content_path(file, content)), data, diagnostics, digest=file_hash(data))
    hashes[readable] = opened.digest
    opened.key = cache.key(opened.name, opened.content_path, opened.digest)
    opened.parsed = cache.get(opened.key, workers.Parsed)
    return opened


def _content_path(file: Path, content: Path) -> str:
    try:
        return file.relative_to(content).as_posix()
    except ValueError:  # a file named on the command line, outside the content folder
        return Path(os.path.relpath(file)).as_posix()


def _unreadable_name(shown: str) -> Diagnostic:
    hint = "rename the file; until then its name is shown with \ufffd"
    return Diagnostic(shown, 0, 1, "warning", "the file name is not valid UTF-8", hint)


def build(
    config: Config,
    content: Path | None = None,
    output: Path | None = None,
    progress: Progress = quiet,
    jobs: int = 0,
    full: bool = False,
) -> BuildResult:
    """Build the site into the output folder, redoing only what changed since the last build
    into it (see `digest.manifest`); `full` redoes everything. `jobs`: worker processes for
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
            manifest.clear(config.root)
        try:
            result = _build(config, content or config.content, output, progress, jobs, True, started)
        except codec.Unfit as again:  # the cache folder changed under this build
            hint = f"remove the folder {config.root / manifest.CACHE_FOLDER} and build again"
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
            return dataclasses.replace(added, seconds=time.perf_counter() - started)

    cache = Cache(config.root / manifest.CACHE_FOLDER / "parsed")
    with collector_paused():
        known = known_hashes(old, inputs, where)
        loaded = load(config, content, progress=progress, profile=profile, cache=cache, jobs=jobs, known=known)
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


RACY = 2_000_000_000
"""Nanoseconds before the last build's end within which a file's time does not vouch for its
bytes: a file changed again within the same tick of a coarse clock (FAT keeps 2 s) keeps its
size and time."""


def known_hashes(old: Manifest | None, inputs: dict[str, tuple[int, int]], where: Path) -> dict[str, str]:
    """The hash of each input file whose size and time are as the last build saw them, and
    whose time is well before that build ended (`RACY`): such a file need not be read again."""
    if old is None:
        return {}
    try:
        ended = where.stat().st_mtime_ns
    except OSError:
        return {}
    return {
        path: old.hashes[path]
        for path, seen in inputs.items()
        if old.inputs.get(path) == seen and path in old.hashes and seen[1] < ended - RACY
    }


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """No cyclic garbage collection in the build's own process while it reads, plans and writes
    the manifest. Reading builds millions of objects, none of them garbage, and the collector
    went through all of them again each time their number grew by a quarter: a third of the
    time of reading 100,000 papers, and then a second or more of an update's writing. Pages
    rendered in this process make garbage, so the collector runs while they render
    (`digest.workers.run`), as it does in the workers."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


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


def pages_of(results: Iterable[Done], progress: Progress, total: int) -> Iterator[Done]:
    """Each slice's result, with progress counted in pages."""
    results = iter(results)
    pending: list[Done] = []

    def each_page() -> Iterator[None]:
        for done in results:
            pending.append(done)
            for _ in range(done.pages):
                yield None

    for _ in progress(each_page(), total, "write", "pages"):
        while pending:
            yield pending.pop()
    yield from pending


def _whole_site_tasks(
    site: Site, config: Config, plan: _Plan, keep: Callable[[], Iterable[tuple[str, bytes]]], shape: Path
) -> list[Task]:
    """The files made from the whole site: each set is made by one task, the slowest first. The
    search index is made from what earlier builds kept of it (`digest.search.search_files`)."""
    pages = [job.path for job in plan.jobs]
    kept = Cache(config.root / manifest.CACHE_FOLDER / "search")
    makers: list[tuple[str, Callable[[], Iterable[tuple[str, bytes]]]]] = [
        ("search index", lambda: search.search_files(site, kept, plan.fingerprints, shape)),
        ("feeds", lambda: feeds.feed_files(site, config)),
        ("sitemap", lambda: discover.sitemap_files(pages, config)),
        ("assets", lambda: assets(config)),
        ("catalog", keep),
    ]
    return [functools.partial(make_files, name, make) for name, make in makers]


def _keep_catalog(loaded: Loaded, plan: _Plan, stamp: str, where: Path) -> list[tuple[str, bytes]]:
    """Keep the catalog and the paper store of the site (`digest.catalog`) for the next build,
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


def make_files(name: str, make: Callable[[], Iterable[tuple[str, bytes]]], target: Target) -> Done:
    started = time.perf_counter()
    done = Done(task=name)
    for path, data in make():
        done.hashes[path], wrote = target.put(path, data)
        done.written += wrote
    done.render = time.perf_counter() - started
    return done


def page_count(site: Site) -> int:
    """The HTML pages a site has (the index, feeds and assets come on top): the write stage's size."""
    collections = (site.all_papers, *site.venues, *site.categories, *site.dates)
    fixed = 6  # home, the lists of venues, categories, dates and digests, search
    return len(site.papers) + len(site.digests) + sum(len(c.pages) for c in collections) + fixed


def input_files(content: Path, problems: list[Diagnostic] | None = None) -> list[Path]:
    """Digest files under `content`, in a stable order. Hidden files and folders are skipped;
    folder links are followed once each, unless they lead above the content folder or into /dev,
    /proc or /sys; at most `MAX_FOLDERS` folders are read. What cannot be read, such a
    link, and anything that is not a regular file, is added to `problems`."""
    found: list[Path] = []
    seen: set[str] = set()

    def report(path: str, message: str, hint: str) -> None:
        if problems is not None:
            shown = _readable(os.path.relpath(path, content.parent))
            problems.append(Diagnostic(shown, 0, 1, "error", message, hint))

    def unreadable(error: OSError) -> None:
        hint = "check the folder's permissions and links; its files are not published until then"
        report(error.filename or str(content), f"cannot read the folder: {error.strerror}", hint)

    def leads_away(path: str) -> bool:
        """Whether `path` is a link that leads to a folder above the content folder (the whole
        disk, at worst), or into the system's devices and processes: an error, not read. (A link
        back to a folder already read is skipped as such.) Each place a link passes through
        counts, not only where it ends: /dev/fd/2 ends at whatever file takes the errors."""
        if not os.path.islink(path):
            return False
        system = next((hop for hop in _hops(path) if _in_system_folder(hop)), None)
        real = os.path.realpath(path)
        if system:
            report(path, f"link leads to the system's {system}; not read", "link only to folders and files of digests")
        elif top.startswith(real.rstrip(os.sep) + os.sep):
            report(
                path,
                f"link leads to a folder that holds the content folder, {real}; not read",
                "link only to folders and files of digests",
            )
        else:
            return False
        return True

    top = os.path.realpath(content)
    for folder, subfolders, names in os.walk(content, onerror=unreadable, followlinks=True):
        real = os.path.realpath(folder)
        if real in seen:  # a link back to a folder already read
            subfolders.clear()
            continue
        seen.add(real)
        if len(seen) > MAX_FOLDERS:
            report(str(content), f"the content folder holds more than {MAX_FOLDERS:,} folders; the rest are not read",
                   "keep digests in a folder of their own, and check its links")  # fmt: skip
            break
        subfolders[:] = sorted(
            d for d in subfolders if not d.startswith(".") and not leads_away(os.path.join(folder, d))
        )
        for name in sorted(names):
            path = Path(folder, name)
            if not name.endswith(CONTENT_SUFFIXES) or name.startswith(".") or leads_away(str(path)):
                continue
            if path.is_file() or not path.exists():  # a broken link is reported when it is read
                found.append(path)
            else:
                report(str(path), "not a regular file; skipped", "digest files must be regular files")
    return sorted(found, key=lambda p: p.relative_to(content).as_posix())


def _hops(path: str) -> Iterator[str]:
    """The paths a link leads through, to the end of its chain (each with its folders resolved)."""
    current = path
    for _ in range(40):  # as many links in a row as the system follows
        if not os.path.islink(current):
            return
        target = os.path.join(os.path.dirname(current), os.readlink(current))
        current = os.path.join(os.path.realpath(os.path.dirname(target)), os.path.basename(target))
        yield current


def _in_system_folder(path: str) -> bool:
    return any(path == place or path.startswith(place + os.sep) for place in _SYSTEM_FOLDERS)


MAX_FOLDERS = 100_000
"""The most folders a build reads under the content folder (the whole history has 1,300): a
link that leads somewhere vast is found out, rather than read for hours."""
_SYSTEM_FOLDERS = tuple(dict.fromkeys(os.path.realpath(p) for p in ("/dev", "/proc", "/sys")))


def _readable(name: str) -> str:
    """A file name as text: bytes that are not UTF-8 (kept by the OS as surrogates) become \ufffd."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _display(file: Path, root: Path, content: Path) -> str:
    """How diagnostics and pages name a file: relative to the site folder when inside it, else
    relative to the content folder's parent. Never absolute: pages must not show the machine."""
    for base in (root, content.parent):
        try:
            return Path(os.path.abspath(file)).relative_to(os.path.abspath(base)).as_posix()
        except ValueError:
            continue
    return Path(os.path.relpath(file)).as_posix()  # a file named to `digest check`, elsewhere
