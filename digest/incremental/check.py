"""The last build into an output folder, as its manifest says, and the input now: `load`, the
first step of every build. A build that finds nothing changed stops here, so this module imports
nothing of the parser or the pages."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import digest.incremental.manifest as manifest
from digest.config import Config
from digest.errors import Diagnostic
from digest.incremental.manifest import Head, Manifest
from digest.listing import input_status
from digest.write import MARKER


@dataclass(slots=True)
class BuildState:
    """The last build into an output folder, as its manifest says, and the input now."""

    config: Config
    content: Path
    output: Path
    where: Path
    """The manifest's file."""
    stamp: str
    """`manifest.stamp` now."""
    inputs: dict[str, tuple[int, int]]
    """Each input file's size and time now."""
    files: list[str]
    """Every input file now (`digest.listing.input_status`)."""
    problems: list[Diagnostic]
    """What could not be read of the content folder while listing them."""
    last: Head | None
    """The first line of the last build's manifest; None for a first or full build."""
    old: Manifest | None
    """The last build's whole manifest, read only when this build has work, or the output
    files' state has changed since; None for a first or full build."""
    mend: set[str]
    """Output files removed or changed since the last build, to make again."""
    unchanged: bool
    """Whether nothing changed since the last build: nothing to read, nothing to write."""


def load(config: Config, content: Path, output: Path, full: bool, templates: Sequence[Path]) -> BuildState:
    """The state of the output folder `output` (`full`: as if there were no last build)."""
    where = manifest.location(config, output)
    stamp = manifest.stamp(config, content, templates)
    problems: list[Diagnostic] = []
    found = input_status(content, problems) if content.is_dir() else {}
    files = list(found)
    inputs = {path: status for path, status in found.items() if status is not None}
    marker = manifest.marker_identity(output / MARKER)

    def ours(whole: Manifest | None) -> Manifest | None:
        """`whole`, unless the output folder is no longer the one it describes."""
        return whole if whole is not None and whole.head.marker == marker else None

    last = None if full else manifest.read_head(where)
    if last is not None and last.marker != marker:
        last = None
    old, mend = None, set()
    # Output files removed or changed since the last build are made again, as if it had not made
    # them: found by their sizes and times, then confirmed by their bytes.
    if last is not None and (now := manifest.output_state(output, last.watched)) != last.written:
        old = ours(manifest.read(where))
        if old is not None and (mend := manifest.damaged(output, old.outputs)):
            old = dataclasses.replace(old, outputs={p: v for p, v in old.outputs.items() if p not in mend})
        elif old is not None:  # only times changed (a file of the reader's added beside ours): nothing to mend
            old = dataclasses.replace(old, head=dataclasses.replace(old.head, written=now))
            manifest.write(where, old)
        last = old.head if old is not None else None
    unchanged = last is not None and last.inputs == inputs and last.stamp == stamp and not mend
    if last is not None and old is None and not unchanged:  # this build has work: it needs the rest
        old = ours(manifest.read(where))
        last = old.head if old is not None else None
    return BuildState(config, content, output, where, stamp, inputs, files, problems, last, old, mend, unchanged)
