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
- `marker`: the size and time of the output folder's marker file (`marker_identity`), so that
  a folder another build has since replaced is never updated as if it were ours;
- `size`: the bytes of the output files, which updates keep count of (a walk through the
  output folder's files costs a third of a second);
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
import hashlib
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from digest import codec, urls
from digest.config import Config
from digest.hashing import code_stamp, file_hash, fingerprint, tree
from digest.incremental.cache import CACHE_FOLDER, VERSION, keep_file
from digest.summary import Summary


@dataclass(frozen=True, slots=True)
class Manifest:
    inputs: dict[str, tuple[int, int]]
    """Input file (as a path) → (size, modification time in ns)."""
    stamp: str
    outputs: dict[str, str]
    """Output path → `MADE_FROM=HASH`: the fingerprint of what a page was made from (empty for
    the whole-site files), then the hash of the file's bytes."""
    marker: str
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
    size: int
    """The bytes of the output files."""


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
        if raw[0] != VERSION:
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
    keep_file(path, codec.encode((VERSION, manifest)))


def forget(path: Path) -> None:
    """Remove the manifest before a build changes the output it describes."""
    with contextlib.suppress(FileNotFoundError):
        path.unlink()


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
    return {
        path: old.hashes[path]
        for path, seen in inputs.items()
        if old.inputs.get(path) == seen and path in old.hashes and seen[1] < ended - RACY
    }
