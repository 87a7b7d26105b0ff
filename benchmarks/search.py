"""Size of the search index and time of a query, for a large site, in headless Chromium.

Generates a synthetic content folder (benchmarks/corpus.py), builds the site into a temporary
folder, prints the index's size (files, bytes, shards), then opens `search.html` from file://
and times about twenty queries inside the page: performance.now() around `DigestSearch.run`,
which resolves once the results are in the page (a layout is forced before the clock stops).
"cold" is each query's first run in a new browser context (its term shards and the document
blocks of its first ten results load; meta.js is already loaded) until it resolves, with the
status line and the "Show more" button; "first 10" the part of it until the first results
show; "more" one "Show more" right after (`DigestSearch.more`: the blocks of the next twenty
load, cold); "warm" the median of five repeats of the run. "files" and "loaded" count what the
cold run loaded, "more" files what the Show more added. A baseline line gives what loading
empty classic scripts costs on the machine: a cold query loads about one document block per
result shown, and that cost dominates.

    python3 benchmarks/search.py [--papers 10000] [--seed 0] [--real] [--keep DIR]
    python3 benchmarks/search.py --built PUBLIC [--results FILE] [--against FILE]

--real builds the repository's seeds and the real digests of ../shared/corpus instead (about
1,400 papers). --built times the site already built in PUBLIC (the whole history, say, as
../shared/bench/real_vs_hugo.sh leaves it in /tmp/digest-real/out). The target is under 50 ms
a query.

Search quality: --results writes each query's first results (the papers' pages, in order) to
FILE as JSON; --against compares them with a FILE written before, and names the queries whose
results changed. A change to what is indexed or how results are ranked is checked so, on the
real history, in English and in Chinese.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from digest import search  # noqa: E402
from digest.build import build  # noqa: E402
from digest.config import load_config  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
REAL_CORPUS = REPO.parent / "shared" / "corpus" / "cn-chat-arxiv"
QUERIES = [
    "model",  # in nearly every paper
    "attention",
    "diffusion",
    "transformer",
    "reinforcement learning",
    "policy optimization",
    "graph neural networks",
    "protein structure prediction",
    "speculative decoding",
    "GSM8K",
    "Proximal Policy",
    "learni",  # half-typed: completed from the shard of its first three letters
    "模型",
    "分析",
    "语言模型",
    "强化学习",
    "差分隐私",
    "手语识别",
    "BERT 模型",
    "zzqxv nothing",  # no match
]
RUN = """async (query) => {
  const list = document.querySelector(".search-results");
  let first = null;
  const observer = new MutationObserver(() => {
    if (first === null && list.children.length) {
      void list.offsetHeight;
      first = performance.now();
    }
  });
  observer.observe(list, {childList: true});
  const started = performance.now();
  await DigestSearch.run(query);
  void list.offsetHeight;  // layout, as the reader would see it
  const ended = performance.now();
  observer.disconnect();
  return {
    ms: ended - started, first: (first === null ? ended : first) - started, count: list.children.length,
    pages: Array.from(list.children, (item) => (item.querySelector("a[href]") || {}).href || "")
      .map((href) => href.split("/").slice(-2).join("/")),
    status: (document.querySelector(".search-status .l-en") || document.querySelector(".search-status")).textContent,
  };
}"""
MORE = """async () => {
  const list = document.querySelector(".search-results");
  const button = document.querySelector(".search-more");
  if (!button || button.hidden) return null;
  const started = performance.now();
  await DigestSearch.more();
  void list.offsetHeight;
  return {ms: performance.now() - started, count: list.children.length};
}"""


def content_folder(papers: int, seed: int, real: bool, site: Path) -> str:
    content = site / "content"
    if real:
        shutil.copytree(REPO / "content", content)
        for file in sorted(REAL_CORPUS.glob("*/*.md")):
            target = content / "arxiv" / file.parent.name / file.name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(file, target)
        return "the seeds and ../shared/corpus/cn-chat-arxiv"
    from corpus import generate

    generate(papers, content, seed=seed)
    return f"benchmarks/corpus.py, {papers} papers, seed {seed}"


def sizes(folder: Path) -> list[int]:
    return sorted(f.stat().st_size for f in folder.rglob("*.js"))


def kb(size: float) -> str:
    return f"{size / 1000:,.1f} KB"


def report_index(public: Path) -> None:
    index = public / search.urls.SEARCH_INDEX
    terms, docs = sizes(index / "t"), sizes(index / "d")
    meta = (index / "meta.js").stat().st_size
    total = sum(terms) + sum(docs) + meta
    print(f"index files       {len(terms) + len(docs) + 1}: meta.js, {len(terms)} term shards, {len(docs)} doc blocks")
    print(f"index bytes       {total / 1e6:,.2f} MB (terms {sum(terms) / 1e6:,.2f} MB, docs {sum(docs) / 1e6:,.2f} MB)")
    print(f"term shards       largest {kb(terms[-1])}, median {kb(statistics.median(terms))}, smallest {kb(terms[0])}")
    print(
        f"doc blocks        largest {kb(docs[-1])}, median {kb(statistics.median(docs))}, {search.BLOCK_SIZE} docs each"
    )
    print(f"meta.js           {kb(meta)}")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


BASELINE = """async (names) => {
  const started = performance.now();
  await Promise.all(names.map((name) => new Promise((resolve, reject) => {
    const script = document.createElement("script");
    script.src = name;
    script.onload = resolve;
    script.onerror = reject;
    document.head.appendChild(script);
  })));
  return performance.now() - started;
}"""


def baseline(browser: Any, public: Path) -> None:
    """What loading classic scripts from file:// costs on this machine, whatever they hold."""
    folder = public / "baseline"
    folder.mkdir(exist_ok=True)
    for number in range(40):
        (folder / f"{number:02d}.js").write_text(f"window.loaded{number} = true;\n", encoding="utf-8")
    times: dict[int, list[float]] = {1: [], 10: [], 40: []}
    for _ in range(5):
        for count in times:
            context = browser.new_context()
            page = context.new_page()
            page.goto((public / "search.html").as_uri(), wait_until="load")
            times[count].append(page.evaluate(BASELINE, [f"baseline/{n:02d}.js" for n in range(count)]))
            context.close()
    shutil.rmtree(folder)
    found = ", ".join(f"{count}: {statistics.median(values):.1f} ms" for count, values in times.items())
    print(f"baseline          empty classic scripts loaded at once from file:// (median of 5): {found}")


