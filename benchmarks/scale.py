"""Build speed and memory at scale: N = 1,000, 10,000 and 100,000 papers.

For each N, generates a synthetic content folder (benchmarks/corpus.py, seed 0), then in fresh
processes: a full build, a no-op rebuild (nothing changed), and a rebuild after adding one new
daily digest of about 200 papers. Prints seconds, pages per second, peak RSS, output size and
the per-page cost, so that a cost growing with the site shows as a rising ms/page.

    python3 benchmarks/scale.py [N ...]          # default: 1000 10000 100000

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
BUILD = """
import json, resource, sys, time
from digest.build import build
from digest.config import load_config
started = time.perf_counter()
result = build(load_config())
print(json.dumps({"seconds": time.perf_counter() - started, "pages": result.pages,
                  "papers": len(result.loaded.site.papers),
                  "rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def run_build(site: Path) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, "-c", BUILD],
        cwd=site,
        capture_output=True,
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
        f"no-op={noop['seconds']:6.2f} s  +1 daily file={added['seconds']:6.2f} s "
        f"({100 * added['seconds'] / full['seconds']:.0f} % of full)",
        flush=True,
    )


def main(sizes: list[int]) -> None:
    with tempfile.TemporaryDirectory(prefix="digest-scale-") as scratch:
        for papers in sizes:
            measure(papers, Path(scratch))


if __name__ == "__main__":
    main([int(n) for n in sys.argv[1:]] or [1_000, 10_000, 100_000])
