"""The offline search index: classic script files under `search/` that the search page loads.

Readers open the site from disk (file://), where `fetch`, ES modules, wasm and workers are all
blocked, but a classic `<script src>` still loads. So the index is JavaScript: every file calls
one function of the global `DigestSearch` (templates/assets/search.js) with its data, and the
search page loads only the files a query needs.

    search/meta.js      DigestSearch.meta({...}): counts, file layout, weights, CJK ranges,
                        the fold table and stopwords; the one source of truth for parameters,
                        read by search.js
    search/t/S/NN.js    DigestSearch.terms(S, NN, {"term": "postings", ...}): one shard of the
                        terms of segment S
    search/d/NN.js      DigestSearch.docs(NN, [[page, title, title_zh, authors, arxiv_id, venue,
                        category, summary_zh, summary_en, gist, first_date], ...]): what a result
                        shows, BLOCK_SIZE documents a file; document d is in file d // BLOCK_SIZE

Every file is ASCII (JSON with `\\uXXXX` escapes), so no lone surrogate can break the build and
no reader can mistake the files' encoding. Texts are plain (`digest.richtext.plain`: macros give
their content, math stays as `$…$`), both in the documents and in what is indexed.

Documents are the site's papers oldest first (`oldest_first`): by the first date the paper
appears on, papers of one date in the reverse of the all-papers index's order, and papers of
no date (venue collections only) before all others. So the papers of a day later than all
others take the next numbers, and earlier documents keep theirs (and their files' bytes, while
the number of files keeps its digits). Ranking ties go to the higher number, so to the newer
paper, and a broad query's top results sit in the last document files. A posting
list names the documents a term occurs in, ascending, each with the bitmask of the fields it
occurs in (`FIELDS`; the mask is also the posting's score). Each posting is the number
`(document - previous document) * 16 + mask` (the first counts from 0), written in base 32 with
the characters of `ALPHABET`: high digits from its second half, the last digit from its first.

Segments (`segments`): the terms are split by document, into runs of whole days of at most
`SEGMENT_SIZE` documents, each with its own shards; `meta.js` lists each segment's documents
and shards. A posting list in a segment counts from the segment's first document, and a term's
postings are those of every segment, in order. So the papers of a new day change the terms of
the last segment, and leave the others' files as they were.

Tokens (`tokenize`; search.js implements the same rules and a test holds them equal): the text
is NFKD-normalised, combining marks (category M) are dropped, letters are lower-cased, a final
sigma becomes σ and the letters NFKD leaves whole go through `FOLDS` (ł → l, ß → ss). Runs of
letters and digits (categories L and N) are tokens' material: inside a run, each stretch of CJK
characters (`CJK_RANGES`) gives its overlapping bigrams (a lone character gives itself), and
each other stretch is a word. Stopwords are dropped, and words of ASCII letters go through
`stem`. So `BERT模型的Ｃafé-ing` gives `bert`, `模型`, `型的`, `caf` (`cafe`, stemmed) and `ing`.

Shards: a word's shard is the FNV-1a hash (32-bit, over code points) of its first `KEY_LENGTH`
characters, a CJK token's the hash of the whole token, modulo the segment's shard count. Words
that share their first three letters share a shard, so search.js completes a half-typed last
word from one file of each segment. A segment's shard count is the smallest power of two that
keeps its shards near `SHARD_TARGET` bytes.
"""

from __future__ import annotations

import functools
import json
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import chain, groupby, islice
from operator import attrgetter

from digest import urls
from digest.gist import gist
from digest.hashing import code_stamp, fingerprint
from digest.model import Paper
from digest.richtext import plain
from digest.site import Site

VERSION = 5
"""The format of the files; search.js refuses an index of another version. (3: documents
numbered oldest first; 4: terms in segments; 5: each document's first date, `days` in
`meta.js`, and category terms.)"""

CATEGORY_TERM = ":"
"""The start of the term that marks the papers of a category (`:cs.lg`), by which results can be
narrowed: no word of a text starts so, nor is completed into one."""

