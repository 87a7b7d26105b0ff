"""Format A, step 1: the syntax of a daily arXiv digest.

`tokenize` finds the `# 摘要` table's rows and the `# 详细` detail blocks, each field with its
line number, and knows nothing of what the fields mean (see `digest.parse.arxiv`). Rows and
title lines are cut with str methods rather than one regular expression, so that time stays
linear in the length of a hostile line (benchmarks/long_lines.py).
"""

from __future__ import annotations

import re
from collections.abc import Container
from dataclasses import dataclass

from digest.parse.headings import h2_lines
from digest.parse.source import SourceText
from digest.parse.text import clean, is_chinese, link_target, small_number

# A table row: ref, then the title up to the first `](http`, the URL, then the summary up to the
# final `|`. Cells are not escaped, so `|` and `[`…`]` may occur inside them.
_ROW_START = re.compile(r"\s*\|\s*\[\^\s*(?P<ref>\d+)\s*\]\s*\|\s*\[")
# A line that declares a table row, however it is indented and wherever it stands.
_ROW_LIKE = re.compile(r"^\s*\|\s*\[\^")
# A row as the census counts one (digest.census uses it): a paper, even on a line Markdown makes a
# heading; the group is its number.
ROW_DECLARED = re.compile(r"^\s*\|\s*\[\^\s*(\d+)\s*\]")
_LINK_CLOSE = re.compile(r"\)\s*\|")
_TABLE_HEADER = re.compile(r"^\|\s*Ref\s*\|", re.IGNORECASE)
_TABLE_RULE = re.compile(r"^\|[\s|:-]*$")
# `[^N]: ZH_TITLE`; spaces inside, a full-width colon or any indentation are accepted (and
# reported), so that a mistyped header never hides its paper inside the block above.
_BLOCK_HEADER = re.compile(r"^\s*\[\^\s*(?P<ref>\d+)\s*\]\s*[:：][ \t]?(?P<rest>.*)$")
_HEADING = re.compile(r"^#{1,6}(\s|$)")
_DETAILS_HEADING = re.compile(r"^#\s*详细\s*$")
_DAILY_HEADINGS = re.compile(r"^#\s*(摘要|详细)\s*$")


@dataclass(frozen=True, slots=True)
class TableRow:
    line: int
    ref: int
    title: str
    url: str
    summary: str


@dataclass(frozen=True, slots=True)
class Field:
    line: int
    text: str


@dataclass(frozen=True, slots=True)
class Block:
    """A `[^N]:` detail block: the Chinese title on the header line, then one field a slot."""

    line: int
    ref: int
    title_zh: str
    fields: tuple[Field, ...]
    regular: bool
    """False when blank lines between fields were missing, so that fields' places (and empty
    fields) could not be told from the layout."""


@dataclass(frozen=True, slots=True)
class Tokens:
    rows: tuple[TableRow, ...]
    blocks: tuple[Block, ...]


def tokenize(source: SourceText) -> Tokens:
    rows: list[TableRow] = []
    blocks: list[Block] = []
    lines = source.lines
    index = source.body_start
    in_details = False
    headings = h2_lines(lines, source.body_start)
    while index < len(lines):
        text = lines[index]
        number = index + 1
        header = _BLOCK_HEADER.match(text)
        if header:
            if not text.startswith(f"[^{header['ref']}]:"):
                source.warning(
                    number, f"detail block header is written '{text[:20]}'; read as '[^{header['ref']}]:'",
                    f"write it '[^{header['ref']}]: ' at the start of the line",
                )  # fmt: skip
            end = _block_end(lines, index + 1, headings)
            ref = _ref(source, number, header["ref"])
            if ref is not None:
                blocks.append(_block(source, number, ref, header["rest"], lines[index + 1 : end]))
            index = end
            continue
        if _DETAILS_HEADING.match(text):
            in_details = True
        elif index in headings and not ROW_DECLARED.match(text):
            # A heading to Markdown, as the census counts it: `| Ref | Title |` underlined with
            # `---` is one, a table row `| [^N] | …` is counted as a row whatever follows it.
            source.error(
                number,
                f"heading '{text[:40]}' starts a venue paper, which a daily digest cannot hold; it is not published",
                "put venue papers in a venue collection of their own",
            )
        elif _ROW_LIKE.match(text) or (text.startswith("|") and not in_details):
            row = _row(source, number, text)
            if row is not None:
                rows.append(row)
        elif _HEADING.match(text) and not _DAILY_HEADINGS.match(text):
            source.warning(
                number,
                f"heading '{text[:40]}' is not part of a daily digest; ignored",
                "a daily digest has only the headings '# 摘要' and '# 详细'",
            )
        elif text.strip() and not _HEADING.match(text):
            source.warning(
                number,
                "line is neither a table row nor part of a detail block; ignored",
                "put paper rows in the '# 摘要' table and details in '[^N]:' blocks",
            )
        index += 1
    return Tokens(tuple(rows), tuple(blocks))


