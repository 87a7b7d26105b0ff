"""Output paths and page-relative links: the only module that knows the shape of the site.

Every output path is relative to the output folder, uses `/`, and ends in a file name. Parts
that come from content (IDs, channels, venues, topics, dates) pass through `slug`, so no value
can climb out of the output folder, name a device, or grow past what file systems accept; the
`Paths` registry keeps two different things from landing on one file (case-insensitively, for
the file systems that fold case).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable
from pathlib import PurePosixPath

HOME = "index.html"
ALL_PAPERS = "papers.html"
VENUES = "venues.html"
CATEGORIES = "categories.html"
DATES = "dates.html"
DIGESTS = "digests.html"
SEARCH = "search.html"
SEARCH_INDEX = "search"
"""The folder of the search index's script files (see `digest.search`)."""
STYLESHEET = "assets/style.css"
SCRIPT = "assets/site.js"
SEARCH_SCRIPT = "assets/search.js"

_UNSAFE = re.compile(r"[^a-z0-9._-]+")
_REPEATS = re.compile(r"([._-])[._-]+")
_WINDOWS_DEVICES = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))}
MAX_SLUG = 80
_SAFE = re.compile(r"[a-z0-9]+(?:[._-][a-z0-9]+)*")
"""A value `slug` gives back as it is (an arXiv ID, a date): tried first, as most values are."""


def slug(value: str) -> str:
    """A file-name-safe form of `value`: lower-case ASCII letters, digits, `.`, `-` and `_`.

    Values that lose characters on the way (non-ASCII text, over-long names) get a short hash
    of the original, so that different values stay different.
    """
    if len(value) <= MAX_SLUG and _SAFE.fullmatch(value) and value.split(".")[0] not in _WINDOWS_DEVICES:
        return value
    return _slug(value)


def _slug(value: str) -> str:
    """`slug`, step by step."""
    folded = unicodedata.normalize("NFKC", value).casefold()
    text = _REPEATS.sub(r"\1", _UNSAFE.sub("-", folded)).strip("._-")
    lost = not folded.isascii() and any(ch.isalnum() and not ch.isascii() for ch in folded)
    if lost or not text or len(text) > MAX_SLUG:
        digest = hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()[:8]
        text = f"{text[: MAX_SLUG - 9].rstrip('._-')}-{digest}".lstrip("-")
    if text.split(".")[0] in _WINDOWS_DEVICES:  # `con`, `con.cl`: Windows reserves the stem
        text = f"_{text}"
    return text


class Taken(Exception):
    """A path that a strict `Paths` cannot hand out as it is: another key holds it."""


class Paths:
    """Hands out output paths, one per (kind, key), never the same file twice. Those handed out
    before (`owners`) are kept; a `strict` registry hands out no path it would have to number,
    as another key holds its name, and raises `Taken` instead."""

    def __init__(self, owners: dict[str, tuple[str, str]] | None = None, strict: bool = False) -> None:
        self._owner: dict[str, tuple[str, str]] = owners if owners is not None else {}
        self.strict = strict

    @property
    def owners(self) -> dict[str, tuple[str, str]]:
        """Each path handed out (case-folded) → the (kind, key) that holds it."""
        return self._owner

    def claim(self, kind: str, key: str, folder: str, name: str) -> str:
        """`folder/name.html`, or `folder/name-2.html` … when another key holds that name."""
        stem = f"{folder}/{name}" if folder else name
        candidate, number = f"{stem}.html", 1
        while (owner := self._owner.get(candidate.casefold())) is not None and owner != (kind, key):
            if self.strict:
                raise Taken(candidate)
            number += 1
            candidate = f"{stem}-{number}.html"
        self._owner[candidate.casefold()] = (kind, key)
        return candidate

    def paginate(self, kind: str, key: str, first: str, count: int, from_oldest: bool = False) -> tuple[str, ...]:
        """`first`, then `first-p2.html` … for a collection that spans `count` pages; or, for a
        collection that grows at its start (`from_oldest`), `first` and then the others numbered
        from the last: … `first-p2.html`, `first-p1.html`."""
        stem = first.removesuffix(".html")
        folder, _, name = stem.rpartition("/")
        if from_oldest:
            older = [self.claim(kind, f"{key}\x00{n}", folder, f"{name}-p{n}") for n in range(1, count)]
            return (first, *reversed(older))
        extra = (self.claim(kind, f"{key}\x00{n}", folder, f"{name}-p{n}") for n in range(2, count + 1))
        return (first, *extra)


def paper_path(paths: Paths, paper_id: str) -> str:
    return paths.claim("paper", paper_id, "papers", slug(paper_id.replace("/", "-")))


def digest_path(paths: Paths, content_path: str) -> str:
    """The digest page mirrors the input file's place under the content folder."""
    parts = PurePosixPath(content_path).with_suffix("").parts
    folder = "/".join(["digests", *(_folder_name(part) for part in parts[:-1])])
    return paths.claim("digest", content_path, folder, slug(parts[-1]) if parts else "digest")


def _folder_name(part: str) -> str:
    """A folder's slug that can never be the name of a page beside it (`a.html/` next to `a.html`)."""
    name = slug(part)
    return f"{name}_" if name.endswith(".html") else name


def collection_path(paths: Paths, kind: str, key: str) -> str:
    folder = {"venue": "venues", "category": "categories", "date": "dates"}[kind]
    return paths.claim(kind, key, folder, slug(key))


def section_of(page: str) -> str:
    """The part of the site a page belongs to, for the navigation: `papers`, `venues`, … or ''."""
    match = re.match(r"(papers|digests|venues|categories|dates)\b", page)
    return match[1] if match else ""


def root_of(page: str) -> str:
    """The relative prefix from `page` back to the output folder (`''`, `'../'`, …)."""
    return "../" * page.count("/")


def arxiv_abs(arxiv_id: str) -> str:
    return f"https://arxiv.org/abs/{arxiv_id}"


def arxiv_pdf(arxiv_id: str, version: int | None) -> str:
    return f"https://arxiv.org/pdf/{arxiv_id}" + (f"v{version}" if version else "")


def inside(path: str) -> bool:
    """Whether `path`, relative to the output folder, stays inside it: no absolute path, `..`,
    backslash or Windows drive's colon, and no `.` or empty name (`write` refuses the others)."""
    return all_inside((path,))


def all_inside(paths: Iterable[str]) -> bool:
    """Whether every one of `paths` stays inside the output folder (see `inside`): checked as one
    text, with the names of each between `/` and line ends, as a manifest holds 100,000 of them."""
    text = "\n" + "\n".join(paths) + "\n"
    return not any(bad in text for bad in _OUTSIDE)


_OUTSIDE = ("\\", ":", *(f"{a}{name}{b}" for name in ("", ".", "..") for a in "/\n" for b in "/\n"))
"""What marks a path that leads outside: a backslash, a colon, or an empty, `.` or `..` name."""
