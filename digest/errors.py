"""Errors and located diagnostics.

Input problems never raise: the parser reports them as `Diagnostic` values and goes on, so that
one bad file never hides the problems of another, nor the papers of the good ones. `DigestError`
is for what stops a command as a whole (a broken site.toml, an output folder we must not touch).
"""

from __future__ import annotations

import dataclasses
import difflib
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning"]


class DigestError(Exception):
    """A problem that stops the command; its message says what to do."""


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One located problem in an input file."""

    path: str
    """The file, as the user named it (relative to the working folder where possible)."""
    line: int
    """1-based line number; 0 when the problem concerns the whole file."""
    col: int
    """1-based column; 1 when the problem concerns the whole line."""
    severity: Severity
    message: str
    """What is wrong, in one sentence."""
    hint: str
    """What to do about it."""

    def __str__(self) -> str:
        # Each part is made printable on its own, so that no text from content can start a
        # line of its own (a forged diagnostic, or a CI workflow command).
        where = f"{printable(self.path)}:{self.line}:{self.col}"
        return f"{where}: {self.severity}: {printable(self.message)}\n  hint: {printable(self.hint)}"


def printable(text: str) -> str:
    """`text` safe to print on one line of a terminal or a CI log: control and format characters
    (newlines, escape sequences, bidi overrides, zero-width characters) are shown as `\\u….`"""
    return "".join(ch if unicodedata.category(ch) not in ("Cc", "Cf", "Cs") else f"\\u{ord(ch):04x}" for ch in text)


FOLD_AFTER = 3
"""Diagnostics of one kind in one file that a terminal shows one by one; the rest are folded."""
_NUMBER = re.compile(r"[0-9]+")


def folded(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    """`diagnostics` as a terminal or a CI log shows them: of those of one kind in one file (the
    same severity and message but for its numbers), the first `FOLD_AFTER`, then one entry that
    counts the rest and names their lines. `--format json` lists every one."""
    groups: dict[tuple[str, str, str], list[Diagnostic]] = {}
    for diagnostic in diagnostics:
        groups.setdefault(_kind(diagnostic), []).append(diagnostic)
    shown: list[Diagnostic] = []
    seen: dict[tuple[str, str, str], int] = {}
    for diagnostic in diagnostics:
        group = groups[key := _kind(diagnostic)]
        place = seen[key] = seen.get(key, -1) + 1
        if len(group) <= FOLD_AFTER + 1 or place < FOLD_AFTER:
            shown.append(diagnostic)
        elif place == FOLD_AFTER:
            rest = group[FOLD_AFTER:]
            lines = ", ".join(str(d.line) for d in rest[:10]) + (", …" if len(rest) > 10 else "")
            shown.append(
                dataclasses.replace(
                    diagnostic,
                    message=f"{len(rest)} more like the above, on lines {lines}: {key[2]}",
                    hint=_NUMBER.sub("N", diagnostic.hint),
                )
            )
    return shown


def _kind(diagnostic: Diagnostic) -> tuple[str, str, str]:
    return diagnostic.path, diagnostic.severity, _NUMBER.sub("N", diagnostic.message)


def count(diagnostics: list[Diagnostic], severity: Severity) -> int:
    return sum(1 for d in diagnostics if d.severity == severity)


def did_you_mean(name: str, valid: Iterable[str]) -> str:
    """A hint for a mistyped key: the closest valid one, then all of them."""
    choices = list(valid)
    close = difflib.get_close_matches(name, choices, n=1)
    guess = f"did you mean '{close[0]}'? " if close else ""
    return f"{guess}valid keys are: {', '.join(choices)}"