FIELDS = {"title": 8, "byline": 4, "summary": 2, "abstract": 1}
"""Field → its bit in a posting's mask, which is also its weight in ranking. `title` is both
titles; `byline` the authors, arXiv ID, venue and category; `summary` the summaries;
`abstract` both abstracts."""

STOPWORDS = (
    "a", "about", "all", "also", "an", "and", "are", "as", "at", "be", "been", "but", "by", "can", "do",
    "does", "for", "from", "has", "have", "how", "in", "into", "is", "it", "its", "of", "on", "or", "our",
    "such", "than", "that", "the", "their", "these", "they", "this", "to", "via", "was", "we", "were",
    "what", "when", "which", "while", "with",
)  # fmt: skip
"""English words too common to search for, compared before stemming."""

CJK_RANGES = (
    (0x1100, 0x11FF),  # Hangul jamo: NFKD splits every Hangul syllable into these
    (0x3005, 0x3007),  # 々 〆 〇
    (0x3040, 0x30FF),  # hiragana, katakana
    (0x3130, 0x318F),  # Hangul compatibility jamo
    (0x31F0, 0x31FF),  # katakana phonetic extensions
    (0x3400, 0x4DBF),  # CJK extension A
    (0x4E00, 0x9FFF),  # CJK unified ideographs
    (0xA960, 0xA97F),  # Hangul jamo extended A
    (0xAC00, 0xD7FF),  # Hangul syllables, jamo extended B
    (0xF900, 0xFAFF),  # CJK compatibility ideographs
    (0x20000, 0x3134F),  # CJK extensions B to G, compatibility supplement
)
"""Code points tokenised as overlapping bigrams instead of words (after folding)."""

FOLDS = {"ł": "l", "ø": "o", "đ": "d", "ß": "ss", "æ": "ae", "œ": "oe", "ı": "i", "þ": "th"}
"""Lower-case letters that NFKD does not take apart, and their plain Latin spelling: applied
after lower-casing (so Ł, Ø, Đ, ẞ, Æ, Œ, Þ too). `Łojasiewicz` and `Lojasiewicz` are one word."""

KEY_LENGTH = 3
"""A word's shard comes from this many first characters; shorter words use the whole word."""
BLOCK_SIZE = 50
"""Documents per `search/d/NN.js` file."""
SHARD_TARGET = 80_000
"""Bytes of postings a term shard should hold, about."""
SEGMENT_SIZE = 8_192
"""Documents a segment of the terms holds, at most, unless one day has more (`segments`)."""
AUTHORS_SHOWN = 3
ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_"
"""Digits of postings: the first 32 end a number, the last 32 continue it."""

_FNV_OFFSET = 0x811C9DC5
_FNV_PRIME = 0x01000193
_ASCII_WORD = re.compile(r"[a-z]+")
_STOPWORDS = frozenset(STOPWORDS)


def _ranges(ranges: Iterable[tuple[int, int]]) -> str:
    """Code point ranges as the inside of a regex character class, written as escapes."""
    return "".join(f"\\U{low:08x}-\\U{high:08x}" for low, high in ranges)


