"""A build: the check of what changed since the last build into the output folder, then, when
something did, the pipeline (`digest.pipeline`)."""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from digest import codec
from digest.config import Config, template_folders
from digest.errors import DigestError, printable
from digest.incremental.cache import CACHE_FOLDER, clear
from digest.incremental.check import load
from digest.profile import Profile
from digest.progress import Progress, quiet
from digest.summary import Summary
from digest.write import one_build_at_a_time

if TYPE_CHECKING:
    from digest.site import Site


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
        state = load(config, content, output, full, template_folders(config))
    if state.unchanged and (last := state.last) is not None:
        seconds = time.perf_counter() - started
        return BuildResult(last.summary, last.pages, 0, last.size, output, seconds, "none", None, profile)
    # The parser, the templates and the search index are imported only now: a build that finds
    # nothing changed does not load them (`test_a_build_with_nothing_to_do_imports_…`).
    from digest.pipeline import run

    made = run(state, progress, profile, jobs)
    seconds = time.perf_counter() - started
    kind = "update" if made.update else "full"
    return BuildResult(made.summary, made.pages, made.written, made.size, output, seconds, kind, made.site, profile)
