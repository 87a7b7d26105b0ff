"""A paper → its BibTeX entry, as a reader would paste it into a `.bib` file.

The entry type follows what is known of the paper: `@inproceedings` when a venue lists it (with
the arXiv `eprint` too when there is one), `@misc` for an arXiv preprint, and `@misc` with what
there is for anything else. Fields come in one order (title, author, booktitle, year, eprint,
archivePrefix, primaryClass, url); empty ones are left out, never written as `{}`.

Every value comes from untrusted input, so every value is escaped to be valid BibTeX and safe
LaTeX whatever it holds:

- control characters, line breaks and runs of white space become one space;
- outside `$…$` math, text means itself: `\\` `&` `%` `#` `_` `$` `^` `~` are escaped
  (`\\textbackslash{}`, `\\&`, …), braces that pair up are kept as groups, and a brace without
  its partner is dropped (BibTeX counts `\\{` as a brace too, so escaping it would not do);
- `$…$` math (each `$` paired with the next one, left to right) is kept as written when it
  holds something and its braces balance; only `%`, `&` and `#`, which are no math, get a
  backslash. A `$` without a partner, `$$`, and math that could reach outside the formula
  (`\\input`, `\\write`, `\\catcode`, `^^` …) are text, both dollars escaped;
- links are percent-encoded where BibTeX or LaTeX would trip (space, braces, backslash,
  non-ASCII), and are never LaTeX-escaped (`\\url` and biblatex read them as they are).

Titles get single braces and no case protection: a style that lower-cases titles will do so.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote, urlsplit

from digest.model import Paper, Record

__all__ = ["bibtex"]

BOOKTITLES = {
    "neurips": "Advances in Neural Information Processing Systems",
    "nips": "Advances in Neural Information Processing Systems",
    "icml": "International Conference on Machine Learning",
    "iclr": "International Conference on Learning Representations",
    "acl": "Annual Meeting of the Association for Computational Linguistics",
    "emnlp": "Conference on Empirical Methods in Natural Language Processing",
    "naacl": "Conference of the North American Chapter of the Association for Computational Linguistics",
    "cvpr": "IEEE/CVF Conference on Computer Vision and Pattern Recognition",
    "iccv": "IEEE/CVF International Conference on Computer Vision",
    "eccv": "European Conference on Computer Vision",
    "aaai": "AAAI Conference on Artificial Intelligence",
    "ijcai": "International Joint Conference on Artificial Intelligence",
    "kdd": "ACM SIGKDD Conference on Knowledge Discovery and Data Mining",
    "sigir": "International ACM SIGIR Conference on Research and Development in Information Retrieval",
    "www": "The ACM Web Conference",
    "coling": "International Conference on Computational Linguistics",
}
"""Venue name (case-folded) → the name of its proceedings, with no year or edition."""

FIELD_ORDER = ("title", "author", "booktitle", "year", "eprint", "archivePrefix", "primaryClass", "url")
STOP_WORDS = frozenset({"a", "an", "the", "on", "of", "in", "for", "to", "and", "with", "towards"})

_NEW_ID = re.compile(r"([0-9]{2})([0-9]{2})\.[0-9]{4,5}(?:v[0-9]+)?")
_OLD_ID = re.compile(r"[a-z-]+(?:\.[A-Za-z-]+)?/([0-9]{2})([0-9]{2})[0-9]{3}(?:v[0-9]+)?")
_SPACES = re.compile(r"\s+")
_KEY_UNSAFE = re.compile(r"[^A-Za-z0-9:._-]+")
_AND = re.compile(r"(?:^|\s)and(?:\s|$)", re.IGNORECASE)
_TEXT_ESCAPES = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "#": r"\#",
    "_": r"\_",
    "$": r"\$",
    "^": r"\^{}",
    "~": r"\~{}",
}
_MATH_ESCAPES = frozenset("&%#")
# Control words that read or write files, or redefine what follows: no title needs them.
_UNSAFE_MATH = re.compile(
    r"\^\^|\\(?:input|include|includeonly|endinput|write|immediate|openout|openin|read|readline|catcode|"
    r"def|edef|gdef|xdef|let|futurelet|csname|expandafter|scantokens|newcommand|renewcommand|"
    r"providecommand|special|usepackage|documentclass|output|every[a-z]*|shipout)(?![A-Za-z])"
)
# URL characters that survive as they are: printable ASCII but space, quotes, braces, backslash.
_URL_SAFE = "!#$%&'()*+,-./:;=?@[]^_`|~"


def bibtex(paper: Paper) -> str:
    """The paper's BibTeX entry, as a reader would paste it into a .bib file.

    The entry ends with a newline, so entries joined with "\\n" are a `.bib` file with a blank
    line between them.
    """
    fields: dict[str, str] = {"title": _text(paper.title), "author": _authors(paper.authors)}
    arxiv_id = _clean(paper.arxiv_id)
    arxiv_url = _url(f"https://arxiv.org/abs/{arxiv_id}") if arxiv_id else ""
    if paper.venue_sides:
        kind = "inproceedings"
        side = paper.venue_sides[0]
        year = side.year or _arxiv_year(arxiv_id)
        fields["booktitle"] = _booktitle(side.venue)
        fields["url"] = _url(side.url) or arxiv_url
    elif arxiv_id:
        kind = "misc"
        year = _arxiv_year(arxiv_id)
        fields["primaryClass"] = _text(paper.category)
        fields["url"] = arxiv_url
    else:
        kind = "misc"
        year = None
        fields["url"] = next((url for url in map(_url, _links(paper)) if url), "")
    fields["year"] = str(year) if year else ""
    if arxiv_id:
        fields["eprint"] = _text(arxiv_id)
        fields["archivePrefix"] = "arXiv"
    lines = [f"  {name} = {{{fields[name]}}}" for name in FIELD_ORDER if fields.get(name)]
    body = "".join(line + ",\n" for line in lines[:-1]) + "".join(line + "\n" for line in lines[-1:])
    return f"@{kind}{{{_key(paper, year)},\n{body}}}\n"


def _links(paper: Paper) -> list[str]:
    records: list[Record] = ([paper.arxiv] if paper.arxiv else []) + list(paper.appearances)
    return [r.url for r in records]


def _arxiv_year(arxiv_id: str) -> int | None:
    """The year an arXiv ID was issued: `2310.00212` → 2023, `math/0601001` → 2006."""
    if match := _NEW_ID.fullmatch(arxiv_id):
        century = 2000
    elif match := _OLD_ID.fullmatch(arxiv_id):
        century = 1900 if int(match[1]) >= 91 else 2000  # old-style IDs ran from 1991 to 2007
    else:
        return None
    return century + int(match[1]) if 1 <= int(match[2]) <= 12 else None


def _booktitle(venue: str) -> str:
    return BOOKTITLES.get(_clean(venue).casefold()) or _text(venue)


# Keys -----------------------------------------------------------------------------------------


def _key(paper: Paper, year: int | None) -> str:
    """`surname` + `year` + first significant title word (`chen2023evoprompting`); without
    authors, `arxiv` + the arXiv ID, or the paper's ID."""
    authors = [a for a in paper.authors if _text(a)]
    if authors:
        words = [_ascii(word).lower() for word in _clean(authors[0]).split()]
        surname = next((w for w in reversed(words) if w), "anon")
        title_word = next(
            (w for w in (_ascii(word).lower() for word in _clean(paper.title).split()) if w and w not in STOP_WORDS), ""
        )
        return f"{surname}{year or ''}{title_word}"
    if paper.arxiv_id and (key := _key_safe(paper.arxiv_id)):
        return f"arxiv{key}"
    return _key_safe(paper.id) or f"anon{year or ''}"


