"""Format A: the daily arXiv digest (`# 摘要` table, then `# 详细` detail blocks).

Two steps. `daily_syntax.tokenize` knows the syntax: table rows and detail blocks, each field
with its line. `convert`, here, knows the meaning: IDs, versions, announce markers,
truncation, and how table and blocks must agree. See FORMATS.md ("Format A").
"""

from __future__ import annotations

import re
from typing import TypeVar

from digest.model import Record
from digest.parse.daily_syntax import Block, Field, TableRow, Tokens, tokenize
from digest.parse.source import SourceText
from digest.parse.text import (
    arxiv_id_from_url,
    clean,
    is_chinese,
    link_target,
    looks_truncated,
    normalise_title,
    split_arxiv_id,
)

# The tail of the old feed's title line: `(arXiv:2310.00212v1 [cs.LG] UPDATED)`.
_TITLE_TAIL = re.compile(
    r"\(arXiv:\s*(?P<id>[^\s\[\]()]+)\s*\[(?P<category>[^\]]*)\]\s*(?P<mark>[A-Za-z]+(?: [A-Za-z]+)*)?\s*\)"
)
# `arXiv:2402.01274v1 Announce Type: new  Abstract: ` opening the new feed's abstracts.
_ANNOUNCE_PREFIX = re.compile(
    r"^arXiv:\s*(?P<id>\S+)\s+Announce\s+Type\s*:\s*(?P<type>[A-Za-z-]+)\s+Abstract\s*:\s*", re.IGNORECASE
)
# The same prefix after machine translation, opening a Chinese abstract, often after a translated
# `Abstract:` label: `摘要：arXiv:2608.12313v1 公告类型：交叉 摘要：`, `… 公告类型：新论文。摘要：`,
# `… 公告类型：替换。`. Neither is part of the text.
_ZH_ANNOUNCE_PREFIX = re.compile(
    r"^(?:摘要\s*[：:]\s*)?"
    r"(?:arXiv\s*[：:]\s*[^\s：:]+\s*公告类型\s*[：:]\s*[^\s：:。，,.摘]{1,12}[。，,.]?\s*(?:摘要\s*[：:]\s*)?)?",
    re.IGNORECASE,
)
# A `(arXiv:… [cat] …)` suffix copied into a Chinese title, in ASCII or full-width brackets.
_ZH_TITLE_SUFFIX = re.compile(r"[(（]\s*arXiv\s*[:：][^()（）]*[)）]\s*$", re.IGNORECASE)

_Item = TypeVar("_Item", TableRow, Block)

# Fields after the URL line: four since the summaries appeared, two in the oldest files.
_FULL_LAYOUT = 4
_OLDEST_LAYOUT = 2


def parse_arxiv(source: SourceText) -> list[Record]:
    """Records of a daily digest, one per paper, with problems reported on `source`."""
    return convert(source, tokenize(source))


def convert(source: SourceText, tokens: Tokens) -> list[Record]:
    rows = _unique(source, tokens.rows, "table row")
    blocks = _unique(source, tokens.blocks, "detail block")
    cut = _cut_short(source, rows, blocks)
    records: list[Record] = []
    for ref in sorted(rows.keys() | blocks.keys()):
        row, block = rows.get(ref), blocks.get(ref)
        if block is None:
            assert row is not None
            if ref not in cut:
                source.error(
                    row.line,
                    f"table row [^{ref}] has no detail block",
                    f"add a '[^{ref}]:' block under '# 详细'; the paper is published from its row alone",
                )
            records.append(_record_from_row(source, row))
            continue
        if row is None:
            source.warning(
                block.line,
                f"detail block [^{ref}] has no row in the table",
                f"add a '| [^{ref}] | [Title](URL) | summary |' row to the '# 摘要' table",
            )
        records.append(_record(source, block, row))
    return records


def _cut_short(source: SourceText, rows: dict[int, TableRow], blocks: dict[int, Block]) -> set[int]:
    """The rows whose blocks are missing because the file stops early: two or more, each after
    the last block there is (the blocks follow the table's order). Reported once, where the
    file stops, rather than once a row; the papers are published from their rows."""
    last = max(blocks, default=0)
    missing = sorted(ref for ref in rows if ref not in blocks)
    if len(missing) < 2 or missing[0] <= last:
        return set()
    end = next((n for n in range(len(source.lines), 0, -1) if source.lines[n - 1].strip()), 1)  # its last text
    source.error(
        end,
        f"the file looks cut short: it stops at line {end}, before the detail blocks of the table's last "
        f"{len(missing)} rows ([^{missing[0]}] to [^{missing[-1]}]); they are published from their rows alone",
        "restore the rest of the file from where it came from",
    )
    return set(missing)


