"""What a build reports of its input: how many papers the files declare and what became of them
(`Tally`), and the `Summary` a build prints, which a build that finds nothing changed takes from
the last one's manifest without reading anything else."""

from __future__ import annotations

from dataclasses import dataclass, field

from digest.errors import Diagnostic


@dataclass(slots=True)
class Tally:
    """Papers the input declares, and what became of them: found = published + reported + lost."""

    found: int = 0
    """Papers the files declare (a paper listed in two files counts twice)."""
    published: int = 0
    """Declared papers the parser returned a record for."""
    reported: int = 0
    """Declared papers that were not published, each with an error on one of its lines or on
    its file as a whole."""
    lost: list[tuple[str, int]] = field(default_factory=list)
    """(path, line) of every paper that was neither: a bug in digest."""

    def add(self, other: Tally) -> None:
        self.found += other.found
        self.published += other.published
        self.reported += other.reported
        self.lost.extend(other.lost)


@dataclass(frozen=True, slots=True)
class Summary:
    """What a build reports: the same whether it rendered every page or found nothing to do."""

    papers: int
    files: int
    """Input files read."""
    tally: Tally
    diagnostics: list[Diagnostic]