def _ascii(text: str) -> str:
    """`text` folded to ASCII letters and digits (`Ré` → `Re`); other characters are dropped."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return "".join(ch for ch in folded if ch.isalnum())


def _key_safe(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return _KEY_UNSAFE.sub("", folded.replace("/", "_"))


# Values ---------------------------------------------------------------------------------------


def _clean(text: str) -> str:
    """Control characters and line breaks as spaces, white space runs as one, lone surrogates
    as U+FFFD, no space at either end."""
    chars = (
        " " if unicodedata.category(ch) in ("Cc", "Zl", "Zp") else "\ufffd" if "\ud800" <= ch <= "\udfff" else ch
        for ch in text
    )
    return _SPACES.sub(" ", "".join(chars)).strip()


def _authors(authors: tuple[str, ...]) -> str:
    """Names joined with ` and `; a name that BibTeX would split or read as `others` is braced."""
    names = [name for name in map(_text, authors) if name]
    return " and ".join(f"{{{n}}}" if "," in n or _AND.search(n) or n.lower() == "others" else n for n in names)


def _text(value: str) -> str:
    """`value` as a field's text: valid BibTeX, and LaTeX that prints what the value says."""
    text = _clean(value)
    pieces: list[str] = []  # a `$…$` formula, or one character of text
    literal: set[int] = set()  # the closing `$` of a formula that is kept as text
    index = 0
    while index < len(text):
        if text[index] == "$" and index not in literal and not _escaped(text, index):
            close = _closing_dollar(text, index)
            if close is not None and _formula(text[index + 1 : close]):
                pieces.append(text[index : close + 1])
                index = close + 1
                continue
            if close is not None:
                literal.add(close)
        pieces.append(text[index])
        index += 1
    paired = _paired_braces(pieces)
    out: list[str] = []
    for position, piece in enumerate(pieces):
        if len(piece) > 1:
            out.append(_math(piece))
        elif piece in "{}":
            out.append(piece if position in paired else "")
        else:
            out.append(_TEXT_ESCAPES.get(piece, piece))
    return _SPACES.sub(" ", "".join(out)).strip()