def _row(source: SourceText, number: int, text: str) -> TableRow | None:
    if _TABLE_HEADER.match(text) or _TABLE_RULE.match(text):
        return None
    start = _ROW_START.match(text)
    rest = text[start.end() :] if start else ""
    middle = rest.find("](http") if start else -1
    if start and middle < 0:
        middle = rest.find("](")
    close = _LINK_CLOSE.search(rest, middle + 2) if middle >= 0 else None
    if start is None or close is None:
        source.error(
            number, "table row cannot be read", "write rows as '| [^N] | [Title](https://arxiv.org/abs/ID) | summary |'"
        )
        return None
    ref = _ref(source, number, start["ref"])
    if ref is None:
        return None
    summary = rest[close.end() :].strip().removesuffix("|")
    url = rest[middle + 2 : close.start()].strip()
    return TableRow(number, ref, clean(rest[:middle]), url, clean(summary))


def _ref(source: SourceText, number: int, digits: str) -> int | None:
    """The number of a `[^N]`, in any script's digits (and a warning when not ASCII); an error,
    and None, when it is too long to be one."""
    ref = small_number(digits)
    if ref is not None and not digits.isascii():
        source.warning(
            number, f"reference number [^{digits}] is written in other digits than 0-9; read as [^{ref}]",
            f"write it [^{ref}]",
        )  # fmt: skip
    if ref is None:
        source.error(
            number,
            f"reference number [^{digits[:12]}…] has {len(digits):,} digits; the paper is not published",
            "number the papers of a digest 1, 2, 3…, each row the same as its detail block",
        )
    return ref


def _block_end(lines: list[str], start: int, headings: Container[int]) -> int:
    """Index of the line after a block: the first line that is neither blank nor indented (the
    next `[^N]:` header, a heading, stray text), an indented header, row or heading (` ## x` is
    one to Markdown), or the end."""
    index = start
    while index < len(lines) and (not lines[index].strip() or lines[index][0].isspace()):
        if _BLOCK_HEADER.match(lines[index]) or _ROW_LIKE.match(lines[index]) or index in headings:
            break  # indented, but a declaration
        index += 1
    return index


def _block(source: SourceText, number: int, ref: int, title_zh: str, body: list[str]) -> Block:
    """Fields sit on every second line, each after a blank line; a field of only spaces is empty.

    A line where a blank line belongs either carries on the field above (a wrapped line of the
    same language: joined, and the layout still holds) or starts a new field (a blank line is
    missing: the block is no longer `regular`, and its fields are placed by language). Blank
    lines at the end read as empty fields; `_body_fields` keeps as many as the layout has room for.
    """
    fields: list[Field] = []
    regular = True
    expect_field = False
    for offset, line in enumerate(body):
        text = clean(line)
        if expect_field:
            fields.append(Field(number + offset + 1, text))
            expect_field = False
        elif not text:
            expect_field = True
        elif fields and _continues(fields[-1].text, text):
            fields[-1] = Field(fields[-1].line, f"{fields[-1].text} {text}")
        else:
            fields.append(Field(number + offset + 1, text))
            regular = False
    if not regular:
        source.warning(
            number,
            f"detail block [^{ref}] is missing blank lines between its fields; they were placed by language",
            "put each field on one line indented by four spaces, with a blank line between fields",
        )
    return Block(number, ref, clean(title_zh), tuple(fields), regular)


def _continues(field: str, line: str) -> bool:
    """Whether `line` is a wrapped continuation of `field`: same language, neither a link."""
    return (
        bool(field)
        and link_target(field) is None
        and link_target(line) is None
        and is_chinese(field) == is_chinese(line)
    )
