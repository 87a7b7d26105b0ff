"""Build speed and memory at scale: N = 1,000, 10,000 and 100,000 papers.

For each N, generates a synthetic content folder (benchmarks/corpus.py, seed 0), then in fresh
processes: full builds from scratch, a no-op rebuild (nothing changed), and a rebuild after
adding one new daily digest of about 200 papers. Prints seconds, pages per second, peak memory,
output size and the per-page cost, so that a cost growing with the site shows as a rising
ms/page.

A full build is timed --repeat times (3 unless given), each from scratch, and the fastest is the
figure: on a shared machine, other work only ever adds to a build's time, so the fastest run is
the nearest to what the build itself costs (the reasoning of Python's `timeit`, whose docs say
as much of its own repeats). The median and the slowest run are printed beside it, and the CPU
time of the build and its workers (user + system), which shows the work done however the
machine shares its cores.

Memory is measured in one more full build from scratch, not in the timed ones: reading
/proc/PID/smaps_rollup costs about 18 ms for each gigabyte a process maps, so sampling three
processes every 50 ms took about half a core from a build that needs both.

    python3 benchmarks/scale.py [--profile] [--repeat K] [N ...]   # default: 1000 10000 100000

With --profile, each build's `digest build --profile` report is printed too.

Targets (issue: scale and speed): ≥ 2,000 pages/s at 100,000 papers, < 2 GiB, no-op < 1 s,
one new daily file < 2 s and < 5 % of the full build. This script measures; it asserts nothing.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))

import corpus  # noqa: E402

ROW = re.compile(r"^\| \[\^\d+\] \|", re.M)

# Runs one build in a fresh interpreter and reports what it cost. `rss_mib` is the largest
# resident set of any one process (the build or a worker); the runner also samples the memory
# of all of them together (proportional set size: pages the workers share with the build, as
# forked processes do, are counted once).
BUILD = """
import json, resource, sys, time
from digest.build import build
from digest.config import load_config
started = time.perf_counter()
result = build(load_config())
seconds = time.perf_counter() - started
usage = [resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
peak = max(u.ru_maxrss for u in usage)
cpu = sum(u.ru_utime + u.ru_stime for u in usage)  # start-up and the workers (waited for) included
print("\\n".join(result.profile.report()), file=sys.stderr)
print(json.dumps({"seconds": seconds, "pages": result.pages, "papers": result.summary.papers,
                  "kind": result.kind, "written": result.written, "rss_mib": peak / 1024, "cpu": cpu}))
"""


def run_build(site: Path, profile: bool, memory: bool = False) -> dict[str, float]:
    """One build in a fresh process; its profile goes to stderr (shown with --profile). `wall`
    is the whole process, interpreter start and imports included; with `memory`, `pss_mib` is
    the peak of the memory of the build and its workers together (sampling it slows the build)."""
    started = time.perf_counter()
    build = subprocess.Popen(
        [sys.executable, "-c", BUILD],
        cwd=site,
        stdout=subprocess.PIPE,
        stderr=None if profile else subprocess.DEVNULL,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    peak = 0
    while build.poll() is None:
        if memory:
            peak = max(peak, total_pss(build.pid))
        time.sleep(0.05)
    out = build.stdout.read() if build.stdout else ""
    if build.returncode != 0:
        raise SystemExit(f"build failed in {site} (exit {build.returncode})")
    figures: dict[str, float] = json.loads(out.strip().splitlines()[-1])
    figures["wall"] = time.perf_counter() - started
    figures["pss_mib"] = peak / 2**20
    return figures


def total_pss(pid: int) -> int:
    """Bytes of memory of a process and its descendants, shared pages divided among them."""
    total = 0
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                total += int(line.split()[1]) * 1024
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:  # it has just ended
        return total
    return total + sum(total_pss(int(child)) for child in children)


def size_mib(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 2**20


def one_new_daily_file(site: Path, papers: int) -> int:
    """The next day: a small corpus of its own, of which the daily file nearest `papers` papers
    is moved in as the digest of the weekday after the site's last; returns its paper count.
    The small corpus is dated years later, so that its arXiv IDs are new to the site."""
    last = max(datetime.date.fromisoformat(folder.name) for folder in (site / "content" / "arxiv").iterdir())
    day = last + datetime.timedelta(days=3 if last.weekday() == 4 else 1)
    with tempfile.TemporaryDirectory() as scratch:
        extra = Path(scratch) / "content"
        corpus.generate(3 * papers, extra, seed=12345, start=datetime.date(2031, 1, 6))
        sizes = {file: len(ROW.findall(file.read_text(encoding="utf-8"))) for file in extra.glob("arxiv/*/*.md")}
        chosen = min(sorted(sizes), key=lambda file: abs(sizes[file] - papers))
        target = site / "content" / "arxiv" / day.isoformat() / "cs.NEW.md"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(chosen, target)
        return sizes[chosen]


def _from_scratch(site: Path) -> None:
    """Remove what a build made, output and cache, so that the next build is a first one."""
    shutil.rmtree(site / "public")
    shutil.rmtree(site / ".digest-cache")


def measure(papers: int, root: Path, repeat: int, profile: bool) -> None:
    site = root / f"site-{papers}"
    site.mkdir()
    summary = corpus.generate(papers, site / "content", seed=0)
    fulls = []
    for run in range(repeat):
        if run:
            _from_scratch(site)
        fulls.append(run_build(site, profile))
    full = min(fulls, key=lambda figures: figures["seconds"])
    times = sorted(figures["seconds"] for figures in fulls)
    _from_scratch(site)
    full["pss_mib"] = run_build(site, profile, memory=True)["pss_mib"]  # from scratch again, sampled
    noop = run_build(site, profile)
    new_papers = one_new_daily_file(site, 200)
    added = run_build(site, profile)
    per_page = 1000 * full["seconds"] / full["pages"]
    print(
        f"N={papers:>7,}  files={summary.files:>4}  pages={int(full['pages']):>7,}  "
        f"full={full['seconds']:7.2f} s (fastest of {len(times)}; median {statistics.median(times):.2f} s, "
        f"slowest {times[-1]:.2f} s)  {full['pages'] / full['seconds']:7.0f} pages/s  {per_page:.3f} ms/page  "
        f"cpu={full['cpu']:6.1f} s ({1000 * full['cpu'] / full['pages']:.3f} ms/page)  "
        f"peak={full['pss_mib']:5.0f} MiB all processes ({full['rss_mib']:.0f} MiB the largest)  "
        f"output={size_mib(site / 'public'):8.1f} MiB  "
        f"no-op={noop['seconds']:6.2f} s ({noop['wall']:.2f} s with start-up; {noop['kind']})  "
        f"+1 daily file ({new_papers} papers)={added['seconds']:6.2f} s "
        f"({100 * added['seconds'] / full['seconds']:.1f} % of full; {added['kind']}, "
        f"{int(added['written']):,} files written)",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description="Time full, no-op and one-new-file builds at scale.")
    parser.add_argument("sizes", nargs="*", type=int, default=[1_000, 10_000, 100_000], metavar="N")
    parser.add_argument("--profile", action="store_true", help="print each build's --profile report")
    parser.add_argument("--repeat", type=int, default=3, metavar="K", help="full builds to time at each N")
    arguments = parser.parse_args()
    if arguments.repeat < 1:
        parser.error("--repeat must be at least 1")
    with tempfile.TemporaryDirectory(prefix="digest-scale-") as scratch:
        for papers in arguments.sizes:
            measure(papers, Path(scratch), arguments.repeat, arguments.profile)


if __name__ == "__main__":
    main()