def _complement(ranges: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """The code points outside `ranges` (sorted, disjoint), as ranges."""
    starts = [0, *(high + 1 for _, high in ranges)]
    ends = [*(low - 1 for low, _ in ranges), 0x10FFFF]
    return [(start, end) for start, end in zip(starts, ends, strict=True) if start <= end]


# Tokens' material is letters and digits: `[^\W_]` is the same as [\p{L}\p{N}] (a test checks).
# A class `[^\W_X]` is a letter or digit outside X. So, over a whole text at once, these find the
# maximal stretches of CJK letters and of other letters and digits: the same stretches as first
# taking the runs of letters and digits and then splitting each run where CJK starts or ends.
_CJK_STRETCH = f"[^\\W_{_ranges(_complement(CJK_RANGES))}]+"
_WORD = f"[^\\W_{_ranges(CJK_RANGES)}]+"
_STRETCHES = re.compile(f"({_CJK_STRETCH})|({_WORD})")  # both, in order (`tokenize`)
_CJK_STRETCHES = re.compile(_CJK_STRETCH)
_WORDS = re.compile(_WORD)
_CJK_CHARACTER = re.compile(f"[{_ranges(CJK_RANGES)}]")
_CJK_FIRST = chr(min(low for low, _ in CJK_RANGES))
_PAIRS = re.compile("(?=(..))", re.S)  # every two characters, overlapping: a stretch's bigrams
# Over CJK stretches one a line (`.` is anything but a line break): each line's bigrams at even
# offsets, those at odd offsets, and a line of one character.
_EVEN_PAIRS = re.compile("..")
_ODD_PAIRS = re.compile("(?<=.)..")
_LONE = re.compile("^.$", re.M)
# In ASCII text the runs of letters and digits are what is left between the other characters,
# so mapping those to spaces (and capitals to small letters) and splitting gives the words.
_ASCII_WORDS = str.maketrans({chr(code): chr(code).lower() if chr(code).isalnum() else " " for code in range(128)})
_FIELDS_BY_BIT = sorted(FIELDS.items(), key=lambda item: item[1])
_DIACRITICS = re.compile("[\u0300-\u036f]+")  # the block of combining diacritical marks: all are marks


@functools.cache
def _marks() -> dict[int, None]:
    """Combining marks (Unicode category M), as a table for `str.translate` that drops them."""
    planes = (*range(0x40000), *range(0xE0000, 0xE1000))  # the planes that have marks
    return dict.fromkeys(code for code in planes if unicodedata.category(chr(code))[0] == "M")


@functools.cache
def _maybe_marks() -> re.Pattern[str]:
    """A quick test before `_marks`: any mark of the BMP, or any character beyond it.

    `str.translate` with the large table of marks costs about 50 ns a character: it was most
    of the time of folding Chinese text, which has no marks. This search is about ten times
    faster (a regex class of BMP characters is a bitmap), and text beyond the BMP, rare, just
    goes through the table."""
    bmp_marks = [(code, code) for code in _marks() if code <= 0xFFFF]
    return re.compile(f"[{_ranges(bmp_marks)}\\U00010000-\\U0010ffff]")


def fold(text: str) -> str:
    """NFKD, without combining marks, lower case, final sigma as σ, `FOLDS`: `Ｃafé` → `cafe`,
    `Straße` → `strasse`."""
    text = unicodedata.normalize("NFKD", text)
    if text.isascii():
        return text.lower()
    if _maybe_marks().search(text):
        # Most marks are the combining diacritics NFKD takes off accented letters (é → e, U+0301):
        # one regex range drops them several times faster than `translate`, which then sees to
        # any others.
        text = _DIACRITICS.sub("", text)
        if _maybe_marks().search(text):
            text = text.translate(_marks())
    text = text.lower().replace("ς", "σ")
    # The same as `str.translate(FOLDS)`, since no spelling holds a folded letter, and much
    # faster on text that has none of them, which is nearly all text.
    for letter, spelling in FOLDS.items():
        if letter in text:
            text = text.replace(letter, spelling)
    return text


@functools.lru_cache(maxsize=1 << 16)
def stem(word: str) -> str:
    """A tiny suffix stemmer for words of ASCII letters longer than three letters.

    1. plural: `-ies` → `-y` (more than four letters), `-sses` → `-ss`, else drop one final `s`
       unless the word ends in `ss`, `us` or `is`;
    2. then drop `-ing` or `-ed` when three letters remain, and undouble a final consonant
       pair (not `ll`, `ss`, `zz`) when four remain; or else, drop a final `e` when three remain.

    `models`, `modeling` → `model`; `embeddings`, `embedded` → `embed`; `based`, `base` → `bas`.
    """
    if len(word) <= 3 or not _ASCII_WORD.fullmatch(word):
        return word
    if word.endswith("ies") and len(word) > 4:
        word = word[:-3] + "y"
    elif word.endswith("sses"):
        word = word[:-2]
    elif word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    for suffix in ("ing", "ed"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)]
            if len(word) >= 4 and word[-1] == word[-2] and word[-1] not in "lsz":
                word = word[:-1]
            return word
    if word.endswith("e") and len(word) >= 4:
        word = word[:-1]
    return word


