"""What the last build made, and from what: the record that lets the next build redo only what
changed.

The manifest says, for one output folder, first what a build that finds nothing changed needs
(`Head`, the file's first line, read without the rest):
- `inputs`: each input file's size and modification time, as the last build saw them;
- `stamp`: the fingerprint of everything else every page depends on (this package's code and
  version, the templates and assets, site.toml);
- `marker`: the size and time of the output folder's marker file (`marker_identity`), so that
  a folder another build has since replaced is never updated as if it were ours;
- `written` and `watched`: the times of the output folders and files when the build ended
  (`output_state`), and which those are, so that a file removed or changed since is noticed,
  and made again, by a stat rather than a read;
- the build's summary (papers, files, diagnostics), its pages and `size`, the bytes of the
  output files, which updates keep count of (a walk through the output folder's files costs a
  third of a second);

and then what a build with work to do needs besides:
- `hashes`: the hash of each input file's bytes: a file whose size and time are as they were is
  not read again, when the parse cache holds it;
- `outputs`: for each output file, the hash of its bytes and, for a page, the fingerprint of
  what it was rendered from.

It lives in the site's cache folder (`.digest-cache/`), never in the output, so nothing of it is
published. A build removes it before it changes the output and writes the new one last: a build
that is killed half-way leaves no manifest, and the next build is a full one.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from digest import codec, urls
from digest.config import Config
from digest.hashing import code_stamp, file_hash, fingerprint, tree
from digest.incremental.cache import CACHE_FOLDER, VERSION, keep_file
from digest.summary import Summary


@dataclass(frozen=True, slots=True)
class Head:
    """What a build that finds nothing changed needs of the last build: the manifest's first line."""

    inputs: dict[str, tuple[int, int]]
    """Input file (as a path) → (size, modification time in ns)."""
    stamp: str
    marker: str
    written: str
    """`output_state` of the output files when the build ended."""
    watched: list[tuple[str, list[str]]]
    """The output files `written` looks at (`watch`)."""
    summary: Summary
    pages: int
    """The HTML pages of the site."""
    size: int
    """The bytes of the output files."""


@dataclass(frozen=True, slots=True)
class Manifest:
    head: Head
    content: str
    """The fingerprint of every input file's bytes: the search index, feeds and sitemap are
    made again only when it changes (or the stamp does)."""
    hashes: dict[str, str]
    """Input file (as a path) → the hash of its bytes."""
    outputs: dict[str, str]
    """Output path → `MADE_FROM=HASH`: the fingerprint of what a page was made from (empty for
    the whole-site files), then the hash of the file's bytes."""


def location(config: Config, output: Path) -> Path:
    """The manifest of builds into `output`: one per output folder, in the site's cache folder."""
    key = hashlib.blake2b(os.fsencode(os.path.abspath(output)), digest_size=8).hexdigest()
    return config.root / CACHE_FOLDER / f"build-{key}.json"


def read_head(path: Path) -> Head | None:
    """The first line of the manifest at `path`, read without the rest (see `read`)."""
    data = codec.read_bytes(path, first_line=True)
    return _head(path, data)[0] if data is not None else None


def read(path: Path) -> Manifest | None:
    """The manifest at `path`; None when there is none or it is of another version (it is then
    ignored), `codec.Unfit` when the file is not a manifest."""
    data = codec.read_bytes(path)
    if data is None:
        return None
    head, rest = _head(path, data)
    if head is None:
        return None
    try:
        made = codec.make(codec.parse(rest), _Rest)
        if not urls.all_inside(made.outputs):
            raise codec.Unfit("an output path outside the output folder")
    except codec.Unfit as unfit:
        raise codec.Unfit(f"{path}: {unfit}") from None
    return Manifest(head, *made)


def _head(path: Path, data: bytes) -> tuple[Head | None, bytes]:
    """The manifest's first line, read from its bytes `data` (None when it is of another
    version), and the bytes of the rest."""
    first, _, rest = data.partition(b"\n")
    try:
        raw = codec.parse(first)
        if isinstance(raw, dict) and type(raw.get("format")) is int:  # as versions before 4 wrote it
            return None, rest
        if not (isinstance(raw, list) and len(raw) == 2 and type(raw[0]) is int):
            raise codec.Unfit("not a manifest")
        if raw[0] != VERSION:
            return None, rest
        head = codec.make(raw[1], Head)
        if not urls.all_inside(_named(head.watched)):
            raise codec.Unfit("an output path outside the output folder")
    except codec.Unfit as unfit:
        raise codec.Unfit(f"{path}: {unfit}") from None
    return head, rest


