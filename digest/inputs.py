"""Reading the input: the digest files under the content folder, each read and parsed (on
worker processes when there are many), and their records merged into the site.

A file parsed before need not be parsed again: a build gives `load` the files parsed before
(`ParsedBefore`, which `digest.incremental` keeps), and, for each file it can vouch for by its
size and time, the hash of its bytes, so that such a file is not even read."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, TypeVar

from digest import workers
from digest.config import Config
from digest.errors import Diagnostic, DigestError
from digest.hashing import file_hash
from digest.listing import input_files, readable
from digest.model import DigestFile, Record
from digest.profile import Profile
from digest.progress import Progress, quiet
from digest.site import Site, build_site
from digest.summary import Summary, Tally

T = TypeVar("T")


class ParsedBefore(Protocol):
    """Files parsed before, by what they were parsed from: their name, place and bytes."""

    def key(self, *made_from: str) -> str: ...
    def get(self, key: str, kind: type[T]) -> T | None: ...
    def put(self, key: str, data: bytes) -> None: ...


class _NothingBefore:
    def key(self, *made_from: str) -> str:
        return ""

    def get(self, key: str, kind: type[T]) -> T | None:
        return None

    def put(self, key: str, data: bytes) -> None:
        pass


@dataclass(frozen=True, slots=True)
class Loaded:
    """Everything read from the input files, before anything is written."""

    site: Site
    files: int
    """Input files read (those that were not digests included)."""
    diagnostics: list[Diagnostic]
    tally: Tally
    """Papers the files declare: found = published + reported (+ lost, a bug)."""
    hashes: dict[str, str] = field(default_factory=dict)
    """Each digest's source → the hash of its file's bytes."""
    by_path: dict[str, str] = field(default_factory=dict)
    """Each input file, as a path → the hash of its bytes."""
    problems: list[Diagnostic] = field(default_factory=list)
    """About the content folder rather than a file in it (a folder that cannot be read)."""
    by_file: dict[str, list[Diagnostic]] = field(default_factory=dict)
    """Each input file, as a path → what it has to report."""
    merged: list[Diagnostic] = field(default_factory=list)
    """What merging the files' records reported."""

    def summary(self) -> Summary:
        return Summary(len(self.site.papers), self.files, self.tally, self.diagnostics)


def load(
    config: Config,
    content: Path | None = None,
    paths: Sequence[Path] = (),
    progress: Progress = quiet,
    profile: Profile | None = None,
    parsed: ParsedBefore | None = None,
    jobs: int = 0,
    known: dict[str, str] | None = None,
) -> Loaded:
    """Read, parse and merge input files: the files and folders in `paths`, or else every
    digest file under the content folder. With `parsed`, files parsed before are not parsed
    again, and a file `known` by its path (its hash, from the last build, when its size and
    modification time are as they were) is not read either. `jobs`: worker processes for
    parsing (0: one per core when there is much to parse)."""
    profile = profile or Profile()
    before = parsed or _NothingBefore()
    content = content or config.content
    if not paths and not content.is_dir():
        raise DigestError(
            f"error: content folder {content} does not exist\n"
            "  hint: create it, correct 'content' in site.toml, or name another folder with --source"
        )
    problems: list[Diagnostic] = []
    if paths:
        files = _each_once(f for p in paths for f in (input_files(p, problems) if p.is_dir() else [p]))
    else:
        files = input_files(content, problems)
    if not files:
        hint = (
            "put daily digests in content/arxiv/DATE/CHANNEL.md and venue collections in content/venues/VENUE/TOPIC.md"
        )
        where = _display(content, config.root, content)
        problems.append(Diagnostic(where, 0, 1, "warning", "no digest files (.md or .txt) found", hint))
    read = read_files(files, config.root, content, before, known or {}, jobs, profile, progress)
    with profile.stage("merge"):
        site, merged = build_site(read.digests, config.page_size)
    diagnostics = problems + [d for found in read.by_file.values() for d in found] + read.lost() + merged
    return Loaded(site, len(files), diagnostics, read.tally, read.hashes, read.by_path, problems, read.by_file, merged)


@dataclass(frozen=True, slots=True)
class Read:
    """What input files hold, each parsed."""

    digests: list[DigestFile]
    by_file: dict[str, list[Diagnostic]]
    """Each file (as a path, in the order read) → what it has to report."""
    tally: Tally
    hashes: dict[str, str]
    """Each digest's source → the hash of its file's bytes."""
    by_path: dict[str, str]
    """Each file, as a path → the hash of its bytes."""

    def lost(self) -> list[Diagnostic]:
        message = "this paper was neither published nor reported; this is a bug in digest"
        hint = "please report it with this file"
        return [Diagnostic(path, line, 1, "error", message, hint) for path, line in self.tally.lost]