def tokenize(text: str) -> list[str]:
    """The search tokens of `text`, in order, with repeats: `手语识别` → `手语`, `语识`, `识别`."""
    tokens: list[str] = []
    for cjk, word in _STRETCHES.findall(fold(text)):
        if cjk:
            tokens.extend(_bigrams(cjk))
        elif word not in _STOPWORDS:
            tokens.append(stem(word))
    return tokens


def _bigrams(cjk: str) -> list[str]:
    """The overlapping bigrams of a CJK stretch; a lone character gives itself."""
    return [cjk] if len(cjk) == 1 else _PAIRS.findall(cjk)


def distinct_tokens(text: str) -> set[str]:
    """The distinct tokens of `text`: `set(tokenize(text))`."""
    return set(_unordered_tokens(text))


def _unordered_tokens(text: str) -> Iterable[str]:
    """Every token of `text` at least once, in no particular order: what the index needs, made
    with whole-text operations rather than token by token (`tokenize`)."""
    # ASCII text (most English) is its own NFKD: the table lower-cases it in the same pass.
    folded = text if text.isascii() else fold(text)
    if folded.isascii():  # no CJK; the words are what the other ASCII characters separate
        return map(stem, set(folded.translate(_ASCII_WORDS).split()) - _STOPWORDS)
    words = map(stem, set(_WORDS.findall(folded)) - _STOPWORDS)
    stretches = "\n".join(_CJK_STRETCHES.findall(folded))  # one a line: bigrams never span two
    return chain(words, _EVEN_PAIRS.findall(stretches), _ODD_PAIRS.findall(stretches), _LONE.findall(stretches))


def is_cjk(character: str) -> bool:
    """Whether the character is in `CJK_RANGES`. `shard_of` asks for every term, so a compare
    settles it for characters below the first range (ASCII), and a regex checks the others."""
    return character >= _CJK_FIRST and _CJK_CHARACTER.match(character) is not None


def fnv1a(text: str) -> int:
    """32-bit FNV-1a over the code points of `text` (search.js: `fnv1a`)."""
    value = _FNV_OFFSET
    for character in text:
        value = ((value ^ ord(character)) * _FNV_PRIME) & 0xFFFFFFFF
    return value


def shard_of(term: str, shards: int) -> int:
    """The term shard that holds `term`: by its first `KEY_LENGTH` characters for a word."""
    key = term if is_cjk(term[0]) else term[:KEY_LENGTH]
    return fnv1a(key) % shards


def encode_postings(postings: Iterable[tuple[int, int]]) -> str:
    """(document, mask) pairs, ascending by document → the compact string of the module docstring."""
    return _encode([document << 4 | mask for document, mask in postings])


def _encode(packed: Sequence[int], start: int = 0) -> str:
    """Postings given as `document << 4 | mask`, ascending, from `packed[start]` on (each counts
    from the one before it, the first of all from 0)."""
    codes = _codes()
    out: list[str] = []
    base = packed[start - 1] & ~15 if start else 0
    for value in islice(packed, start, None):
        number = value - base  # (document - previous document) << 4 | mask
        base = value & ~15
        try:
            out.append(codes[number])
        except IndexError:
            out.append(_code(number))
    return "".join(out)


def _code(number: int) -> str:
    """`number` as a posting's code. Below 32 ** 6 (every posting of fewer than 67 million
    documents), its last three digits and the others come from two tables."""
    if number < 1 << 15:
        return _codes()[number]
    if number < 1 << 30:
        return _leading()[number >> 15] + _trailing()[number & 0x7FFF]
    return _spell(number)


