"""Damage done to real digest files, as machines and hand edits do it.

Each mutation takes the file's bytes and a random source and returns new bytes. The property
test drives them with hypothesis; benchmarks/fuzz.py runs many more of them.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
REAL_FILES = sorted([*(SHARED / "seeds").glob("*.txt"), *(SHARED / "corpus" / "cn-chat-arxiv").glob("*/*.md")])

Mutation = Callable[[bytes, random.Random], bytes]


def content_path(file: Path) -> str:
    """Where a real file sits under content/ (the path gives its date or venue)."""
    if file.suffix == ".txt":  # the seeds: a daily digest and a venue collection
        return "arxiv/2023-10-03/cs.CL.md" if file.name.startswith("000") else "venues/neurips-2023/lm.md"
    return f"arxiv/{file.parent.name}/{file.name}"


_ODD_TEXT = [
    *("\u202e", "\u200b", "\ufeff", "\x00", "\t", "\n", "\r", "\u3000", "\ud7ff", "😀", "\U0010ffff"),
    *("|", "[^", "](http", "    ", "# ", "## ", "<sup>", "摘要:", "(arXiv:", "`", "---\n", "[^1]:", "："),
]


def _lines(data: bytes) -> list[bytes]:
    return data.split(b"\n")


def drop_lines(data: bytes, rng: random.Random) -> bytes:
    lines = _lines(data)
    for _ in range(rng.randint(1, 5)):
        if lines:
            del lines[rng.randrange(len(lines))]
    return b"\n".join(lines)


def duplicate_lines(data: bytes, rng: random.Random) -> bytes:
    lines = _lines(data)
    for _ in range(rng.randint(1, 5)):
        at = rng.randrange(len(lines))
        lines.insert(rng.randrange(len(lines) + 1), lines[at])
    return b"\n".join(lines)


def swap_lines(data: bytes, rng: random.Random) -> bytes:
    lines = _lines(data)
    for _ in range(rng.randint(1, 5)):
        a, b = rng.randrange(len(lines)), rng.randrange(len(lines))
        lines[a], lines[b] = lines[b], lines[a]
    return b"\n".join(lines)


def cut(data: bytes, rng: random.Random) -> bytes:
    return data[: rng.randrange(len(data) + 1)]


def insert_text(data: bytes, rng: random.Random) -> bytes:
    for _ in range(rng.randint(1, 10)):
        at = rng.randrange(len(data) + 1)
        piece = rng.choice(_ODD_TEXT) if rng.random() < 0.7 else chr(rng.randrange(0x20, 0x2FFFF))
        data = data[:at] + piece.encode("utf-8", "surrogatepass") + data[at:]
    return data


def nul_bytes(data: bytes, rng: random.Random) -> bytes:
    for _ in range(rng.randint(1, 5)):
        at = rng.randrange(len(data) + 1)
        data = data[:at] + b"\x00" + data[at:]
    return data


def crlf(data: bytes, rng: random.Random) -> bytes:
    lines = _lines(data)
    if rng.random() < 0.5:
        return b"\r\n".join(lines)
    return b"\n".join(line + b"\r" if rng.random() < 0.3 else line for line in lines)  # mixed endings


def bom(data: bytes, rng: random.Random) -> bytes:
    return b"\xef\xbb\xbf" + data


def long_line(data: bytes, rng: random.Random) -> bytes:
    lines = _lines(data)
    at = rng.randrange(len(lines))
    lines[at] = lines[at] + rng.choice([b"x", b" ", b"](http", b" in ", "中".encode()]) * rng.randint(1_000, 50_000)
    return b"\n".join(lines)


def bad_bytes(data: bytes, rng: random.Random) -> bytes:
    at = rng.randrange(len(data) + 1)
    return data[:at] + bytes(rng.randrange(0x80, 0x100) for _ in range(rng.randint(1, 4))) + data[at:]


_DIGITS = [
    "０１２３４５６７８９",
    "٠١٢٣٤٥٦٧٨٩",
    "०१२३४५६७८९",
    "𝟎𝟏𝟐𝟑𝟒𝟓𝟔𝟕𝟖𝟗",
]  # full-width, Arabic-Indic, Devanagari, math


def other_digits(data: bytes, rng: random.Random) -> bytes:
    """Some reference numbers `[^N]` written in the digits of another script."""
    text = data.decode("utf-8", "surrogateescape")
    digits = rng.choice(_DIGITS)
    marks = [i for i in range(len(text) - 2) if text.startswith("[^", i)]
    for at in rng.sample(marks, min(len(marks), rng.randint(1, 5))):
        end = at + 2
        while end < len(text) and text[end].isascii() and text[end].isdigit():
            end += 1
        text = text[: at + 2] + "".join(digits[int(c)] for c in text[at + 2 : end]) + text[end:]
    return text.encode("utf-8", "surrogateescape")


def line_breaks(data: bytes, rng: random.Random) -> bytes:
    """Line breaks Python's str.splitlines knows and Markdown does not: U+2028, U+2029, NEL, VT, FF."""
    lines = _lines(data)
    for _ in range(rng.randint(1, 5)):
        at = rng.randrange(len(lines))
        lines[at] = rng.choice([" ", " ", "", "", ""]).encode() + lines[at]
    return b"\n".join(lines)