def read_files(
    files: Sequence[Path],
    root: Path,
    content: Path,
    before: ParsedBefore,
    known: dict[str, str],
    jobs: int = 0,
    profile: Profile | None = None,
    progress: Progress = quiet,
) -> Read:
    """Read and parse `files` (see `load`)."""
    profile = profile or Profile()
    hashes: dict[str, str] = {}
    shared = _SharedTexts()
    with profile.stage("read"):
        opened: list[_Opened] = []
        for name in files:
            opened.append(_open(name, root, content, hashes, before, known))
            shared.share(opened[-1].parsed)  # before the next is decoded, into the memory this frees
        by_path = {os.fsdecode(file): o.digest for file, o in zip(files, opened, strict=True) if o.digest}
    unparsed = [(o.name, o.content_path, o.data) for o in opened if o.data is not None and o.parsed is None]
    parsed = workers.parse(unparsed, jobs)
    digests: list[DigestFile] = []
    by_file: dict[str, list[Diagnostic]] = {}
    tally = Tally()
    for path, file in zip(files, progress(opened, len(opened), "read", "files"), strict=True):
        if file.data is not None and file.parsed is None:
            with profile.stage("parse"):
                file.parsed, kept = next(parsed)
                before.put(file.key, kept)
                shared.share(file.parsed)
        found = list(file.diagnostics)
        if file.parsed is not None:
            digest, reported, counted = file.parsed
            found += reported
            tally.add(counted)
            if digest is not None:
                digests.append(digest)
        by_file[os.fsdecode(path)] = found
    return Read(digests, by_file, tally, hashes, by_path)


class _SharedTexts:
    """One copy of each text a paper's records repeat. A paper listed again on a later day
    comes with the same abstract, read from another file: in the real history, 432,000 texts of
    146,000 records repeat those of another record of the same paper, 173 of the 326 MB all
    texts take. Worker processes forked from the build copy the memory they touch, so each copy
    cost again there: sharing them took the peak of a full build's processes from 2.0 to 1.5 GiB.

    A record's text becomes the equal string of the record of the same paper read before it
    (files from the parse cache are read before those parsed): the same value, so nothing that
    reads it can tell, and the record stays frozen in all but the identity of its strings."""

    TEXTS = ("abstract_en", "abstract_zh", "title", "title_zh", "summary_zh", "summary_en")

    def __init__(self) -> None:
        self._last: dict[str, Record] = {}
        """arXiv ID → the last record read of that paper."""

    def share(self, parsed: workers.Parsed | None) -> None:
        if parsed is None or parsed.digest is None:
            return
        last = self._last
        for record in parsed.digest.records:
            if not record.arxiv_id:
                continue
            earlier = last.get(record.arxiv_id)
            last[record.arxiv_id] = record
            if earlier is None:
                continue
            for name in self.TEXTS:
                text, known = getattr(record, name), getattr(earlier, name)
                if text is not known and text == known:
                    object.__setattr__(record, name, known)


def _each_once(files: Iterable[Path]) -> list[Path]:
    """Files in order, a file named twice (or reached through a link) only the first time."""
    seen: set[str] = set()
    unique = []
    for file in files:
        if (real := os.path.realpath(file)) not in seen:
            seen.add(real)
            unique.append(file)
    return unique


@dataclass(slots=True)
class _Opened:
    """An input file, read, and parsed if the cache had it."""

    name: str
    """As diagnostics and pages name it."""
    content_path: str
    data: bytes | None
    """None when the file could not be read."""
    diagnostics: list[Diagnostic]
    """About the file itself (it cannot be read, its name is not UTF-8)."""
    key: str = ""
    parsed: workers.Parsed | None = None
    """The digest, the parser's diagnostics and the census of its papers."""
    digest: str = ""
    """The hash of its bytes (two names can show the same, when they are not UTF-8)."""


def _open(
    file: Path, root: Path, content: Path, hashes: dict[str, str], before: ParsedBefore, known: dict[str, str]
) -> _Opened:
    """Read one file, and take its parsed form from the cache if it is there: a file `known`
    (see `load`) and in the cache is not read at all."""
    name = _display(file, root, content)
    if (digest := known.get(os.fsdecode(file))) is not None:
        shown = readable(name)
        content_path = readable(_content_path(file, content))
        key = before.key(shown, content_path, digest)
        if (parsed := before.get(key, workers.Parsed)) is not None:
            hashes[shown] = digest
            warned = [] if name == shown else [_unreadable_name(shown)]
            return _Opened(shown, content_path, b"", warned, key, parsed, digest)
    try:
        data = file.read_bytes()
    except OSError as exc:
        hint = "check that the file exists and can be read; a link may be broken"
        error = Diagnostic(name, 0, 1, "error", f"cannot read the file: {exc.strerror}", hint)
        return _Opened(name, "", None, [error])
    diagnostics = []
    if name != (shown := readable(name)):
        diagnostics.append(_unreadable_name(shown))
    opened = _Opened(shown, readable(_content_path(file, content)), data, diagnostics, digest=file_hash(data))
    hashes[shown] = opened.digest
    opened.key = before.key(opened.name, opened.content_path, opened.digest)
    opened.parsed = before.get(opened.key, workers.Parsed)
    return opened


def _content_path(file: Path, content: Path) -> str:
    try:
        return file.relative_to(content).as_posix()
    except ValueError:  # a file named on the command line, outside the content folder
        return Path(os.path.relpath(file)).as_posix()


def _unreadable_name(shown: str) -> Diagnostic:
    hint = "rename the file; until then its name is shown with \ufffd"
    return Diagnostic(shown, 0, 1, "warning", "the file name is not valid UTF-8", hint)


def _display(file: Path, root: Path, content: Path) -> str:
    """How diagnostics and pages name a file: relative to the site folder when inside it, else
    relative to the content folder's parent. Never absolute: pages must not show the machine."""
    for base in (root, content.parent):
        try:
            return Path(os.path.abspath(file)).relative_to(os.path.abspath(base)).as_posix()
        except ValueError:
            continue
    return Path(os.path.relpath(file)).as_posix()  # a file named to `digest check`, elsewhere
