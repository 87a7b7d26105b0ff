"""site.toml → a typed, validated `Config`. The rest of the code never sees the raw table."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from digest.errors import DigestError

CONFIG_FILE = "site.toml"
LANGUAGES = ("both", "en", "zh")


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
    base_url: str = ""
    """The public address of the site (for feeds and sitemaps); empty for a site read offline."""
    language: str = "both"
    """What readers see first: `both`, `en` or `zh`."""
    content: Path = Path("content")
    """The folder of raw digest files."""
    output: Path = Path("public")
    """The folder the site is written to."""
    templates: Path = Path("templates")
    """Templates here override the built-in theme by name."""
    page_size: int = 200
    """Rows per page of a collection; longer collections are split into pages."""


# The keys a site.toml may set, with the TOML type each takes.
KEYS: dict[str, type] = {
    "title": str,
    "title_zh": str,
    "description": str,
    "base_url": str,
    "language": str,
    "content": str,
    "output": str,
    "templates": str,
    "page_size": int,
}
_PATHS = ("content", "output", "templates")


def load_config(path: Path | None = None) -> Config:
    """Read site.toml (by default from the working folder); a missing file means defaults."""
    path = path or Path(CONFIG_FILE)
    if not path.exists():
        if path.name != CONFIG_FILE or path.parent != Path():
            raise DigestError(f"{path}: no such file")
        return _resolve(Config(root=Path.cwd()))
    text = path.read_text(encoding="utf-8-sig")
    try:
        table = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise DigestError(f"{path}: {exc}") from exc
    values: dict[str, Any] = {}
    for key, value in table.items():
        line = _line_of(text, key)
        if key not in KEYS:
            raise DigestError(f"{path}:{line}: unknown key '{key}'\n  hint: valid keys are: {', '.join(KEYS)}")
        expected = KEYS[key]
        if not isinstance(value, expected) or isinstance(value, bool):
            raise DigestError(f"{path}:{line}: '{key}' must be {'a number' if expected is int else 'a text'}")
        values[key] = Path(str(value)) if key in _PATHS else value
    if values.get("language", "both") not in LANGUAGES:
        raise DigestError(f"{path}:{_line_of(text, 'language')}: 'language' must be one of: {', '.join(LANGUAGES)}")
    if values.get("page_size", 1) < 1:
        raise DigestError(f"{path}:{_line_of(text, 'page_size')}: 'page_size' must be at least 1")
    return _resolve(Config(root=path.resolve().parent, **values))


def _resolve(config: Config) -> Config:
    return replace(config, **{key: config.root / getattr(config, key) for key in _PATHS})


def _line_of(text: str, key: str) -> int:
    pattern = re.compile(rf"^\s*['\"]?{re.escape(key)}['\"]?\s*=")
    return next((n for n, line in enumerate(text.splitlines(), 1) if pattern.match(line)), 1)
