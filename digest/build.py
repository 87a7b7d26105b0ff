"""The pipeline, read top to bottom: read → parse → merge → render → write."""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from digest.census import Tally, account
from digest.config import Config
from digest.errors import Diagnostic, DigestError
from digest.model import DigestFile
from digest.parse import parse_file
from digest.progress import Progress, quiet
from digest.render import render_site
from digest.site import Site, build_site
from digest.write import write_site

CONTENT_SUFFIXES = (".md", ".txt")


@dataclass(frozen=True, slots=True)
class Loaded:
    """Everything read from the input files, before anything is written."""

    site: Site
    files: int
    """Input files read (those that were not digests included)."""
    diagnostics: list[Diagnostic]
    tally: Tally
    """Papers the files declare: found = published + reported (+ lost, a bug)."""


@dataclass(frozen=True, slots=True)
class BuildResult:
    loaded: Loaded
    pages: int
    output: Path
    seconds: float


def load(config: Config, content: Path | None = None, paths: Sequence[Path] = (), progress: Progress = quiet) -> Loaded:
    """Read, parse and merge input files: the files and folders in `paths`, or else every
    digest file under the content folder."""
    content = content or config.content
    if not paths and not content.is_dir():
        raise DigestError(
            f"error: content folder {content} does not exist\n"
            "  hint: create it, correct 'content' in site.toml, or name another folder with --source"
        )
    digests: list[DigestFile] = []
    diagnostics: list[Diagnostic] = []
    if paths:
        files = _each_once(f for p in paths for f in (input_files(p, diagnostics) if p.is_dir() else [p]))
    else:
        files = input_files(content, diagnostics)
    tally = Tally()
    if not files:
        hint = (
            "put daily digests in content/arxiv/DATE/CHANNEL.md and venue collections in content/venues/VENUE/TOPIC.md"
        )
        where = _display(content, config.root, content)
        diagnostics.append(Diagnostic(where, 0, 1, "warning", "no digest files (.md or .txt) found", hint))
    for file in progress(files, len(files), "read", "files"):
        digest, found, counted = _read(file, config.root, content)
        diagnostics.extend(found)
        tally.add(counted)
        if digest is not None:
            digests.append(digest)
    for path, line in tally.lost:
        message = "this paper was neither published nor reported; this is a bug in digest"
        diagnostics.append(Diagnostic(path, line, 1, "error", message, "please report it with this file"))
    site, merged = build_site(digests, config.page_size)
    return Loaded(site, len(files), diagnostics + merged, tally)


def _each_once(files: Iterable[Path]) -> list[Path]:
    """Files in order, a file named twice (or reached through a link) only the first time."""
    seen: set[str] = set()
    unique = []
    for file in files:
        if (real := os.path.realpath(file)) not in seen:
            seen.add(real)
            unique.append(file)
    return unique


def _read(file: Path, root: Path, content: Path) -> tuple[DigestFile | None, list[Diagnostic], Tally]:
    """Parse one file and account for the papers it declares."""
    name = _display(file, root, content)
    try:
        data = file.read_bytes()
    except OSError as exc:
        hint = "check that the file exists and can be read; a link may be broken"
        return None, [Diagnostic(name, 0, 1, "error", f"cannot read the file: {exc.strerror}", hint)], Tally()
    diagnostics = []
    if name != (readable := _readable(name)):
        hint = "rename the file; until then its name is shown with \ufffd"
        diagnostics.append(Diagnostic(readable, 0, 1, "warning", "the file name is not valid UTF-8", hint))
    try:
        content_path = file.relative_to(content).as_posix()
    except ValueError:  # a file named on the command line, outside the content folder
        content_path = Path(os.path.relpath(file)).as_posix()
    digest, found = parse_file(readable, _readable(content_path), data)
    diagnostics.extend(found)
    return digest, diagnostics, account(readable, data.decode("utf-8", "replace"), digest, found)


def build(
    config: Config, content: Path | None = None, output: Path | None = None, progress: Progress = quiet
) -> BuildResult:
    """Build the whole site into the output folder."""
    started = time.perf_counter()
    loaded = load(config, content, progress=progress)
    output = output or config.output
    protected = [config.root, content or config.content, config.templates, Path.cwd()]
    files = progress(render_site(loaded.site, config), page_count(loaded.site), "write", "pages")
    pages = write_site(output, files, protected)
    return BuildResult(loaded, pages, output, time.perf_counter() - started)


def page_count(site: Site) -> int:
    """The HTML pages a site has (the index, feeds and assets come on top): the write stage's size."""
    collections = (site.all_papers, *site.venues, *site.categories, *site.dates)
    fixed = 6  # home, the lists of venues, categories, dates and digests, search
    return len(site.papers) + len(site.digests) + sum(len(c.pages) for c in collections) + fixed


def input_files(content: Path, problems: list[Diagnostic] | None = None) -> list[Path]:
    """Digest files under `content`, in a stable order. Hidden files and folders are skipped;
    folder links are followed once each; what cannot be read, and anything that is not a regular
    file, is added to `problems`."""
    found: list[Path] = []
    seen: set[str] = set()

    def report(path: str, message: str, hint: str) -> None:
        if problems is not None:
            shown = _readable(os.path.relpath(path, content.parent))
            problems.append(Diagnostic(shown, 0, 1, "error", message, hint))

    def unreadable(error: OSError) -> None:
        hint = "check the folder's permissions and links; its files are not published until then"
        report(error.filename or str(content), f"cannot read the folder: {error.strerror}", hint)

    for folder, subfolders, names in os.walk(content, onerror=unreadable, followlinks=True):
        real = os.path.realpath(folder)
        if real in seen:  # a link back to a folder already read
            subfolders.clear()
            continue
        seen.add(real)
        subfolders[:] = sorted(d for d in subfolders if not d.startswith("."))
        for name in sorted(names):
            path = Path(folder, name)
            if not name.endswith(CONTENT_SUFFIXES) or name.startswith("."):
                continue
            if path.is_file() or not path.exists():  # a broken link is reported when it is read
                found.append(path)
            else:
                report(str(path), "not a regular file; skipped", "digest files must be regular files")
    return sorted(found, key=lambda p: p.relative_to(content).as_posix())


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
