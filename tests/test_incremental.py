"""Incremental builds: a build redoes only what changed since the last one, and what it leaves
is byte for byte what a clean build would make (issue: scale and speed, points 3 and 4)."""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import REPO, SHARED

from digest import hashing
from digest.build import BuildResult, build
from digest.config import load_config
from digest.errors import DigestError
from digest.hashing import code_stamp
from digest.incremental import manifest
from digest.incremental.cache import CACHE_FOLDER
from digest.inputs import load
from digest.model import Paper
from digest.write import MARKER, Target, UpdateInterrupted

CORPUS = sorted((SHARED / "corpus" / "cn-chat-arxiv").glob("*/*.md"))
SEED = "content/arxiv/2023-10-03/cs.CL.md"


@pytest.fixture
def site(seed_site: Path) -> Path:
    """The seeds and three corpus digests, built once into public/."""
    for file in CORPUS[:3]:
        add_corpus_file(seed_site, file)
    assert run(seed_site).kind == "full"
    return seed_site


def add_corpus_file(root: Path, file: Path, date: str = "") -> Path:
    """Copies a corpus digest into the site, in its own date's folder or in `date`'s."""
    target = root / "content" / "arxiv" / (date or file.parent.name) / file.name
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(file, target)
    return target


def run(root: Path, output: str = "public", jobs: int = 1, full: bool = False) -> BuildResult:
    return build(load_config(root / "site.toml"), output=root / output, jobs=jobs, full=full)


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def identities(folder: Path) -> dict[str, tuple[int, int]]:
    """Each file's inode and modification time: the same pair means the file was not touched.
    The marker aside: every build that writes sets its time (`digest.write.mark`)."""
    return {
        p.relative_to(folder).as_posix(): (p.stat().st_ino, p.stat().st_mtime_ns)
        for p in folder.rglob("*")
        if p.is_file() and p.name != MARKER
    }


def clean_build(root: Path) -> dict[str, bytes]:
    """A full build of a copy of the site, which has nothing kept from other builds (no manifest,
    no parsed file, no search part) and leaves the site's own cache alone."""
    copy = root.parent / "clean-site"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(root, copy, ignore=shutil.ignore_patterns(CACHE_FOLDER, "public", "clean"))
    assert run(copy, "clean", full=True).kind == "full"
    return tree(copy / "clean")


def edit_a_summary(root: Path) -> None:
    seed = root / SEED
    text = seed.read_text(encoding="utf-8")
    first = text.index("    ", text.index("# 详细"))  # a detail block's first indented line
    seed.write_text(text[:first] + "    改过的" + text[first + 4 :], encoding="utf-8")


def edit_an_abstract(root: Path) -> None:
    """An edit that leaves every title, so every list's order, as it was."""
    seed = root / SEED
    text = seed.read_text(encoding="utf-8")
    edited = text.replace("Large Language Models (LLMs) can acquire", "Large Language Models (LLMs) may acquire", 1)
    assert edited != text
    seed.write_text(edited, encoding="utf-8")


def add_a_file(root: Path) -> None:
    add_corpus_file(root, CORPUS[5])


def delete_a_file(root: Path) -> None:
    (root / "content" / "arxiv" / CORPUS[1].parent.name / CORPUS[1].name).unlink()


def delete_the_venues(root: Path) -> None:
    """The site's only venue collection goes, and with it the link to the venues on every page."""
    (root / "content" / "venues" / "neurips-2023" / "language-modeling.md").unlink()


def override_a_template(root: Path) -> None:
    (root / "templates").mkdir(exist_ok=True)
    builtin = (REPO / "templates" / "paper.html").read_text(encoding="utf-8")
    (root / "templates" / "paper.html").write_text(builtin + "{# overridden #}\n<!-- mine -->\n", encoding="utf-8")


def change_the_config(root: Path) -> None:
    with (root / "site.toml").open("a", encoding="utf-8") as config:
        config.write('\nbase_url = "https://example.org/papers/"\n')
    text = (root / "site.toml").read_text(encoding="utf-8")
    (root / "site.toml").write_text(text.replace("page_size = 200", "page_size = 50"), encoding="utf-8")


