"""site.toml → a typed, validated `Config`. The rest of the code never sees the raw table."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from digest.errors import DigestError, did_you_mean

CONFIG_FILE = "site.toml"


@dataclass(frozen=True, slots=True)
class Config:
    """The site's settings; paths are resolved against the folder of site.toml."""

    root: Path
    """The site folder: where site.toml is (or the working folder when there is none)."""
    title: str = "Paper digest"
    """The site's name, shown on every page."""
    title_zh: str = "论文摘要"
    """The site's name in Chinese, shown beside the English one."""
    description: str = "Research papers with Chinese summaries and translated abstracts."
    """One line about the site, for the home page and search engines."""
    description_zh: str = "附中文总结与翻译摘要的研究论文。"
    """The same line in Chinese, shown beside (or, in Chinese mode, instead of) the English."""
    content: Path = Path("content")
    """The folder of raw digest files."""
    output: Path = Path("public")
    """The folder the site is written to."""
    templates: Path = Path("templates")
    """Templates here override the built-in theme by name."""
    page_size: int = 200
    """Rows per page of a collection; longer collections are split into pages."""
    base_url: str = ""
    """Where the site is published (`https://example.org/papers/`), ending in `/`; empty for a
    site read from disk. Feeds, the sitemap and canonical links need it."""
    language: str = "both"
    """What pages show before a reader chooses: `en`, `zh` or `both` (see LANGUAGES)."""


# The keys a site.toml may set, with the TOML type each takes.
KEYS: dict[str, type] = {
    "title": str,
    "title_zh": str,
    "description": str,
    "description_zh": str,
    "content": str,
    "output": str,
    "templates": str,
    "page_size": int,
    "language": str,
    "base_url": str,
}
LANGUAGES = ("en", "zh", "both")
"""English only, Chinese only (English titles stay), or both side by side."""
_PATHS = ("content", "output", "templates")
_TOML_POSITION = re.compile(r"\(at line (\d+), column (\d+)\)")


def load_config(path: Path | None = None) -> Config:
    """Read site.toml (by default from the working folder); a missing file means defaults."""
    path = path or Path(CONFIG_FILE)
    if not path.exists():
        if path != Path(CONFIG_FILE):
            raise DigestError(f"error: {path}: no such file\n  hint: name an existing site.toml with --config")
        return _resolve(Config(root=Path.cwd()))
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise DigestError(
            f"error: {path}: cannot be read as UTF-8 text ({exc})\n  hint: save it as a UTF-8 file"
        ) from exc
    try:
        table = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        position = _TOML_POSITION.search(str(exc))
        where = f"{position[1]}:{position[2]}" if position else "1:1"
        problem = _TOML_POSITION.sub("", str(exc)).strip()
        raise DigestError(
            f"{path}:{where}: error: {problem}\n  hint: write settings as 'key = \"text\"' or 'key = 123'"
        ) from exc
    values: dict[str, Any] = {}

    def at(key: str) -> str:  # where `key` is set, looked up only for a message
        return f"{path}:{_line_of(text, key)}:1: error:"

    for key, value in table.items():
        if key not in KEYS:
            raise DigestError(f"{at(key)} unknown key '{key}'\n  hint: {did_you_mean(key, KEYS)}")
        expected = KEYS[key]
        if expected is int and (isinstance(value, bool) or not isinstance(value, int)):
            raise DigestError(f"{at(key)} '{key}' must be a whole number\n  hint: write it without quotes: {key} = 200")
        if expected is str and not isinstance(value, str):
            raise DigestError(f"{at(key)} '{key}' must be a text\n  hint: put it in quotes: {key} = \"…\"")
        if key in _PATHS and "\x00" in value:
            raise DigestError(f"{at(key)} '{key}' holds a NUL character\n  hint: write a plain folder name")
        values[key] = Path(value) if key in _PATHS else value
    if values.get("page_size", 1) < 1:
        raise DigestError(f"{at('page_size')} 'page_size' must be at least 1\n  hint: e.g. page_size = 200")
    if values.get("base_url"):
        values["base_url"] = _base_url(values["base_url"], at)
    if values.get("language", "both") not in LANGUAGES:
        choices = ", ".join(f'"{name}"' for name in LANGUAGES)
        raise DigestError(f"{at('language')} 'language' must be one of {choices}\n  hint: e.g. language = \"both\"")
    return _resolve(Config(root=path.resolve().parent, **values))


def _base_url(value: str, at: Callable[[str], str]) -> str:
    """An absolute http(s) URL with a host, ending in `/` so that page paths join onto it."""
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise DigestError(
            f"{at('base_url')} 'base_url' must be an absolute http(s) address, without ?query or #fragment\n"
            '  hint: e.g. base_url = "https://example.org/papers/"'
        )
    return value.strip() if value.strip().endswith("/") else value.strip() + "/"


def _resolve(config: Config) -> Config:
    return replace(config, **{key: config.root / getattr(config, key) for key in _PATHS})


def _line_of(text: str, key: str) -> int:
    """The line that sets `key`: `key = …`, a dotted `key.x = …`, or a `[key]` table header."""
    pattern = re.compile(rf"^\s*(\[\s*)?['\"]?{re.escape(key)}['\"]?\s*(=|\.|\])")
    return next((n for n, line in enumerate(text.splitlines(), 1) if pattern.match(line)), 1)


def builtin_templates() -> Path:
    """The theme that ships with the package: inside the installed wheel, or the repository's
    own `templates/` when running from a source checkout."""
    packaged = Path(__file__).parent / "templates"
    return packaged if packaged.is_dir() else Path(__file__).parent.parent / "templates"


def template_folders(config: Config) -> list[Path]:
    """The site's own templates first (overrides by name), then the built-in theme."""
    folders: list[Path] = []
    for folder in (config.templates, builtin_templates()):
        if folder.is_dir() and all(folder.resolve() != known.resolve() for known in folders):
            folders.append(folder)
    return folders
