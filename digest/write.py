"""The only module that writes the site: nothing else writes into the output folder (the cache,
fetched digests and a new site's files are written by `digest.incremental`, `importer` and
`scaffold`).

A full build writes the site into a staging folder beside the output folder and swaps it in
when it is complete (in one atomic step where the system allows), so a failed or interrupted
build leaves the previous site as it was; the next build removes what a killed one left behind.

An update (a build that found only some input files changed, see `digest.pipeline`) writes into
the output folder itself, so that unchanged files are not touched: each file is replaced in
one step (a reader sees the old file or the new one, never a part), new pages are written
before the pages that link to them, and removed pages go last. A killed update leaves no
manifest behind, so the next build is a full one and mends the site.

Output paths come from `urls`, but are checked again here: nothing is written outside the
folder being written.
"""

from __future__ import annotations

import contextlib
import ctypes
import glob
import os
import shutil
from collections.abc import Iterable, Iterator
from pathlib import Path

from digest import urls
from digest.errors import DigestError
from digest.hashing import file_hash

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]

# A file in the output folder that says digest made it, so that we only ever replace our own.
MARKER = ".digest-site"


class UpdateInterrupted(KeyboardInterrupt):
    """Ctrl-C during an update: some pages are new and the others as they were (each file
    whole); with no manifest left, the next build is a full one and finishes the job."""


class Target:
    """Where a build puts its files: a staging folder (a full build) or the live output folder
    (an update, where each file is replaced in one step).

    `previous` holds the hash of each file the output folder had (from the manifest): a file
    that comes out the same is left alone in an update, and linked from the old site into the
    staging folder in a full build, so that in both cases it is not touched.
    """

    def __init__(self, folder: Path, live: bool, output: Path, previous: dict[str, str]) -> None:
        self.folder = folder
        self.live = live
        self.output = output
        self.previous = previous
        self.grown = 0
        """The bytes this build added to the folder, less those it took away: in a staging
        folder, the whole site's."""
        self._folders: set[str] = set()

    def put(self, path: str, data: bytes) -> tuple[str, bool]:
        """Write `data` at `path` unless the same bytes are there already; return their hash,
        and whether the file was written (rather than kept or linked). Paths are handled as
        strings and files written with `os` calls: a full build puts 100,000 files."""
        parts = _safe_parts(path)
        digest = file_hash(data)
        same = self.previous.get(path) == digest
        if same and self.live:
            return digest, False
        target = os.path.join(self.folder, *parts)
        folder = os.path.dirname(target)
        if folder not in self._folders:
            os.makedirs(folder, exist_ok=True)
            self._folders.add(folder)
        if not self.live:
            self.grown += len(data)
            if same:
                with contextlib.suppress(OSError):  # the old file may be gone: then it is written
                    os.link(os.path.join(self.output, *parts), target)
                    return digest, False
            _write(target, data)
            return digest, True
        temporary = os.path.join(folder, f".{parts[-1]}.tmp-{os.getpid()}")
        try:
            _write(temporary, data)
            self.grown += len(data) - _size(target)
            os.replace(temporary, target)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temporary)
            raise
        return digest, True

    def remove(self, path: str) -> None:
        """Remove a file the site no longer has, and the folders it leaves empty."""
        target = self.folder.joinpath(*_safe_parts(path))
        self.grown -= _size(target)
        target.unlink(missing_ok=True)
        for folder in target.parents:
            if folder == self.folder or any(folder.iterdir()):
                break
            folder.rmdir()


@contextlib.contextmanager
def one_build_at_a_time(output: Path) -> Iterator[None]:
    """A lock on the output folder's parent, held by a build from before it reads the manifest
    until after it writes the new one: a second build there waits for the first, so that
    neither removes the other's staging folder nor updates the site from a manifest the other
    is replacing. The lock dies with its process and leaves no file behind."""
    output = _resolved(output)
    if not output.parent.is_dir():  # a first build: nothing there yet to share (or to write to)
        yield
        return
    try:
        folder = os.open(output.parent, os.O_RDONLY)
    except OSError as exc:
        raise _cannot_write(output, exc) from exc
    try:
        if fcntl is not None:  # elsewhere than on a POSIX system, builds are not serialised
            fcntl.flock(folder, fcntl.LOCK_EX)
        yield
    finally:
        os.close(folder)


@contextlib.contextmanager
def site_folder(
    output: Path, protected: Iterable[Path], previous: dict[str, str], update: bool = False
) -> Iterator[Target]:
    """The folder a build writes into while the context lasts: a new staging folder, swapped
    in at the end; or, with `update` and an output folder an earlier build made, the output
    folder itself. `previous`: see `Target`. The caller holds `one_build_at_a_time`."""
    output = _resolved(output)
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        _mend(output)
        _check_output(output, [p.resolve() for p in protected])
        _remove_leftovers(output)
        if update and (output / MARKER).is_file():
            yield Target(output, True, output, previous)
            return
        staging = output.parent / f".{output.name}.tmp-{os.getpid()}"
        made = False
        try:
            staging.mkdir()
            made = True
            # First: a staging folder a killed build leaves is known for this build's by it.
            marker = b"This folder is written by `digest build`, which replaces or updates it on every build.\n"
            (staging / MARKER).write_bytes(marker)
            target = Target(staging, False, output, previous)
            target.grown = len(marker)
            yield target
        except BaseException as exc:
            if made:
                shutil.rmtree(staging, ignore_errors=True)
            elif not isinstance(exc, FileExistsError):  # Ctrl-C as it was made: it can only be empty
                with contextlib.suppress(OSError):
                    staging.rmdir()
            raise
        _swap(staging, output)
    except OSError as exc:
        raise _cannot_write(output, exc) from exc