CHANGES: dict[str, tuple[Callable[[Path], None], str]] = {
    "new file": (add_a_file, "update"),
    "edited file": (edit_a_summary, "update"),
    "edited abstract": (edit_an_abstract, "update"),
    "deleted file": (delete_a_file, "update"),
    "no venues left": (delete_the_venues, "full"),
    "template change": (override_a_template, "full"),
    "config change": (change_the_config, "full"),
}


@pytest.mark.parametrize("change", list(CHANGES))
def test_a_build_after_a_change_equals_a_clean_build(site: Path, change: str) -> None:
    apply, kind = CHANGES[change]
    apply(site)
    assert run(site).kind == kind
    assert tree(site / "public") == clean_build(site)


def test_a_build_after_an_upgrade_equals_a_clean_build(site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = identities(site / "public")
    # A process computes the code's stamp once; an upgrade is a new process. The stamp is
    # forgotten when the new version comes and again when it goes, so no later test sees it.
    try:
        with monkeypatch.context() as upgraded:
            upgraded.setattr(hashing, "__version__", "99.0")
            code_stamp.cache_clear()
            result = run(site)
            clean = clean_build(site)
    finally:
        code_stamp.cache_clear()
    assert result.kind == "full", "a new version of digest may render any page differently"
    assert tree(site / "public") == clean
    after = identities(site / "public")
    assert after["assets/style.css"] == before["assets/style.css"], "a file that comes out the same is not touched"


def test_a_sites_first_venue_is_linked_from_every_page(site: Path) -> None:
    empty = add_corpus_file(site, CORPUS[-1])  # a digest of no papers: its pages show none
    assert "2026-08-22" in str(empty) and "| --- |\n\n" in empty.read_text(encoding="utf-8")
    venue = site / "content" / "venues" / "neurips-2023" / "language-modeling.md"
    text = venue.read_text(encoding="utf-8")
    venue.unlink()
    run(site)
    assert b'href="venues.html"' not in (site / "public" / "index.html").read_bytes()
    where = manifest.location(load_config(site / "site.toml"), site / "public")
    before = manifest.read(where)
    venue.write_text(text[: text.index("\n## ", text.index("## ") + 3)], encoding="utf-8")  # one paper
    run(site)
    assert tree(site / "public") == clean_build(site), "every page, not only those the venue's papers are on"
    # Each page's fingerprint says it: an update that rendered only some pages would be right too.
    after = manifest.read(where)
    assert before and after
    fingerprints = [
        {p: v.partition("=")[0] for p, v in m.outputs.items() if p.endswith(".html")} for m in (before, after)
    ]
    assert [p for p, value in fingerprints[0].items() if fingerprints[1].get(p) == value] == []
    assert b'href="../venues.html"' in (site / "public" / "papers" / "2310.00212.html").read_bytes()


def test_an_update_touches_only_what_changed(site: Path) -> None:
    public = site / "public"
    before, old = identities(public), tree(public)
    edit_a_summary(site)
    result = run(site)
    after, new = identities(public), tree(public)
    changed = {path for path in new if new[path] != old.get(path)}
    touched = {path for path in after if after[path] != before.get(path)}
    assert result.kind == "update"
    assert changed, "the edit shows on some page"
    assert touched == changed, "exactly the files whose bytes changed are written"
    assert result.written == len(changed)
    assert len(changed) < len(new) / 10


def test_an_update_removes_pages_the_site_lost(site: Path) -> None:
    gone = site / "content" / "arxiv" / CORPUS[2].parent.name / CORPUS[2].name
    pages_before = set(tree(site / "public"))
    gone.unlink()
    assert run(site).kind == "update"
    pages_after = set(tree(site / "public"))
    assert pages_before - pages_after, "the file's own digest page, at least, is gone"
    assert not [p for p in (site / "public").rglob("*") if p.is_dir() and not any(p.iterdir())]


def test_a_new_day_changes_only_the_first_pages_of_growing_lists(site: Path) -> None:
    """All papers, and each category's, are listed newest first on pages counted from the
    oldest end: a day later than all others changes a list's first page, adds pages after it
    and changes the page that then follows them (its link to newer papers). The other pages
    are left as they were, untouched."""
    config = site / "site.toml"
    config.write_text(config.read_text(encoding="utf-8").replace("page_size = 200", "page_size = 10"), encoding="utf-8")
    assert run(site).kind == "full"
    before = identities(site / "public")
    add_corpus_file(site, CORPUS[-1])  # the newest of all
    assert run(site).kind == "update"
    after = identities(site / "public")
    now = load(load_config(config)).site
    untouched = 0
    for collection in (now.all_papers, *now.categories):
        older = [page for page in collection.pages[1:] if page in before]
        allowed = {collection.pages[0], *(page for page in collection.pages if page not in before), *older[:1]}
        changed = {page for page in collection.pages if before.get(page) != after[page]}
        assert changed <= allowed, collection.key
        untouched += len(collection.pages) - len(changed)
    assert len(now.all_papers.pages) > 10 and untouched > 10
    assert tree(site / "public") == clean_build(site)


def test_nothing_changed_means_nothing_read_or_written(site: Path) -> None:
    (site / SEED).write_text((site / SEED).read_text(encoding="utf-8") + "\n| [^1] | broken |\n", encoding="utf-8")
    first = run(site)
    assert first.summary.diagnostics, "the broken row is reported"
    before = identities(site / "public")
    again = run(site)
    assert (again.kind, again.written, again.site) == ("none", 0, None)
    assert again.summary == first.summary, "the same report, diagnostics and all"
    assert identities(site / "public") == before


def test_a_build_with_nothing_to_do_imports_none_of_what_pages_need(site: Path) -> None:
    """Templates, Markdown, YAML, formulas, feeds and the server are imported where they are
    used, and the pipeline, the parser and the pages only when there is work: a build that finds
    nothing changed, the one a daily check runs most, needs none of them."""
    script = (
        "import sys; from click.testing import CliRunner; from digest.cli import main; "
        "result = CliRunner().invoke(main, ['build']); assert 'nothing changed' in result.output, result.output; "
        "print(' '.join(sorted(sys.modules)))"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=site, capture_output=True, text=True, check=True)
    imported = set(done.stdout.split())
    assert {"digest.build", "digest.incremental.check"} <= imported
    libraries = {name.partition(".")[0] for name in imported}
    assert libraries.isdisjoint({"jinja2", "markdown_it", "yaml", "latex2mathml", "feedparser", "watchfiles"})
    ours = {"digest.pipeline", "digest.parse", "digest.inputs", "digest.render", "digest.search", "digest.importer"}
    assert imported.isdisjoint(ours), sorted(imported & ours)


def test_a_build_with_nothing_to_do_reads_only_the_manifests_first_line(site: Path) -> None:
    """What a no-op needs (inputs, stamp, the output files' times, the summary) is the manifest's
    first line; the rest (every output's hash, 7 MB on the whole history) is read only for work.
    With the rest damaged, nothing changed is still nothing; the first build with work finds it."""
    where = manifest.location(load_config(site / "site.toml"), site / "public")
    first, _, rest = where.read_bytes().partition(b"\n")
    assert first and rest
    where.write_bytes(first + b"\n" + rest[: len(rest) // 2])
    again = run(site)
    assert (again.kind, again.unfit, again.summary) == ("none", "", run(site).summary)
    edit_a_summary(site)
    mended = run(site)
    assert mended.kind == "full" and f"{where}: not JSON" in mended.unfit
    assert tree(site / "public") == clean_build(site)


def test_a_touched_file_with_the_same_bytes_rewrites_nothing(site: Path) -> None:
    before = identities(site / "public")
    os.utime(site / SEED, ns=(1, 1))
    result = run(site)
    assert result.kind == "update" and result.written == 0
    assert identities(site / "public") == before
    assert run(site).kind == "none", "the new modification time is remembered"


def test_output_is_the_same_for_any_number_of_workers(site: Path) -> None:
    add_a_file(site)
    one = run(site, "one", jobs=1, full=True)
    two = run(site, "two", jobs=2, full=True)
    three = run(site, "three", jobs=3, full=True)
    assert one.pages == two.pages == three.pages
    assert tree(site / "one") == tree(site / "two") == tree(site / "three")


def test_an_update_on_workers_equals_a_clean_build(site: Path) -> None:
    for file in (CORPUS[3], CORPUS[5]):
        add_corpus_file(site, file)
    assert run(site, jobs=2).kind == "update"
    assert tree(site / "public") == clean_build(site)


def test_a_killed_update_is_mended_by_the_next_build(site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    edit_a_summary(site)
    add_a_file(site)
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
        with pytest.raises(UpdateInterrupted):  # the command says the site is part-updated
            run(site)
    assert run(site).kind == "full", "no manifest survives a killed update"
    assert tree(site / "public") == clean_build(site)


def test_a_replaced_output_folder_is_built_in_full(site: Path) -> None:
    shutil.rmtree(site / "public")
    assert run(site).kind == "full"
    other = run(site, "public-2")
    assert other.kind == "full", "each output folder has its own manifest"
    shutil.rmtree(site / "public")
    shutil.copytree(site / "public-2", site / "public")  # another build's site in our folder
    assert run(site).kind == "full"


def test_the_manifest_is_kept_outside_the_site(site: Path) -> None:
    cache = site / CACHE_FOLDER
    assert list(cache.glob("build-*.json")), "the manifest is in the cache folder"
    assert (cache / ".gitignore").read_text().splitlines()[-1] == "*"
    assert not [p for p in tree(site / "public") if "manifest" in p or p.endswith(".json")]


def test_only_changed_files_are_parsed_again(site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import digest.workers

    parsed: list[str] = []
    parse = digest.workers.parse_file

    def counting(name: str, content_path: str, data: bytes) -> object:
        parsed.append(name)
        return parse(name, content_path, data)

    monkeypatch.setattr(digest.workers, "parse_file", counting)
    edit_a_summary(site)
    delete_a_file(site)
    assert run(site).kind == "update"
    assert parsed == [SEED]
    entries = list((site / CACHE_FOLDER / "parsed").glob("*.json"))
    assert len(entries) == len(list((site / "content").rglob("*.md"))), "the deleted file's entry is gone"


def test_only_changed_files_are_read_again(site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file whose size and modification time are as the last build saw them is taken from the
    parse cache by the hash the manifest kept, unread; touched, it is read (and found the same)."""
    read: list[str] = []
    read_bytes = Path.read_bytes

    def counting(path: Path) -> bytes:
        if path.suffix == ".md":
            read.append(path.relative_to(site / "content").as_posix())
        return read_bytes(path)

    an_hour_ago = time.time() - 3600
    for file in (site / "content").rglob("*.md"):  # well before the last build (see `build.RACY`)
        os.utime(file, (an_hour_ago, an_hour_ago))
    assert run(site).written == 0  # the files' times changed, their bytes did not
    monkeypatch.setattr(Path, "read_bytes", counting)
    edit_a_summary(site)
    os.utime(site / "content" / "venues" / "neurips-2023" / "language-modeling.md")
    assert run(site).kind == "update"
    assert sorted(read) == [SEED.removeprefix("content/"), "venues/neurips-2023/language-modeling.md"]
    monkeypatch.undo()
    assert tree(site / "public") == clean_build(site)


def test_a_file_changed_in_the_last_builds_last_moments_is_read_again(site: Path) -> None:
    """A file rewritten with the same size and time it had when the last build read it, so
    soon after that a coarse clock keeps its time, is still read when the build reads others."""
    file = site / "content" / "arxiv" / CORPUS[0].parent.name / CORPUS[0].name
    status = file.stat()
    # The last build ended a second after the file's time, however long it took.
    where = manifest.location(load_config(site / "site.toml"), site / "public")
    os.utime(where, ns=(status.st_atime_ns, status.st_mtime_ns + 1_000_000_000))
    text = file.read_text(encoding="utf-8")
    first = text.index("。", text.index("# 详细"))  # a full stop of a summary, as a comma
    file.write_text(text[:first] + "，" + text[first + 1 :], encoding="utf-8")
    os.utime(file, ns=(status.st_atime_ns, status.st_mtime_ns))
    assert file.stat().st_size == status.st_size
    edit_a_summary(site)
    assert run(site).kind == "update"
    assert tree(site / "public") == clean_build(site)


def test_names_that_are_not_utf8_keep_their_own_files(site: Path) -> None:
    """Two file names that differ only in bytes that are not UTF-8 show as the same name; each
    keeps its own bytes, and the manifest that holds them can be read."""
    folder = site / "content" / "arxiv" / "2024-02-01"
    folder.mkdir(parents=True)
    for byte, file in zip((b"\xfe", b"\xff"), CORPUS[3:5], strict=True):
        Path(os.fsdecode(bytes(folder) + b"/cs" + byte + b".md")).write_bytes(file.read_bytes())
    an_hour_ago = time.time() - 3600
    for file in (site / "content").rglob("*.md"):
        os.utime(file, (an_hour_ago, an_hour_ago))
    assert run(site).kind == "update"
    edit_a_summary(site)
    assert run(site).kind == "update", "the manifest was read"
    assert tree(site / "public") == clean_build(site)


def test_parsing_on_workers_reads_the_same_site(site: Path) -> None:
    from digest.inputs import load

    for file in CORPUS[3:]:
        add_corpus_file(site, file)
    config = load_config(site / "site.toml")
    alone, shared = load(config, jobs=1), load(config, jobs=2)
    assert len(alone.site.papers) > 1000
    assert (shared.site, shared.diagnostics, shared.tally) == (alone.site, alone.diagnostics, alone.tally)


def test_a_second_build_waits_before_it_reads_the_manifest(site: Path) -> None:
    """Two builds into one folder take turns from the manifest on: the second must not plan an
    update from a manifest the first is replacing."""
    import subprocess
    import sys
    import time

    from digest.write import one_build_at_a_time

    where = manifest.location(load_config(site / "site.toml"), site / "public")
    edit_a_summary(site)
    with one_build_at_a_time(site / "public"):  # another build, still running
        command = [sys.executable, "-m", "digest", "build"]
        second = subprocess.Popen(command, cwd=site, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(3)
        assert second.poll() is None, "the second build waits"
        assert where.exists(), "and has not begun to update the site"
    out, err = second.communicate(timeout=120)
    assert second.returncode == 0, err
    assert "files rewritten" in out


def indexed_dates(site: Path, monkeypatch: pytest.MonkeyPatch, change: Callable[[], object]) -> list[set[str]]:
    """Makes `change` and builds; returns, for each part of the search index the build made
    again, the first dates of its papers."""
    from digest import search

    made: list[list[str]] = []
    index_part = search.index_part

    def counting(papers: list[Paper]) -> search.Part:
        made.append([paper.id for paper in papers])
        return index_part(papers)

    monkeypatch.setattr(search, "index_part", counting)
    change()
    assert run(site).kind == "update"
    first = {paper.id: paper.first_date for paper in load(load_config(site / "site.toml")).site.papers}
    return [{first[paper] for paper in part} for part in made]


def test_the_search_index_indexes_only_the_days_that_changed(site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The cache keeps each segment as written and as a part that later days extend. A new day
    indexes its own papers, and not the two it shares with October 3, whether in the newest
    month or in a new one. A day that only lists papers again indexes nothing. An edit to an
    earlier paper's text indexes its segment again, from all its papers. Each time, the site is
    what a clean build makes of the same content."""
    cache = site / CACHE_FOLDER / "search"

    october = next(f for f in CORPUS if f.parent.name == "2023-10-04")
    assert indexed_dates(site, monkeypatch, lambda: add_corpus_file(site, october)) == [{"2023-10-04"}]
    assert tree(site / "public") == clean_build(site)

    january = next(f for f in CORPUS if f.parent.name == "2024-01-31")
    assert indexed_dates(site, monkeypatch, lambda: add_corpus_file(site, january)) == [{"2024-01-31"}]
    assert len(list(cache.glob("*.json"))) == 3, "the one segment they fit in, its part, the papers' keys"
    assert tree(site / "public") == clean_build(site)

    # October 4's papers listed again on January 30: their text and their first day are as they were.
    assert indexed_dates(site, monkeypatch, lambda: add_corpus_file(site, october, "2024-01-30")) == []
    assert len(list(cache.glob("*.json"))) == 3
    assert tree(site / "public") == clean_build(site)

    # An abstract of October 3 edited, then a summary: the segment is indexed again.
    days = {paper.first_date for paper in load(load_config(site / "site.toml")).site.papers}
    assert indexed_dates(site, monkeypatch, lambda: edit_an_abstract(site)) == [days]
    assert tree(site / "public") == clean_build(site)
    assert indexed_dates(site, monkeypatch, lambda: edit_a_summary(site)) == [days]
    assert len(list(cache.glob("*.json"))) == 3
    assert tree(site / "public") == clean_build(site)


def test_search_keys_are_made_again_only_for_papers_that_changed(site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The search index finds which papers' text changed by their `search_key`, which it keeps by
    the fingerprint of each paper's page: a new day makes the keys of its own papers only."""
    from digest import search

    made: list[str] = []
    search_key = search.search_key
    monkeypatch.setattr(search, "search_key", lambda paper: made.append(paper.id) or search_key(paper))
    october = add_corpus_file(site, next(f for f in CORPUS if f.parent.name == "2023-10-04"))
    assert run(site).kind == "update"
    monkeypatch.undo()
    source = october.relative_to(site).as_posix()
    papers = load(load_config(site / "site.toml")).site.papers
    listed = [p.id for p in papers if any(r.source == source for r in p.appearances)]
    assert sorted(made) == sorted(listed) and made
    assert tree(site / "public") == clean_build(site)


def made_pages(site: Path, monkeypatch: pytest.MonkeyPatch, change: Callable[[], object]) -> set[str]:
    """Makes `change` and updates the site; returns the pages the update rendered."""
    from digest.render import Pages

    rendered: list[str] = []
    render = Pages.render
    monkeypatch.setattr(Pages, "render", lambda pages, job: (rendered.append(job.path), render(pages, job))[1])
    change()
    assert run(site).kind == "update"
    monkeypatch.undo()
    return set(rendered)


@pytest.mark.parametrize("own", [False, True], ids=["built-in templates", "the site's own list templates"])
def test_lists_are_not_made_again_for_papers_listed_again_as_before(
    site: Path, monkeypatch: pytest.MonkeyPatch, own: bool
) -> None:
    """A day that lists earlier papers again, with the same text, in the same channel, makes
    their own pages again (they list the new day) and its own digest's and date's pages; the
    lists that showed them before (their categories, their dates, the earlier digests, the
    pages of all papers) show them alike and are not made again, then or on the next such day.
    A site's own list templates may show anything of a paper: its lists are made again."""
    if own:
        (site / "templates").mkdir()
        builtin = (REPO / "templates" / "_macros.html").read_text(encoding="utf-8")
        (site / "templates" / "_macros.html").write_text(builtin + "{# the site's own #}\n", encoding="utf-8")
        assert run(site).kind == "full"
    october = next(f for f in CORPUS if f.parent.name == "2023-10-04")
    add_corpus_file(site, october)
    assert run(site).kind == "update"
    newest = "2023-10-04"
    for date in ("2024-01-30", "2024-02-01"):
        made = made_pages(site, monkeypatch, functools.partial(add_corpus_file, site, october, date))
        # The papers' own pages, the new day's, the date before it (which now links to it), and
        # the lists of every digest, date and category.
        theirs = {page for page in made if page.startswith("papers/") or date in page or page == f"dates/{newest}.html"}
        newest = date
        lists = made - theirs - {page for page in made if "/" not in page and not page.startswith("papers")}
        if own:
            assert any(page.startswith("categories/") for page in lists), sorted(made)
        else:
            assert lists == set(), sorted(lists)
        assert any(page.startswith(f"dates/{date}") for page in made) and any(date in page for page in made)
        assert tree(site / "public") == clean_build(site)


def write_digest(root: Path, path: str, papers: list[tuple[str, str, str]]) -> None:
    """A daily digest at content/arxiv/`path` that lists `papers` (arXiv ID, title, category)."""
    rows = "\n".join(
        f"| [^{n}] | [{title}](http://arxiv.org/abs/{id_}) | 总结{n}。 |" for n, (id_, title, _) in enumerate(papers, 1)
    )
    details = "\n\n".join(
        f"[^{n}]: 标题{n}\n\n    {title}. (arXiv:{id_}v1 [{category}])\n\n    [http://arxiv.org/abs/{id_}](http://arxiv.org/abs/{id_})"
        f"\n\n    总结{n}。\n\n    Summary {n}.\n\n    摘要{n}。\n\n    Abstract {n}."
        for n, (id_, title, category) in enumerate(papers, 1)
    )
    file = root / "content" / "arxiv" / path
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_text(
        f"# 摘要\n\n| Ref | Title | Summary |\n| --- | --- | --- |\n{rows}\n\n# 详细\n\n{details}\n", encoding="utf-8"
    )


@pytest.mark.parametrize("again", [False, True], ids=["a new paper", "and the channel's paper listed again"])
def test_a_new_category_named_as_a_channel_links_the_channels_lists_to_it(site: Path, again: bool) -> None:
    """A channel need not be a category: lists link it to the category of its name once there
    is one. A new day whose paper states the category `mlnews` links the earlier `mlnews`
    digest and date to it, as a clean build does, whether or not it also lists that digest's
    paper again as before."""
    alpha = ("2609.00001", "Alpha", "cs.LG")
    write_digest(site, "2026-09-01/mlnews.md", [alpha])
    assert run(site).kind == "update"
    write_digest(site, "2026-09-02/cs.AI.md", [("2609.00002", "Beta", "mlnews")])
    if again:
        write_digest(site, "2026-09-02/mlnews.md", [alpha])
    run(site)
    public = site / "public"
    assert b"?category=mlnews" in (public / "digests" / "arxiv" / "2026-09-01" / "mlnews.html").read_bytes()
    assert b"categories/mlnews.html" in (public / "dates" / "2026-09-01.html").read_bytes()
    assert tree(site / "public") == clean_build(site)


def test_a_new_day_leaves_the_earlier_segments_of_the_search_index(site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The terms are split into segments of whole days, so a day later than all others changes
    the files of the last segment (which it joins, or follows) and no others. The cache keeps
    each segment, and the part of the last alone, which the new day's papers extend."""
    from digest import search

    monkeypatch.setattr(search, "SEGMENT_SIZE", 60)
    assert run(site, full=True).kind == "full"
    before = identities(site / "public" / "search" / "t")
    segments = {path.split("/")[0] for path in before}
    assert len(segments) > 3
    kept = list((site / CACHE_FOLDER / "search").glob("*.json"))
    assert len(kept) == len(segments) + 2, "each segment, the last one's part, the papers' keys"
    new_day = next(f for f in CORPUS if f.parent.name == "2026-08-13")  # the last day that lists papers
    assert set().union(*indexed_dates(site, monkeypatch, lambda: add_corpus_file(site, new_day))) == {"2026-08-13"}
    after = identities(site / "public" / "search" / "t")
    changed = {path.split("/")[0] for path in after if before.get(path) != after[path]}
    last = str(len(segments) - 1)
    assert changed - {last} == {path.split("/")[0] for path in after} - segments, "the last, and new ones"
    assert {path for path in before if path.split("/")[0] != last} <= set(after)
    assert tree(site / "public") == clean_build(site)


def test_the_collector_runs_only_while_pages_render_in_the_builds_process(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The build pauses the cyclic garbage collector in its own process, down to writing the
    manifest, but not while pages render there (with one worker): rendering makes garbage."""
    import gc

    from digest.render import Pages

    rendering: list[bool] = []
    writing: list[bool] = []
    render, write = Pages.render, manifest.write
    monkeypatch.setattr(Pages, "render", lambda pages, job: (rendering.append(gc.isenabled()), render(pages, job))[1])
    monkeypatch.setattr(manifest, "write", lambda *args: (writing.append(gc.isenabled()), write(*args))[1])
    edit_a_summary(site)
    assert run(site, jobs=1).kind == "update"
    assert rendering and all(rendering)
    assert writing == [False]
    assert gc.isenabled()


def test_the_garbage_collector_is_as_it_was_after_a_build(site: Path) -> None:
    """Reading pauses the collector; a build, even a failed one, leaves it as it found it."""
    import gc

    edit_a_summary(site)
    gc.disable()
    try:
        assert run(site).kind == "update"
        assert not gc.isenabled()
    finally:
        gc.enable()
    (site / "site.toml").write_text('content = "nowhere"\n', encoding="utf-8")
    with pytest.raises(DigestError, match="nowhere"):
        run(site)
    assert gc.isenabled()


def test_output_files_removed_or_changed_are_made_again(site: Path) -> None:
    """A build that finds its inputs as they were still notices output files removed or changed
    since (by their sizes and times), and makes those again, and only those."""
    public = site / "public"
    paper = next((public / "papers").glob("*.html"))
    (public / "index.html").unlink()
    paper.write_bytes(paper.read_bytes().replace(b"<h1>", b"<h1>DEFACED "))
    (public / "search" / "meta.js").unlink()
    (public / "assets" / "style.css").write_text("body { display: none }", encoding="utf-8")
    untouched = identities(public)
    mended = run(site)
    assert mended.kind == "update" and mended.written == 4, (mended.kind, mended.written)
    assert tree(public) == clean_build(site)
    now = identities(public)
    assert {path for path in untouched if untouched[path] != now[path]} == {paper.relative_to(public).as_posix(),
                                                                            "assets/style.css"}  # fmt: skip
    assert run(site).kind == "none", "and then nothing is left to do"


def test_in_a_folder_known_by_its_time_a_file_removed_or_replaced_is_made_again(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Files of a large folder (the paper pages) are known by the folder's time alone: removing
    or replacing one changes it."""
    monkeypatch.setattr(manifest, "FOLDER_ONLY", 0)
    assert run(site, full=True).kind == "full"  # the state kept with every folder known by its time
    gone, replaced = sorted((site / "public" / "papers").glob("*.html"))[:2]
    gone.unlink()
    copy = replaced.with_name("replacement.tmp")
    copy.write_bytes(replaced.read_bytes().replace(b"<h1>", b"<h1>DEFACED "))
    copy.replace(replaced)
    mended = run(site)
    assert mended.kind == "update" and mended.written == 2, (mended.kind, mended.written)
    assert tree(site / "public") == clean_build(site)


def test_a_file_added_beside_the_pages_is_left_and_checked_once(site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file of the reader's in the output folder (a CNAME) changes the folder's time: the next
    build reads the pages once to find nothing to mend, and keeps the new time."""
    (site / "public" / "CNAME").write_text("papers.example.org\n", encoding="utf-8")
    checks: list[int] = []
    damaged = manifest.damaged
    monkeypatch.setattr(manifest, "damaged", lambda *args: checks.append(1) or damaged(*args))
    assert run(site).kind == "none" and run(site).kind == "none"
    assert checks == [1] and (site / "public" / "CNAME").is_file()


def test_a_copy_of_an_earlier_state_of_the_output_is_built_in_full(site: Path) -> None:
    """A copy that keeps times (`cp -a`) of the site as an earlier build left it is not taken
    for the site the last build left: files the manifest no longer lists would stay."""
    snapshot = site.parent / "snapshot"
    shutil.copytree(site / "public", snapshot)  # copy2: times kept
    (site / "content" / "extra.md").write_bytes(next(iter(CORPUS)).read_bytes())
    assert run(site).kind == "update"
    shutil.rmtree(site / "public")
    shutil.copytree(snapshot, site / "public")
    assert run(site).kind == "full"
    assert tree(site / "public") == clean_build(site)


@pytest.mark.parametrize("jobs", [1, 2])
def test_the_site_size_is_kept_count_of_by_every_build(site: Path, jobs: int) -> None:
    """The size a build reports (for the warning of a site too large to publish) is the bytes
    of the output files, counted by updates from what they write and remove, without a walk."""

    def on_disk() -> int:
        return sum(p.stat().st_size for p in (site / "public").rglob("*") if p.is_file())

    kinds = []
    for change in (lambda: None, lambda: add_corpus_file(site, CORPUS[3]), lambda: edit_a_summary(site),
                   lambda: delete_a_file(site), lambda: (site / "public" / "index.html").unlink()):  # fmt: skip
        change()
        result = run(site, jobs=jobs, full=not kinds)
        kinds.append(result.kind)
        assert result.size == on_disk(), (len(kinds), result.kind)
    assert kinds == ["full", "update", "update", "update", "update"]
    assert run(site).size == on_disk(), "and a build with nothing to do says the same"