def _spell(number: int) -> str:
    digits = [ALPHABET[number & 31]]
    number >>= 5
    while number:
        digits.append(ALPHABET[32 + (number & 31)])
        number >>= 5
    return "".join(reversed(digits))


@functools.cache
def _codes() -> list[str]:
    """The codes of the numbers below 32 ** 3, which are nearly all postings."""
    return [_spell(number) for number in range(1 << 15)]


@functools.cache
def _leading() -> list[str]:
    """The digits of the numbers below 32 ** 3 as the leading digits of a longer code: all from
    the second half of `ALPHABET`."""
    return [_spell(number << 5)[:-1] for number in range(1 << 15)]


@functools.cache
def _trailing() -> list[str]:
    """The numbers below 32 ** 3 as the last three digits of a longer code."""
    return [_spell(1 << 15 | number)[1:] for number in range(1 << 15)]


def decode_postings(text: str) -> list[tuple[int, int]]:
    """The inverse of `encode_postings` (search.js: `decode`)."""
    postings: list[tuple[int, int]] = []
    number = document = 0
    for character in text:
        digit = ALPHABET.index(character)
        number = number * 32 + (digit & 31)
        if digit < 32:
            document += number >> 4
            postings.append((document, number & 15))
            number = 0
    return postings


@dataclass(frozen=True, slots=True)
class Texts:
    """A paper's texts as search reads and shows them: plain (`digest.richtext.plain`)."""

    title: str
    title_zh: str
    authors: tuple[str, ...]
    arxiv_id: str
    venue: str
    """The venue label (`ICLR 2024`)."""
    category: str
    summary_zh: str
    summary_en: str
    abstract_en: str
    abstract_zh: str
    categories: tuple[str, ...]
    """Every category whose page lists the paper: results can be narrowed to one."""

    @classmethod
    def of(cls, paper: Paper) -> Texts:
        return cls(
            plain(paper.title), plain(paper.title_zh), tuple(plain(a) for a in paper.authors), plain(paper.arxiv_id),
            plain(paper.venue_label), plain(paper.category), plain(paper.summary_zh), plain(paper.summary_en),
            plain(paper.abstract_en), plain(paper.abstract_zh), paper.categories,
        )  # fmt: skip


def paper_fields(paper: Paper | Texts) -> dict[str, list[str]]:
    """The texts of a paper that search reads, by field (plain text)."""
    texts = paper if isinstance(paper, Texts) else Texts.of(paper)
    return {
        "title": [texts.title, texts.title_zh],
        "byline": [*texts.authors, texts.arxiv_id, texts.venue, texts.category],
        "summary": [texts.summary_zh, texts.summary_en],
        "abstract": [texts.abstract_en, texts.abstract_zh],
    }


def term_masks(texts: Texts) -> dict[str, int]:
    """Term → the bitmask of the fields (`FIELDS`) of a paper that it occurs in.

    Most terms occur only in the abstract, the field of the lowest bit: its terms start the
    masks in one call, and only the other fields' terms are looked at one by one."""
    by_field = paper_fields(texts)
    (first, first_bit), *others = _FIELDS_BY_BIT
    masks = dict.fromkeys(chain.from_iterable(map(_unordered_tokens, by_field[first])), first_bit)
    for field, bit in others:
        for text in by_field[field]:
            for term in _unordered_tokens(text):  # a term seen twice gets the same bit twice
                masks[term] = masks.get(term, 0) | bit
    for category in texts.categories:
        masks[category_term(category)] = FIELDS["byline"]
    return masks


def category_term(category: str) -> str:
    """The term that marks the papers of `category` (see `CATEGORY_TERM`)."""
    return CATEGORY_TERM + category.lower()


