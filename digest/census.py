"""Nothing lost: every paper an input file declares is published or reported.

The census counts what a file declares line by line, knowing nothing of blocks, fields or
formats: every `[^N]` table row and detail block, however indented, and every level-two heading
(as CommonMark reads them: `digest.parse.headings`).
`account` then checks each declared paper against what the parser returned: a record for it
(published), or an error on one of its lines or on the whole file (reported). A paper that is
neither is lost, which is a bug in digest, and the build says so.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

from digest.errors import Diagnostic
from digest.model import DigestFile
from digest.parse.daily_syntax import ROW_DECLARED
from digest.parse.headings import h2_lines
from digest.parse.text import ascii_digits
from digest.summary import Tally

# Any decimal digits: a reader counts `[^２]` too, and the parser reads it (with a warning).
_BLOCK = re.compile(r"^\s*\[\^\s*(\d+)\s*\]\s*[:：]")


@dataclass(frozen=True, slots=True)
class Declared:
    """One paper as a file declares it, with every line that declares it."""

    lines: tuple[int, ...]
    ref: str | None
    """The `[^N]` number of a daily digest's paper, in ASCII digits without leading zeros, never
    read as a number (so that one too long to read is counted too); None for a venue collection's
    heading."""


def declared_papers(text: str) -> list[Declared]:
    """The papers a file declares, counted from its text alone, whatever its format: daily
    digest rows and blocks by their `[^N]` numbers, venue papers by their `##` headings."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    start = _after_front_matter(lines)
    rows: dict[str, list[int]] = defaultdict(list)
    blocks: dict[str, list[int]] = defaultdict(list)
    declared = []
    headings = h2_lines(lines, start)
    for number, line in enumerate(lines[start:], start=start + 1):
        if row := ROW_DECLARED.match(line):
            rows[_number(row[1])].append(number)
        elif block := _BLOCK.match(line):
            blocks[_number(block[1])].append(number)
        elif number - 1 in headings:
            declared.append(Declared((number,), None))
    for ref in sorted(rows.keys() | blocks.keys(), key=lambda digits: (len(digits), digits)):
        # A paper has a row and a block; more of either declares more papers with one number.
        copies = max(len(rows[ref]), len(blocks[ref]))
        declared.extend([Declared(tuple(sorted(rows[ref] + blocks[ref])), ref)] * copies)
    return declared


def _number(digits: str) -> str:
    """A reference number as ASCII digits without leading zeros: `[^２]` is `[^2]`, as the parser
    reads it too."""
    return ascii_digits(digits).lstrip("0") or "0"


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
    published_refs = {str(r.ref) for r in records if r.format == "arxiv"}
    published_lines = {r.line for r in records if r.format == "venue"}
    errors = {d.line for d in diagnostics if d.severity == "error"}
    whole_file = digest is None and bool(errors)
    for paper in declared:
        published = paper.ref in published_refs if paper.ref is not None else paper.lines[0] in published_lines
        if published:
            tally.published += 1
            published_refs.discard(paper.ref)  # a second copy of one number is not published too
        elif whole_file or errors.intersection(paper.lines):
            tally.reported += 1
        else:
            tally.lost.append((path, paper.lines[0]))
    return tally
