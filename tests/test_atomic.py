"""Atomic output: a build killed at any moment leaves a complete site (issue 3, point 7).

A build writes into a staging folder beside the output and swaps it in when complete. Here
builds are killed with SIGKILL, at measured moments and at the exact steps of the swap, and
the output folder must then hold either the previous site, byte for byte, or (when the kill
came after the swap) the complete new one; never a part of one, never nothing. Every killed
build changes the site's title, so any page written into the live folder shows. Leftovers
beside the output may not pile up: at most one, and none after a build that ran to its end.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import AUDIT, REPO, SHARED

CORPUS = sorted((SHARED / "corpus" / "cn-chat-arxiv").glob("*/*.md"))
BUILD = [sys.executable, "-m", "digest", "build"]


def make_corpus_site(site: Path, corpus: bool = True) -> Path:
    """The repository's seeds, plus (if `corpus`) the 12 corpus digests under content/arxiv/DATE/NAME."""
    site.mkdir(parents=True)
    shutil.copy(REPO / "site.toml", site / "site.toml")
    shutil.copytree(REPO / "content", site / "content")
    for file in CORPUS if corpus else []:
        target = site / "content" / "arxiv" / file.parent.name / file.name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(file, target)
    return site


def tree(folder: Path) -> dict[str, str]:
    """Every file under `folder` (relative path → SHA-256 of its bytes); {} if there is no folder."""
    return {
        path.relative_to(folder).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def leftovers(site: Path) -> list[str]:
    """What builds left beside the output folder (`.public.tmp-…`, `.public.old-…`, …)."""
    return sorted(path.name for path in site.glob(".public.*"))


def set_title(site: Path, title: str) -> None:
    config = site / "site.toml"
    text, found = re.subn(r"(?m)^title = .*$", f'title = "{title}"', config.read_text(encoding="utf-8"))
    assert found == 1
    config.write_text(text, encoding="utf-8")


def audit(public: Path) -> None:
    run = subprocess.run([sys.executable, str(AUDIT), str(public)], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout[-2000:]


def complete_build(site: Path, output: Path) -> dict[str, str]:
    """The tree a build of the site's current input writes when nothing stops it."""
    run = subprocess.run([*BUILD, "--output", str(output)], cwd=site, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    return tree(output)


@pytest.fixture
def corpus_site(tmp_path: Path) -> Path:
    return make_corpus_site(tmp_path / "site")


def test_builds_killed_at_any_moment_leave_the_previous_site(corpus_site: Path, tmp_path: Path) -> None:
    site, public = corpus_site, corpus_site / "public"
    set_title(site, "Build 0")
    started = time.monotonic()
    first = subprocess.run(BUILD, cwd=site, capture_output=True, text=True, timeout=120)
    seconds = time.monotonic() - started
    assert first.returncode == 0, first.stderr[-2000:]
    previous = tree(public)
    assert "index.html" in previous and len(previous) > 1000
    audit(public)

    # Kill as soon as a staging folder appears, then at fractions of a whole build's time.
    points: list[str | float] = ["staging", *(round(f * seconds, 3) for f in (0.05, 0.25, 0.45, 0.65, 0.85))]
    interrupted, counts = [], []
    for number, point in enumerate(points, 1):
        set_title(site, f"Build {number}")
        before = set(leftovers(site))
        build = subprocess.Popen(BUILD, cwd=site, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            if point == "staging":
                deadline = time.monotonic() + 60
                while build.poll() is None and not set(leftovers(site)) - before and time.monotonic() < deadline:
                    time.sleep(0.0005)
            else:
                assert isinstance(point, float)
                build.wait(timeout=point)
        except subprocess.TimeoutExpired:
            pass
        build.send_signal(signal.SIGKILL)  # a no-op if the build already ended
        build.wait(timeout=60)

        now = tree(public)
        if now != previous:  # only a complete site of the new input may have taken its place
            expected = complete_build(site, tmp_path / f"expected-{number}")
            assert now == expected, (
                f"killed at {point!r} (exit {build.returncode}): public/ is neither the previous site "
                f"nor a complete new one; {len(now)} files, previous {len(previous)}, new {len(expected)}"
            )
            previous = now
        elif build.returncode == -signal.SIGKILL:
            interrupted.append(point)
        counts.append(len(leftovers(site)))
        assert counts[-1] <= 1, f"after the kill at {point!r}: {leftovers(site)}"

    assert len(interrupted) >= 3, f"too few builds were caught in the middle (of {points}): {interrupted}"
    assert "staging" in interrupted, "the staging folder never appeared beside public/"
    # public/ is byte for byte a site that passed the audit (the first build, or a complete one
    # checked below), so it passes too; the audit runs on the first and the last build only.

    set_title(site, "Final")
    final = subprocess.run(BUILD, cwd=site, capture_output=True, text=True, timeout=120)
    assert final.returncode == 0, final.stderr[-2000:]
    assert leftovers(site) == [], "a build that ran to its end left folders behind"
    assert 'title = "Final"' in (site / "site.toml").read_text(encoding="utf-8")
    assert "Final" in (public / "index.html").read_text(encoding="utf-8")
    audit(public)


# Runs a build in this process after arranging for it to SIGKILL itself at one step of the swap:
# before the first rename beside the output, right after the output is renamed away, right
# before something is renamed onto the output, or before a leftover beside it is removed.
# Renames go through os.rename / os.replace (pathlib's too), the atomic exchange through
# digest.write._exchange; a step the code never takes never fires, and the build completes.
INJECT = r"""
import os, shutil, signal, sys

point, output = sys.argv[1], os.path.abspath(sys.argv[2])
beside = os.path.dirname(output)
prefix = os.path.join(beside, "." + os.path.basename(output) + ".")


def die():
    os.kill(os.getpid(), signal.SIGKILL)


def hooked(real):
    def rename(src, dst, *args, **kwargs):
        src, dst = os.path.abspath(os.fsdecode(src)), os.path.abspath(os.fsdecode(dst))
        if point == "first-rename" and beside in (os.path.dirname(src), os.path.dirname(dst)):
            die()
        if point == "before-replacing-output" and dst == output:
            die()
        real(src, dst, *args, **kwargs)
        if point == "after-moving-output" and src == output:
            die()

    return rename


os.rename, os.replace = hooked(os.rename), hooked(os.replace)
real_rmtree = shutil.rmtree


def rmtree(path, *args, **kwargs):
    if point == "before-cleanup" and os.path.abspath(os.fsdecode(path)).startswith(prefix):
        die()
    real_rmtree(path, *args, **kwargs)


shutil.rmtree = rmtree

import digest.write

real_exchange = digest.write._exchange


def exchange(one, other):
    if point == "before-exchange":
        die()
    swapped = real_exchange(one, other)
    if point == "after-exchange":
        die()
    return swapped


digest.write._exchange = exchange
sys.argv = ["digest", "build", "--output", output, "--full"]
from digest.cli import main

main()
"""

STEPS = ["first-rename", "before-exchange", "after-exchange", "after-moving-output", "before-replacing-output",
         "before-cleanup"]  # fmt: skip


def test_builds_killed_inside_the_swap_leave_a_complete_site(tmp_path: Path) -> None:
    site = make_corpus_site(tmp_path / "site", corpus=False)
    public = site / "public"
    set_title(site, "Before")
    assert subprocess.run(BUILD, cwd=site, capture_output=True, timeout=120).returncode == 0
    previous = tree(public)
    audit(public)

    problems = []
    for number, step in enumerate(STEPS, 1):
        set_title(site, f"Killed {step}")
        run = subprocess.run(
            [sys.executable, "-c", INJECT, step, str(public)], cwd=site, capture_output=True, text=True, timeout=120
        )
        assert run.returncode in (0, -signal.SIGKILL), run.stderr[-2000:]
        now = tree(public)
        if now != previous:
            expected = complete_build(site, tmp_path / f"expected-{number}")
            if now != expected:
                problems.append(
                    f"killed at {step}: public/ is neither the previous site nor the new one "
                    f"({len(now)} files; previous {len(previous)}, new {len(expected)}); beside it: {leftovers(site)}"
                )
                # Start the next step from a complete site again.
                assert subprocess.run(BUILD, cwd=site, capture_output=True, timeout=120).returncode == 0
                now = tree(public)
            previous = now
        if len(leftovers(site)) > 1:
            problems.append(f"killed at {step}: {leftovers(site)} beside public/")
    assert not problems, "\n".join(problems)

    set_title(site, "After")
    assert subprocess.run(BUILD, cwd=site, capture_output=True, timeout=120).returncode == 0
    assert leftovers(site) == []
    assert "After" in (public / "index.html").read_text(encoding="utf-8")
    audit(public)


def test_staging_folder_is_beside_the_output_and_never_inside(corpus_site: Path) -> None:
    """What a build is writing is never visible in the output folder: the first file the build
    writes appears in a `.public.*` folder next to it, while public/ stays as it was."""
    site, public = corpus_site, corpus_site / "public"
    assert subprocess.run(BUILD, cwd=site, capture_output=True, timeout=120).returncode == 0
    marker = {path: path.stat().st_mtime_ns for path in [public, *public.rglob("*")]}
    set_title(site, "Changed")
    build = subprocess.Popen(BUILD, cwd=site, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    staged = False
    try:
        deadline = time.monotonic() + 60
        while build.poll() is None and time.monotonic() < deadline:
            staging = [p for p in site.glob(".public.*") if p.is_dir()]
            if staging and any(p.is_file() for p in staging[0].rglob("*.html")):
                staged = True
                os.kill(build.pid, signal.SIGSTOP)  # hold the build still while we look
                break
            time.sleep(0.0005)
        if staged:
            now = {path: path.stat().st_mtime_ns for path in [public, *public.rglob("*")]}
            assert now == marker, "the build touched public/ while it was still writing pages"
    finally:
        build.kill()
        build.wait(timeout=60)
    assert staged, "no staging folder with pages appeared beside public/"


def test_a_build_killed_between_two_renames_is_mended_by_the_next(tmp_path: Path) -> None:
    """Where the system has no atomic exchange, the swap is two renames; a build killed between
    them leaves no public/, and the next build puts the previous site back before anything else."""
    site = make_corpus_site(tmp_path / "site", corpus=False)
    public = site / "public"
    assert subprocess.run(BUILD, cwd=site, capture_output=True, timeout=120).returncode == 0
    previous = tree(public)
    no_exchange = INJECT.replace("digest.write._exchange = exchange", "digest.write._exchange = lambda a, b: False")
    run = subprocess.run([sys.executable, "-c", no_exchange, "after-moving-output", str(public)], cwd=site,
                         capture_output=True, text=True, timeout=120)  # fmt: skip
    assert run.returncode == -signal.SIGKILL and not public.exists(), run.stderr[-2000:]
    # The next build fails while it renders (a broken template), yet puts the previous site back first.
    (site / "templates").mkdir()
    (site / "templates" / "paper.html").write_text("{% if %}", encoding="utf-8")
    failed = subprocess.run(BUILD, cwd=site, capture_output=True, text=True, timeout=120)
    assert failed.returncode == 2 and "template failed" in failed.stderr
    assert tree(public) == previous and leftovers(site) == []


def test_folders_that_only_look_like_leftovers_are_left_alone(tmp_path: Path) -> None:
    """A build removes or renames only staging and old folders that a build made (they hold the
    marker), never a reader's folder named like one, before the first build or after."""
    site = make_corpus_site(tmp_path / "site", corpus=False)
    theirs = [site / ".public.old-mybackup", site / ".public.tmp-notes", site / ".public.old-backup"]
    for folder in theirs:
        folder.mkdir()
        (folder / "keep.txt").write_text(folder.name, encoding="utf-8")
    # A killed build's staging folder, which holds the marker: removed.
    killed = site / ".public.tmp-999999"
    killed.mkdir()
    (killed / ".digest-site").write_text("staging\n", encoding="utf-8")
    # One killed before the marker was in it: empty, and removed.
    (site / ".public.tmp-999998").mkdir()
    theirs.append(site / ".public.tmp-123")  # named as one, but holding a file of the reader's
    theirs[-1].mkdir()
    (theirs[-1] / "keep.txt").write_text(theirs[-1].name, encoding="utf-8")
    for _ in range(2):  # the first build (no public/ yet, which an old folder could stand in for), then another
        run = subprocess.run(BUILD, cwd=site, capture_output=True, text=True, timeout=120)
        assert run.returncode == 0, run.stderr[-2000:]
        assert (site / "public" / "index.html").is_file() and not (site / "public" / "keep.txt").exists()
        for folder in theirs:
            assert (folder / "keep.txt").read_text(encoding="utf-8") == folder.name
        assert not killed.exists() and not (site / ".public.tmp-999998").exists()
