"""Listing the input: the digest files under the content folder, each with its size and time.

A build that has nothing to do lists the content folder and does little else, so this module
imports nothing of the parser or the pages."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from operator import attrgetter
from pathlib import Path

from digest.errors import Diagnostic

CONTENT_SUFFIXES = (".md", ".txt")


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
            shown = readable(os.path.relpath(path, content.parent))
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


def readable(name: str) -> str:
    """A file name as text: bytes that are not UTF-8 (kept by the OS as surrogates) become \ufffd."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
