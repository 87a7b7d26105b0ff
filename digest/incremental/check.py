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
from digest.incremental.manifest import Manifest
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
    old: Manifest | None
    """The last build's manifest; None for a first or full build."""
    mend: set[str]
    """Output files removed or changed since the last build, to make again."""

    @property
    def unchanged(self) -> bool:
        """Whether nothing changed since the last build: nothing to read, nothing to write."""
        old = self.old
        return old is not None and old.inputs == self.inputs and old.stamp == self.stamp and not self.mend


def load(config: Config, content: Path, output: Path, full: bool, templates: Sequence[Path]) -> BuildState:
    """The state of the output folder `output` (`full`: as if there were no last build)."""
    where = manifest.location(config, output)
    stamp = manifest.stamp(config, content, templates)
    problems: list[Diagnostic] = []
    found = input_status(content, problems) if content.is_dir() else {}
    files = list(found)
    inputs = {path: status for path, status in found.items() if status is not None}
    old = None if full else manifest.read(where)
    if old is not None and old.marker != manifest.marker_identity(output / MARKER):
        old = None  # the output folder is no longer the one this manifest describes
    # Output files removed or changed since the last build are made again, as if it had not made
    # them: found by their sizes and times, then confirmed by their bytes.
    mend: set[str] = set()
    if old is not None and (now := manifest.output_state(output, old.outputs)) != old.written:
        mend = manifest.damaged(output, old.outputs)
        if mend:
            old = dataclasses.replace(old, outputs={p: v for p, v in old.outputs.items() if p not in mend})
        else:  # only times changed (a file of the reader's added beside ours): nothing to mend
            old = dataclasses.replace(old, written=now)
            manifest.write(where, old)
    return BuildState(config, content, output, where, stamp, inputs, files, problems, old, mend)
