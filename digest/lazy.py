"""Sequences and mappings of a site that was not read whole: each paper, or a digest's records,
loaded when a page asks for it (see `digest.site.Base`)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import overload

from digest.model import Paper, Record


class Rows(Sequence[Paper]):
    """Papers by their IDs, each loaded when asked for: a collection of a site that was not
    read whole, which pages see as a tuple."""

    def __init__(self, ids: Sequence[str], papers: Callable[[str], Paper]) -> None:
        self.ids = ids
        self._papers = papers

    def __len__(self) -> int:
        return len(self.ids)

    @overload
    def __getitem__(self, index: int) -> Paper: ...
    @overload
    def __getitem__(self, index: slice) -> tuple[Paper, ...]: ...
    def __getitem__(self, index: int | slice) -> Paper | tuple[Paper, ...]:
        if isinstance(index, slice):
            return tuple(map(self._papers, self.ids[index]))
        return self._papers(self.ids[index])

    def __iter__(self) -> Iterator[Paper]:
        return map(self._papers, self.ids)


class Records(Sequence[Record]):
    """The records of a digest known by their count, loaded when asked for."""

    def __init__(self, count: int, load: Callable[[], Sequence[Record]]) -> None:
        self._count = count
        self._load = load
        self._records: Sequence[Record] | None = None

    def __len__(self) -> int:
        return self._count

    def _all(self) -> Sequence[Record]:
        if self._records is None:
            self._records = self._load()
        return self._records

    @overload
    def __getitem__(self, index: int) -> Record: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[Record]: ...
    def __getitem__(self, index: int | slice) -> Record | Sequence[Record]:
        return self._all()[index]

    def __iter__(self) -> Iterator[Record]:
        return iter(self._all())


class PaperOf(Mapping[tuple[str, int], Paper]):
    """(source, line) of a record → its paper, for digests known by their rows: each record's
    (line, paper ID)."""

    def __init__(self, rows: Mapping[str, tuple[tuple[int, str], ...]], papers: Callable[[str], Paper]) -> None:
        self._rows = rows
        self._by_line: dict[str, dict[int, str]] = {}
        self._papers = papers

    def __getitem__(self, key: tuple[str, int]) -> Paper:
        source, line = key
        lines = self._by_line.get(source)
        if lines is None:
            lines = self._by_line[source] = dict(self._rows[source])
        return self._papers(lines[line])

    def __iter__(self) -> Iterator[tuple[str, int]]:
        return ((source, line) for source, rows in self._rows.items() for line, _ in rows)

    def __len__(self) -> int:
        return sum(map(len, self._rows.values()))


def ids_of(papers: Sequence[Paper]) -> list[str]:
    """The IDs of `papers`, without loading any."""
    return list(papers.ids) if isinstance(papers, Rows) else [paper.id for paper in papers]
