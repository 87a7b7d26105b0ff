"""Cleaning of text fields and recognition of arXiv identifiers, shared by both formats."""

from __future__ import annotations

import functools
import re
import unicodedata
from urllib.parse import urlsplit

# Control characters other than tab and newline cannot appear in an HTML page; U+200B (zero
# width space) is noise the upstream translator leaves in fields; bidi embeddings, overrides
# and isolates would let a field reorder the text around it; lone surrogates (from a YAML
# escape) cannot be written as UTF-8.
_INVISIBLE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u200b\u202a-\u202e\u2066-\u2069\ufeff\ud800-\udfff]")
_BARE_URL = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:\S+$")

# New-style IDs (`2310.00212`, since 2007) and old-style ones (`math/0601001`, `math.AG/0601001`).
ARXIV_ID = r"(?:[0-9]{4}\.[0-9]{4,5}|[a-z][a-z-]*(?:\.[A-Z]{2})?/[0-9]{7})"
_ARXIV_ID_VERSION = re.compile(rf"(?P<id>{ARXIV_ID})(?:v(?P<version>[0-9]+))?")
_ARXIV_URL = re.compile(
    rf"^https?://(?:www\.|rss\.|export\.)?arxiv\.org/(?:abs|pdf)/(?P<id>{ARXIV_ID})(?:v(?P<version>[0-9]+))?(?:\.pdf)?/?$"
)

# The archives of arXiv's category taxonomy (arxiv.org/category_taxonomy). A daily digest's
# channel named after one (`econ`) or after one of its categories (`cs.CL`) lists papers of it.
_ARCHIVES = frozenset({
    "astro-ph", "cond-mat", "cs", "econ", "eess", "gr-qc", "hep-ex", "hep-lat", "hep-ph", "hep-th", "math",
    "math-ph", "nlin", "nucl-ex", "nucl-th", "physics", "q-bio", "q-fin", "quant-ph", "stat",
})  # fmt: skip
_CATEGORY = re.compile(r"(?P<archive>[a-z][a-z-]*)(?:\.[A-Za-z][A-Za-z-]*)?")

# Characters that end a sentence; an abstract cut upstream usually ends elsewhere.
_SENTENCE_END = tuple(".!?。！？)）\"'”’")

# Upstream cut English abstracts at this many characters, then folded newlines (which can
# shorten the text by a few characters).
TRUNCATION_LIMIT = 1000
_TRUNCATION_SLACK = 10


def clean(text: str) -> str:
    """Drop invisible characters and surrounding whitespace from a field."""
    if text.isascii() and text.isprintable():  # nothing to drop: no regex scan (most English)
        return text.strip()
    return _INVISIBLE.sub("", text).strip()


NUMBER_DIGITS = 9
"""The most digits (leading zeros aside) of a reference number `[^N]` or a version `vN`: no
digest lists a billion papers, and Python refuses to read a number of 4,301 digits or more."""


def small_number(digits: str) -> int | None:
    """The value of a run of decimal digits (of any script: `٨` is 8); None when it has more than
    `NUMBER_DIGITS`, leading zeros aside."""
    significant = ascii_digits(digits).lstrip("0")
    return int(significant or "0") if len(significant) <= NUMBER_DIGITS else None


def ascii_digits(digits: str) -> str:
    """Decimal digits of any script as ASCII ones (`２` → `2`)."""
    return digits if digits.isascii() else "".join(str(unicodedata.digit(c)) for c in digits)


def split_arxiv_id(text: str) -> tuple[str, int | None] | None:
    """`2310.00212v2` → (`2310.00212`, 2); None when the whole text is not an arXiv ID (nor is
    one with a version of more than `NUMBER_DIGITS` digits)."""
    return _id_and_version(_ARXIV_ID_VERSION.fullmatch(text.strip()))


def arxiv_id_from_url(url: str) -> tuple[str, int | None] | None:
    """The ID in an arXiv abstract or PDF link (http, https, or the 2024 `rss.arxiv.org` form)."""
    return _id_and_version(_ARXIV_URL.match(url.strip()))


def _id_and_version(match: re.Match[str] | None) -> tuple[str, int | None] | None:
    if not match:
        return None
    if not match["version"]:
        return match["id"], None
    version = small_number(match["version"])
    return None if version is None else (match["id"], version)


def is_arxiv_category(name: str) -> bool:
    """Whether `name` is an arXiv archive (`econ`) or category (`cs.CL`, `cond-mat.stat-mech`)."""
    match = _CATEGORY.fullmatch(name)
    return match is not None and match["archive"] in _ARCHIVES


def link_target(text: str) -> str | None:
    """The target of a `[text](URL)` line, or a bare URL; None when the line is neither."""
    text = text.strip()
    if text.startswith("[") and text.endswith(")"):
        middle = text.find("](")
        url = text[middle + 2 : -1].strip() if middle > 0 else ""
        return url if url and not any(ch.isspace() for ch in url) else None
    return text if _BARE_URL.match(text) else None


def is_web_url(url: str) -> bool:
    """True for an absolute http(s) URL with a host: the only links content may carry."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.netloc) and not any(c.isspace() for c in url)


def looks_truncated(raw_abstract: str) -> bool:
    """Whether an English abstract from a daily digest was cut at the upstream limit.

    Measured on the raw field (with any announce prefix, which counted toward the limit):
    a field of the full limit, or one within a few characters of it that stops mid-sentence.
    A field clearly longer than the limit was never cut.
    """
    text = raw_abstract.rstrip("\n")
    if len(text) > TRUNCATION_LIMIT + _TRUNCATION_SLACK:
        return False  # longer than upstream ever wrote: whole (an imported feed, a hand-edited file)
    if len(text) >= TRUNCATION_LIMIT:
        return True
    near_limit = len(text) >= TRUNCATION_LIMIT - _TRUNCATION_SLACK
    return near_limit and not text.rstrip().endswith(_SENTENCE_END)


@functools.lru_cache(maxsize=1 << 18)
def normalise_title(title: str) -> str:
    """The key that matches one paper's titles across sources: NFKC, case-folded, and with
    punctuation, symbols and spaces dropped. Remembered: merging asks for each record's title
    several times, and a paper's records share their title."""
    folded = unicodedata.normalize("NFKC", title).casefold()
    return "".join(_LETTERS_AND_DIGITS.findall(folded))


# Runs of characters of the Unicode categories L (letters) and N (numbers): `[^\W_]` matches
# exactly those (a test checks every code point), many times faster than asking each one.
_LETTERS_AND_DIGITS = re.compile(r"[^\W_]+")


# Han characters and CJK punctuation: text that browsers must be told is Chinese.
CJK_RUN = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]+")


_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN = re.compile(r"[A-Za-z]")


def has_cjk(text: str) -> bool:
    return not text.isascii() and CJK_RUN.search(text) is not None  # `isascii` reads a flag


def is_chinese(text: str) -> bool:
    """Whether a field is written in Chinese: Han characters are at least a quarter of its
    letters (Chinese text carries Latin terms such as "LLMs"; English text a stray name)."""
    han = len(_HAN.findall(text))
    return han > 0 and 3 * han >= len(_LATIN.findall(text))
