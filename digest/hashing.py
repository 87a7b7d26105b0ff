"""Hashes: `file_hash` of bytes, `fingerprint` of what something is made from, and
`code_stamp`, the fingerprint of this package's code."""

from __future__ import annotations

import functools
import hashlib
import sys
import unicodedata
from pathlib import Path

from digest import __version__


def fingerprint(*parts: str) -> str:
    """A short, stable hash of `parts` (they are joined with a separator no part contains)."""
    return file_hash("\x1f".join(parts).encode("utf-8", "surrogatepass"))


def file_hash(data: bytes) -> str:
    # SHA-256 rather than BLAKE2b: CPUs with SHA extensions (x86 since about 2017, 64-bit ARM)
    # hash with it about twice as fast, and a build hashes every input and output byte.
    return hashlib.sha256(data).hexdigest()[:32]


@functools.cache
def code_stamp() -> str:
    """This package's version and code, and the Python and Unicode versions it runs on (folding,
    categories and tokens come from `unicodedata`): what parsing a file, or indexing it for
    search, depends on besides its bytes."""
    python = ".".join(map(str, sys.version_info[:2]))
    return fingerprint(__version__, python, unicodedata.unidata_version, *tree(Path(__file__).parent, "*.py"))


def tree(folder: Path, pattern: str) -> list[str]:
    """Each file's path and content hash, in a stable order."""
    found = []
    for file in sorted(folder.rglob(pattern)):
        if file.is_file() and "__pycache__" not in file.parts:
            found += [file.relative_to(folder).as_posix(), file_hash(file.read_bytes())]
    return found