def _named(watched: list[tuple[str, list[str]]]) -> Iterator[str]:
    """The paths of `watched`, with a stand-in for the files of a folder known by its time only."""
    for folder, names in watched:
        prefix = f"{folder}/" if folder else ""
        yield from (prefix + name for name in names or ["-"])


class _Rest(NamedTuple):
    """The manifest's second line."""

    content: str
    hashes: dict[str, str]
    outputs: dict[str, str]


def write(path: Path, manifest: Manifest) -> None:
    """Write the manifest in one step (a reader sees the old one or the new one). A cache that
    cannot be written only costs the next build its speed, so failures are ignored."""
    rest = _Rest(manifest.content, manifest.hashes, manifest.outputs)
    keep_file(path, codec.encode((VERSION, manifest.head)) + b"\n" + codec.encode(rest))


def forget(path: Path) -> None:
    """Remove the manifest before a build changes the output it describes."""
    with contextlib.suppress(FileNotFoundError):
        path.unlink()


FOLDER_ONLY = 2_000
"""A folder of more files than this (the paper pages) has its files known by the folder's time
only, as one stat a file would cost most of a build that has nothing to do."""


def watch(paths: Iterable[str]) -> list[tuple[str, list[str]]]:
    """The output files `paths` as `output_state` looks at them: each folder that holds some,
    with their names, but none for a folder of more than `FOLDER_ONLY` files."""
    folders: dict[str, list[str]] = {}
    for path in paths:
        folder, _, name = path.rpartition("/")
        folders.setdefault(folder, []).append(name)
    return [(folder, sorted(names) if len(names) <= FOLDER_ONLY else []) for folder, names in sorted(folders.items())]


def output_state(output: Path, watched: list[tuple[str, list[str]]]) -> str:
    """The state of the output files `watched` (see `watch`), as one fingerprint: the time of each
    of their folders (which a file removed, added or replaced changes) and the size and time of
    each file named (which a change in place changes too)."""
    parts = []
    stat = os.stat
    for folder, names in watched:
        where = os.path.join(output, folder, "")
        try:
            parts.append(f"{folder}/={stat(where).st_mtime_ns}")
        except OSError:
            parts.append(f"{folder}/=")
            continue
        for name in names:
            try:
                status = stat(where + name)
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


def marker_identity(marker: Path) -> str | None:
    """What tells the site in an output folder from another: the size and time of its marker
    file, which each build sets (`digest.write.mark`). Unlike its inode, they stay when the
    folder is copied with its times (CI keeps the output folder between runs so); a copy of
    an earlier state of the folder has an earlier time."""
    try:
        status = marker.stat()
    except OSError:
        return None
    return f"{status.st_size}:{status.st_mtime_ns}"


def stamp(config: Config, content: Path, template_folders: Iterable[Path]) -> str:
    """Everything besides the input files that every page depends on: the package (its version
    and its code, so that an upgrade, or an edit to a source checkout, rebuilds everything), the
    template folders' files, and site.toml's settings."""
    parts = [code_stamp(), repr(config), os.path.abspath(content)]
    for folder in template_folders:
        parts += tree(folder, "*")
    return fingerprint(*parts)


RACY = 2_000_000_000
"""Nanoseconds before the last build's end within which a file's time does not vouch for its
bytes: a file changed again within the same tick of a coarse clock (FAT keeps 2 s) keeps its
size and time."""


def known_hashes(old: Manifest | None, inputs: dict[str, tuple[int, int]], where: Path) -> dict[str, str]:
    """The hash of each input file whose size and time are as the last build saw them, and
    whose time is well before that build ended (`RACY`): such a file need not be read again."""
    if old is None:
        return {}
    try:
        ended = where.stat().st_mtime_ns
    except OSError:
        return {}
    before = old.head.inputs
    return {
        path: old.hashes[path]
        for path, seen in inputs.items()
        if before.get(path) == seen and path in old.hashes and seen[1] < ended - RACY
    }