def measure(public: Path) -> list[dict[str, Any]]:
    from playwright.sync_api import sync_playwright

    page_url = (public / "search.html").as_uri()
    rows: list[dict[str, Any]] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        try:
            baseline(browser, public)
            for query in QUERIES:
                context = browser.new_context()
                page = context.new_page()
                problems: list[str] = []
                loaded: list[str] = []
                page.on("pageerror", lambda exc, found=problems: found.append(str(exc)))
                page.on("console", lambda m, found=problems: found.append(m.text) if m.type == "error" else None)
                page.goto(page_url, wait_until="load")
                page.evaluate("() => DigestSearch.ready()")
                page.on("request", lambda request, seen=loaded: seen.append(request.url))
                cold = page.evaluate(RUN, query)
                files = [public / url.removeprefix(public.as_uri() + "/").split("?")[0] for url in loaded]
                before_more = len(loaded)
                more = page.evaluate(MORE)
                warm = [page.evaluate(RUN, query)["ms"] for _ in range(5)]
                rows.append({
                    "query": query, "cold": cold["ms"], "first": cold["first"], "warm": statistics.median(warm),
                    "more": more and more["ms"], "more files": len(loaded) - before_more,
                    "shown": cold["count"], "status": cold["status"], "files": len(files),
                    "bytes": sum(f.stat().st_size for f in files), "problems": problems, "pages": cold["pages"],
                })  # fmt: skip
                context.close()
        finally:
            browser.close()
    return rows