def indent_markers(data: bytes, rng: random.Random) -> bytes:
    """Spaces or tabs before the lines that start a paper, a row or a block."""
    lines = _lines(data)
    marked = [i for i, line in enumerate(lines) if line.startswith((b"#", b"|", b"[^"))]
    for at in rng.sample(marked, min(len(marked), rng.randint(1, 5))):
        lines[at] = rng.choice([b" ", b"  ", b"   ", b"    ", b"\t", b" \t"]) + lines[at]
    return b"\n".join(lines)


def full_width_markers(data: bytes, rng: random.Random) -> bytes:
    """Markers in their full-width forms: ＃, ｜, ［, ］, ＾, ："""
    lines = _lines(data)
    marked = [i for i, line in enumerate(lines) if line.lstrip().startswith((b"#", b"|", b"[^"))]
    forms = {b"#": "＃", b"|": "｜", b"[": "［", b"]": "］", b"^": "＾", b":": "："}
    for at in rng.sample(marked, min(len(marked), rng.randint(1, 5))):
        old = rng.choice(list(forms))
        lines[at] = lines[at].replace(old, forms[old].encode(), rng.randint(1, 2))
    return b"\n".join(lines)


def front_matter_around(data: bytes, rng: random.Random) -> bytes:
    """The whole file between front matter fences, or a fence that never closes."""
    return b"---\n" + data + (b"\n---\n" if rng.random() < 0.5 else b"")


def huge_numbers(data: bytes, rng: random.Random) -> bytes:
    """A reference number or a version of thousands of digits (Python reads no more than 4,300)."""
    text = data.decode("utf-8", "surrogateescape")
    marks = [i + 2 for i in range(len(text) - 2) if text.startswith("[^", i)]
    marks += [i + 1 for i in range(len(text) - 1) if text[i] == "v" and text[i + 1].isdigit()]
    if not marks:
        return data
    at = rng.choice(marks)
    return (text[:at] + rng.choice("19") * rng.randint(4_300, 20_000) + text[at:]).encode("utf-8", "surrogateescape")


MUTATIONS: list[Mutation] = [drop_lines, duplicate_lines, swap_lines, cut, insert_text, nul_bytes, crlf, bom,
                             long_line, bad_bytes, other_digits, line_breaks, indent_markers, full_width_markers,
                             front_matter_around, huge_numbers]  # fmt: skip


def mutate(data: bytes, rng: random.Random, rounds: int) -> bytes:
    for _ in range(rounds):
        data = rng.choice(MUTATIONS)(data, rng)
    return data
