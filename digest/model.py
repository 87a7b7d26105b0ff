"""The data every stage passes on: frozen values, no I/O, no HTML.

A `Record` is one paper as one input file lists it (an appearance). A `DigestFile` is one input
file with its records. The site stage merges records into `Paper`s and groups papers into
`Collection`s; every page knows its output path, relative to the output folder.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from operator import attrgetter
from typing import Any, Literal

Format = Literal["arxiv", "venue"]


@dataclass(frozen=True, slots=True)
class Record:
    """One paper as one input file lists it."""

    source: str
    """The input file: relative to the site folder when inside it (POSIX separators)."""
    line: int
    """The line the paper starts on: the `[^N]:` block, or the `##` heading."""
    format: Format
    """`arxiv` for a daily digest (Format A), `venue` for a venue collection (Format B)."""
    ref: int
    """The `[^N]` number in a daily digest; the paper's position in a venue file."""
    title: str
    """English title, cleaned (feed `.` and `(arXiv:…)` suffix removed)."""
    title_zh: str = ""
    """Chinese title, with any copied `(arXiv:…)` suffix removed; daily digests only."""
    arxiv_id: str = ""
    """arXiv identifier without version (`2310.00212`, `math/0601001`); empty if unknown."""
    version: int | None = None
    """arXiv version number, when the title line or abstract prefix gives it."""
    category: str = ""
    """Primary arXiv category (`cs.LG`), when the title line gives it."""
    announce: str = ""
    """Announce marker: `UPDATED`, `CROSS LISTED`, or the new feed's type (`new`, `cross`, …)."""
    url: str = ""
    """The paper's link as the file gives it (arXiv abstract page, or the venue's page)."""
    authors: tuple[str, ...] = ()
    """Authors in their original order (venue collections only)."""
    venue: str = ""
    """Venue name (`NeurIPS`), for venue collections."""
    year: int | None = None
    """Venue year."""
    kind: str = ""
    """Presentation kind (`oral`, `poster`, `spotlight`, …), lower case; empty if not given."""
    topic: str = ""
    """The venue collection's topic (`Language Modeling`)."""
    abstract_en: str = ""
    """English abstract, without the `arXiv:… Announce Type: … Abstract:` prefix."""
    abstract_truncated: bool = False
    """True when the English abstract was cut upstream and the page must say so."""
    abstract_zh: str = ""
    summary_zh: str = ""
    """The Chinese one-paragraph summary (TL;DR)."""
    summary_en: str = ""
    """The English summary, present in a few files only."""

    @property
    def location(self) -> str:
        return f"{self.source}:{self.line}"

    def __reduce__(self) -> tuple[type[Record], tuple[Any, ...]]:
        """Pickled as its values and made again by its constructor: about twice as quick to load
        as a frozen dataclass's own way (a loop over its fields), and records are nearly all of
        what the parse cache holds."""
        return (Record, _record_values(self))


_record_values = attrgetter(*(f.name for f in fields(Record)))


@dataclass(frozen=True, slots=True)
class DigestFile:
    """One input file: its metadata, and the papers it lists in its own order."""

    source: str
    """The file as diagnostics and appearances name it."""
    content_path: str
    """Path relative to the content folder (POSIX separators); the digest page mirrors it."""
    format: Format
    records: Sequence[Record]
    date: str = ""
    """`YYYY-MM-DD`, from front matter or the path; daily digests."""
    channel: str = ""
    """The arXiv listing (`cs.CL`), from front matter or the file name; daily digests."""
    venue: str = ""
    year: int | None = None
    topic: str = ""


@dataclass(frozen=True, slots=True)
class Paper:
    """A paper as the site publishes it: every appearance merged into one."""

    id: str
    """arXiv ID without version, or `<venue-slug>/<last segment of the venue link>`."""
    page: str
    """Output path of the paper page (`papers/2310.00212.html`)."""
    title: str
    title_zh: str
    arxiv_id: str
    version: int | None
    category: str
    authors: tuple[str, ...]
    venue: str
    year: int | None
    kind: str
    topic: str
    abstract_en: str
    """The fullest English abstract: a venue's full one over a truncated arXiv one."""
    abstract_truncated: bool
    abstract_zh: str
    summary_zh: str
    summary_en: str
    arxiv: Record | None
    """The arXiv side: the appearance with the highest version (latest on a tie)."""
    venue_sides: tuple[Record, ...]
    """One record per venue that lists the paper, in reading order; the first gives `venue`,
    `year`, `kind` and `topic`."""
    appearances: tuple[Record, ...]
    """Every record of this paper, in reading order."""
    first_date: str = ""
    """The date of the first daily digest that lists the paper; empty for a paper listed only
    in venue collections."""
    categories: tuple[str, ...] = ()
    """Every arXiv category (or archive, such as `econ`) whose page lists the paper, sorted: its
    primary category, and the channels that list it (see `digest.site.listed_in`)."""
    cross_listed: tuple[str, ...] = ()
    """Those of `categories` the paper is only cross-listed in."""
    revisions: tuple[Revision, ...] = ()
    """The earlier texts of a paper revised on arXiv, oldest first; the paper shows its newest."""

    @property
    def venue_label(self) -> str:
        return venue_label(self.venue, self.year)

    def side_in(self, label: str) -> Record | None:
        """The paper's record in the venue called `label` (`NeurIPS 2023`)."""
        return next((r for r in self.venue_sides if venue_label(r.venue, r.year) == label), None)


@dataclass(frozen=True, slots=True)
class Revision:
    """An earlier text of a revised paper: a title or abstract that later listings replaced."""

    title: str
    version: int | None
    """The highest version the listings of this text name, if any does."""
    dates: tuple[str, ...]
    """The dates of the digests that listed this text, oldest first."""


def venue_label(venue: str, year: int | None) -> str:
    return f"{venue} {year}" if year else venue


CollectionKind = Literal["venue", "category", "date", "all"]


@dataclass(frozen=True, slots=True)
class Collection:
    """A list of papers with its own page (or pages, when paginated)."""

    kind: CollectionKind
    key: str
    """What the papers share: `NeurIPS 2023`, `cs.CL`, `2023-10-03`, or `all`."""
    papers: Sequence[Paper]
    pages: tuple[str, ...]
    """Output paths, in the order a reader pages through them (see `digest.site.page_members`)."""
    sources: tuple[str, ...] = field(default=())
    """Sources of the input files behind this collection (for venues and dates)."""

    @property
    def page(self) -> str:
        return self.pages[0]
