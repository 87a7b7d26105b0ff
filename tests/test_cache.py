"""The cache folder holds data, never code: a file there that is not what digest wrote (damaged,
or planted, as a cache restored in CI can be) is reported in one line, the cache is cleared and
the site built in full, as a clean build makes it (issue: every promise holds under attack,
point 9)."""

from __future__ import annotations

import dataclasses
import hashlib
import os
import pickle
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from test_additions import made_for
from test_incremental import CORPUS, SEED, add_corpus_file, clean_build, edit_a_summary, run, tree

from digest import codec
from digest.config import load_config
from digest.errors import Diagnostic
from digest.incremental import catalog, manifest
from digest.incremental.cache import CACHE_FOLDER, Cache, keep_sealed
from digest.inputs import load
from digest.model import DigestFile, Paper, Record
from digest.search import Part, Segment
from digest.summary import Tally
from digest.workers import Parsed


@pytest.fixture
def site(seed_site: Path) -> Path:
    """The seeds and three corpus days, built (as test_incremental's)."""
    for file in CORPUS[:3]:
        add_corpus_file(seed_site, file)
    assert run(seed_site).kind == "full"
    return seed_site


class _Payload:
    """What a planted pickle does when it is read: make a folder."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Callable[[str], None], tuple[str]]:
        return (os.mkdir, (str(self.marker),))


def _kept(site: Path) -> tuple[Path, catalog.Files]:
    where = manifest.location(load_config(site / "site.toml"), site / "public")
    return where, catalog.location(where)


def _a_new_day(site: Path) -> None:
    """A day an update adds to what the cache holds (`digest.incremental.additions`)."""
    add_corpus_file(site, next(file for file in CORPUS if file.parent.name == "2023-10-04"))


# What holds each kind of cache file, whether its bytes are sealed with their hash, and a change
# that makes the next build read it.
PLANTED: dict[str, tuple[Callable[[Path], list[Path]], bool, Callable[[Path], None]]] = {
    "manifest": (lambda site: [_kept(site)[0]], False, lambda site: None),
    "catalog": (lambda site: [_kept(site)[1].catalog], True, _a_new_day),
    "paper store": (lambda site: [_kept(site)[1].store], False, _a_new_day),
    "search shape": (lambda site: [_kept(site)[1].search], True, _a_new_day),
    "parse cache": (lambda site: sorted((site / ".digest-cache" / "parsed").iterdir()), False, edit_a_summary),
    "search cache": (lambda site: sorted((site / ".digest-cache" / "search").iterdir()), False, edit_a_summary),
}


@pytest.mark.parametrize("kind", list(PLANTED))
def test_a_planted_pickle_is_never_run_and_the_build_is_a_full_one(site: Path, kind: str) -> None:
    files, sealed, change = PLANTED[kind]
    marker = site.parent / "ran"
    planted = pickle.dumps(_Payload(marker))
    if sealed:  # as an attacker who knows the seal would write it
        planted = hashlib.sha256(planted).hexdigest()[:32].encode("ascii") + planted
    targets = files(site)
    assert targets
    for target in targets:
        target.write_bytes(planted)
    change(site)
    result = run(site)
    assert not marker.exists()
    assert result.kind == "full"
    assert any(str(target) in result.unfit for target in targets), result.unfit
    assert tree(site / "public") == clean_build(site)
    assert not any(target.exists() and target.read_bytes() == planted for target in targets), "the cache was cleared"
    assert run(site).kind == "none"


def test_a_planted_cache_is_reported_in_one_line(site: Path) -> None:
    where, _ = _kept(site)
    where.write_bytes(pickle.dumps(_Payload(site.parent / "ran")))
    done = subprocess.run(
        [sys.executable, "-m", "digest", "build"], cwd=site, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    about = [line for line in done.stderr.splitlines() if "cache" in line]
    assert about == [
        f"warning: the build cache was cleared and the site built in full: {where}: not JSON (UnicodeDecodeError)"
    ]
    assert "Traceback" not in done.stderr
    assert not (site.parent / "ran").exists()


@pytest.mark.parametrize("full", [False, True], ids=["a new day extends the kept part", "a full build"])
def test_a_search_document_from_the_cache_must_be_json(site: Path, full: bool) -> None:
    """The index's files hold its documents as they are: one that would end the script's JSON
    and run code is not taken from the cache, whether from the part a new day extends or from
    a segment as written."""
    attack = '"x"]);document.title="ran";(["'
    planted = set()
    for entry in (site / ".digest-cache" / "search").iterdir():
        for kind in (Part, Segment):
            try:
                value = codec.decode(entry.read_bytes(), kind)
            except codec.Unfit:
                continue
            value.documents[0] = attack
            entry.write_bytes(codec.encode(value))
            planted.add(kind)
    assert planted == {Part, Segment}
    if not full:
        _a_new_day(site)
    result = run(site, full=full)
    assert "a search document that is not JSON" in result.unfit
    assert tree(site / "public") == clean_build(site)
    assert not any(b"document.title" in data for data in tree(site / "public").values())


def test_the_cache_never_writes_through_a_link_planted_in_it(tmp_path: Path) -> None:
    folder = tmp_path / CACHE_FOLDER
    folder.mkdir()
    outside = tmp_path / "outside.txt"
    outside.write_text("mine")
    (folder / f"entry.json.tmp-{os.getpid()}").symlink_to(outside)
    Cache(folder).put("entry", codec.encode([1, 2]))
    assert outside.read_text() == "mine"
    assert Cache(folder).get("entry", list[int]) == [1, 2]


def test_a_cache_file_that_is_a_pipe_or_a_link_is_unfit_at_once(tmp_path: Path) -> None:
    # In a child process with a time limit: reading a pipe with no writer would never end.
    script = f"""