def _closing_dollar(text: str, start: int) -> int | None:
    """The next `$` after `start` that no backslash escapes."""
    close = start + 1
    while (close := text.find("$", close)) != -1 and _escaped(text, close):
        close += 1
    return None if close == -1 else close


def _formula(inner: str) -> bool:
    """Whether `$inner$` stays math: it holds something, its braces balance, and it cannot
    reach outside the formula."""
    return bool(inner.strip()) and _balanced(inner) and not _UNSAFE_MATH.search(inner)


def _escaped(text: str, index: int) -> bool:
    """Whether the character at `index` follows an odd number of backslashes."""
    start = index
    while start > 0 and text[start - 1] == "\\":
        start -= 1
    return (index - start) % 2 == 1


def _balanced(text: str) -> bool:
    depth = 0
    for ch in text:
        depth += (ch == "{") - (ch == "}")
        if depth < 0:
            return False
    return depth == 0


def _math(span: str) -> str:
    return "".join("\\" + ch if ch in _MATH_ESCAPES and not _escaped(span, i) else ch for i, ch in enumerate(span))


def _paired_braces(pieces: list[str]) -> set[int]:
    """Positions of the text braces that have a partner, matched innermost first."""
    opened: list[int] = []
    paired: set[int] = set()
    for position, piece in enumerate(pieces):
        if piece == "{":
            opened.append(position)
        elif piece == "}" and opened:
            paired.update((opened.pop(), position))
    return paired


def _url(link: str) -> str:
    """An http(s) link, percent-encoded where a `.bib` file or LaTeX would trip; "" otherwise."""
    link = _clean(link)
    try:
        parts = urlsplit(link)
    except ValueError:  # a malformed IPv6 host
        return ""
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return ""
    return quote(link, safe=_URL_SAFE)
