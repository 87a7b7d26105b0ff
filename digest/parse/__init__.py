"""Input files → records: format detection, then one reader per format.

`parse_file` never raises on content: every problem becomes a located diagnostic, and a file
that cannot be read as a digest yields no DigestFile but says why.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import PurePosixPath

from digest.errors import Diagnostic
from digest.model import DigestFile, Format
from digest.parse.arxiv import parse_arxiv
from digest.parse.source import SourceText, date_from_path, read_source
from digest.parse.venue import parse_venue

_ARXIV_SIGNS = re.compile(r"^\s*(#\s*摘要\s*$|#\s*详细\s*$|\[\^\s*\d+\s*\]\s*[:：]|\|\s*\[\^|\|\s*Ref\s*\|)")
_VENUE_SIGNS = re.compile(r"^(#\s+Papers about\s|##(?!#)|(Authors|Link|Abstract)\s*:|摘要\s*[:：])", re.IGNORECASE)
_FOLDER_YEAR = re.compile(r"^(?P<venue>.+?)[-_ ](?P<year>[0-9]{4})$")


def detect_format(source: SourceText) -> Format | None:
    """The format with more of its marks in the text (the first mark on a tie); None when there
    are none. A stray heading or label never outvotes a digest's table and blocks."""
    arxiv = venue = 0
    first: Format | None = None
    for line in source.lines[source.body_start :]:
        if _ARXIV_SIGNS.match(line):
            arxiv += 1
            first = first or "arxiv"
        elif _VENUE_SIGNS.match(line):
            venue += 1
            first = first or "venue"
    if arxiv == venue:
        return first
    return "arxiv" if arxiv > venue else "venue"


def parse_file(path: str, content_path: str, data: bytes) -> tuple[DigestFile | None, list[Diagnostic]]:
    """Parse one input file. `path` names it in diagnostics; `content_path` is relative to the
    content folder and supplies the date, channel or venue the file does not state."""
    source = read_source(path, data)
    body = source.lines[source.body_start :]
    if not any(line.strip() for line in body):
        source.warning(0, "file is empty", "remove it, or fill it with a digest")
        return None, source.diagnostics
    digest: DigestFile | None = None
    match detect_format(source):
        case "arxiv":
            digest = _daily_digest(source, content_path)
        case "venue":
            digest = _venue_collection(source, content_path)
        case None:
            source.error(
                source.body_start + 1,
                "file is in neither digest format; nothing in it is published",
                "a daily digest starts with '# 摘要' and its table; a venue collection with "
                "'# Papers about TOPIC in VENUE YEAR' and '## Title' per paper; "
                "move files that are not digests out of the content folder",
            )
    return digest, source.diagnostics


def _daily_digest(source: SourceText, content_path: str) -> DigestFile:
    records = parse_arxiv(source)
    date = source.meta.get("date") or date_from_path(content_path)
    channel = source.meta.get("channel") or PurePosixPath(content_path).stem
    if not date:
        source.warning(
            1,
            "daily digest has no date; it is left out of the date collections",
            "put the file in a folder named YYYY-MM-DD, or add front matter 'date: YYYY-MM-DD'",
        )
    return DigestFile(source.path, content_path, "arxiv", tuple(records), date=date, channel=channel)


def _venue_collection(source: SourceText, content_path: str) -> DigestFile:
    header, records, header_line = parse_venue(source)
    path = PurePosixPath(content_path)
    venue = source.meta.get("venue") or (header.venue if header else "")
    year = source.meta.get("year") or (header.year if header else None)
    topic = source.meta.get("topic") or (header.topic if header else "")
    if not venue:
        folder = _FOLDER_YEAR.match(path.parent.name)
        venue = folder["venue"] if folder else path.parent.name
        year = year or (int(folder["year"]) if folder else None)
        source.warning(
            header_line or 1,
            f"venue collection does not name its venue; using the folder name '{venue}'",
            "start the file with '# Papers about TOPIC in VENUE YEAR', or add front matter 'venue:' and 'year:'",
        )
    topic = topic or path.stem
    records = [dataclasses.replace(r, venue=venue, year=year, topic=topic) for r in records]
    return DigestFile(
        source.path,
        content_path,
        "venue",
        tuple(records),
        date=source.meta.get("date", ""),
        venue=venue,
        year=year,
        topic=topic,
    )