def document(paper: Paper, texts: Texts | None = None) -> list[str]:
    """What a result shows of a paper, in the order of a `search/d/NN.js` entry (plain text):
    page, the titles, the first `AUTHORS_SHOWN` authors, arXiv ID, venue label, category, the
    summaries (Chinese, English), the gist of the English abstract (`digest.gist`) and the date
    the paper was first listed."""
    texts = texts or Texts.of(paper)
    shown = texts.authors[:AUTHORS_SHOWN]
    authors = ", ".join(shown) + (", et al." if len(texts.authors) > AUTHORS_SHOWN else "")
    return [paper.page, texts.title, texts.title_zh, authors, texts.arxiv_id, texts.venue, texts.category,
            texts.summary_zh, texts.summary_en, gist(texts.abstract_en), paper.first_date]  # fmt: skip


def oldest_first(site: Site) -> list[Paper]:
    """The site's papers by the first date among their appearances, oldest first, and papers of
    one date in the reverse of the site's order; papers with no date (venue collections only)
    before all dated ones. Read backwards, as search ranks ties: newest first, then in the
    site's order."""
    return list(reversed(site.papers))


def by_day(site: Site) -> list[list[Paper]]:
    """The site's papers `oldest_first`, day by day: the papers with no date make a first day."""
    return [list(day) for _, day in groupby(oldest_first(site), key=attrgetter("first_date"))]


def segments(sizes: Sequence[int]) -> list[tuple[int, int]]:
    """Runs of consecutive days (`start`, `end`), given each day's number of documents: as many
    days as `SEGMENT_SIZE` documents hold, from the first (a larger day has a run of its own).
    Days added after the others change only the last run and those after it."""
    runs: list[tuple[int, int]] = []
    start = count = 0
    for day, size in enumerate(sizes):
        if day > start and count + size > SEGMENT_SIZE:
            runs.append((start, day))
            start, count = day, 0
        count += size
    return [*runs, (start, len(sizes))] if sizes else []


def search_key(paper: Paper) -> str:
    """The fingerprint of all that the index holds of a paper (`Texts` and its page): a paper
    listed again with the same text keeps its key, and its part of the index stays as it was."""
    return fingerprint(
        paper.page, paper.title, paper.title_zh, paper.arxiv_id, paper.venue_label, paper.category,
        paper.summary_zh, paper.summary_en, paper.abstract_en, paper.abstract_zh, paper.first_date,
        " ".join(paper.categories), *paper.authors,
    )  # fmt: skip


@dataclass(frozen=True, slots=True)
class Segment:
    """The terms of a run of consecutive documents."""

    documents: list[str]
    """Each document's JSON text (`document`), as `search/d/NN.js` holds it."""
    postings: dict[str, str]
    """Term → its encoded posting list, counting from the segment's first document."""
    shards: int


@dataclass(frozen=True, slots=True)
class Index:
    """The search index of a site, before it is written as files."""

    segments: list[Segment]
    version: str
    """Changes with any document or term: search.js asks for files with it, past browser caches."""
    days: list[tuple[int, str]]
    """Each day's first document and date (`day_starts`)."""

    @property
    def documents(self) -> list[str]:
        return [document for segment in self.segments for document in segment.documents]


@dataclass(frozen=True, slots=True)
class Part:
    """The index of a run of consecutive documents, numbered from 0 within the run: `join`
    puts the parts of a segment together."""

    documents: list[str]
    """Each document's JSON text (`document`): kept as text, a large part loads and is written
    again quickly."""
    postings: dict[str, tuple[int, str, int]]
    """Term → its first posting (`document << 4 | mask`), the code of the others (as in the
    index, each counting from the one before) and the last document it occurs in."""


def index_part(papers: Sequence[Paper]) -> Part:
    """The part of the index that holds `papers`, numbered from 0 as given."""
    found: dict[str, list[int]] = defaultdict(list)
    documents: list[str] = []
    for number, paper in enumerate(papers):
        texts = Texts.of(paper)
        documents.append(to_json(document(paper, texts)))
        # The document's 16 possible postings, made once and shared by the lists of its terms:
        # cheaper than a new int for each term, and the ints sit together in memory.
        possible = [number << 4 | mask for mask in range(16)]
        for term, mask in term_masks(texts).items():
            found[term].append(possible[mask])
    return _part(documents, found)