import os
from pathlib import Path
from digest import codec
folder = Path({str(tmp_path)!r})
os.mkfifo(folder / "pipe.json")
(folder / "real.json").write_bytes(codec.encode([1]))
(folder / "link.json").symlink_to(folder / "real.json")
for name in ("pipe.json", "link.json"):
    try:
        codec.read(folder / name, list[int])
    except codec.Unfit as unfit:
        print(unfit)
print(codec.read(folder / "missing.json", list[int]))
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.stdout.splitlines() == [
        f"{tmp_path / 'pipe.json'}: not a regular file",
        f"{tmp_path / 'link.json'}: cannot be read (Too many levels of symbolic links)",
        "None",
    ], done.stderr


def test_the_sites_values_come_back_from_the_cache_as_they_were(seed_site: Path) -> None:
    config = load_config(seed_site / "site.toml")
    loaded = load(config)
    assert loaded.site.papers
    for paper in loaded.site.papers:
        again = codec.decode(codec.encode(paper), Paper)
        assert again == paper and type(again.authors) is tuple and type(again.appearances) is tuple
    for digest in loaded.site.digests:
        again = codec.decode(codec.encode((digest, loaded.diagnostics, Tally(3, 2, 1, [("a", 1)]))), Parsed)
        assert again == (digest, loaded.diagnostics, Tally(3, 2, 1, [("a", 1)]))
    assert codec.decode(codec.encode({"x": b"\xff\xfe"}), dict[str, bytes]) == {"x": b"\xff\xfe"}
    assert codec.decode(codec.encode(frozenset({"b", "a"})), frozenset[str]) == frozenset({"a", "b"})
    lone = "name\udcff"  # a file name that is not UTF-8, as Python reads it
    assert codec.decode(codec.encode([lone]), list[str]) == [lone]


