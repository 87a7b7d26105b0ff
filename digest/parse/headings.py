"""Which lines of a file are level-two headings, as CommonMark reads them: a venue collection's
papers (`## Title`). The parsers and the census (`digest.census`) ask this one function, so they
agree with each other and with any Markdown viewer: ` ## Title` and `##<tab>Title` are headings,
as is a line underlined with `---` (a setext heading); `    ## Title` (code), `＃＃ Title` and a
`##` after a U+2028 are not, and a line that only looks like a heading is reported where it stands.
"""

from __future__ import annotations

import functools
import itertools
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from markdown_it import MarkdownIt

_MAYBE = re.compile(r"(?m)^ {0,3}(?:##(?!#)|[-=]+[ \t]*$)")
"""A line that could make a level-two heading: most files (every daily digest) have none, and are
not given to the Markdown parser at all."""
_LOOKS_LIKE = re.compile(r"^[\s\u2028\u2029\u00a0\u3000]*[#＃]{2}(?![#＃])")
"""A line a reader may take for a `##` heading: full-width ＃, indentation, a line separator."""


@functools.cache
def _markdown() -> MarkdownIt:
    """The CommonMark parser, made the first time a file may have a heading (a build that reads
    no such file needs none)."""
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark")


def h2_lines(lines: list[str], start: int = 0) -> dict[int, tuple[str, int]]:
    """The level-two headings among `lines[start:]`: the index of each heading's first line → (its
    text, the index of its last line: the underline of a setext heading, else the same)."""
    text = "\n".join(lines[start:])
    if not _MAYBE.search(text):
        return {}
    found = {}
    tokens = _markdown().parse(text)
    for opening, inline in itertools.pairwise(tokens):
        if opening.type == "heading_open" and opening.tag == "h2" and opening.map:
            first, end = opening.map
            found[start + first] = (inline.content, start + end - 1)
    return found


def looks_like_h2(line: str) -> bool:
    """Whether `line` looks like a `##` heading to a reader (to be told, where it is none)."""
    return bool(_LOOKS_LIKE.match(line))