def _unique(source: SourceText, items: tuple[_Item, ...], what: str) -> dict[int, _Item]:
    found: dict[int, _Item] = {}
    for item in items:
        if item.ref in found:
            source.error(
                item.line,
                f"duplicate {what} [^{item.ref}] (first at line {found[item.ref].line})",
                "give every paper its own number; this one is ignored",
            )
            continue
        found[item.ref] = item
    return found


def _record_from_row(source: SourceText, row: TableRow) -> Record:
    arxiv = arxiv_id_from_url(row.url)
    title = _row_title(row)
    return Record(
        source=source.path,
        line=row.line,
        format="arxiv",
        ref=row.ref,
        title=title,
        arxiv_id=arxiv[0] if arxiv else "",
        version=arxiv[1] if arxiv else None,
        url=source.web_url(row.line, row.url),
        summary_zh=row.summary,
    )


def _record(source: SourceText, block: Block, row: TableRow | None) -> Record:
    fields = list(block.fields)
    # The URL line is the second field; look first there, then around it.
    url_at = next((i for i in (1, 0, 2) if i < len(fields) and link_target(fields[i].text) is not None), None)
    if url_at is None:
        source.error(
            block.line,
            f"detail block [^{block.ref}] has no URL line",
            'add the link after the title line, as "    [URL](URL)"',
        )
        url_field, head, rest = None, fields[:1], fields[1:]
    else:
        url_field, head, rest = fields[url_at], fields[:url_at], fields[url_at + 1 :]
    title_line = " ".join(f.text for f in head if f.text)
    title, title_id, category, mark = _title_line(title_line)
    if title_id is None and "(arXiv:" in title_line:
        source.warning(
            head[0].line if head else block.line,
            "title line has an '(arXiv:' part that cannot be read; the whole line is used as the title",
            "end the title line with '(arXiv:ID [category])', e.g. '(arXiv:2310.00212v1 [cs.LG])'",
        )
    row_summary = row.summary if row else ""
    summary_zh, summary_en, abstract_zh, raw_abstract = _body_fields(source, block, rest, row_summary)

    abstract_en, prefix_id, announce_type = _announce_prefix(raw_abstract)
    url = link_target(url_field.text) or "" if url_field else ""
    url = source.web_url(url_field.line, url) if url_field and url else ""
    from_block = [title_id, prefix_id, arxiv_id_from_url(url) if url else None]
    from_row = arxiv_id_from_url(row.url) if row else None
    arxiv_id, version = _identify(source, block, *from_block) if any(from_block) or not from_row else from_row

    if row is not None:
        _compare(source, block, row, title, arxiv_id, summary_zh)
        title = title or _row_title(row)
        summary_zh = summary_zh or row.summary
        url = url or source.web_url(row.line, row.url)
    if not title:
        source.error(
            block.line,
            f"detail block [^{block.ref}] has no English title",
            "put the title line first in the block, as '    Title. (arXiv:ID [cat])'",
        )
    return Record(
        source=source.path,
        line=block.line,
        format="arxiv",
        ref=block.ref,
        title=title,
        title_zh=_ZH_TITLE_SUFFIX.sub("", block.title_zh).rstrip(),
        arxiv_id=arxiv_id,
        version=version,
        category=category,
        announce=mark or announce_type,
        url=url,
        abstract_en=abstract_en,
        abstract_truncated=bool(raw_abstract) and looks_truncated(raw_abstract),
        abstract_zh=_ZH_ANNOUNCE_PREFIX.sub("", abstract_zh, count=1),
        summary_zh=summary_zh,
        summary_en=summary_en,
    )


def _body_fields(source: SourceText, block: Block, rest: list[Field], row_summary: str) -> tuple[str, str, str, str]:
    """(Chinese summary, English summary, Chinese abstract, English abstract) from the fields
    after the URL line."""
    texts = [f.text for f in rest]
    if block.regular:
        filled = max((index + 1 for index, text in enumerate(texts) if text), default=0)
        # Blank lines at the end of a block may read as empty fields. The last filled field is
        # the English abstract: second in the oldest layout, fourth in the full one.
        if filled == _OLDEST_LAYOUT and not is_chinese(texts[1]):
            layout = _OLDEST_LAYOUT
        else:
            layout = next((n for n in (_FULL_LAYOUT, _OLDEST_LAYOUT) if filled <= n <= len(texts)), filled)
        texts = texts[:layout]
        if len(texts) == _FULL_LAYOUT:
            return texts[0], texts[1], texts[2], texts[3]
        if len(texts) == _OLDEST_LAYOUT:
            return "", "", texts[0], texts[1]
        source.warning(
            block.line,
            f"detail block [^{block.ref}] has {len(texts)} fields after the URL line; "
            "expected 4 (summary, English summary, Chinese abstract, English abstract) or 2; "
            "fields were assigned by language",
            "check the block against its neighbours; empty fields are lines of four spaces",
        )
    return _by_language([t for t in texts if t], row_summary)


