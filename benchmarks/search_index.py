"""Where the time of the search index goes, on the real history.

Reads the site of a content folder (by default the 2023-2025 history that
`../shared/bench/real_vs_hugo.sh` unpacks into /tmp/digest-real/site, with its parse cache),
then makes its search index as a full build does (`digest.incremental.searchindex.search_files`
with an empty cache), again with everything cached, and once more step by step over the
newest `SEGMENT_SIZE` papers to show what each step costs: the papers' texts, their result
documents, tokens by field, postings, encoding, segment, term files.

    python3 benchmarks/search_index.py [--site DIR] [--papers N]

It also prints a fingerprint of the files made (with the code's own stamp taken out of
`search/meta.js`): equal fingerprints before and after a change to the indexing code mean
the index is the same, byte for byte, and so are the results of every query. This script
measures; it asserts nothing.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import re
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from types import SimpleNamespace

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from digest import search  # noqa: E402
from digest.config import load_config  # noqa: E402
from digest.incremental import searchindex  # noqa: E402
from digest.incremental.cache import CACHE_FOLDER, Cache  # noqa: E402
from digest.inputs import load  # noqa: E402
from digest.model import Paper  # noqa: E402


def fingerprint(files: list[tuple[str, bytes]]) -> str:
    digest = hashlib.sha256()
    for path, data in files:
        if path.endswith("meta.js"):
            data = re.sub(rb'"hash":"[0-9a-f]+"', b"", data)
        digest.update(path.encode() + b"\0" + data)
    return digest.hexdigest()[:16]


def steps(papers: list[Paper]) -> dict[str, float]:
    """Seconds of each step of making one segment of `papers`."""
    spent: dict[str, float] = {}
    clock = time.perf_counter()

    def step(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        spent[name] = now - clock
        clock = now

    texts = [search.Texts.of(paper) for paper in papers]
    step("texts")
    documents = [search.to_json(search.document(paper, text)) for paper, text in zip(papers, texts, strict=True)]
    step("documents")
    masks = [search.term_masks(text) for text in texts]
    step("tokens")
    found: dict[str, list[int]] = defaultdict(list)
    for number, terms in enumerate(masks):
        for term, mask in terms.items():
            found[term].append(number << 4 | mask)
    step("postings")
    part = search._part(documents, found)
    step("encoding")
    segment = search.segment_of(part)
    step("segment")
    search.term_files(0, segment)
    step("term files")
    spent["postings count"] = sum(map(len, found.values()))
    spent["terms count"] = len(found)
    return spent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--site", type=Path, default=Path("/tmp/digest-real/site"))
    parser.add_argument("--papers", type=int, default=0, help="only the newest N papers")
    args = parser.parse_args()
    config = load_config(args.site / "site.toml")
    started = time.perf_counter()
    site = load(config, parsed=Cache(args.site / CACHE_FOLDER / "parsed")).site
    papers = site.papers[: args.papers] if args.papers else site.papers
    print(f"read {len(papers)} papers in {time.perf_counter() - started:.1f} s")
    gc.freeze()  # as in a worker: the site is not garbage
    subset = SimpleNamespace(papers=papers)
    with tempfile.TemporaryDirectory() as work:
        cache = Path(work)
        for name in ("cold", "warm"):
            started = time.perf_counter()
            files = list(searchindex.search_files(subset, Cache(cache), {}, cache / "shape"))  # type: ignore[arg-type]
            seconds = time.perf_counter() - started
            print(f"{name}: {seconds:.2f} s, {len(files)} files, fingerprint {fingerprint(files)}")
    newest = list(reversed(papers[: search.SEGMENT_SIZE]))
    spent = steps(newest)
    counts = f"{spent.pop('postings count'):.0f} postings of {spent.pop('terms count'):.0f} terms"
    print(f"one segment of {len(newest)} papers ({counts}), step by step:")
    for name, seconds in spent.items():
        print(f"  {name:<12}{seconds:7.2f} s")


if __name__ == "__main__":
    main()
