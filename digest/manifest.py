"""What the last build made, and from what: the record that lets the next build redo only what
changed.

The manifest says, for one output folder:
- `inputs`: each input file's size and modification time, as the last build saw them, and
  `hashes`, the hash of its bytes: a file whose size and time are as they were is not read
  again, when the parse cache holds it;
- `stamp`: the fingerprint of everything else every page depends on (this package's code and
  version, the templates and assets, site.toml);
- `outputs`: for each output file, the hash of its bytes and, for a page, the fingerprint of
  what it was rendered from;
- `marker`: the identity (device, inode, modification time) of the output folder's marker file
  when the build ended, so that a folder another build has since replaced is never updated as
  if it were ours;
- `written`: the times of the output folders and files when the build ended (`output_state`),
  so that a file removed or changed since is noticed, and made again, by a stat rather than a
  read;
- the build's summary (papers, files, diagnostics), for a build that finds nothing changed.

It lives in the site's cache folder (`.digest-cache/`), never in the output, so nothing of it is
published. A build removes it before it changes the output and writes the new one last: a build
that is killed half-way leaves no manifest, and the next build is a full one.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import re
import shutil
import sys
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from digest import __version__, codec, urls
from digest.census import Tally
from digest.config import Config
from digest.errors import Diagnostic

T = TypeVar("T")

CACHE_FOLDER = ".digest-cache"
FORMAT = 4
"""Bumped when the manifest's shape changes; an older manifest is then ignored."""


def fingerprint(*parts: str) -> str:
    """A short, stable hash of `parts` (they are joined with a separator no part contains)."""
    return file_hash("\x1f".join(parts).encode("utf-8", "surrogatepass"))


def file_hash(data: bytes) -> str:
    # SHA-256 rather than BLAKE2b: CPUs with SHA extensions (x86 since about 2017, 64-bit ARM)
    # hash with it about twice as fast, and a build hashes every input and output byte.
    return hashlib.sha256(data).hexdigest()[:32]


@dataclass(frozen=True, slots=True)
class Summary:
    """What a build reports: the same whether it rendered every page or found nothing to do."""

    papers: int
    files: int
    """Input files read."""
    tally: Tally
    diagnostics: list[Diagnostic]


@dataclass(frozen=True, slots=True)
class Manifest:
    inputs: dict[str, tuple[int, int]]
    """Input file (as a path) → (size, modification time in ns)."""
    stamp: str
    outputs: dict[str, str]
    """Output path → `MADE_FROM=HASH`: the fingerprint of what a page was made from (empty for
    the whole-site files), then the hash of the file's bytes."""
    marker: tuple[int, int, int]
    content: str
    """The fingerprint of every input file's bytes: the search index, feeds and sitemap are
    made again only when it changes (or the stamp does)."""
    summary: Summary
    pages: int
    """The HTML pages of the site."""
    hashes: dict[str, str]
    """Input file (as a path) → the hash of its bytes."""
    written: str
    """`output_state` of the output files when the build ended."""


def location(config: Config, output: Path) -> Path:
    """The manifest of builds into `output`: one per output folder, in the site's cache folder."""
    key = hashlib.blake2b(os.fsencode(os.path.abspath(output)), digest_size=8).hexdigest()
    return config.root / CACHE_FOLDER / f"build-{key}.json"


def read(path: Path) -> Manifest | None:
    """The manifest at `path`; None when there is none or it is of another version (it is then
    ignored), `codec.Unfit` when the file is not a manifest."""
    data = codec.read_bytes(path)
    if data is None:
        return None
    try:
        raw = codec.parse(data)
        if isinstance(raw, dict) and type(raw.get("format")) is int:  # as versions before 4 wrote it
            return None
        if not (isinstance(raw, list) and len(raw) == 2 and type(raw[0]) is int):
            raise codec.Unfit("not a manifest")
        if raw[0] != FORMAT:
            return None
        made = codec.make(raw[1], Manifest)
        if not urls.all_inside(made.outputs):
            raise codec.Unfit("an output path outside the output folder")
        return made
    except codec.Unfit as unfit:
        raise codec.Unfit(f"{path}: {unfit}") from None


