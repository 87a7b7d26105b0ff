"""The pipeline, read top to bottom: read → parse → merge → render → write."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

from digest.config import Config
from digest.errors import Diagnostic, DigestError
from digest.model import DigestFile
from digest.parse import parse_file
from digest.render import render_site
from digest.site import Site, build_site
from digest.write import write_site

CONTENT_SUFFIXES = (".md", ".txt")


@dataclass(frozen=True, slots=True)
class Loaded:
    """Everything read from the content folder, before anything is written."""

    site: Site
    files: int
    """Input files read (those that were not digests included)."""
    diagnostics: list[Diagnostic]


@dataclass(frozen=True, slots=True)
class BuildResult:
    loaded: Loaded
    pages: int
    output: Path
    seconds: float


def load(config: Config, content: Path | None = None) -> Loaded:
    """Read, parse and merge every input file under the content folder."""
    content = content or config.content
    if not content.is_dir():
        raise DigestError(
            f"error: content folder {content} does not exist\n"
            "  hint: create it, correct 'content' in site.toml, or name another folder with --source"
        )
    digests: list[DigestFile] = []
    diagnostics: list[Diagnostic] = []
    files = input_files(content)
    if not files:
        diagnostics.append(
            Diagnostic(
                _display(content, config.root, content),
                0,
                1,
                "warning",
                "no digest files (.md or .txt) in the content folder",
                "put daily digests in content/arxiv/YYYY-MM-DD/CHANNEL.md and venue collections in "
                "content/venues/VENUE/TOPIC.md",
            )
        )
    for file in files:
        name = _display(file, config.root, content)
        try:
            data = file.read_bytes()
        except OSError as exc:
            hint = "check that the file exists and can be read; a link may be broken"
            diagnostics.append(Diagnostic(name, 0, 1, "error", f"cannot read the file: {exc.strerror}", hint))
            continue
        if name != (readable := _readable(name)):
            hint = "rename the file; until then its name is shown with \ufffd"
            diagnostics.append(Diagnostic(readable, 0, 1, "warning", "the file name is not valid UTF-8", hint))
        digest, found = parse_file(readable, _readable(file.relative_to(content).as_posix()), data)
        diagnostics.extend(found)
        if digest is not None:
            digests.append(digest)
    site, merged = build_site(digests, config.page_size)
    return Loaded(site, len(files), diagnostics + merged)


def build(config: Config, content: Path | None = None, output: Path | None = None) -> BuildResult:
    """Build the whole site into the output folder."""
    started = time.perf_counter()
    loaded = load(config, content)
    output = output or config.output
    protected = [config.root, content or config.content, config.templates, Path.cwd()]
    pages = write_site(output, render_site(loaded.site, config), protected)
    return BuildResult(loaded, pages, output, time.perf_counter() - started)


def input_files(content: Path) -> list[Path]:
    """Digest files under `content`, in a stable order; hidden files and folders are skipped."""
    found: list[Path] = []
    for folder, subfolders, names in os.walk(content):
        subfolders[:] = sorted(d for d in subfolders if not d.startswith("."))
        found.extend(Path(folder, n) for n in sorted(names) if n.endswith(CONTENT_SUFFIXES) and not n.startswith("."))
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
    return file.name
