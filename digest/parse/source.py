"""Reading one input file: bytes → lines, front matter, and what the path says.

Nothing here knows either digest format; it only makes the text safe to tokenize and keeps
every line's number.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from digest.errors import Diagnostic, did_you_mean
from digest.parse.text import clean, is_web_url

FRONT_MATTER_KEYS = ("date", "channel", "venue", "year", "topic")
MAX_FRONT_MATTER = 10_000
_FRONT_MATTER_HINT = "write front matter as 'key: value' lines, e.g. 'date: 2023-10-03'"
_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


@dataclass(slots=True)
class SourceText:
    """An input file as text, split into lines, with its front matter taken out."""

    path: str
    """The file as diagnostics and appearances name it."""
    lines: list[str]
    """Every line of the file (line endings removed); `lines[i]` is line i + 1."""
    body_start: int
    """Index of the first line after the front matter (0 when there is none)."""
    meta: dict[str, Any] = field(default_factory=dict)
    """Validated front matter: any of date (`YYYY-MM-DD`), channel, venue, year (int), topic."""
    diagnostics: list[Diagnostic] = field(default_factory=list)

    def error(self, line: int, message: str, hint: str, col: int = 1) -> None:
        self.diagnostics.append(Diagnostic(self.path, line, col, "error", message, hint))

    def warning(self, line: int, message: str, hint: str, col: int = 1) -> None:
        self.diagnostics.append(Diagnostic(self.path, line, col, "warning", message, hint))

    def web_url(self, line: int, url: str) -> str:
        """`url` when it is an http(s) address, the only links content may publish; else ''
        and a warning."""
        if is_web_url(url):
            return url
        self.warning(
            line,
            f"link '{url[:80]}' is not an http(s) address; it is not published",
            "link papers with https:// addresses only",
        )
        return ""


def read_source(path: str, data: bytes) -> SourceText:
    """Decode and split a file; invalid UTF-8 is reported and replaced, never fatal."""
    diagnostics: list[Diagnostic] = []
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        col = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        diagnostics.append(
            Diagnostic(
                path,
                line,
                col,
                "error",
                f"invalid UTF-8 at byte offset {exc.start} (byte 0x{data[exc.start]:02x})",
                "save the file as UTF-8; the bad bytes are shown as \ufffd until then",
            )
        )
        text = data.decode("utf-8", errors="replace")
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    source = SourceText(path, text.split("\n"), 0, diagnostics=diagnostics)
    _take_front_matter(source)
    return source


def _take_front_matter(source: SourceText) -> None:
    lines = source.lines
    if not lines or lines[0].rstrip() != "---":
        return
    end = next((i for i in range(1, len(lines)) if lines[i].rstrip() in ("---", "...")), None)
    if end is None:
        source.error(
            1,
            "front matter starts with '---' but never ends",
            "close the front matter with a line of '---', or remove the first line",
        )
        return
    source.body_start = end + 1
    text = "\n".join(lines[1:end])
    if len(text) > MAX_FRONT_MATTER:
        source.error(2, f"front matter is longer than {MAX_FRONT_MATTER} characters; ignored", _FRONT_MATTER_HINT)
        return
    import yaml  # here: most files have no front matter, and most builds read no file

    try:
        # BaseLoader reads every value as text: dates and numbers are checked here, not by YAML.
        loaded = yaml.load(text, Loader=yaml.BaseLoader)
    except (yaml.YAMLError, RecursionError) as exc:
        mark = getattr(exc, "problem_mark", None)
        line = 2 + mark.line if mark is not None else 2
        problem = getattr(exc, "problem", None) or ("nested too deeply" if isinstance(exc, RecursionError) else "")
        source.error(line, f"front matter is not valid YAML{': ' + problem if problem else ''}", _FRONT_MATTER_HINT)
        return
    if loaded is None or loaded == "":
        return
    if not isinstance(loaded, dict):
        source.error(2, "front matter must be a set of 'key: value' lines", _FRONT_MATTER_HINT)
        return
    for key, value in loaded.items():
        line = _key_line(lines, 1, end, str(key))
        checked = _check_front_matter_value(source, line, str(key), value)
        if checked is not None:
            source.meta[str(key)] = checked


def _check_front_matter_value(source: SourceText, line: int, key: str, value: object) -> str | int | None:
    if key not in FRONT_MATTER_KEYS:
        source.error(line, f"unknown front matter key '{key[:60]}'", did_you_mean(key, FRONT_MATTER_KEYS))
        return None
    text = clean(value) if isinstance(value, str) else ""
    if not text:
        source.error(line, f"front matter '{key}' must be a non-empty text", f"write it as '{key}: some text'")
        return None
    if key == "date":
        if parse_date(text) is None:
            source.error(line, f"front matter date '{text[:60]}' is not a date", "write it as 'date: 2023-10-03'")
            return None
        return text
    if key == "year":
        if not re.fullmatch(r"[0-9]{4}", text):
            source.error(line, f"front matter year '{text[:60]}' is not a year", "write it as 'year: 2023'")
            return None
        return int(text)
    return text


def _key_line(lines: list[str], start: int, end: int, key: str) -> int:
    """The 1-based line of `key:` inside the front matter, for diagnostics."""
    pattern = re.compile(rf"^\s*['\"]?{re.escape(key)}['\"]?\s*:")
    return next((i + 1 for i in range(start, end) if pattern.match(lines[i])), start + 1)


def parse_date(text: str) -> str | None:
    """`text` itself when it is a real calendar date written `YYYY-MM-DD`, else None."""
    if not _DATE.match(text):
        return None
    try:
        return dt.date.fromisoformat(text).isoformat()
    except ValueError:
        return None


def date_from_path(content_path: str) -> str:
    """The last folder (or file stem) of the path that is a calendar date, else ''."""
    parts = PurePosixPath(content_path).parts
    for part in reversed([*parts[:-1], PurePosixPath(content_path).stem]):
        date = parse_date(part)
        if date:
            return date
    return ""
