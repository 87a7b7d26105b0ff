"""Reading parser fixture files: many small cases per file, each a name, an input digest file
and what parsing it must give.

    ## case name
    <input lines>
    .
    <expected, YAML: `records` (a list of field subsets) and `diagnostics` (a list of
    "LINE severity: text" where text is part of the message)>
    .

In input lines, a trailing `¶` ends the line, so that significant trailing spaces survive
editors (a line of four spaces is written `    ¶`); `<CRLF>` at a line end makes it end in
CRLF; `<BOM>` at the very start adds a byte-order mark. Everything else is literal.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

FIXTURES = Path(__file__).parent / "fixtures"


@dataclass(frozen=True)
class Case:
    name: str
    data: bytes
    expected: dict[str, Any]
    line: int


def read_cases(name: str) -> list[Case]:
    lines = (FIXTURES / name).read_text(encoding="utf-8").split("\n")
    cases: list[Case] = []
    index = 0
    while index < len(lines):
        if not lines[index].startswith("## "):
            index += 1
            continue
        title, start = lines[index][3:].strip(), index + 1
        end_input = lines.index(".", start)
        end_expected = lines.index(".", end_input + 1)
        cases.append(
            Case(
                title,
                _input(lines[start:end_input]),
                yaml.safe_load("\n".join(lines[end_input + 1 : end_expected])) or {},
                start,
            )
        )
        index = end_expected + 1
    return cases


def _input(lines: list[str]) -> bytes:
    out = []
    for line in lines:
        ending = "\n"
        if line.endswith("<CRLF>"):
            line, ending = line.removesuffix("<CRLF>"), "\r\n"
        out.append(line.removesuffix("¶") + ending)
    text = "".join(out)
    if text.startswith("<BOM>"):
        text = "\ufeff" + text.removeprefix("<BOM>")
    return text.encode("utf-8")
