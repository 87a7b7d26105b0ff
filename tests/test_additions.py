"""An update that only adds days (`digest.incremental`: new days merged onto the last build's
site) works from the last build's catalog, and leaves byte for byte what a clean build makes;
any other change goes through the whole pipeline."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from test_incremental import CORPUS, add_corpus_file, clean_build, edit_a_summary, run, tree

from digest import codec, feeds, search
from digest.build import BuildResult
from digest.config import load_config
from digest.incremental import catalog, manifest
from digest.incremental.cache import CACHE_FOLDER

PURE_ADDITIONS = ["2023-10-04", "2024-01-31", "2026-08-13", "2026-08-22"]
"""Corpus days that add papers none of whose titles is a NeurIPS paper's (2026-08-22 lists none)."""


def added(result: BuildResult) -> bool:
    """Whether the build was made as an addition of days."""
    return any(note.startswith("only the new days are read") for note in result.profile.notes)


def corpus_day(day: str) -> list[Path]:
    return [file for file in CORPUS if file.parent.name == day]


@pytest.fixture
def small_pages(seed_site: Path) -> Path:
    """The seeds and the first three corpus days, built, with ten papers a page: lists of many
    pages, so that a new day splits a first page off."""
    config = seed_site / "site.toml"
    config.write_text(config.read_text(encoding="utf-8").replace("page_size = 200", "page_size = 10"))
    for file in CORPUS[:3]:
        add_corpus_file(seed_site, file)
    assert run(seed_site).kind == "full"
    return seed_site


def assert_same_as_clean(site: Path, result: BuildResult) -> None:
    clean = site.parent / "clean-site"
    assert tree(site / "public") == clean_build(site)
    again = run(clean, "clean", full=True)
    assert result.summary == again.summary
    assert result.pages == again.pages