def report_queries(rows: list[dict[str, Any]]) -> None:
    print(
        f"\n{'query':<30} {'cold ms':>8} {'first 10':>8} {'more ms':>8} {'warm ms':>8} {'files':>6} {'loaded':>10}"
        f" {'more':>5}  status"
    )
    for row in rows:
        more = "-" if row["more"] is None else f"{row['more']:.1f}"
        print(
            f"{row['query']:<30} {row['cold']:>8.1f} {row['first']:>8.1f} {more:>8} {row['warm']:>8.1f} "
            f"{row['files']:>6} {kb(row['bytes']):>10} {row['more files']:>5}  {row['status']}"
        )
    for name, values in (
        ("cold", [row["cold"] for row in rows]),
        ("first", [row["first"] for row in rows]),
        ("more", [row["more"] for row in rows if row["more"] is not None]),
        ("warm", [row["warm"] for row in rows]),
    ):
        if not values:
            continue
        print(f"{name:<6} median {statistics.median(values):.1f} ms, p95 {percentile(values, 0.95):.1f} ms", end="")
        print(f", max {max(values):.1f} ms" + (f" ({len(values)} queries)" if name == "more" else ""))
    print(
        "       (cold: the first run until it resolves; first: until the first results show; more: one cold\n"
        "        Show more, the next twenty; warm: the median of five repeats)"
    )
    loaded = [row["bytes"] for row in rows]
    print(f"loaded median {kb(statistics.median(loaded))} a query (term shards, doc blocks), max {kb(max(loaded))}")
    problems = [f"{row['query']}: {p}" for row in rows for p in row["problems"]]
    print(f"console errors {len(problems)}" + "".join(f"\n  {p}" for p in problems))


def compare(rows: list[dict[str, Any]], results: Path | None, against: Path | None) -> None:
    """Keep each query's first results in `results`; name the queries whose results differ from
    those kept in `against`."""
    found = {row["query"]: row["pages"] for row in rows}
    if results:
        results.write_text(json.dumps(found, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        print(f"\nresults of {len(found)} queries written to {results}")
    if against:
        before = json.loads(against.read_text(encoding="utf-8"))
        changed = [query for query in found if before.get(query) != found[query]]
        missing = [query for query in before if query not in found]
        print(f"\nagainst {against}: {len(found) - len(changed)} of {len(found)} queries give the same results")
        for query in changed:
            same = len(set(before.get(query, [])) & set(found[query]))
            print(f"  changed: {query!r} ({same} of {len(found[query])} results also before)")
        for query in missing:
            print(f"  not run now: {query!r}")


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--papers", type=int, default=10_000, help="papers of the synthetic site (default 10000)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--real", action="store_true", help="the seeds and ../shared/corpus, not a synthetic site")
    parser.add_argument("--keep", type=Path, help="build the site in this (new) folder and keep it")
    parser.add_argument("--built", type=Path, help="time the site already built in this folder")
    parser.add_argument("--results", type=Path, help="write each query's first results to this file")
    parser.add_argument("--against", type=Path, help="compare each query's first results with this file's")
    args = parser.parse_args()
    if args.built:
        report_index(args.built)
        rows = measure(args.built)
        report_queries(rows)
        compare(rows, args.results, args.against)
        return 0
    work = args.keep or Path(tempfile.mkdtemp(prefix="digest-search-"))
    try:
        work.mkdir(parents=True, exist_ok=True)
        (work / "site.toml").write_text('title = "Search benchmark"\n', encoding="utf-8")
        started = time.perf_counter()
        source = content_folder(args.papers, args.seed, args.real, work)
        print(f"content           {source} ({time.perf_counter() - started:.1f} s)")
        result = build(load_config(work / "site.toml"))
        assert result.site is not None, "a first build reads the site"
        papers = result.site.papers
        started = time.perf_counter()
        search.build_index(result.site)
        print(f"papers            {len(papers)}; site built in {result.seconds:.1f} s, of which the index about "
              f"{time.perf_counter() - started:.1f} s")  # fmt: skip
        report_index(result.output)
        rows = measure(result.output)
        report_queries(rows)
        compare(rows, args.results, args.against)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