def _by_language(texts: list[str], row_summary: str) -> tuple[str, str, str, str]:
    """Fields whose places are unknown: the English lines at the end are the English abstract
    (perhaps wrapped); of the Chinese ones the first is the summary and the rest the abstract,
    and a lone one is the summary only when the table row says so."""
    tail = len(texts)
    while tail > 0 and not is_chinese(texts[tail - 1]):
        tail -= 1
    abstract_en = " ".join(texts[tail:])
    chinese = [t for t in texts[:tail] if is_chinese(t)]
    summary_en = " ".join(t for t in texts[:tail] if not is_chinese(t))
    if len(chinese) == 1 and clean(row_summary) != chinese[0]:
        return "", summary_en, chinese[0], abstract_en
    return (chinese[0] if chinese else ""), summary_en, " ".join(chinese[1:]), abstract_en


def _title_line(text: str) -> tuple[str, tuple[str, int | None] | None, str, str]:
    """(title, (id, version) or None, category, UPDATED/CROSS LISTED marker) of a TITLE_LINE."""
    at = text.rfind("(arXiv:")
    match = _TITLE_TAIL.fullmatch(text, at) if at >= 0 else None
    if not match:
        return text, None, "", ""
    title = text[:at].rstrip()
    if title.endswith("."):  # the old feed added this full stop (`?.`, `!.`)
        title = title[:-1].rstrip()
    return title, split_arxiv_id(match["id"]), match["category"].strip(), (match["mark"] or "").upper()


def _row_title(row: TableRow) -> str:
    """A title known only from the table: the old feed's rows (http links) end in its full stop."""
    if row.url.startswith("http://") and row.title.endswith("."):
        return row.title[:-1].rstrip()
    return row.title


def _announce_prefix(abstract: str) -> tuple[str, tuple[str, int | None] | None, str]:
    match = _ANNOUNCE_PREFIX.match(abstract)
    if not match:
        return abstract, None, ""
    return abstract[match.end() :].strip(), split_arxiv_id(match["id"]), match["type"].lower()


def _identify(
    source: SourceText,
    block: Block,
    *candidates: tuple[str, int | None] | None,
) -> tuple[str, int | None]:
    """The arXiv ID and version from the title line, the abstract prefix, then the URL."""
    found = [c for c in candidates if c is not None]
    if not found:
        source.error(
            block.line,
            f"detail block [^{block.ref}] has no arXiv ID",
            "link the paper as '[https://arxiv.org/abs/ID](https://arxiv.org/abs/ID)'",
        )
        return "", None
    arxiv_id = found[0][0]
    if any(other != arxiv_id for other, _ in found):
        source.warning(
            block.line,
            f"detail block [^{block.ref}] names different arXiv IDs: " + ", ".join(sorted({c[0] for c in found})),
            f"make the title line, abstract and URL agree; {arxiv_id} is used",
        )
    version = next((v for i, v in found if i == arxiv_id and v is not None), None)
    return arxiv_id, version


def _compare(source: SourceText, block: Block, row: TableRow, title: str, arxiv_id: str, summary: str) -> None:
    row_title, _, _, _ = _title_line(row.title)
    row_id = arxiv_id_from_url(row.url)
    problems = []
    if title and normalise_title(row_title) != normalise_title(title):
        problems.append("title")
    # An arXiv link whose ID cannot be read (a version of thousands of digits) disagrees too.
    if arxiv_id and (row_id[0] != arxiv_id if row_id else "arxiv.org/" in row.url.lower()):
        problems.append("arXiv ID")
    if summary and row.summary and clean(row.summary) != summary:
        problems.append("summary")
    if problems:
        source.warning(
            row.line,
            f"table row [^{row.ref}] and its detail block (line {block.line}) disagree on the {' and '.join(problems)}",
            "make the row repeat the block; the block's text is published",
        )
