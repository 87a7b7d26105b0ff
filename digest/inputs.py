"""Reading the input: the digest files under the content folder, each read and parsed (on
worker processes when there are many), and their records merged into the site.

A file parsed before need not be parsed again: a build gives `load` the files parsed before
(`ParsedBefore`, which `digest.incremental` keeps), and, for each file it can vouch for by its
size and time, the hash of its bytes, so that such a file is not even read."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from operator import attrgetter
from pathlib import Path
from typing import Protocol, TypeVar

from digest import workers
from digest.census import Tally
from digest.config import Config
from digest.errors import Diagnostic, DigestError
from digest.hashing import file_hash
from digest.model import DigestFile
from digest.profile import Profile
from digest.progress import Progress, quiet
from digest.site import Site, build_site

T = TypeVar("T")

CONTENT_SUFFIXES = (".md", ".txt")


@dataclass(frozen=True, slots=True)
class Summary:
    """What a build reports: the same whether it rendered every page or found nothing to do."""

    papers: int
    files: int
    """Input files read."""
    tally: Tally
    diagnostics: list[Diagnostic]


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
    with profile.stage("read"):
        opened = [_open(file, root, content, hashes, before, known) for file in files]
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
        found = list(file.diagnostics)
        if file.parsed is not None:
            digest, reported, counted = file.parsed
            found += reported
            tally.add(counted)
            if digest is not None:
                digests.append(digest)
        by_file[os.fsdecode(path)] = found
    return Read(digests, by_file, tally, hashes, by_path)


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
        shown = _readable(name)
        content_path = _readable(_content_path(file, content))
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
    if name != (readable := _readable(name)):
        diagnostics.append(_unreadable_name(readable))
    opened = _Opened(readable, _readable(_content_path(file, content)), data, diagnostics, digest=file_hash(data))
    hashes[readable] = opened.digest
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


def input_files(content: Path, problems: list[Diagnostic] | None = None) -> list[Path]:
    """Digest files under `content`, in a stable order (see `input_status`)."""
    return list(map(Path, input_status(content, problems)))


def input_status(content: Path, problems: list[Diagnostic] | None = None) -> dict[str, tuple[int, int] | None]:
    """Digest files under `content`, in a stable order, each (as a path string) with its size
    and modification time in ns (None when they cannot be read: the file is reported when it is
    read). Hidden files and folders are skipped; folder links are followed once each, unless
    they lead above the content folder or into /dev, /proc or /sys; at most `MAX_FOLDERS`
    folders are read. What cannot be read, such a link, and anything that is not a regular
    file, is added to `problems`. Each file costs one `stat` (a build that has nothing to do
    does little else), and paths are strings, not `Path`s, for the same reason."""
    found: dict[str, tuple[int, int] | None] = {}
    seen: set[str] = set()

    def report(path: str, message: str, hint: str) -> None:
        if problems is not None:
            shown = _readable(os.path.relpath(path, content.parent))
            problems.append(Diagnostic(shown, 0, 1, "error", message, hint))

    def unreadable(error: OSError) -> None:
        hint = "check the folder's permissions and links; its files are not published until then"
        report(error.filename or str(content), f"cannot read the folder: {error.strerror}", hint)

    def leads_away(path: str) -> bool:
        """Whether the link `path` leads to a folder above the content folder (the whole disk,
        at worst), or into the system's devices and processes: an error, not read. (A link
        back to a folder already read is skipped as such.) Each place a link passes through
        counts, not only where it ends: /dev/fd/2 ends at whatever file takes the errors."""
        system = next((hop for hop in _hops(path) if _in_system_folder(hop)), None)
        real = os.path.realpath(path)
        if system:
            report(path, f"link leads to the system's {system}; not read", "link only to folders and files of digests")
        elif top.startswith(real.rstrip(os.sep) + os.sep):
            report(
                path,
                f"link leads to a folder that holds the content folder, {real}; not read",
                "link only to folders and files of digests",
            )
        else:
            return False
        return True

    top = os.path.realpath(content)
    # Depth first, each folder's entries by name: a folder reached by two ways is read by the
    # first. A folder's real path is worked out only when it was reached through a link.
    pending: list[tuple[str, str | None]] = [(os.fspath(content), top)]
    while pending:
        folder, real = pending.pop()
        real = real or os.path.realpath(folder)
        if real in seen:  # a link back to a folder already read
            continue
        seen.add(real)
        if len(seen) > MAX_FOLDERS:
            report(str(content), f"the content folder holds more than {MAX_FOLDERS:,} folders; the rest are not read",
                   "keep digests in a folder of their own, and check its links")  # fmt: skip
            break
        try:
            with os.scandir(folder) as listing:
                entries = sorted(listing, key=attrgetter("name"))
        except OSError as error:
            unreadable(error)
            continue
        subfolders = []
        for entry in entries:
            name, path = entry.name, entry.path
            if name.startswith("."):
                continue
            link = entry.is_symlink()
            if _is_folder(entry):
                if not (link and leads_away(path)):
                    subfolders.append((path, None if link else os.path.join(real, name)))
                continue
            if not name.endswith(CONTENT_SUFFIXES) or (link and leads_away(path)):
                continue
            try:
                status = entry.stat()
            except OSError:  # a broken link: reported when it is read
                found[path] = None
                continue
            if stat.S_ISREG(status.st_mode):
                found[path] = (status.st_size, status.st_mtime_ns)
            else:
                report(path, "not a regular file; skipped", "digest files must be regular files")
        pending.extend(reversed(subfolders))
    # By the path inside the content folder.
    start = len(os.path.join(str(content), ""))
    return {path: found[path] for path in sorted(found, key=lambda path: path[start:].replace(os.sep, "/"))}


def _is_folder(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir()
    except OSError:
        return False


def _hops(path: str) -> Iterator[str]:
    """The paths a link leads through, to the end of its chain (each with its folders resolved)."""
    current = path
    for _ in range(40):  # as many links in a row as the system follows
        if not os.path.islink(current):
            return
        target = os.path.join(os.path.dirname(current), os.readlink(current))
        current = os.path.join(os.path.realpath(os.path.dirname(target)), os.path.basename(target))
        yield current


def _in_system_folder(path: str) -> bool:
    return any(path == place or path.startswith(place + os.sep) for place in _SYSTEM_FOLDERS)


MAX_FOLDERS = 100_000
"""The most folders a build reads under the content folder (the whole history has 1,300): a
link that leads somewhere vast is found out, rather than read for hours."""
_SYSTEM_FOLDERS = tuple(dict.fromkeys(os.path.realpath(p) for p in ("/dev", "/proc", "/sys")))


def _readable(name: str) -> str:
    """A file name as text: bytes that are not UTF-8 (kept by the OS as surrogates) become \ufffd."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _display(file: Path, root: Path, content: Path) -> str:
    """How diagnostics and pages name a file: relative to the site folder when inside it, else
    relative to the content folder's parent. Never absolute: pages must not show the machine."""
    for base in (root, content.parent):
        try:
            return Path(os.path.abspath(file)).relative_to(os.path.abspath(base)).as_posix()
        except ValueError:
            continue
    return Path(os.path.relpath(file)).as_posix()  # a file named to `digest check`, elsewhere
