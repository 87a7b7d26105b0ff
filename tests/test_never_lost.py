"""Property: whatever is done to a real digest file, parsing and building give diagnostics, not
exceptions, and every paper the damaged file still declares is published or reported.

The census counts declarations without the parser (see digest/census.py), so the equation
`found = published + reported` is checked, not assumed. benchmarks/fuzz.py runs many more cases.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mutations import REAL_FILES, content_path, mutate

from digest.census import account, declared_papers
from digest.config import Config
from digest.parse import parse_file
from digest.render import render_site
from digest.site import build_site


def test_real_files_are_there() -> None:
    assert len(REAL_FILES) == 14


@pytest.mark.parametrize("file", REAL_FILES, ids=lambda f: f"{f.parent.name}/{f.name}")
def test_census_counts_real_files_like_their_tables(file: Path) -> None:
    text = file.read_text(encoding="utf-8")
    declared = declared_papers(text)
    digest, diagnostics = parse_file(file.name, content_path(file), file.read_bytes())
    assert digest is not None and len(declared) == len(digest.records)
    tally = account(file.name, text, digest, diagnostics)
    assert (tally.found, tally.published, tally.reported, tally.lost) == (len(declared), len(declared), 0, [])


@settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(index=st.integers(0, len(REAL_FILES) - 1), seed=st.integers(0, 2**32 - 1), rounds=st.integers(1, 4))
def test_damaged_files_lose_no_paper_and_raise_nothing(index: int, seed: int, rounds: int) -> None:
    file = REAL_FILES[index]
    data = mutate(file.read_bytes(), random.Random(seed), rounds)
    digest, diagnostics = parse_file(file.name, content_path(file), data)
    tally = account(file.name, data.decode("utf-8", "replace"), digest, diagnostics)
    assert tally.lost == [], f"lost papers at {tally.lost} (seed {seed}, rounds {rounds})"
    assert tally.found == tally.published + tally.reported
    assert all(d.path == file.name and d.line >= 0 and d.message and d.hint for d in diagnostics)
    site, _ = build_site([digest] if digest else [], page_size=50)
    pages = dict(render_site(site, Config(root=Path.cwd())))
    for record in digest.records if digest else ():  # published means: on a page of its own
        assert site.paper_of[(record.source, record.line)].page in pages
