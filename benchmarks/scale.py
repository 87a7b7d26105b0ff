"""Build speed and memory at scale: N = 1,000, 10,000 and 100,000 papers.

For each N, generates a synthetic content folder (benchmarks/corpus.py, seed 0), then in fresh
processes: a full build, a no-op rebuild (nothing changed), and a rebuild after adding one new
daily digest of about 200 papers. Prints seconds, pages per second, peak RSS, output size and
the per-page cost, so that a cost growing with the site shows as a rising ms/page.

    python3 benchmarks/scale.py [--profile] [N ...]   # default: 1000 10000 100000

With --profile, each build's `digest build --profile` report is printed too.

Targets (issue: scale and speed): ≥ 2,000 pages/s at 100,000 papers, < 2 GiB, no-op < 1 s,
one new daily file < 2 s and < 5 % of the full build. This script measures; it asserts nothing.
"""

from __future__ import annotations

import datetime
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))

import corpus  # noqa: E402

# Runs one build in a fresh interpreter and reports what it cost.
# Peak RSS counts the build's process and its worker processes (RUSAGE_CHILDREN: the largest
# of the workers), and reports the larger: each has its own copy of what it changed.
BUILD = """
import json, resource, sys, time
from digest.build import build
from digest.config import load_config
started = time.perf_counter()
result = build(load_config())
seconds = time.perf_counter() - started
peak = max(resource.getrusage(who).ru_maxrss for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
print("\\n".join(result.profile.report()), file=sys.stderr)
print(json.dumps({"seconds": seconds, "pages": result.pages, "papers": result.summary.papers,
                  "kind": result.kind, "written": result.written, "rss_mib": peak / 1024}))
"""


def run_build(site: Path) -> dict[str, float]:
    """One build in a fresh process; its profile goes to stderr (shown with --profile)."""
    done = subprocess.run(
        [sys.executable, "-c", BUILD],
        cwd=site,
        stdout=subprocess.PIPE,
        stderr=None if PROFILE else subprocess.DEVNULL,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    figures: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return figures


def size_mib(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 2**20


def one_new_daily_file(site: Path, papers: int) -> None:
    """A new day: a small corpus of its own, moved in as one digest file of a later date."""
    with tempfile.TemporaryDirectory() as scratch:
        extra = Path(scratch) / "content"
        corpus.generate(papers, extra, seed=12345, start=datetime.date(2031, 1, 6))
        first = sorted(extra.glob("arxiv/*/*.md"))[0]
        target = site / "content" / "arxiv" / first.parent.name / "cs.NEW.md"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(first, target)


def measure(papers: int, root: Path) -> None:
    site = root / f"site-{papers}"
    site.mkdir()
    summary = corpus.generate(papers, site / "content", seed=0)
    full = run_build(site)
    noop = run_build(site)
    one_new_daily_file(site, 200)
    added = run_build(site)
    per_page = 1000 * full["seconds"] / full["pages"]
    print(
        f"N={papers:>7,}  files={summary.files:>4}  pages={int(full['pages']):>7,}  "
        f"full={full['seconds']:7.2f} s  {full['pages'] / full['seconds']:7.0f} pages/s  {per_page:.3f} ms/page  "
        f"peak={full['rss_mib']:7.0f} MiB  output={size_mib(site / 'public'):8.1f} MiB  "
        f"no-op={noop['seconds']:6.2f} s ({noop['kind']})  +1 daily file={added['seconds']:6.2f} s "
        f"({100 * added['seconds'] / full['seconds']:.1f} % of full; {added['kind']}, "
        f"{int(added['written']):,} files written)",
        flush=True,
    )


PROFILE = "--profile" in sys.argv


def main(sizes: list[int]) -> None:
    with tempfile.TemporaryDirectory(prefix="digest-scale-") as scratch:
        for papers in sizes:
            measure(papers, Path(scratch))


if __name__ == "__main__":
    main([int(n) for n in sys.argv[1:] if n != "--profile"] or [1_000, 10_000, 100_000])
