"""The parsers, case by case (fixture files) and on every real digest in ../shared/corpus."""

from __future__ import annotations

import re
import sys
import unicodedata
from pathlib import Path

import pytest
from fixtures import Case, read_cases

from digest.model import Record
from digest.parse import parse_file
from digest.parse.text import looks_truncated, normalise_title

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
CORPUS = SHARED / "corpus" / "cn-chat-arxiv"
SEEDS = SHARED / "seeds"


def _check(case: Case, content_path: str) -> None:
    digest, diagnostics = parse_file("case.md", content_path, case.data)
    assert digest is not None, [str(d) for d in diagnostics]
    expected_records = case.expected.get("records", [])
    assert len(digest.records) == len(expected_records), [r.title for r in digest.records]
    for record, expected in zip(digest.records, expected_records, strict=True):
        actual = {key: getattr(record, key) for key in expected}
        if "authors" in expected:
            actual["authors"] = list(record.authors)
        assert actual == expected
    for key, value in case.expected.get("digest", {}).items():
        assert getattr(digest, key) == value, key
    wanted = case.expected.get("diagnostics", [])
    got = [f"{d.line} {d.severity}: {d.message}" for d in diagnostics]
    assert len(got) == len(wanted), got
    for line, pattern in zip(got, wanted, strict=True):
        number, rest = pattern.split(" ", 1)
        assert line.startswith(f"{number} {rest.split(':')[0]}:") and rest.split(": ", 1)[1] in line, (line, pattern)


@pytest.mark.parametrize("case", read_cases("daily.txt"), ids=lambda c: c.name)
def test_daily_digest_case(case: Case) -> None:
    _check(case, "arxiv/2023-10-03/cs.CL.md")


@pytest.mark.parametrize("case", read_cases("venue.txt"), ids=lambda c: c.name)
def test_venue_collection_case(case: Case) -> None:
    _check(case, "venues/some-venue/topic.md")


def _table_refs(text: str) -> list[int]:
    """The refs the table declares, counted without the parser."""
    return [int(n) for n in re.findall(r"^\| \[\^(\d+)\] \|", text, flags=re.MULTILINE)]


CORPUS_FILES = sorted(CORPUS.glob("*/*.md"))


def test_corpus_is_there() -> None:
    assert len(CORPUS_FILES) == 12, f"expected the twelve real digests in {CORPUS}"


