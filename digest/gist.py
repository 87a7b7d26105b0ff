"""An English gist of a paper that has no English summary (nearly all: the digests summarise in
Chinese): the first sentence or two of its English abstract, cut where a sentence ends."""

from __future__ import annotations

import functools
import re

LIMIT = 300
"""The longest gist, in characters; a first sentence longer than this is cut at a word, with `…`."""
SHORT = 100
"""A first sentence shorter than this takes the next one with it, if both fit."""

# A full stop, question or exclamation mark (perhaps closed by a bracket or quote), then space and
# something other than a lower-case letter: the end of a sentence, unless an abbreviation or an
# initial ends there (see `_ends`).
_END = re.compile(r"[.!?][)\]\"'”’]*(?=\s+[^\sa-z]|\s*$)")
_ABBREVIATIONS = frozenset({
    "e.g", "i.e", "et", "al", "vs", "cf", "fig", "figs", "eq", "eqs", "sec", "ref", "refs", "resp", "approx",
    "no", "dr", "prof", "mr", "ms", "st", "ca",
})  # fmt: skip


@functools.lru_cache(maxsize=1 << 16)  # a paper's gist shows in several lists, and its search document
def gist(abstract: str) -> str:
    """The first sentence of `abstract`, and the second too when the first is short; the first
    `LIMIT` characters, cut at a word and ended by `…`, when no sentence ends within them."""
    text = abstract.partition("\n\n")[0].strip()
    if not text:
        return ""
    ends = _ends(text)
    if ends:
        return text[: ends[1] if ends[0] < SHORT and len(ends) > 1 else ends[0]]
    if len(text) <= LIMIT:
        return text
    cut = text.rfind(" ", 0, LIMIT)
    head = text[: cut if cut > 0 else LIMIT]
    formula = head.rfind("$") if head.count("$") % 2 else -1
    if formula >= SHORT:  # never end inside a formula, unless it leaves next to nothing (or a `$` is a price)
        head = head[:formula]
    return head.rstrip(" ,;:–—-") + "…"


def _ends(text: str) -> list[int]:
    """Where the first two sentences of `text` end within `LIMIT` characters, outside formulas."""
    found: list[int] = []
    for match in _END.finditer(text):
        if match.end() > LIMIT:
            break
        before = text[: match.start()]
        word = before[before.rfind(" ") + 1 :].lstrip("([\"'“‘")
        if word.lower() in _ABBREVIATIONS or (len(word) == 1 and word.isupper()) or before.count("$") % 2:
            continue
        found.append(match.end())
        if len(found) == 2:
            break
    return found