def write(path: Path, manifest: Manifest) -> None:
    """Write the manifest in one step (a reader sees the old one or the new one). A cache that
    cannot be written only costs the next build its speed, so failures are ignored."""
    _keep(path, codec.encode((FORMAT, manifest)))


def _keep(path: Path, data: bytes) -> None:
    """Write a file of the cache folder in one step; a failure is ignored (see `write`)."""
    temporary = path.with_name(f"{path.name}.tmp-{os.getpid()}")
    try:
        _make_cache_folder(path.parent)
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()  # a file left by a killed build, or a link planted there
        with temporary.open("xb") as file:  # never through a link
            file.write(data)
        temporary.replace(path)
    except OSError:
        with contextlib.suppress(OSError):
            temporary.unlink()


def keep_sealed(path: Path, value: Any) -> None:
    """Keep `value` at `path` with the hash of its bytes, so that a file damaged in any way is
    never taken for what it was (see `read_sealed`)."""
    data = codec.encode(value)
    _keep(path, file_hash(data).encode("ascii") + data)


def read_sealed(path: Path, kind: type[T]) -> T | None:
    """The value of type `kind` that `keep_sealed` kept at `path`; None when there is none,
    `codec.Unfit` when the file is damaged or not one `keep_sealed` wrote."""
    data = codec.read_bytes(path)
    if data is None:
        return None
    seal, data = data[:32], data[32:]
    if seal != file_hash(data).encode("ascii"):
        raise codec.Unfit(f"{path}: damaged (its bytes are not those it was sealed with)")
    try:
        return codec.decode(data, kind)
    except codec.Unfit as unfit:
        raise codec.Unfit(f"{path}: {unfit}") from None


def _make_cache_folder(folder: Path) -> None:
    """The cache folder (or a folder inside it), which git is told to ignore."""
    folder.mkdir(parents=True, exist_ok=True)
    top = folder if folder.name == CACHE_FOLDER else folder.parent
    ignore = top / ".gitignore"
    if not ignore.exists():
        ignore.write_text("# digest's build cache: safe to delete, never to commit\n*\n")


def clear(root: Path) -> None:
    """Remove the cache folder of the site at `root`, whatever it holds."""
    folder = root / CACHE_FOLDER
    if folder.is_dir() and not folder.is_symlink():
        shutil.rmtree(folder, ignore_errors=True)
    else:
        with contextlib.suppress(OSError):
            folder.unlink()


def forget(path: Path) -> None:
    """Remove the manifest before a build changes the output it describes."""
    with contextlib.suppress(FileNotFoundError):
        path.unlink()


def inputs_now(files: Iterable[Path]) -> dict[str, tuple[int, int]]:
    """Each file's size and modification time; a file that cannot be read is left out (its
    absence alone differs from any earlier manifest)."""
    seen: dict[str, tuple[int, int]] = {}
    for file in files:
        try:
            status = file.stat()
        except OSError:
            continue
        seen[os.fsdecode(file)] = (status.st_size, status.st_mtime_ns)
    return seen


FOLDER_ONLY = 2_000
"""A folder of more files than this (the paper pages) has its files known by the folder's time
only, as one stat a file would cost most of a build that has nothing to do."""


def output_state(output: Path, paths: Iterable[str]) -> str:
    """The state of the output files `paths`, as one fingerprint: the time of each of their
    folders (which a file removed, added or replaced changes) and the size and time of each file
    (which a change in place changes too), but for the files of a folder of more than
    `FOLDER_ONLY`."""
    folders: dict[str, list[str]] = {}
    for path in paths:
        folder, _, name = path.rpartition("/")
        folders.setdefault(folder, []).append(name)
    parts = []
    for folder, names in sorted(folders.items()):
        where = os.path.join(output, folder)
        try:
            parts.append(f"{folder}/={os.stat(where).st_mtime_ns}")
        except OSError:
            parts.append(f"{folder}/=")
            continue
        for name in sorted(names) if len(names) <= FOLDER_ONLY else ():
            try:
                status = os.stat(os.path.join(where, name))
                parts.append(f"{name}={status.st_size}:{status.st_mtime_ns}")
            except OSError:
                parts.append(f"{name}=")
    return fingerprint(*parts)


