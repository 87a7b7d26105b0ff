"""The pipeline, read top to bottom: read → parse → merge → render → write."""

from __future__ import annotations

import dataclasses
import functools
import time
from dataclasses import dataclass
from pathlib import Path

from digest import codec, incremental, workers
from digest.config import Config
from digest.errors import DigestError, printable
from digest.incremental.cache import CACHE_FOLDER, clear
from digest.inputs import Loaded, Summary, load, read_files
from digest.profile import Profile
from digest.progress import Progress, quiet
from digest.render import template_folders
from digest.site import NeedsWholeSite, Site
from digest.workers import Task, collector_paused, make_files, pages_of
from digest.write import Target, UpdateInterrupted, one_build_at_a_time, site_folder


@dataclass(frozen=True, slots=True)
class BuildResult:
    summary: Summary
    pages: int
    """The site's HTML pages."""
    written: int
    """Files written by this build: all of them in a first build, none when nothing changed."""
    size: int
    """The bytes of the site's files."""
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
    with profile.stage("check"):
        state = incremental.load(config, content, output, full, template_folders(config))
        if state.unchanged and state.old is not None:
            seconds = time.perf_counter() - started
            old = state.old
            return BuildResult(old.summary, old.pages, 0, old.size, output, seconds, "none", None, profile)
        change = incremental.changes(state)
    opened = change.days  # its paper store is open until the end, whatever happens
    try:
        with collector_paused():
            loaded, plan, change, (written, size) = _update(state, change, progress, profile, jobs)
    finally:
        if opened is not None:
            opened.store.close()
    seconds = time.perf_counter() - started
    kind = "update" if plan.update else "full"
    site = None if change.days is not None else loaded.site
    return BuildResult(loaded.summary(), plan.pages_count, written, size, output, seconds, kind, site, profile)


def _update(
    state: incremental.BuildState, change: incremental.Change, progress: Progress, profile: Profile, jobs: int
) -> tuple[Loaded, incremental.Plan, incremental.Change, tuple[int, int]]:
    """Read, merge, plan, render, write and save what `change` asks for; return what was
    read, the plan, the change made (the whole site, when new days could not be merged), how
    many files were written and the site's size in bytes."""
    try:
        loaded, plan = _read_and_plan(state, change, progress, profile, jobs)
    except NeedsWholeSite as reason:  # nothing is written until here
        change = incremental.everything(state, change, str(reason))
        loaded, plan = _read_and_plan(state, change, progress, profile, jobs)
    if change.reason:
        profile.notes.append(f"the whole site is read again: {change.reason}")
    elif change.days is not None:
        profile.notes.append("only the new days are read: the rest comes from the catalog")
    incremental.forget(state, change, plan)
    config = state.config
    protected = [config.root, state.content, config.templates, Path.cwd()]
    try:
        with site_folder(state.output, protected, plan.previous, plan.update) as target, profile.stage("render+write"):
            made, written, grown = _render_and_write(plan, target, progress, profile, jobs)
        with profile.stage("manifest"):
            size = incremental.save(state, change, plan, loaded, made, grown)
    except KeyboardInterrupt as exc:
        if plan.update:
            raise UpdateInterrupted from exc
        raise
    return loaded, plan, change, (written, size)


def _read_and_plan(
    state: incremental.BuildState, change: incremental.Change, progress: Progress, profile: Profile, jobs: int
) -> tuple[Loaded, incremental.Plan]:
    """Read what changed and merge it (onto the last build's site, after new days), then plan
    what to make; `NeedsWholeSite` when new days need the whole site read."""
    config, content = state.config, state.content
    if (days := change.days) is not None:
        read = read_files(days.new, config.root, content, change.parsed, {}, jobs, profile, progress)
        with profile.stage("merge"):
            loaded = incremental.with_days(state, days, read, config.page_size)
    else:
        loaded = load(config, content, progress=progress, profile=profile, parsed=change.parsed, jobs=jobs,
                      known=change.known)  # fmt: skip
        change.parsed.prune()
    with profile.stage("plan"):
        return loaded, incremental.plan(state, change, loaded)


def _render_and_write(
    plan: incremental.Plan, target: Target, progress: Progress, profile: Profile, jobs: int
) -> tuple[dict[str, str], int, int]:
    """Render and write what the plan says, on `jobs` workers (0: one per core, none for a
    small site); return each file made with the hash of its bytes, how many files were
    written, and the bytes the folder grew by. The whole-site files are made with the last
    phase, each set by one task."""
    tasks: list[Task] = [functools.partial(make_files, name, make) for name, make in plan.files]
    results = (
        done
        for number, phase in enumerate(plan.phases, start=1)
        for done in workers.run(plan.pages, phase, target, tasks if number == len(plan.phases) else [], jobs)
    )
    made: dict[str, str] = {}
    written, grown = 0, target.grown  # the folder's marker, in a new folder
    for done in pages_of(results, progress, sum(map(len, plan.phases))):
        made.update(done.hashes)
        written += done.written
        grown += done.grown
        profile.add(done)
    before = target.grown
    if plan.update:  # what the last build made and this one did not make again, nor keeps, is gone
        for path in sorted(set(plan.previous) - set(made), reverse=True):
            if not plan.stays(path):
                target.remove(path)
    return made, written, grown + target.grown - before