RECORD = codec.encode(Record("a.md", 3, "arxiv", 1, "Title"))
DIAGNOSTIC = codec.encode(Diagnostic("a.md", 1, 1, "error", "m", "h"))


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (b"", list[int]),
        (b"\x80", list[int]),
        (b"[" + b"9" * 5000 + b"]", list[int]),  # past Python's limit on the digits of an int
        (b"[" * 100_000 + b"]" * 100_000, list[int]),
        (b'["1"]', list[int]),
        (b"[true]", list[int]),
        (b"[1.5]", list[int]),
        (b'{"a": 1}', list[int]),
        (b'[1, "x"]', tuple[int, int]),
        (b"[1, 2, 3]", tuple[int, int]),
        (RECORD.replace(b'"arxiv"', b'"pickle"'), Record),  # a format that is none of the two
        (RECORD.replace(b'"a.md",3', b'"a.md","3"'), Record),
        (RECORD[:-1] + b',"more"]', Record),
        (DIAGNOSTIC.replace(b'"error"', b'"fatal"'), Diagnostic),
        (DIAGNOSTIC.replace(b'"m"', b'{"__reduce__": "os.system"}'), Diagnostic),
        (b'["a.md", "a.md", "arxiv", [{"x": 1}]]', DigestFile),
        (b'{"a": [1, "2"]}', dict[str, tuple[int, int]]),
        (b"[[1, 2]]", dict[str, int]),
    ],
)
def test_a_value_not_of_the_type_asked_for_is_unfit(data: bytes, kind: type) -> None:
    with pytest.raises(codec.Unfit):
        codec.decode(data, kind)


def test_an_older_manifest_is_ignored_not_reported(site: Path) -> None:
    """A cache left by an earlier version of digest is of no use, and nothing is wrong with it."""
    where, _ = _kept(site)
    where.write_bytes(b'{"format":3,"version":"0.1.0","inputs":{}}')
    assert manifest.read(where) is None
    (site / SEED).write_text((site / SEED).read_text(encoding="utf-8") + "\n", encoding="utf-8")
    result = run(site)
    assert result.kind == "full" and not result.unfit


def test_a_path_from_the_cache_never_leads_outside_the_output_folder(site: Path) -> None:
    """Well-formed cache files, as someone who knows their shape would write them, whose paths
    lead outside: the manifest's (whose files a build removes when they are gone from the site)
    and the catalog's (whose pages an update writes)."""
    where, files = _kept(site)
    victim = site.parent / "victim.html"
    victim.write_text("mine")
    old = manifest.read(where)
    assert old is not None
    outputs = {**old.outputs, "../victim.html": "=" + "0" * 32}
    manifest.write(where, dataclasses.replace(old, outputs=outputs))
    edit_a_summary(site)
    result = run(site)
    assert "an output path outside the output folder" in result.unfit
    assert victim.read_text() == "mine"

    old = manifest.read(where)  # the files a build looks at, read by every build, even one with nothing to do
    assert old is not None
    watched = [*old.head.watched, ("..", ["victim.html"])]
    manifest.write(where, dataclasses.replace(old, head=dataclasses.replace(old.head, watched=watched)))
    result = run(site)
    assert "an output path outside the output folder" in result.unfit
    assert victim.read_text() == "mine"

    kept = catalog.read(files.catalog, catalog.made_for(*made_for(where)))
    assert kept is not None
    keep_sealed(files.catalog, dataclasses.replace(kept, all_pages=("../victim.html",)))
    _a_new_day(site)
    result = run(site)
    assert f"{files.catalog}: a page outside the output folder" in result.unfit
    assert victim.read_text() == "mine"
    assert tree(site / "public") == clean_build(site)


def test_a_link_in_the_cache_never_leads_the_build_to_a_readers_files(site: Path) -> None:
    """The parse cache's folder replaced by a link to a folder of the reader's: nothing there is
    removed or added, and the build is a full one."""
    mine = site.parent / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("mine")
    (mine / f"{'0' * 32}.json").write_text("mine too")
    parsed = site / ".digest-cache" / "parsed"
    shutil.rmtree(parsed)
    parsed.symlink_to(mine, target_is_directory=True)
    edit_a_summary(site)
    result = run(site)
    assert f"{parsed}: a link" in result.unfit and result.kind == "full"
    assert sorted(p.name for p in mine.iterdir()) == [f"{'0' * 32}.json", "notes.txt"]
    assert not parsed.is_symlink() and any(parsed.iterdir())
    assert tree(site / "public") == clean_build(site)


def test_a_cache_file_too_large_to_be_ours_is_unfit_unread(site: Path) -> None:
    """A sparse file of 2 GiB in the manifest's place: reading it would fill memory."""
    where, _ = _kept(site)
    with where.open("r+b") as file:
        file.truncate(2 << 30)
    result = run(site)
    assert f"{where}: larger than any cache file digest writes" in result.unfit and result.kind == "full"
    assert where.stat().st_size < codec.LARGEST