def damaged(output: Path, outputs: dict[str, str]) -> set[str]:
    """The output files (of `Manifest.outputs`) that are missing, or whose bytes are not those
    the last build wrote."""
    found = set()
    for path, made in outputs.items():
        try:
            data = (output / path).read_bytes()
        except OSError:
            found.add(path)
            continue
        if file_hash(data) != made.rpartition("=")[2]:
            found.add(path)
    return found


def marker_identity(marker: Path) -> tuple[int, int, int] | None:
    try:
        status = marker.stat()
    except OSError:
        return None
    return (status.st_dev, status.st_ino, status.st_mtime_ns)


def stamp(config: Config, content: Path, template_folders: Iterable[Path]) -> str:
    """Everything besides the input files that every page depends on: the package (its version
    and its code, so that an upgrade, or an edit to a source checkout, rebuilds everything), the
    template folders' files, and site.toml's settings."""
    parts = [code_stamp(), repr(config), os.path.abspath(content)]
    for folder in template_folders:
        parts += _tree(folder, "*")
    return fingerprint(*parts)


@functools.cache
def code_stamp() -> str:
    """This package's version and code, and the Python and Unicode versions it runs on (folding,
    categories and tokens come from `unicodedata`): what parsing a file, or indexing it for
    search, depends on besides its bytes."""
    python = ".".join(map(str, sys.version_info[:2]))
    return fingerprint(__version__, python, unicodedata.unidata_version, *_tree(Path(__file__).parent, "*.py"))


class Cache:
    """What a build made and the next can use again, by a key made of what it was made from
    (and this package's code): parsed input files, by the hash of their bytes, name and place,
    so that a build parses only the files that changed since the last one; parts of the search
    index (`digest.search.search_files`).

    Entries are values `digest.codec` writes, in the site's own cache folder; entries the last
    build did not use are removed by `prune`.
    """

    def __init__(self, folder: Path | None) -> None:
        if folder is not None and folder.is_symlink():  # it could lead anywhere, and entries are removed
            raise codec.Unfit(f"{folder}: a link, where digest keeps a folder")
        self.folder = folder
        self.used: set[str] = set()

    def key(self, *made_from: str) -> str:
        return fingerprint(code_stamp(), *made_from)

    def get(self, key: str, kind: type[T]) -> T | None:
        """The entry for `key`, of type `kind`; None when there is none, `codec.Unfit` when
        there is something else in its place."""
        if self.folder is None:
            return None
        self.used.add(key)
        return codec.read(self.folder / f"{key}.json", kind)

    def put(self, key: str, data: bytes) -> None:
        """Keep `data`, a value as `codec.encode` writes it, as the entry for `key`."""
        if self.folder is not None:
            self.used.add(key)
            _keep(self.folder / f"{key}.json", data)

    def has(self, key: str) -> bool:
        """Whether there is an entry for `key` (it may still fail to load)."""
        return self.folder is not None and (self.folder / f"{key}.json").is_file()

    def discard(self, key: str) -> None:
        """Remove the entry for `key`, if any."""
        if self.folder is not None:
            self.used.discard(key)
            with contextlib.suppress(OSError):
                (self.folder / f"{key}.json").unlink()

    def keep(self, key: str) -> None:
        """Keep the entry for `key`, if any, though this build did not load it."""
        self.used.add(key)

    def prune(self) -> None:
        """Remove the entries this build did not use (and those of older versions, pickles), and
        nothing else."""
        if self.folder is None or not self.folder.is_dir():
            return
        for entry in self.folder.iterdir():
            if _ENTRY.fullmatch(entry.name) and entry.name.partition(".")[0] not in self.used:
                with contextlib.suppress(OSError):
                    entry.unlink()


_ENTRY = re.compile(r"[0-9a-f]{32}\.(?:json|pickle)(?:\.tmp-[0-9]+)?")
"""The name of a cache entry, or of one a killed build was writing."""


def _tree(folder: Path, pattern: str) -> list[str]:
    """Each file's path and content hash, in a stable order."""
    found = []
    for file in sorted(folder.rglob(pattern)):
        if file.is_file() and "__pycache__" not in file.parts:
            found += [file.relative_to(folder).as_posix(), file_hash(file.read_bytes())]
    return found
