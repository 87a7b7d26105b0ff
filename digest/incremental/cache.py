"""The cache folder (`.digest-cache/` beside site.toml): what a build made and the next can use
again. Every file in it is written by `digest.codec` and read back as the type the build asks
for, so that reading it runs nothing (see README: incremental builds)."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
from pathlib import Path
from typing import Any, TypeVar

from digest import codec
from digest.hashing import code_stamp, file_hash, fingerprint

T = TypeVar("T")

CACHE_FOLDER = ".digest-cache"
VERSION = 10
"""The version of all the incremental layer keeps (the manifest, the catalog, the paper store,
the search index's shape and every entry): bumped when the shape of any of them changes. A
build ignores what another version kept, silently, and builds as if there were none."""


def keep_file(path: Path, data: bytes) -> None:
    """Write a file of the cache folder in one step; a failure is ignored: a cache that
    cannot be written only costs the next build its speed."""
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
    keep_file(path, file_hash(data).encode("ascii") + data)


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


class Cache:
    """What a build made and the next can use again, by a key made of what it was made from
    (and this package's code): parsed input files, by the hash of their bytes, name and place,
    so that a build parses only the files that changed since the last one; parts of the search
    index (`digest.incremental.searchindex`).

    Entries are values `digest.codec` writes, in the site's own cache folder; entries the last
    build did not use are removed by `prune`.
    """

    def __init__(self, folder: Path | None) -> None:
        if folder is not None and folder.is_symlink():  # it could lead anywhere, and entries are removed
            raise codec.Unfit(f"{folder}: a link, where digest keeps a folder")
        self.folder = folder
        self.used: set[str] = set()

    def key(self, *made_from: str) -> str:
        return fingerprint(str(VERSION), code_stamp(), *made_from)

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
            keep_file(self.folder / f"{key}.json", data)

    def held(self) -> frozenset[str]:
        """The keys of the entries there now (they may still fail to load), from one look at the
        folder rather than one for each key."""
        if self.folder is None:
            return frozenset()
        try:
            names = os.listdir(self.folder)
        except OSError:
            return frozenset()
        return frozenset(name.removesuffix(".json") for name in names if name.endswith(".json"))

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