def _part(documents: list[str], found: dict[str, list[int]]) -> Part:
    """A part from its documents and each term's postings (`document << 4 | mask`, ascending)."""
    # Most terms of a part occur in one document only: they have no other postings to write.
    return Part(
        documents,
        {
            term: (values[0], _encode(values, 1) if len(values) > 1 else "", values[-1] >> 4)
            for term, values in found.items()
        },
    )


def join(index_parts: Sequence[Part]) -> Part:
    """The part that holds the documents of `index_parts`, one after the other: a term's
    postings are its postings in each part, of which only the first must be written again (it
    counts from the term's last document in the parts before). The first part's postings stand
    as they are."""
    if not index_parts:
        return Part([], {})
    head, *tail = index_parts
    codes = _codes()
    postings = dict(head.postings)
    pieces: dict[str, list[str]] = {}  # term → its postings' codes so far, when joined from several parts
    offset = len(head.documents)
    for part in tail:
        shift = offset << 4
        for term, (first, rest, last) in part.postings.items():
            if (known := postings.get(term)) is None:
                postings[term] = (first + shift, rest, last + offset)
                continue
            number = first + shift - (known[2] << 4)
            if (more := pieces.get(term)) is None:
                more = pieces[term] = [known[1]]
            more += (codes[number] if number < len(codes) else _code(number), rest)
            postings[term] = (known[0], "", last + offset)  # its codes are in `pieces`
        offset += len(part.documents)
    for term, more in pieces.items():
        first, _, last = postings[term]
        postings[term] = (first, "".join(more), last)
    return Part(head.documents + [d for part in tail for d in part.documents], postings)


def build_index(papers: Site | Sequence[Paper]) -> Index:
    """The index of a site (its papers `oldest_first`, in `segments` of days), or of papers
    numbered as given, in one segment."""
    days = by_day(papers) if isinstance(papers, Site) else [list(papers)]
    runs = segments([len(day) for day in days])
    parts = [index_part([paper for day in days[start:end] for paper in day]) for start, end in runs]
    made = [segment_of(part) for part in parts]
    layout = [(len(segment.documents), segment.shards) for segment in made]
    starts = day_starts([len(day) for day in days], [day[0].first_date if day else "" for day in days])
    return Index(made, version_of((search_key(paper) for day in days for paper in day), layout), starts)


def day_starts(sizes: Sequence[int], dates: Sequence[str]) -> list[tuple[int, str]]:
    """Each day's first document and date, given each day's documents and date: results can be
    narrowed to a range of dates by document numbers alone, as documents are numbered by day."""
    starts, first = [], 0
    for size, date in zip(sizes, dates, strict=True):
        starts.append((first, date))
        first += size
    return starts


def version_of(keys: Iterable[str], layout: list[tuple[int, int]]) -> str:
    """The index's version: the fingerprint of the `search_key`s of its documents, in order, of
    its segments' documents and shards, and of the code that makes it."""
    return fingerprint(code_stamp(), "search", *keys, repr(layout))[:16]


def segment_of(part: Part) -> Segment:
    """The segment of the documents of `part`: each term's postings written out in full."""
    codes = _codes()
    postings: dict[str, str] = {}
    for term in sorted(part.postings):
        first, rest, _ = part.postings[term]
        postings[term] = (codes[first] if first < len(codes) else _code(first)) + rest
    return Segment(part.documents, postings, _shard_count(postings))


def _shard_count(postings: dict[str, str]) -> int:
    """The fewest shards (a power of two) that keep each near `SHARD_TARGET` bytes."""
    # Bytes as written: terms in UTF-8 (a lone surrogate as its escape, about as long).
    size = len("".join(postings).encode("utf-8", "surrogatepass")) + sum(map(len, postings.values()))
    size += 6 * len(postings)
    shards = 1
    while size / shards > SHARD_TARGET:
        shards *= 2
    return shards