def test_new_days_are_added_as_a_clean_build_makes_them(small_pages: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(search, "SEGMENT_SIZE", 60)  # segments that start inside a file of documents
    for day in PURE_ADDITIONS:
        for file in corpus_day(day):
            add_corpus_file(small_pages, file)
        result = run(small_pages)
        assert added(result), (day, result.profile.notes)
        assert_same_as_clean(small_pages, result)


def test_an_addition_reads_only_the_new_files_and_few_papers(
    small_pages: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from digest import inputs

    opened: list[str] = []
    loaded: set[str] = set()
    real_open, real_get = inputs._open, catalog.Store.__getitem__

    def spy_open(file: Path, *rest: object) -> object:
        opened.append(file.parent.name)
        return real_open(file, *rest)  # type: ignore[arg-type]

    def spy_get(store: catalog.Store, paper: str) -> object:
        loaded.add(paper)
        return real_get(store, paper)

    monkeypatch.setattr(inputs, "_open", spy_open)
    monkeypatch.setattr(catalog.Store, "__getitem__", spy_get)
    before = run(small_pages, full=True)
    assert before.site is not None
    for file in corpus_day("2023-10-04"):
        add_corpus_file(small_pages, file)
    opened.clear()
    result = run(small_pages)
    assert added(result)
    assert opened == ["2023-10-04"] * len(corpus_day("2023-10-04"))
    assert 0 < len(loaded) < len(before.site.papers) // 2


def test_a_paper_listed_again_on_a_new_day(small_pages: Path) -> None:
    """Its page, the earlier digest and date that list it and its lists' pages change too."""
    earlier = small_pages / "content" / "arxiv" / CORPUS[0].parent.name / CORPUS[0].name
    text = earlier.read_text(encoding="utf-8")
    again = small_pages / "content" / "arxiv" / "2030-01-01" / CORPUS[0].name  # in the same channel
    again.parent.mkdir(parents=True)
    again.write_text(text.replace("。", "！", 3), encoding="utf-8")  # the same papers, other summaries
    result = run(small_pages)
    assert added(result), result.profile.notes
    assert_same_as_clean(small_pages, result)


def test_two_files_on_a_new_day_an_empty_one_and_a_broken_one(small_pages: Path) -> None:
    files = corpus_day("2024-01-31") + corpus_day("2024-02-15")
    for file in files[:2]:
        add_corpus_file(small_pages, file, date="2029-05-05")
    add_corpus_file(small_pages, corpus_day("2026-08-22")[0], date="2029-05-06")  # it lists no paper
    broken = small_pages / "content" / "arxiv" / "2029-05-06" / "cs.CL.md"
    broken.write_bytes(b"\xff\xfe not a digest\n")
    result = run(small_pages)
    assert added(result), result.profile.notes
    assert any(d.path.endswith("2029-05-06/cs.CL.md") for d in result.summary.diagnostics)
    assert_same_as_clean(small_pages, result)


def add_an_earlier_day(site: Path) -> None:
    add_corpus_file(site, corpus_day("2024-01-31")[0], date="2001-01-01")


def add_a_day_and_edit_an_old_one(site: Path) -> None:
    add_corpus_file(site, corpus_day("2024-01-31")[0])
    edit_a_summary(site)


def add_a_venue(site: Path) -> None:
    venue = next((site / "content" / "venues").rglob("*.md"))
    shutil.copy(venue, venue.parent.parent / "copy.md")


def add_a_day_with_a_venue_title(site: Path) -> None:
    add_corpus_file(site, corpus_day("2023-04-03")[0], date="2030-01-01")  # it lists NeurIPS 2023 papers


def add_a_day_without_the_paper_store(site: Path) -> None:
    where = manifest.location(load_config(site / "site.toml"), site / "public")
    catalog.location(where).store.unlink()
    add_corpus_file(site, corpus_day("2024-01-31")[0])


def add_a_day_without_the_catalog(site: Path) -> None:
    where = manifest.location(load_config(site / "site.toml"), site / "public")
    catalog.location(where).catalog.unlink()
    add_corpus_file(site, corpus_day("2024-01-31")[0])


def add_a_day_listing_papers_in_another_channel(site: Path) -> None:
    """Papers listed again in a channel that has not listed them join its category's list, at the
    place their first date gives them, not at its start."""
    text = (site / "content" / "arxiv" / CORPUS[0].parent.name / CORPUS[0].name).read_text(encoding="utf-8")
    again = site / "content" / "arxiv" / "2030-01-01" / "cs.XX.md"
    again.parent.mkdir(parents=True)
    again.write_text(text, encoding="utf-8")


NOT_ADDITIONS: dict[str, tuple[Callable[[Path], None], str]] = {
    "an earlier day": (add_an_earlier_day, "a file is not a daily digest dated after the others"),
    "an old file edited": (add_a_day_and_edit_an_old_one, "a file the last build read has changed"),
    "a venue collection": (add_a_venue, "a file is not a daily digest dated after the others"),
    "a title of a venue paper": (add_a_day_with_a_venue_title, "a title may join a venue paper"),
    "papers in another channel": (add_a_day_listing_papers_in_another_channel, "changes its date, categories"),
    "no paper store": (add_a_day_without_the_paper_store, "the paper store is missing"),
    "no catalog": (add_a_day_without_the_catalog, "the last build's catalog is missing"),
}


@pytest.mark.parametrize("change", list(NOT_ADDITIONS))
def test_what_is_not_an_addition_goes_through_the_whole_pipeline(small_pages: Path, change: str) -> None:
    make, reason = NOT_ADDITIONS[change]
    make(small_pages)
    result = run(small_pages)
    assert result.kind in ("update", "full") and not added(result)
    assert any(reason in note for note in result.profile.notes), result.profile.notes
    assert_same_as_clean(small_pages, result)


def test_the_catalog_is_kept_beside_the_manifest_and_not_published(small_pages: Path) -> None:
    where = manifest.location(load_config(small_pages / "site.toml"), small_pages / "public")
    kept, store, shape = catalog.location(where)
    assert kept.is_file() and store.is_file() and shape.is_file()
    assert where.parent.name == CACHE_FOLDER
    assert not any(path.endswith((".catalog", ".papers", ".search")) for path in tree(small_pages / "public"))


def test_a_killed_addition_is_mended_by_the_next_build(small_pages: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from digest.write import Target, UpdateInterrupted

    for file in corpus_day("2023-10-04"):
        add_corpus_file(small_pages, file)
    put = Target.put
    calls = 0

    def dies_half_way(self: Target, path: str, data: bytes) -> tuple[str, bool]:
        nonlocal calls
        calls += 1
        if calls == 20:
            raise KeyboardInterrupt
        return put(self, path, data)

    with monkeypatch.context() as patched:
        patched.setattr(Target, "put", dies_half_way)
        with pytest.raises(UpdateInterrupted):
            run(small_pages)
    assert calls == 20
    assert run(small_pages).kind == "full", "neither the manifest nor the catalog survives a killed addition"
    assert tree(small_pages / "public") == clean_build(small_pages)


def test_each_output_folder_is_added_to_from_its_own_search_index(small_pages: Path) -> None:
    """The parse and search caches are the site's, shared by its output folders; what an
    output folder holds is kept beside its own manifest."""
    assert run(small_pages, "other").kind == "full"
    for file in corpus_day("2023-10-04"):
        add_corpus_file(small_pages, file)
    assert added(run(small_pages))
    result = run(small_pages, "other")
    assert added(result), result.profile.notes
    assert tree(small_pages / "other") == tree(small_pages / "public") == clean_build(small_pages)


def test_the_cache_does_not_grow_with_papers_listed_again(small_pages: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Papers listed again with new text replace their copy in the paper store and their day's
    part of the search index: a daily site that only adds days keeps a cache of its size."""
    monkeypatch.setattr(search, "SEGMENT_SIZE", 60)
    where = manifest.location(load_config(small_pages / "site.toml"), small_pages / "public")
    store = catalog.location(where).store
    cache = small_pages / CACHE_FOLDER / "search"
    text = (small_pages / "content" / "arxiv" / CORPUS[0].parent.name / CORPUS[0].name).read_text(encoding="utf-8")
    for day in range(1, 9):
        again = small_pages / "content" / "arxiv" / f"2030-01-0{day}" / CORPUS[0].name
        again.parent.mkdir(parents=True)
        again.write_text(text.replace("。", f"{day}。", 2), encoding="utf-8")  # the same papers, other summaries
        result = run(small_pages)
        assert added(result), result.profile.notes
    grown = store.stat().st_size, sorted(p.name for p in cache.iterdir())
    assert run(small_pages, full=True).kind == "full"
    assert grown[0] < 1.3 * store.stat().st_size
    assert grown[1] == sorted(p.name for p in cache.iterdir())
    assert tree(small_pages / "public") == clean_build(small_pages)


def test_a_damaged_catalog_is_never_taken_for_what_it_was(small_pages: Path) -> None:
    where = manifest.location(load_config(small_pages / "site.toml"), small_pages / "public")
    kept = catalog.location(where).catalog
    data = bytearray(kept.read_bytes())
    data[len(data) // 2] ^= 1
    kept.write_bytes(bytes(data))
    add_corpus_file(small_pages, corpus_day("2023-10-04")[0])
    result = run(small_pages)
    assert result.kind == "full" and f"{kept}: damaged" in result.unfit
    assert tree(small_pages / "public") == clean_build(small_pages)


@pytest.mark.parametrize("damage", ["garbage", "cut"])
def test_a_damaged_paper_store_is_never_taken_for_what_it_was(small_pages: Path, damage: str) -> None:
    where = manifest.location(load_config(small_pages / "site.toml"), small_pages / "public")
    store = catalog.location(where).store
    data = store.read_bytes()
    store.write_bytes(b"not a store" if damage == "garbage" else data[: len(data) // 2])
    add_corpus_file(small_pages, corpus_day("2023-10-04")[0])
    result = run(small_pages)
    assert result.kind == "full" and str(store) in result.unfit, result.profile.notes
    assert tree(small_pages / "public") == clean_build(small_pages)


def test_a_paper_changed_in_the_store_is_never_taken_for_what_it_was(small_pages: Path) -> None:
    """No seal covers the whole store, as an update appends to it: each paper has its own."""
    where = manifest.location(load_config(small_pages / "site.toml"), small_pages / "public")
    kept = catalog.read(catalog.location(where).catalog, catalog.made_for(*made_for(where)))
    assert kept is not None
    path = catalog.location(where).store
    data = bytearray(path.read_bytes())
    at = data.index(b"Large Language Models")
    data[at] = ord("l")  # still JSON, still a paper: only its bytes tell
    path.write_bytes(bytes(data))
    store = catalog.Store(path, kept.store)
    unfit = []
    for paper in kept.order:
        try:
            store[paper]
        except codec.Unfit as exc:
            unfit.append(str(exc))
    store.close()
    assert len(unfit) == 1 and "damaged" in unfit[0]


def made_for(where: Path) -> tuple[str, str]:
    """The stamp and content fingerprint the catalog beside the manifest `where` was made for."""
    old = manifest.read(where)
    assert old is not None
    return old.head.stamp, old.content


def test_an_addition_needs_every_digest_in_the_parse_cache(small_pages: Path) -> None:
    shutil.rmtree(small_pages / CACHE_FOLDER / "parsed")
    add_corpus_file(small_pages, corpus_day("2023-10-04")[0])
    result = run(small_pages)
    assert not added(result) and any("parse cache" in note for note in result.profile.notes)
    assert tree(small_pages / "public") == clean_build(small_pages)


# A new-day update in a new session that SIGKILLs the whole of it (its worker processes too) as
# one of its processes is about to write its Nth file.
_KILLED_AT = r"""
import os, signal, sys
import digest.write

calls, put, at = [0], digest.write.Target.put, int(sys.argv[1])


def dies(self, path, data):
    calls[0] += 1
    if calls[0] == at:
        os.killpg(os.getpgid(0), signal.SIGKILL)
    return put(self, path, data)


digest.write.Target.put = dies
sys.argv = ["digest", "build"]
from digest.cli import main

main()
"""


def test_an_update_killed_anywhere_leaves_whole_files_and_the_next_build_finishes(small_pages: Path) -> None:
    """What the README says of an update killed part-way: every file in the site is whole (old
    or new), links may lead to pages it had not written yet, no manifest is left, and the next
    build makes the site a clean build would. Killed before each of a spread of its writes."""
    import signal
    import subprocess
    import sys

    site = small_pages.parent / "updated"
    day = corpus_day("2023-10-04")
    for at in (1, 3, 10, 30, 100, 300, 1000, 3000, 10000):
        shutil.rmtree(site, ignore_errors=True)
        shutil.copytree(small_pages, site, symlinks=True)
        for file in day:
            add_corpus_file(site, file)
        killed = subprocess.run(
            [sys.executable, "-c", _KILLED_AT, str(at)],
            cwd=site,
            capture_output=True,
            text=True,
            start_new_session=True,
        )
        if killed.returncode != -signal.SIGKILL:  # the update wrote fewer files than that
            assert killed.returncode == 0, killed.stderr[-2000:]
            break
        public = site / "public"
        pages = [p for p in public.rglob("*.html") if not p.name.startswith(".")]
        assert all(p.read_bytes().rstrip().endswith(b"</html>") for p in pages), at
        assert manifest.read(manifest.location(load_config(site / "site.toml"), public)) is None, at
        assert run(site).kind == "full" and tree(public) == clean_build(site), at
    else:
        pytest.fail("the update wrote more files than the last point: kill it later too")


def feed_files(site: Path) -> dict[str, tuple[bytes, int]]:
    """Each feed and sitemap file: its bytes and modification time."""
    found = {}
    for path in (site / "public").rglob("*"):
        if path.suffix in (".atom", ".xml", ".txt") and path.is_file():
            found[path.relative_to(site / "public").as_posix()] = (path.read_bytes(), path.stat().st_mtime_ns)
    return found


@pytest.mark.parametrize("days", [["2024-01-31"], ["2024-01-31", "2026-08-13", "2026-08-22"]])
def test_new_days_on_a_site_with_a_base_url_write_only_the_feeds_they_change(
    small_pages: Path, days: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Feeds and the sitemap are on the fast path: the feeds of the new papers' channels and
    categories, and the site's, are made again; the others are not even rendered."""
    config = small_pages / "site.toml"
    config.write_text(config.read_text(encoding="utf-8") + '\nbase_url = "https://example.org/digest/"\n')
    assert run(small_pages).kind == "full"
    before = feed_files(small_pages)
    rendered: list[str] = []
    render = feeds._Feeds.feed
    monkeypatch.setattr(feeds._Feeds, "feed", lambda self, feed: (rendered.append(feed.path), render(self, feed))[1])
    for day in days:
        for file in corpus_day(day):
            add_corpus_file(small_pages, file)
    result = run(small_pages)
    assert added(result), result.profile.notes
    made = set(rendered)  # not those of the clean build
    assert_same_as_clean(small_pages, result)
    after = feed_files(small_pages)
    changed = {path for path in after if before.get(path, (b"", 0))[0] != after[path][0]}
    assert "feeds/all.atom" in changed and "sitemap.xml" in changed
    unchanged = set(before) - changed
    assert unchanged and all(after[path][1] == before[path][1] for path in unchanged)  # not written again
    assert made == {path for path in changed if path.endswith(".atom")}
    assert len(made) < len([path for path in after if path.endswith(".atom")])


def test_papers_listed_again_head_the_feeds_with_their_new_text(small_pages: Path) -> None:
    """A paper listed again is dated by its newest listing: it heads its feeds again, with the
    new text, among the new days' papers, and the papers after it keep their order."""
    config = small_pages / "site.toml"
    config.write_text(config.read_text(encoding="utf-8") + '\nbase_url = "https://example.org/"\n')
    run(small_pages)
    earlier = small_pages / "content" / "arxiv" / CORPUS[0].parent.name / CORPUS[0].name
    again = small_pages / "content" / "arxiv" / "2030-01-01" / CORPUS[0].name  # in the same channel
    again.parent.mkdir(parents=True)
    again.write_text(earlier.read_text(encoding="utf-8").replace("。", "！", 3), encoding="utf-8")
    add_corpus_file(small_pages, corpus_day("2024-01-31")[0], date="2030-01-01")
    result = run(small_pages)
    assert added(result), result.profile.notes
    assert_same_as_clean(small_pages, result)


def test_two_new_channels_on_one_feed_path_are_left_to_the_whole_site(small_pages: Path) -> None:
    """`ML News` (front matter) and `ml-news` (a file's name) fold to one feed path: the first
    in order gets it, as a clean build decides."""
    config = small_pages / "site.toml"
    config.write_text(config.read_text(encoding="utf-8") + '\nbase_url = "https://example.org/"\n')
    run(small_pages)
    text = corpus_day("2024-01-31")[0].read_text(encoding="utf-8")
    day = small_pages / "content" / "arxiv" / "2030-01-01"
    day.mkdir(parents=True)
    (day / "ml-news.md").write_text(text, encoding="utf-8")
    (day / "other.md").write_text("---\nchannel: ML News\n---\n" + text, encoding="utf-8")
    result = run(small_pages)
    assert_same_as_clean(small_pages, result)
    assert not added(result) and any("two feeds share a path" in note for note in result.profile.notes)
