"""Nothing lost: every paper an input file declares is published or reported.

The census counts what a file declares with its own simple rules, never the parser's: in a
daily digest the `[^N]` numbers of its table rows and detail blocks, in a venue collection its
`##` headings. `account` then checks each declared paper against what the parser returned: a
record for it (published), or a diagnostic on one of its lines or on the whole file (reported).
A paper that is neither is lost, which is a bug in digest, and the build says so.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field

from digest.errors import Diagnostic
from digest.model import DigestFile

_ROW = re.compile(r"^\s{0,3}\|\s*\[\^\s*([0-9]+)\s*\]")
_BLOCK = re.compile(r"^\s{0,3}\[\^\s*([0-9]+)\s*\]\s*[:：]")
_VENUE_PAPER = re.compile(r"^##(?!#)")
_DAILY_SIGN = re.compile(r"^(#\s*(摘要|详细)\s*$|\|\s*Ref\s*\|)")
_VENUE_SIGN = re.compile(r"^(#\s+Papers about\s|(Authors|Link|Abstract)\s*:)", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Declared:
    """One paper as a file declares it, with every line that declares it."""

    lines: tuple[int, ...]
    ref: int | None
    """The `[^N]` number in a daily digest; None for a venue heading."""


@dataclass(slots=True)
class Tally:
    found: int = 0
    published: int = 0
    reported: int = 0
    lost: list[str] = field(default_factory=list)
    """`path:line` of every paper that was neither published nor reported."""

    def add(self, other: Tally) -> None:
        self.found += other.found
        self.published += other.published
        self.reported += other.reported
        self.lost.extend(other.lost)


def declared_papers(text: str) -> list[Declared]:
    """The papers a file declares, counted from its text alone. The first sign of either format
    (outside any front matter) says which the file is."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    start = _after_front_matter(lines)
    rows: dict[int, list[int]] = defaultdict(list)
    blocks: dict[int, list[int]] = defaultdict(list)
    headings: list[int] = []
    daily: bool | None = None
    for number, line in enumerate(lines[start:], start=start + 1):
        if row := _ROW.match(line):
            rows[int(row[1])].append(number)
        elif block := _BLOCK.match(line):
            blocks[int(block[1])].append(number)
        elif _VENUE_PAPER.match(line):
            headings.append(number)
        else:
            if daily is None and (_DAILY_SIGN.match(line) or _VENUE_SIGN.match(line)):
                daily = bool(_DAILY_SIGN.match(line))
            continue
        if daily is None:
            daily = not headings
    if not daily:
        return [Declared((number,), None) for number in headings]
    declared = []
    for ref in sorted(rows.keys() | blocks.keys()):
        # A paper has a row and a block; more of either declares more papers with one number.
        copies = max(len(rows[ref]), len(blocks[ref]))
        declared.extend([Declared(tuple(sorted(rows[ref] + blocks[ref])), ref)] * copies)
    return declared


def _after_front_matter(lines: list[str]) -> int:
    """Index of the first line after YAML front matter (0 when there is none)."""
    if not lines or lines[0].removeprefix("\ufeff").rstrip() != "---":
        return 0
    return next((i + 1 for i in range(1, len(lines)) if lines[i].rstrip() in ("---", "...")), 0)


def account(path: str, text: str, digest: DigestFile | None, diagnostics: list[Diagnostic]) -> Tally:
    """Published, reported and lost papers of one file."""
    declared = declared_papers(text)
    tally = Tally(found=len(declared))
    records = digest.records if digest else ()
    published_refs = {r.ref for r in records if r.format == "arxiv"}
    published_lines = {r.line for r in records if r.format == "venue"}
    located = {d.line for d in diagnostics}
    whole_file = digest is None and any(d.severity == "error" for d in diagnostics)
    for paper in declared:
        published = paper.ref in published_refs if paper.ref is not None else paper.lines[0] in published_lines
        if published:
            tally.published += 1
            published_refs.discard(paper.ref)  # a second copy of one number is not published too
            continue
        if whole_file or located.intersection(paper.lines):
            tally.reported += 1
        else:
            tally.lost.append(f"{path}:{paper.lines[0]}")
    return tally
