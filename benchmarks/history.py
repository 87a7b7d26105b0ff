"""Build the whole real history of daily digests and print its figures.

Unpacks ../shared/corpus/history/cn-chat-arxiv-2023-2025.tar.xz (4,442 daily files of
2023-03 to 2025-12, about 60,000 papers) into a work folder, writes a minimal site.toml, and
runs `digest build --profile` from scratch and `digest check --strict --format json` there, each
in a fresh interpreter with this repository's package. Prints the input (files, listings,
distinct papers, errors, warnings), the build's time and pages, the paper pages that no
category page links to, and the output's size by kind of page.

    python3 benchmarks/history.py [--tar PATH] [--work DIR] [--keep] [--base-url URL]

--work reuses a folder that already holds content/ (unpack a few days there to try it:
`tar -xJf TAR -C DIR/content arxiv/2024-02-15`). The site is removed afterwards unless --keep.
This script measures; it asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TAR = REPO.parent / "shared" / "corpus" / "history" / "cn-chat-arxiv-2023-2025.tar.xz"
KINDS = ["papers", "digests", "dates", "categories", "venues", "search", "feeds", "assets", "top level"]
PAPER_LINK = re.compile(r'href="\.\./papers/([^"/]+\.html)"')


def digest(work: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    """`python3 -m digest ARGUMENTS` in `work`, with this repository's package first on the path."""
    path = os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))
    return subprocess.run(
        [sys.executable, "-m", "digest", *arguments],
        cwd=work,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": path},
    )


def prepare(work: Path, tar: Path, base_url: str | None) -> None:
    """Unpack the history unless `work` holds content already; write site.toml; remove what an
    earlier build left (its output, which digest marks, and its cache), so the build is a first one."""
    if not any((work / "content").rglob("*.md")):
        if not tar.is_file():
            raise SystemExit(f"history: no such tar file: {tar}")
        unpacking = work / ".content-unpacking"  # renamed when whole, so a stopped unpack is not reused
        shutil.rmtree(unpacking, ignore_errors=True)
        unpacking.mkdir()
        subprocess.run(["tar", "-xJf", str(tar), "-C", str(unpacking)], check=True)
        shutil.rmtree(work / "content", ignore_errors=True)
        unpacking.rename(work / "content")
    lines = ['content = "content"', 'output = "public"'] + ([f"base_url = {json.dumps(base_url)}"] if base_url else [])
    (work / "site.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    if (work / "public" / ".digest-site").exists():
        shutil.rmtree(work / "public")
    shutil.rmtree(work / ".digest-cache", ignore_errors=True)


def sizes(public: Path) -> dict[str, tuple[int, int]]:
    """Bytes and files of the output, by top-level folder ('top level' for the files beside them)."""
    found: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for file in public.rglob("*"):
        if file.is_file():
            parts = file.relative_to(public).parts
            entry = found[parts[0] if len(parts) > 1 else "top level"]
            entry[0] += file.stat().st_size
            entry[1] += 1
    order = KINDS + sorted(set(found) - set(KINDS))
    return {kind: (found[kind][0], found[kind][1]) for kind in order if kind in found}


def uncategorised(public: Path) -> int:
    """Paper pages that no page under categories/ links to."""
    linked: set[str] = set()
    for page in (public / "categories").glob("*.html"):
        linked.update(PAPER_LINK.findall(page.read_text(encoding="utf-8")))
    return len({page.name for page in (public / "papers").glob("*.html")} - linked)


def run(work: Path, tar: Path, base_url: str | None) -> None:
    prepare(work, tar, base_url)
    started = time.perf_counter()
    build = digest(work, "build", "--profile")
    seconds = time.perf_counter() - started
    summary = next((line for line in build.stdout.splitlines() if line.startswith("built ")), None)
    if build.returncode not in (0, 1) or summary is None:
        tail = "\n".join(build.stderr.splitlines()[-20:])
        raise SystemExit(f"history: digest build failed in {work} (exit {build.returncode}):\n{tail}")
    check = digest(work, "check", "--strict", "--format", "json")
    try:
        report = json.loads(check.stdout)
    except json.JSONDecodeError:
        raise SystemExit(f"history: digest check failed (exit {check.returncode}):\n{check.stderr}") from None

    public = work / "public"
    pages = sum(1 for _ in public.rglob("*.html"))
    missing = uncategorised(public)
    kinds = sizes(public)
    total, files = (sum(column) for column in zip(*kinds.values(), strict=True))
    paper_bytes, paper_files = kinds.get("papers", (0, 0))
    profile = build.stderr.splitlines()
    profile = profile[next((i for i, line in enumerate(profile) if line.startswith("stage")), len(profile)) :]

    print(f"work folder: {work}")
    print(summary)
    print("\n".join(profile))
    print(f"input files:                  {report['files']:>10,}")
    print(f"listings:                     {report['found']:>10,}")
    print(f"papers (distinct):            {report['papers']:>10,}")
    print(f"pages (HTML files written):   {pages:>10,}")
    print(f"errors:                       {report['errors']:>10,}")
    print(f"warnings:                     {report['warnings']:>10,}")
    print(f"check --strict exit code:     {check.returncode:>10}")
    print(f"build seconds:                {seconds:>10.1f}   (exit {build.returncode}, interpreter start included)")
    print(f"papers on no category page:   {missing:>10,}   of {paper_files:,} paper pages")
    print("output size (MB = 10^6 bytes, apparent):")
    for kind, (size, count) in kinds.items():
        print(f"  {kind + ('/' if kind != 'top level' else ''):<12} {size / 1e6:>9.1f} MB {count:>9,} files")
    print(f"  {'total':<12} {total / 1e6:>9.1f} MB {files:>9,} files ({total / 2**20:.1f} MiB)")
    print(f"  average paper page: {paper_bytes / max(paper_files, 1):,.0f} bytes")
    print(
        f"history: {report['papers']} papers, {pages} pages, {report['errors']} errors, "
        f"{missing} papers on no category page, {total / 1e6:.1f} MB in {seconds:.1f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description="Build the whole real history and print its figures.")
    parser.add_argument("--tar", type=Path, default=TAR, help="the history's .tar.xz (default: %(default)s)")
    parser.add_argument("--work", type=Path, help="folder to unpack and build in; content/ there is reused")
    parser.add_argument("--keep", action="store_true", help="keep the built site")
    parser.add_argument("--base-url", metavar="URL", help="base_url for site.toml (feeds, sitemap)")
    arguments = parser.parse_args()
    work = arguments.work.resolve() if arguments.work else Path(tempfile.mkdtemp(prefix="digest-history-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        run(work, arguments.tar.resolve(), arguments.base_url)
    finally:
        if not arguments.keep:
            if arguments.work is None:
                shutil.rmtree(work)
            else:
                shutil.rmtree(work / "public", ignore_errors=True)
                shutil.rmtree(work / ".digest-cache", ignore_errors=True)


if __name__ == "__main__":
    main()
