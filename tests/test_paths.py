"""No path escapes: names that come from content become safe, distinct file names (issue 3, point 6).

`urls.slug` and `urls.Paths` are tested on hostile values one by one; then a whole site whose
front matter, file names and folder names are hostile is built, and every file it writes must
land inside the output folder, one page per input, with the offline audit clean.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path, PurePosixPath

import pytest
from conftest import AUDIT
from hypothesis import example, given
from hypothesis import strategies as st
from test_merge import daily, make_site, venue

from digest import urls
from digest.build import build
from digest.config import load_config
from digest.inputs import load
from digest.listing import input_files

SAFE = re.compile(r"[a-z0-9._-]+")
DEVICES = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))}

HOSTILE = [
    "..",
    ".",
    "...",
    "../../x",
    "..\\..\\x",
    "/etc/x",
    "/",
    "C:\\x",
    "c:x",
    "\\\\server\\share",
    "CON",
    "con",
    "con.cl",
    "CON.tar.gz",
    "nul",
    "NUL.",
    "aux",
    "prn.html",
    "LPT1",
    "lpt9.txt",
    "COM1",
    "com0",
    "a" * 300,
    "a" * 299 + "b",
    "中" * 100,  # 300 bytes of UTF-8
    "中" * 99 + "文",
    "",
    " ",
    "\t\n \u3000",
    "\u200b",
    "a\x00b",
    "\x00",
    "x\x00/../../y",
    "cs.CL",
    "cs.cl",
    "CS.CL",
    "NeurIPS 2023",
    "neurips-2023",
    "-",
    "._-",
    "-rf",
    ".hidden",
    "x/../../../etc/passwd",
    "\ud800",  # a lone surrogate, as os.fsdecode makes of a non-UTF-8 file name
    "ﬁle",  # NFKC: "file"
    "Ｃ\u200bＯＮ",  # full-width, with a zero-width space
]


def assert_safe_name(name: str) -> None:
    assert SAFE.fullmatch(name), f"{name!r} has characters outside [a-z0-9._-]"
    assert name not in (".", "..") and ".." not in name.split("/"), f"{name!r} is a parent-folder step"
    assert not name.startswith("."), f"{name!r} is a hidden file name"
    assert name.split(".")[0] not in DEVICES, f"{name!r} is a Windows device name"


@pytest.mark.parametrize("value", HOSTILE, ids=repr)
def test_slug_is_a_safe_short_file_name(value: str) -> None:
    name = urls.slug(value)
    assert_safe_name(name)
    assert 0 < len(name) <= urls.MAX_SLUG <= 80
    assert urls.slug(value) == name, "the same value always gives the same name"


@given(st.from_regex(r"[a-z0-9._-]{0,90}", fullmatch=True) | st.text(max_size=90))
@example("2310.00212")
@example("con")
@example("com1.cl")
@example("a..b")
@example("-a")
@example("a" * 81)
def test_a_safe_value_is_its_own_slug(value: str) -> None:
    """`slug` gives a value it would not change back at once: the same as going through every step."""
    assert urls.slug(value) == urls._slug(value)


def test_slug_keeps_values_apart_where_it_drops_characters() -> None:
    """Values that differ only in what the slug cannot keep (non-ASCII letters, the tail of a long
    name) still get different names, since such names carry a hash of the original."""
    pairs = [("a" * 300, "a" * 299 + "b"), ("中" * 100, "中" * 99 + "文"), ("中文", "日本"), ("", "\u200b")]
    for one, other in pairs:
        assert urls.slug(one) != urls.slug(other), (one[:10], other[:10])


def assert_safe_path(path: str) -> None:
    assert not PurePosixPath(path).is_absolute() and "\\" not in path and "\x00" not in path
    assert path.endswith(".html")
    for part in path.split("/"):
        assert_safe_name(part)
        assert len(part.encode()) <= 120, f"{part!r} is too long a file name"


@pytest.mark.parametrize("kind", ["venue", "category", "date"])
def test_distinct_collection_keys_never_share_a_path(kind: str) -> None:
    paths = urls.Paths()
    claimed = {key: urls.collection_path(paths, kind, key) for key in HOSTILE}
    for path in claimed.values():
        assert_safe_path(path)
    folded = [path.casefold() for path in claimed.values()]
    assert len(set(folded)) == len(HOSTILE), "two keys got one file (on a case-folding file system)"
    # Asking again for the same key gives the same page.
    assert all(urls.collection_path(paths, kind, key) == path for key, path in claimed.items())


def test_distinct_paper_ids_never_share_a_path() -> None:
    paths = urls.Paths()
    ids = [*HOSTILE, "2310.00001", "2310.00001v2", "cs/0101001", "cs-0101001", "iclr-2024/../../x", "iclr-2024/CON"]
    claimed = [urls.paper_path(paths, paper_id) for paper_id in ids]
    for path in claimed:
        assert_safe_path(path)
        assert path.startswith("papers/") and path.count("/") == 1
    assert len({path.casefold() for path in claimed}) == len(ids)


CONTENT_PATHS = [
    "arxiv/2024-01-01/CON.md",
    "arxiv/2024-01-01/con.md",
    "arxiv/2024-01-01/cs.CL.md",
    "arxiv/2024-01-01/cs.cl.md",
    "arxiv/2024-01-01/cs.CL.txt",
    "arxiv/2024-01-01/" + "a" * 247 + ".md",
    "arxiv/2024-01-01/" + "a" * 246 + "b.md",
    "arxiv/2024-01-01/" + "中" * 80 + ".md",
    "..x/y.md",
    "x../y.md",
    "../../etc/passwd.md",
    "/etc/passwd.md",
    "C:\\x.md",
    "nul/aux/prn.md",
    "a b/c d.md",
    "a-b/c-d.md",
    "..md",
    "x.md",
    "x",
]


def test_distinct_digest_sources_never_share_a_path() -> None:
    paths = urls.Paths()
    claimed = [urls.digest_path(paths, content_path) for content_path in CONTENT_PATHS]
    for path in claimed:
        assert_safe_path(path)
        assert path.startswith("digests/")
    assert len({path.casefold() for path in claimed}) == len(CONTENT_PATHS)


def test_kinds_share_one_registry_without_collisions() -> None:
    """A digest page, a paper and collections all claimed through one `Paths`: all different."""
    paths = urls.Paths()
    claimed = [urls.paper_path(paths, value) for value in HOSTILE]
    claimed += [urls.collection_path(paths, kind, value) for kind in ("venue", "category", "date") for value in HOSTILE]
    claimed += [urls.digest_path(paths, content_path) for content_path in CONTENT_PATHS]
    for key in ("CON", "con", "cs.CL", "cs.cl"):  # later pages of collections whose first pages are claimed above
        claimed += paths.paginate("venue", key, urls.collection_path(paths, "venue", key), 3)[1:]
    assert len({path.casefold() for path in claimed}) == len(claimed)


def test_no_page_is_also_a_folder() -> None:
    """A content folder whose name ends in `.html` must not take the place of a sibling's page
    (`a.md` → `digests/a.html`; `a.html/b.md` → `digests/a.html/b.html`)."""
    paths = urls.Paths()
    content_paths = [*CONTENT_PATHS, "a.md", "a.html/b.md", "B.md", "b.HTML/c.md", "x/y.md", "x/y.html/z.md"]
    pages = [urls.digest_path(paths, content_path) for content_path in content_paths]
    folders = {str(parent).casefold() for page in pages for parent in PurePosixPath(page).parents}
    clashes = [page for page in pages if page.casefold() in folders]
    assert not clashes, f"these pages are also folders of other pages: {clashes}"


def test_a_folder_named_like_a_page_builds(tmp_path: Path) -> None:
    site = make_site(tmp_path / "site", {
        "2024-01-01/a.md": daily(("2401.00001", "Beside The Folder")),
        "2024-01-01/a.html/b.md": daily(("2401.00002", "Inside The Folder")),
    })  # fmt: skip
    run = subprocess.run(
        [sys.executable, "-m", "digest", "build"], cwd=site, capture_output=True, text=True, timeout=120
    )
    assert "Traceback" not in run.stderr, run.stderr[-600:]
    assert run.returncode == 0, run.stderr[-600:]
    loaded = load(load_config(site / "site.toml"))
    for page in loaded.site.digest_pages.values():
        assert (site / "public" / page).is_file(), page


# --- a whole site with hostile names --------------------------------------------------------------


def front(**meta: str) -> str:
    lines = "".join(f"{key}: {value}\n" for key, value in meta.items())
    return f"---\n{lines}---\n"


def hostile_site(root: Path) -> Path:
    long_channel = "c" * 300
    forum = "https://openreview.net/forum?id="
    files = {
        # Hostile values in front matter.
        "arxiv/2024-01-01/a.md": front(channel="'../../x'") + daily(("2401.00001", "Climbing Out")),
        "arxiv/2024-01-01/b.md": front(channel="/etc/x") + daily(("2401.00002", "Absolute Channel")),
        "arxiv/2024-01-01/c.md": front(channel=long_channel) + daily(("2401.00003", "Long Channel")),
        "arxiv/2024-01-01/d.md": front(channel="'\u200b'") + daily(("2401.00004", "Invisible Channel")),
        "arxiv/2024-01-01/e.md": front(channel="'...'") + daily(("2401.00005", "Dotted Channel")),
        "arxiv/2024-01-01/f.md": front(channel="CON") + daily(("2401.00006", "Device Channel")),
        "venues/v1/t.md": front(venue="/etc/x", year="2023", topic="CON")
        + venue("Papers about T in X 2023", ("Etc Paper", "oral", forum + "../../x")),
        "venues/v2/t.md": front(venue="'../../x'", topic="'..'")
        + venue("Papers about T in X 2023", ("Climbing Venue Paper", "poster", "https://example.org/..")),
        "venues/v3/t.md": front(venue="CON", year="2024", topic="nul")
        + venue("Papers about T in X 2024", ("Upper Device Paper", "", forum + "CON")),
        "venues/v4/t.md": front(venue="con", year="2024", topic="NUL")
        + venue("Papers about T in X 2024", ("Lower Device Paper", "", forum + "con")),
        "venues/v5/t.md": front(venue="v" * 300, year="2024", topic="t" * 300)
        + venue("Papers about T in X 2024", ("Long Venue Paper", "", "https://example.org/" + "p" * 250)),
        "venues/v6/t.md": front(venue="'C:\\x'", year="2024")
        + venue("Papers about T in X 2024", ("Drive Paper", "", "https://example.org/C:%5Cx")),
        # Hostile file and folder names.
        "arxiv/2024-01-02/CON.md": daily(("2401.00011", "Upper Con File")),
        "arxiv/2024-01-02/con.md": daily(("2401.00012", "Lower Con File")),
        "arxiv/2024-01-02/cs.CL.md": daily(("2401.00013", "Upper Channel File")),
        "arxiv/2024-01-02/cs.cl.md": daily(("2401.00014", "Lower Channel File")),
        "arxiv/2024-01-02/nul.txt": daily(("2401.00015", "Nul Text File")),
        "arxiv/2024-01-02/LPT1.md": daily(("2401.00016", "Printer File")),
        "arxiv/2024-01-02/" + "a" * 247 + ".md": daily(("2401.00017", "Long File Name")),
        "arxiv/2024-01-02/" + "a" * 246 + "b.md": daily(("2401.00018", "Long File Name Two")),
        "arxiv/2024-01-02/" + "中" * 80 + ".md": daily(("2401.00019", "Long Chinese File Name")),
        "..x/2024-01-03/cs.AI.md": daily(("2401.00021", "In A Dot Folder")),
        "x../2024-01-03/cs.AI.md": daily(("2401.00022", "In A Trailing Dot Folder")),
        "con..aux/2024-01-03/cs.AI.md": daily(("2401.00023", "In A Device Folder")),
        "a b/2024-01-03/cs.AI.md": daily(("2401.00024", "In A Spaced Folder")),
        "a-b/2024-01-03/cs.AI.md": daily(("2401.00025", "In A Dashed Folder")),
        "-/2024-01-03/cs.AI.md": daily(("2401.00026", "In A Dash Folder")),
    }
    return make_site(root, files)


def listing(root: Path, skip: Path) -> set[str]:
    """Every file and folder under `root`, except those under `skip`."""
    found: set[str] = set()
    for folder, subfolders, names in os.walk(root):
        subfolders[:] = [d for d in subfolders if Path(folder, d) != skip]
        found.update(os.path.relpath(Path(folder, n), root) for n in [*subfolders, *names])
    return found


def test_hostile_names_in_content_stay_inside_the_output_folder(tmp_path: Path) -> None:
    site = hostile_site(tmp_path / "site")
    public = site / "public"
    before = listing(tmp_path, public)

    run = subprocess.run(
        [sys.executable, "-m", "digest", "build"], cwd=site, capture_output=True, text=True, timeout=120
    )
    assert "Traceback" not in run.stderr, run.stderr[-2000:]
    # The invisible channel may be refused as empty (exit 1: built, with an input error); nothing else may.
    errors = [line for line in run.stderr.splitlines() if ": error: " in line]
    assert all(line.startswith("content/arxiv/2024-01-01/d.md:") for line in errors), run.stderr[-2000:]
    assert run.returncode == (1 if errors else 0), run.stdout + run.stderr

    made = listing(tmp_path, public) - before
    outside = {path for path in made if path.split(os.sep)[:2] != ["site", ".digest-cache"]}
    assert outside == set(), "the build wrote outside its output folder and its cache"
    assert len(list((site / ".digest-cache").glob("build-*.json"))) == 1, "the manifest is in the cache"
    assert public.is_dir()
    root = public.resolve()
    written = [Path(folder, name) for folder, _, names in os.walk(public) for name in names]
    for file in written:
        assert file.resolve().is_relative_to(root), file
        assert not file.is_symlink(), file
        if file.name != ".digest-site":  # the build's own marker
            for part in file.relative_to(public).parts:
                assert_safe_name(part)
    assert len({f.relative_to(public).as_posix().casefold() for f in written}) == len(written)

    # Every input has its own digest page. Inputs are the files `input_files` reads: everything
    # but hidden files and folders (so `..x/` is skipped, and its paper is not published).
    loaded = load(load_config(site / "site.toml"))
    content = site / "content"
    written_inputs = {p.relative_to(content).as_posix() for p in content.rglob("*") if p.is_file()}
    inputs = {f.relative_to(content).as_posix() for f in input_files(content)}
    assert inputs == {p for p in written_inputs if not p.startswith(".")}, "an input was dropped"
    assert set(loaded.site.digest_pages) == {f"content/{p}" for p in inputs}
    pages = list(loaded.site.digest_pages.values())
    assert len({p.casefold() for p in pages}) == len(pages), "two inputs share a digest page"
    for page in pages:
        assert (public / page).is_file(), page

    # Every paper has its page, and each hostile venue its own collection.
    assert len(loaded.site.papers) == len(inputs)
    assert len({p.page.casefold() for p in loaded.site.papers}) == len(inputs)
    for paper in loaded.site.papers:
        assert (public / paper.page).is_file(), paper.page
    venue_pages = [c.pages[0] for c in loaded.site.venues]
    assert len({p.casefold() for p in venue_pages}) == len(venue_pages) == 6
    for page in venue_pages:
        assert (public / page).is_file(), page

    audit = subprocess.run([sys.executable, str(AUDIT), str(public)], capture_output=True, text=True, timeout=120)
    assert audit.returncode == 0, audit.stdout


@pytest.mark.parametrize(
    "path", ["../x.html", "/tmp/x.html", "a/../../x.html", "a\\..\\x.html", "a//x.html", "./x.html", "C:/x.html", ""]
)
@pytest.mark.parametrize("live", [False, True])
def test_the_writer_refuses_paths_that_leave_the_output(tmp_path: Path, path: str, live: bool) -> None:
    """The last guard: whatever path reaches `Target.put`, nothing lands outside its folder."""
    from digest.write import Target

    folder = tmp_path / "out" / "site"
    folder.mkdir(parents=True)
    target = Target(folder, live, folder, {})
    with pytest.raises(ValueError, match="outside the output folder"):
        target.put(path, b"<p>x</p>")
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []
    target.put("papers/x.html", b"<p>x</p>")
    assert (folder / "papers" / "x.html").read_bytes() == b"<p>x</p>"


_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC
_CHANGES = {"os.rename": 2, "os.mkdir": 1, "os.remove": 1, "os.rmdir": 1, "shutil.rmtree": 1, "os.symlink": 2}


def test_only_the_write_module_writes_the_site(seed_site: Path) -> None:
    """The README's claim: `write` is the only module that writes the site. Every file opened for
    writing, made, moved or removed in the site's folder, outside its cache, during a first build
    and an update, is the work of digest.write."""
    site, cache = str(seed_site.resolve()), str((seed_site / ".digest-cache").resolve())
    writers: dict[str, str] = {}
    watching = [True]

    def touched(event: str, args: tuple[object, ...]) -> list[str]:
        if event == "open" and len(args) >= 3 and isinstance(args[0], (str, bytes, os.PathLike)):
            mode, flags = args[1], args[2]
            writing = any(c in mode for c in "wax+") if isinstance(mode, str) else bool(flags & _WRITE_FLAGS)
            return [os.path.abspath(os.fsdecode(args[0]))] if writing else []
        paths = args[: _CHANGES.get(event, 0)]
        return [os.path.abspath(os.fsdecode(p)) for p in paths if isinstance(p, (str, bytes, os.PathLike))]

    def hook(event: str, args: tuple[object, ...]) -> None:
        if not watching[0] or (event != "open" and event not in _CHANGES):
            return
        for path in touched(event, args):
            if path.startswith(site + os.sep) and not (path == cache or path.startswith(cache + os.sep)):
                frame = sys._getframe(1)
                while frame and not str(frame.f_globals.get("__name__", "")).startswith("digest."):
                    frame = frame.f_back
                writers.setdefault(frame.f_globals["__name__"] if frame else "(not digest)", path)

    sys.addaudithook(hook)  # for the rest of the process: `watching` turns it off
    try:
        build(load_config(seed_site / "site.toml"))
        day = seed_site / "content" / "arxiv" / "2024-01-02" / "cs.LG.md"
        watching[0] = False
        day.parent.mkdir()
        day.write_text(daily(("2401.00031", "One more")), encoding="utf-8")
        watching[0] = True
        build(load_config(seed_site / "site.toml"))
    finally:
        watching[0] = False
    assert (seed_site / "public" / "papers" / "2401.00031.html").is_file()
    assert set(writers) == {"digest.write"}, writers
