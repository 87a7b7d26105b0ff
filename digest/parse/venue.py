"""Format B: the venue collection (`# Papers about TOPIC in VENUE YEAR`, one `##` per paper).

`tokenize` knows the syntax: the H1, and for each H2 its labelled fields with their lines.
`convert` knows the meaning: kind, authors, which fields are missing. See FORMATS.md
("Format B").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from digest.model import Record
from digest.parse.headings import h2_lines, looks_like_h2
from digest.parse.source import SourceText
from digest.parse.text import clean, link_target

_ANY_H1 = re.compile(r"^#(\s|$)")
_DAILY_LINE = re.compile(r"^\s*(\|\s*\[\^\s*\d+\s*\]|\[\^\s*\d+\s*\]\s*[:：])")
_LABEL = re.compile(r"^(?P<label>Authors|Link|Abstract|摘要)\s*[:：]\s*(?P<rest>.*)$", re.IGNORECASE)

LABELS = ("authors", "link", "abstract", "摘要")


@dataclass(slots=True)
class Entry:
    """One `##` paper: the heading and its labelled fields, each as (line, lines of text)."""

    line: int
    heading: str
    fields: dict[str, tuple[int, list[str]]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class VenueHeader:
    topic: str
    venue: str
    year: int


def parse_venue(source: SourceText) -> tuple[VenueHeader | None, list[Record], int]:
    """(what the H1 says, the records, the H1's line or 0)."""
    header, header_line, entries = tokenize(source)
    return header, convert(source, entries, header), header_line


# --- step 1: syntax ---------------------------------------------------------------------------


def tokenize(source: SourceText) -> tuple[VenueHeader | None, int, list[Entry]]:
    header: VenueHeader | None = None
    header_line = 0
    entries: list[Entry] = []
    current_label = ""
    headings = h2_lines(source.lines, source.body_start)
    underline = -1  # the last line of a setext heading
    unread = False  # after a line that only looks like a heading, until the next heading
    for index in range(source.body_start, len(source.lines)):
        text = source.lines[index].rstrip()
        number = index + 1
        if index in headings:
            heading, underline = headings[index]
            entries.append(Entry(number, heading.strip()))
            current_label = ""
            unread = False
            continue
        if index <= underline:
            continue
        if looks_like_h2(text):
            source.error(
                number,
                "line looks like a '##' heading, but Markdown reads it as text (no space after '##', a "
                "full-width ＃, indented, after a line separator); its paper is not published",
                "start each paper's heading with '## ' in ASCII, at most three spaces in",
            )
            unread = True  # nor are its fields read as the paper above's
            continue
        if unread:
            continue
        if _ANY_H1.match(text):
            found = venue_heading(text)
            if found and header is None:
                header, header_line = found, number
            else:
                source.warning(
                    number,
                    "heading is not '# Papers about TOPIC in VENUE YEAR'; ignored",
                    "give the file one such heading, or set venue, year and topic in front matter",
                )
            continue
        if _DAILY_LINE.match(text):
            source.error(
                number,
                "line is part of a daily digest (a table row or a '[^N]:' block); in a venue collection it is "
                "read as text and its paper is not published",
                "keep daily digests and venue collections in separate files",
            )
        label = _LABEL.match(text)
        repeated = label is not None and bool(entries) and label["label"].lower() in entries[-1].fields
        if label and entries and not repeated:
            current_label = label["label"].lower()
            entries[-1].fields[current_label] = (number, [label["rest"]])
            continue
        if repeated:
            source.warning(
                number, f"'{text[:20]}' repeats a label of this paper; read as text of its '{current_label}:' field",
                "give each paper one field of each label",
            )  # fmt: skip
        if entries and current_label:
            entries[-1].fields[current_label][1].append(text)
        elif text.strip():
            where = "before the first '##' paper" if not entries else "before the paper's first label"
            source.warning(
                number,
                f"text {where} is not part of any field; ignored",
                "start each paper with '## Title' and label its fields 'Authors:', 'Link:', 'Abstract:' and '摘要:'",
            )
    return header, header_line, entries


def venue_heading(line: str) -> VenueHeader | None:
    """`# Papers about TOPIC in VENUE YEAR`; the topic may itself contain " in ", so the venue
    follows the last one. Read with str methods: linear in the length of the line."""
    words = " ".join(line.removeprefix("#").split())
    prefix = "papers about "
    if not words.lower().startswith(prefix) or len(words) < len(prefix) + 5:
        return None
    body, year = words[len(prefix) : -5], words[-4:]
    topic, found, venue = body.rpartition(" in ")
    if not (year.isascii() and year.isdigit() and words[-5] == " " and found and topic and venue):
        return None
    return VenueHeader(clean(topic), clean(venue), int(year))


def split_kind(heading: str) -> tuple[str, str]:
    """(title, kind) of `Title<sup>poster<sup>` (the malformed closing tag) or `…</sup>`."""
    text = heading.rstrip()
    lower = text.lower()
    for closing in ("</sup>", "<sup>"):
        if lower.endswith(closing):
            opening = lower.rfind("<sup>", 0, len(text) - len(closing))
            kind = text[opening + 5 : len(text) - len(closing)] if opening >= 0 else "<"
            if "<" not in kind and ">" not in kind:
                return clean(text[:opening]), clean(kind).lower()
    return clean(text), ""


# --- step 2: meaning --------------------------------------------------------------------------


def convert(source: SourceText, entries: list[Entry], header: VenueHeader | None) -> list[Record]:
    records = []
    for position, entry in enumerate(entries, start=1):
        title, kind = split_kind(entry.heading)
        missing = [label for label in LABELS if label not in entry.fields]
        if missing:
            names = ", ".join(f"'{m.capitalize() if m != '摘要' else m}:'" for m in missing)
            source.warning(
                entry.line,
                f"paper '{title[:60]}' has no {names}",
                "add the missing field under the paper's heading; the paper is published without it",
            )
        if not title:
            source.error(entry.line, "paper heading has no title", "write the title after '## '")
        url = _url(source, entry)
        authors = tuple(a for a in (clean(name) for name in _text(entry, "authors").split(",")) if a)
        records.append(
            Record(
                source=source.path,
                line=entry.line,
                format="venue",
                ref=position,
                title=title,
                url=url,
                authors=authors,
                kind=kind,
                venue=header.venue if header else "",
                year=header.year if header else None,
                topic=header.topic if header else "",
                abstract_en=_text(entry, "abstract"),
                abstract_zh=_text(entry, "摘要"),
            )
        )
    return records


def _text(entry: Entry, label: str) -> str:
    """A field's lines as text: lines joined by spaces, paragraphs by an empty line."""
    if label not in entry.fields:
        return ""
    paragraphs: list[str] = []
    current: list[str] = []
    for line in [*entry.fields[label][1], ""]:
        if line.strip():
            current.append(line.strip())
        elif current:
            paragraphs.append(clean(" ".join(current)))
            current = []
    return "\n\n".join(p for p in paragraphs if p)


def _url(source: SourceText, entry: Entry) -> str:
    text = _text(entry, "link")
    if not text:
        return ""
    return source.web_url(entry.fields["link"][0], link_target(text) or text)
