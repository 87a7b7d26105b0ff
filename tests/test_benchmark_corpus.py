"""The synthetic benchmark corpus (benchmarks/corpus.py) is read by the real pipeline without a
single diagnostic, publishes exactly the papers it claims, and is the same for the same seed."""

from __future__ import annotations

import datetime as dt
import importlib.util
import itertools
import re
import sys
from pathlib import Path
from types import ModuleType

import pytest

from digest.build import build
from digest.config import Config
from digest.inputs import load

CORPUS = Path(__file__).parents[1] / "benchmarks" / "corpus.py"


def _load_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("benchmark_corpus", CORPUS)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


corpus = _load_generator()


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("papers", [300, 1200])
def test_the_site_publishes_every_generated_paper(tmp_path: Path, papers: int) -> None:
    content = tmp_path / "content"
    summary = corpus.generate(papers, content, seed=7)
    assert summary.papers == papers and summary.files == len(_files(content))
    assert summary.bytes == sum(len(data) for data in _files(content).values())

    result = build(Config(root=tmp_path, content=content, output=tmp_path / "public"))
    assert result.site is not None
    assert result.summary.diagnostics == []
    assert result.summary.files == summary.files
    assert len(result.site.papers) == papers
    tally = result.summary.tally
    assert (tally.found, tally.published, tally.reported, tally.lost) == (summary.appearances,) * 2 + (0, [])
    assert len(list((tmp_path / "public" / "papers").glob("*.html"))) == papers

    site_papers = result.site.papers
    records = [record for paper in site_papers for record in paper.appearances]
    daily = [r for r in records if r.format == "arxiv"]
    assert any(len([r for r in p.appearances if r.format == "arxiv"]) > 1 for p in site_papers), "merged listings"
    shared = [p for p in site_papers if p.arxiv is not None and p.venue_sides]
    assert len(shared) == summary.shared_papers > 0, "venue papers merged with their arXiv listing by title"
    assert sum(1 for p in site_papers if p.venue_sides) == summary.venue_papers
    assert sum(r.abstract_truncated for r in daily) == summary.truncated > 0
    assert all(len(r.abstract_en) <= 1000 for r in daily if r.abstract_truncated)
    # Both title styles: the old feed's `Title. (arXiv:ID [cat])` line and the new feed's bare
    # title, whose abstracts (from 2024-02-15) open with the announce prefix.
    old_style = [r for r in daily if r.category]
    new_style = [r for r in daily if not r.category]
    assert (len(old_style), len(new_style)) == (summary.old_style, summary.new_style)
    assert old_style and any(r.announce in ("new", "cross", "replace", "replace-cross") for r in new_style)
    repeats = summary.repeated / summary.appearances
    assert 0.05 < repeats < 0.3


@pytest.mark.parametrize(
    ("start", "styles"),
    [
        (dt.date(2023, 3, 13), {"oldest layout", "English summary", "old"}),
        (dt.date(2024, 1, 30), {"old", "new"}),
        (dt.date(2025, 6, 2), {"new", "wide announce"}),
    ],
)
def test_every_era_of_the_feed_reads_cleanly(tmp_path: Path, start: dt.date, styles: set[str]) -> None:
    content = tmp_path / "content"
    summary = corpus.generate(300, content, seed=1, start=start)
    loaded = load(Config(root=tmp_path, content=content))
    assert loaded.diagnostics == []
    assert len(loaded.site.papers) == 300 and loaded.tally.published == loaded.tally.found == summary.appearances
    text = "".join(p.read_text(encoding="utf-8") for p in sorted(content.glob("arxiv/*/*.md")))
    daily = [r for p in loaded.site.papers for r in p.appearances if r.format == "arxiv"]
    # Lines from one detail block to the next: 10 without the summaries, 14 with them.
    headers = [i for i, line in enumerate(text.split("\n")) if re.match(r"\[\^[0-9]+\]:", line)]
    block_lines = {b - a for a, b in itertools.pairwise(headers)}
    found = {
        "old": any(r.category for r in daily),
        "new": any(not r.category for r in daily),
        "oldest layout": 10 in block_lines,
        "English summary": any(r.summary_en for r in daily),
        "wide announce": re.search(r"Announce Type: [a-z-]+  Abstract: ", text) is not None,
    }
    if found["wide announce"]:  # two spaces before 'Abstract:' from 2025 on, in every listing
        assert re.search(r"Announce Type: [a-z-]+ Abstract: ", text) is None
    assert {name for name, present in found.items() if present} == styles


def test_layout_and_ids(tmp_path: Path) -> None:
    summary = corpus.generate(1200, tmp_path, seed=3)
    daily = sorted(tmp_path.glob("arxiv/*/*.md"))
    venues = sorted(tmp_path.glob("venues/*/*.md"))
    assert (len(daily), len(venues)) == (summary.arxiv_files, summary.venue_files) and daily and venues
    assert summary.first_date < "2024-02-15" <= summary.last_date
    for file in daily:
        text = file.read_text(encoding="utf-8")
        assert text.startswith("# 摘要\n\n| Ref | Title | Summary |\n| --- | --- | --- |\n")
        yymm = file.parent.name[2:4] + file.parent.name[5:7]
        # A paper's first listing (version 1) is on the date its ID's YYMM names.
        firsts = re.findall(r"\(arXiv:([0-9]{4})\.[0-9]{5}v1 \[|arXiv:([0-9]{4})\.[0-9]{5}v1 Announce Type", text)
        assert {a or b for a, b in firsts} <= {yymm}
        ids = re.findall(r"^\| \[\^[0-9]+\] \| .*\]\(https?://(?:rss\.)?arxiv\.org/abs/([0-9.]+)\) \|", text, re.M)
        assert len(ids) == len(set(ids)) == text.count("\n[^")
    assert venues[0].read_text(encoding="utf-8").startswith("# Papers about ")


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path: Path) -> None:
    first = corpus.generate(300, tmp_path / "a", seed=11)
    again = corpus.generate(300, tmp_path / "b", seed=11)
    other = corpus.generate(300, tmp_path / "c", seed=12)
    assert first == again
    assert _files(tmp_path / "a") == _files(tmp_path / "b")
    assert _files(tmp_path / "a") != _files(tmp_path / "c") and other.papers == 300


def test_refuses_a_folder_that_is_not_empty(tmp_path: Path) -> None:
    (tmp_path / "keep.md").write_text("mine\n", encoding="utf-8")
    with pytest.raises(FileExistsError):
        corpus.generate(10, tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == ["keep.md"]
