"""The pipeline, read top to bottom: what changed → read → parse → merge → plan → render →
write → keep. `digest.build` runs it when its check finds something to do."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import NamedTuple

from digest import workers
from digest.incremental.check import BuildState
from digest.incremental.planner import plan as make_plan
from digest.incremental.state import Change, Plan, changes, everything, forget, save, with_days
from digest.inputs import Loaded, load, read_files
from digest.profile import Profile
from digest.progress import Progress
from digest.site import NeedsWholeSite, Site
from digest.summary import Summary
from digest.workers import Task, collector_paused, make_files, pages_of
from digest.write import Target, UpdateInterrupted, site_folder


class Made(NamedTuple):
    """What a run of the pipeline made."""

    summary: Summary
    pages: int
    """The site's HTML pages."""
    written: int
    """Files written."""
    size: int
    """The bytes of the site's files."""
    update: bool
    """Whether the live output folder was updated (rather than a new one written)."""
    site: Site | None
    """The site, when this build read it whole (an update that only adds days does not)."""


def run(state: BuildState, progress: Progress, profile: Profile, jobs: int) -> Made:
    """Read, merge, plan, render, write and keep what changed since the last build (`state`)."""
    with collector_paused():  # the catalog alone is a million objects
        with profile.stage("check"):
            change = changes(state)
        opened = change.days  # its paper store is open until the end, whatever happens
        try:
            loaded, plan, change, (written, size) = _update(state, change, progress, profile, jobs)
        finally:
            if opened is not None:
                opened.store.close()
    site = None if change.days is not None else loaded.site
    return Made(loaded.summary(), plan.pages_count, written, size, plan.update, site)


def _update(
    state: BuildState, change: Change, progress: Progress, profile: Profile, jobs: int
) -> tuple[Loaded, Plan, Change, tuple[int, int]]:
    """Read, merge, plan, render, write and save what `change` asks for; return what was
    read, the plan, the change made (the whole site, when new days could not be merged), how
    many files were written and the site's size in bytes."""
    try:
        loaded, plan = _read_and_plan(state, change, progress, profile, jobs)
    except NeedsWholeSite as reason:  # nothing is written until here
        change = everything(state, change, str(reason))
        loaded, plan = _read_and_plan(state, change, progress, profile, jobs)
    if change.reason:
        profile.notes.append(f"the whole site is read again: {change.reason}")
    elif change.days is not None:
        profile.notes.append("only the new days are read: the rest comes from the catalog")
    forget(state, change, plan)
    config = state.config
    protected = [config.root, state.content, config.templates, Path.cwd()]
    try:
        with site_folder(state.output, protected, plan.previous, plan.update) as target, profile.stage("render+write"):
            made, written, grown = _render_and_write(plan, target, progress, profile, jobs)
        with profile.stage("manifest"):
            size = save(state, change, plan, loaded, made, grown)
    except KeyboardInterrupt as exc:
        if plan.update:
            raise UpdateInterrupted from exc
        raise
    return loaded, plan, change, (written, size)


def _read_and_plan(
    state: BuildState, change: Change, progress: Progress, profile: Profile, jobs: int
) -> tuple[Loaded, Plan]:
    """Read what changed and merge it (onto the last build's site, after new days), then plan
    what to make; `NeedsWholeSite` when new days need the whole site read."""
    config, content = state.config, state.content
    if (days := change.days) is not None:
        read = read_files(days.new, config.root, content, change.parsed, {}, jobs, profile, progress)
        with profile.stage("merge"):
            loaded = with_days(state, days, read, config.page_size)
    else:
        loaded = load(config, content, progress=progress, profile=profile, parsed=change.parsed, jobs=jobs,
                      known=change.known)  # fmt: skip
        change.parsed.prune()
    with profile.stage("plan"):
        return loaded, make_plan(state, change, loaded)


def _render_and_write(
    plan: Plan, target: Target, progress: Progress, profile: Profile, jobs: int
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
        profile.add(done.task, done.render, done.write, done.templates)
    before = target.grown
    if plan.update:  # what the last build made and this one did not make again, nor keeps, is gone
        gone = [path for path in plan.previous if path not in made and not plan.stays(path)]
        for path in sorted(gone, reverse=True):
            target.remove(path)
    return made, written, grown + target.grown - before