@pytest.mark.parametrize("path", CORPUS_FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_corpus_file_parses_every_table_row(path: Path) -> None:
    data = path.read_bytes()
    digest, diagnostics = parse_file(str(path), f"arxiv/{path.parent.name}/{path.name}", data)
    assert digest is not None
    assert diagnostics == []
    refs = _table_refs(data.decode("utf-8"))
    blocks = re.findall(r"^\[\^\d+\]:", data.decode("utf-8"), flags=re.MULTILINE)
    assert [r.ref for r in digest.records] == sorted(refs)
    assert len(blocks) == len(refs)
    assert digest.date == path.parent.name
    for record in digest.records:
        assert record.arxiv_id and record.title and record.url.startswith("http"), record.location
        assert record.abstract_en and not record.abstract_en.startswith("arXiv:"), record.location
        assert not record.title.endswith("."), record.location
        assert "arXiv" not in record.title_zh, record.location


def test_corpus_counts_match_sources_tsv() -> None:
    rows = (CORPUS / "SOURCES.tsv").read_text(encoding="utf-8").splitlines()[1:]
    for row in rows:
        file, *_, papers, _note = row.split("\t")
        digest, _ = parse_file(file, f"arxiv/{file}", (CORPUS / file).read_bytes())
        assert digest is not None and len(digest.records) == int(papers), file


def test_announce_prefixes_are_metadata() -> None:
    path = CORPUS / "2024-02-15" / "cs.LG.md"
    digest, _ = parse_file(str(path), "arxiv/2024-02-15/cs.LG.md", path.read_bytes())
    assert digest is not None
    announced = [r for r in digest.records if r.announce.islower()]
    raw = path.read_text(encoding="utf-8").count("Announce Type:")
    assert len(announced) == raw > 0
    assert {r.announce for r in announced} <= {"new", "cross", "replace", "replace-cross"}
    assert all(r.version for r in announced)


def records(path: Path) -> tuple[Record, ...]:
    digest, _ = parse_file(str(path), f"arxiv/{path.parent.name}/{path.name}", path.read_bytes())
    assert digest is not None
    return digest.records


def test_translated_announce_prefixes_leave_chinese_abstracts() -> None:
    """`摘要：arXiv:ID 公告类型：交叉 摘要：` is the announce prefix, machine-translated."""
    abstracts = [record.abstract_zh for path in CORPUS_FILES for record in records(path) if record.abstract_zh]
    assert len(abstracts) > 500
    assert [a[:40] for a in abstracts if a.startswith(("摘要", "arXiv")) or "公告类型" in a[:60]] == []
    path = CORPUS / "2026-08-13" / "cs.CL.md"
    text = path.read_text(encoding="utf-8")
    assert "摘要：arXiv:2608.12313v1 公告类型：交叉 摘要：创意智能体" in text, "the sample still has the prefix"
    record = next(r for r in records(path) if r.arxiv_id == "2608.12313")
    assert record.abstract_zh.startswith("创意智能体仍缺乏从高质量人类电影中学习的有效方式")


def test_seed_venue_collection() -> None:
    path = SEEDS / "004_3a67aee9ff1b7ec4.txt"
    digest, diagnostics = parse_file(str(path), "venues/neurips-2023/language-modeling.md", path.read_bytes())
    assert digest is not None and diagnostics == []
    assert (digest.venue, digest.year, digest.topic) == ("NeurIPS", 2023, "Language Modeling")
    headings = path.read_text(encoding="utf-8").count("\n## ")
    assert len(digest.records) == headings == 140
    assert sum(r.kind == "oral" for r in digest.records) == 9
    assert all(r.authors and r.url and r.abstract_en and r.abstract_zh for r in digest.records)
    assert all(not r.abstract_en.startswith(" ") for r in digest.records)


def test_invalid_utf8_is_located_by_byte_offset() -> None:
    data = "# 摘要\n\n| Ref | Title | Summary |\n".encode() + b"| bad \xff byte |\n"
    _, diagnostics = parse_file("bad.md", "arxiv/2023-01-01/cs.CL.md", data)
    errors = [d for d in diagnostics if "UTF-8" in d.message]
    assert len(errors) == 1
    offset = data.index(b"\xff")
    assert errors[0].line == 4 and f"byte offset {offset}" in errors[0].message


def test_file_in_neither_format_is_an_error() -> None:
    digest, diagnostics = parse_file("notes.md", "notes.md", b"Just some notes.\n")
    assert digest is None
    assert [d.severity for d in diagnostics] == ["error"]
    assert "neither digest format" in diagnostics[0].message


def test_unknown_front_matter_key_names_key_line_and_valid_keys() -> None:
    data = b"---\ndate: 2023-10-03\nchanel: cs.CL\n---\n# \xe6\x91\x98\xe8\xa6\x81\n"
    _, diagnostics = parse_file("f.md", "f.md", data)
    assert len(diagnostics) == 1
    d = diagnostics[0]
    assert (d.line, d.severity) == (3, "error") and "'chanel'" in d.message and "channel" in d.hint


@pytest.mark.parametrize(
    ("text", "truncated"),
    [
        ("x" * 1000, True),
        ("x" * 996 + " end", True),
        ("x" * 995 + "done.", True),
        ("y" * 992 + "mid-wor", True),
        ("z" * 985 + " complete.", False),
        ("A short abstract.", False),
        ("A short abstract that stops", False),
        ("w" * 1011, False),  # longer than upstream ever wrote: a whole abstract (an imported feed)
        ("w" * 1010, True),
    ],
)
def test_truncation(text: str, truncated: bool) -> None:
    assert looks_truncated(text) is truncated


def test_normalised_titles_match_across_punctuation_case_and_width() -> None:
    assert normalise_title("EvoPrompting: Language Models for Code-Level NAS") == normalise_title(
        "evoprompting — language models for code level ＮＡＳ"
    )
    assert normalise_title("A B") != normalise_title("A C")


BILLION_LAUGHS = "\n".join(
    ["a: &a [x, x, x, x, x, x, x, x, x]"]
    + [f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]" for i in range(8)]
    + ["date: *i"]
)


@pytest.mark.parametrize(
    ("front_matter", "message"),
    [
        ("date: 2023-02-30", "front matter date '2023-02-30' is not a date"),
        ("date: 2023-13-01T00:00:00", "is not a date"),
        ("date: " + "[" * 5000, "front matter is not valid YAML"),
        ("year: twenty", "front matter year 'twenty' is not a year"),
        (BILLION_LAUGHS, "front matter 'date' must be a non-empty text"),
    ],
    ids=["impossible date", "bad datetime", "deep nesting", "bad year", "billion laughs"],
)
def test_bad_front_matter_is_a_located_error_not_a_crash(front_matter: str, message: str) -> None:
    data = f"---\n{front_matter}\n---\n# 摘要\n".encode()
    digest, diagnostics = parse_file("f.md", "arxiv/2023-10-03/cs.CL.md", data)
    assert digest is not None and digest.date == "2023-10-03", "the path still gives the date"
    assert diagnostics and all(d.severity == "error" and d.line >= 2 for d in diagnostics)
    assert any(message in d.message for d in diagnostics)
    assert all(len(str(d)) < 500 for d in diagnostics), "values are never shown whole"


def test_front_matter_tags_build_no_objects() -> None:
    data = b"---\nchannel: !!python/object/apply:os.system [echo hi]\n---\n# \xe6\x91\x98\xe8\xa6\x81\n"
    digest, diagnostics = parse_file("f.md", "arxiv/2023-10-03/cs.CL.md", data)
    assert digest is not None and digest.channel == "cs.CL"
    assert [d.message for d in diagnostics] == ["front matter 'channel' must be a non-empty text"]


def test_front_matter_values_are_read_as_text() -> None:
    data = b"---\ndate: 2024-05-06\nyear: 2024\nvenue: 2024\ntopic: yes\n---\n# Papers about X in Y 2023\n"
    digest, diagnostics = parse_file("f.md", "venues/y/x.md", data)
    assert diagnostics == []
    assert digest is not None and (digest.date, digest.year, digest.venue, digest.topic) == (
        "2024-05-06",
        2024,
        "2024",
        "yes",
    )


def test_daily_digest_without_a_date_is_a_located_warning() -> None:
    data = "# 摘要\n\n| Ref | Title | Summary |\n| --- | --- | --- |\n".encode()
    digest, diagnostics = parse_file("notes/cs.CL.md", "notes/cs.CL.md", data)
    assert digest is not None and digest.date == "" and digest.channel == "cs.CL"
    assert [(d.line, d.severity) for d in diagnostics] == [(1, "warning")]
    assert "has no date" in diagnostics[0].message and "YYYY-MM-DD" in diagnostics[0].hint


def test_venue_collection_without_a_venue_takes_its_folder_name_and_says_so() -> None:
    data = (
        "## A Paper<sup>poster<sup>\n\nAuthors: A\n\nLink: https://x.org/1\n\nAbstract:\n\n x\n\n摘要:\n\ny\n".encode()
    )
    digest, diagnostics = parse_file("f.md", "venues/iclr-2025/agents.md", data)
    assert digest is not None and (digest.venue, digest.year, digest.topic) == ("iclr", 2025, "agents")
    assert [(d.line, d.severity) for d in diagnostics] == [(1, "warning")]
    assert "does not name its venue" in diagnostics[0].message and "front matter" in diagnostics[0].hint


def test_titles_keep_exactly_their_letters_and_digits() -> None:
    """`normalise_title` finds letters and digits with a regex: the same set as Unicode's
    categories L and N, for every code point."""
    from digest.parse.text import _LETTERS_AND_DIGITS

    differ = [
        code
        for code in range(sys.maxunicode + 1)
        if (unicodedata.category(chr(code))[0] in "LN") != bool(_LETTERS_AND_DIGITS.fullmatch(chr(code)))
    ]
    assert differ == []
