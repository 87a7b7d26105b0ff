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


MUTATIONS: list[Mutation] = [drop_lines, duplicate_lines, swap_lines, cut, insert_text, nul_bytes, crlf, bom,
                             long_line, bad_bytes]  # fmt: skip


def mutate(data: bytes, rng: random.Random, rounds: int) -> bytes:
    for _ in range(rounds):
        data = rng.choice(MUTATIONS)(data, rng)
    return data