def _resolved(output: Path) -> Path:
    try:
        return output.resolve()
    except (OSError, ValueError) as exc:  # a NUL in the name, a link loop
        raise DigestError(f"error: the output folder {output} cannot be used: {exc}") from exc


def _cannot_write(output: Path, exc: OSError) -> DigestError:
    return DigestError(
        f"error: cannot write the site to {output}: {exc}\n"
        "  hint: check that the output folder's parent exists, is a folder and can be written"
    )


def _safe_parts(path: str) -> list[str]:
    """The names along a relative POSIX path; anything that could lead outside the folder (an
    absolute path, `..`, a backslash, a Windows drive's colon) or name it oddly (`.`, an empty
    name) is refused."""
    if not urls.inside(path):
        raise ValueError(f"refusing to write outside the output folder: {path!r}")
    return path.split("/")


def _size(path: str | Path) -> int:
    """The size of the file at `path`; 0 when there is none."""
    try:
        return os.stat(path).st_size
    except OSError:
        return 0


def _write(path: str, data: bytes) -> None:
    """Write a file whole, with no buffered file object in between."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_BINARY", 0)  # Windows: no \r\n
    descriptor = os.open(path, flags, 0o666)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(descriptor, view) :]
    finally:
        os.close(descriptor)


def _check_output(output: Path, protected: list[Path]) -> None:
    for path in protected:
        if output == path or output in path.parents:
            raise DigestError(
                f"error: will not write the site to {output}: building there would replace {path}\n"
                "  hint: choose a new or empty folder, e.g. --output public"
            )
    if output.exists() and (not output.is_dir() or (any(output.iterdir()) and not (output / MARKER).exists())):
        raise DigestError(
            f"error: {output} exists and was not made by digest, so it is left as it is\n"
            "  hint: choose a new or empty folder with --output"
        )


def _mend(output: Path) -> None:
    """Put back the previous site if a build was killed between the two renames of a swap."""
    olds = sorted(_ours(output, "old"), key=lambda p: p.stat().st_mtime)
    if olds and not output.exists():
        olds[-1].rename(output)


def _remove_leftovers(output: Path) -> None:
    """Staging and old folders of builds that were killed before they could clean up (no other
    build is running: the caller holds the lock). A build killed between making its staging
    folder and putting the marker in it leaves it empty, named for a process: removed too, as
    only an empty folder can be."""
    for leftover in [*_ours(output, "tmp"), *_ours(output, "old")]:
        shutil.rmtree(leftover, ignore_errors=True)
    for staging in output.parent.glob(f".{glob.escape(output.name)}.tmp-*"):
        if staging.name.rpartition("-")[2].isdigit() and not staging.is_symlink():
            with contextlib.suppress(OSError):
                staging.rmdir()


def _ours(output: Path, kind: str) -> list[Path]:
    """The staging (`tmp`) or old (`old`) folders that builds made beside `output`: named for it,
    and holding the marker. A folder of the reader's that only looks like one is left alone."""
    found = output.parent.glob(f".{glob.escape(output.name)}.{kind}-*")
    return [f for f in found if f.is_dir() and not f.is_symlink() and (f / MARKER).is_file()]


def _swap(staging: Path, output: Path) -> None:
    """Put the staging folder in the output's place; the old site is removed afterwards."""
    if not output.exists():
        staging.rename(output)
        return
    if _exchange(staging, output):  # one atomic step: no moment without a complete site
        shutil.rmtree(staging, ignore_errors=True)
        return
    old = output.parent / f".{output.name}.old-{os.getpid()}"
    output.rename(old)
    staging.rename(output)
    shutil.rmtree(old, ignore_errors=True)


def _exchange(one: Path, other: Path) -> bool:
    """Swap two folders atomically with Linux's renameat2(RENAME_EXCHANGE); False where the
    system has no such call (the caller then renames twice)."""
    renameat2 = getattr(_LIBC, "renameat2", None) if _LIBC is not None else None
    if renameat2 is None:
        return False
    at_working_folder, rename_exchange = -100, 2
    result = renameat2(at_working_folder, os.fsencode(one), at_working_folder, os.fsencode(other), rename_exchange)
    return bool(result == 0)


def _load_libc() -> ctypes.CDLL | None:
    try:
        return ctypes.CDLL(None, use_errno=True)
    except OSError:
        return None


_LIBC = _load_libc()


def mark(output: Path) -> None:
    """Set the time of the output folder's marker to now: with its size, it tells the site this
    build leaves from any copy of an earlier state of the folder
    (`digest.incremental.manifest.marker_identity`)."""
    with contextlib.suppress(OSError):
        os.utime(output / MARKER)


def folder_size(folder: Path) -> int:
    """The bytes of the files under `folder` (their sizes, not the disk blocks they take)."""
    total = 0
    pending = [str(folder)]
    while pending:
        with os.scandir(pending.pop()) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    pending.append(entry.path)
                elif entry.is_file(follow_symlinks=False):
                    total += entry.stat(follow_symlinks=False).st_size
    return total