def _script(call: str, *arguments: object) -> bytes:
    """One call of `DigestSearch`, as `_call` writes it."""
    return _call(call, *map(to_json, arguments))


def _call(call: str, *arguments: str) -> bytes:
    """One call of `DigestSearch` with arguments already written as JSON, in UTF-8: half the bytes
    of escaping Chinese (`\\u6df1`). The byte order mark makes a browser read the file as UTF-8
    whatever a server says of its encoding; a lone surrogate, which UTF-8 cannot hold, is written
    as its escape."""
    return f"\ufeffDigestSearch.{call}({','.join(arguments)});\n".encode("utf-8", "backslashreplace")


_SEPARATORS = str.maketrans({"\u2028": "\\u2028", "\u2029": "\\u2029"})


def to_json(value: object) -> str:
    """`value` as compact JSON; the line and paragraph separators escaped, as older browsers end a
    script's line at them."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    # `translate` costs tens of nanoseconds a character of non-ASCII text; looking costs nothing.
    return text.translate(_SEPARATORS) if "\u2028" in text or "\u2029" in text else text


def file_name(folder: str, number: int, count: int) -> str:
    """`search/t/3/07.js`: numbers padded to the width of the largest, at least two digits."""
    return f"{urls.SEARCH_INDEX}/{folder}/{number:0{max(2, len(str(count - 1)))}d}.js"


def index_files(index: Index) -> list[tuple[str, bytes]]:
    """Every file of the index, `search/meta.js` last."""
    files = [file for number, segment in enumerate(index.segments) for file in term_files(number, segment)]
    files += document_files(index.documents)
    layout = [(len(segment.documents), segment.shards) for segment in index.segments]
    return [*files, meta_file(len(index.documents), layout, index.version, index.days)]


def term_files(number: int, segment: Segment) -> list[tuple[str, bytes]]:
    """The files of segment `number`'s terms, shard by shard: `search/t/NUMBER/NN.js`."""
    by_shard: list[dict[str, str]] = [{} for _ in range(segment.shards)]
    for term, value in segment.postings.items():
        by_shard[shard_of(term, segment.shards)][term] = value
    return [
        (file_name(f"t/{number}", n, segment.shards), _script("terms", number, n, shard))
        for n, shard in enumerate(by_shard)
    ]


def document_files(documents: list[str], first: int = 0, blocks: int = 0) -> list[tuple[str, bytes]]:
    """The files of the documents, `BLOCK_SIZE` to a file: `search/d/NN.js`; or, from block
    `first` on, of `blocks` in all, given the documents from that block on."""
    blocks = blocks or block_count(len(documents))
    files = []
    for n in range(first, blocks):  # the documents are JSON already
        block = ",".join(documents[(n - first) * BLOCK_SIZE : (n - first + 1) * BLOCK_SIZE])
        files.append((file_name("d", n, blocks), _call("docs", str(n), f"[{block}]")))
    return files


def block_count(documents: int) -> int:
    return max(1, -(-documents // BLOCK_SIZE))


def meta_file(
    documents: int, layout: list[tuple[int, int]], version: str, days: list[tuple[int, str]]
) -> tuple[str, bytes]:
    """`search/meta.js`: `layout` gives each segment's documents and shards, `days` each day's
    first document and date."""
    meta = {
        "version": VERSION,
        "hash": version,
        "docs": documents,
        "blockSize": BLOCK_SIZE,
        "blocks": block_count(documents),
        "segments": layout,
        "days": days,
        "categoryTerm": CATEGORY_TERM,
        "keyLength": KEY_LENGTH,
        "fields": FIELDS,
        "alphabet": ALPHABET,
        "cjk": CJK_RANGES,
        "folds": FOLDS,
        "stopwords": STOPWORDS,
    }
    return f"{urls.SEARCH_INDEX}/meta.js", _script("meta", meta)
