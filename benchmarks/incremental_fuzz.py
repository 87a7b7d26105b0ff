"""Incremental builds against clean builds, at random: a differential fuzz.

Each sequence makes a small site from the corpus (../shared) and the seeds, then changes it
ten times at random and builds after each change: days added after, before or among the
others, papers listed again with new text, edits, deletions, moves, touched files, venue
papers, page sizes, damaged cache entries and catalogs, rewrites that keep a file's size and
time. After each build the output is compared, file by file, with a clean full build of a
copy, and so is the build's summary; the search index is also compared with
`build_index`. Segment sizes of the search index (1 to 8,192), page sizes (2 to 200) and a
`base_url` (feeds and a sitemap) or none vary by sequence.

    python3 benchmarks/incremental_fuzz.py [SECONDS] [SEED] [LOG]

Prints the totals as JSON: sequences, builds, mismatches (each kept under the work folder
with its history, in LOG), how many builds went each way (`update+fast`: new days merged onto
the last build's site; other notes: why a build was not one), and the same-size rewrites (a
rewrite that keeps size and time is not seen until `--full`, as the README says).
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import re
import shutil
import sys
import tempfile
import time
import traceback
from pathlib import Path

import digest.search as search
from digest.build import build
from digest.config import load_config
from digest.incremental.cache import CACHE_FOLDER
from digest.inputs import load

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
WORK = Path(tempfile.mkdtemp(prefix="digest-fuzz-"))

# --------------------------------------------------------------------------- pool of entries

ROW = re.compile(r"^\| \[\^(\d+)\] \|", re.M)
DETAIL = re.compile(r"^\[\^(\d+)\]:", re.M)


def parse_arxiv(text: str) -> list[tuple[str, str]]:
    head, sep, tail = text.partition("\n# 详细")
    if not sep:
        return []
    rows = {}
    for line in head.splitlines():
        m = ROW.match(line)
        if m:
            rows[m.group(1)] = line
    details = {}
    starts = list(DETAIL.finditer(tail))
    for i, m in enumerate(starts):
        end = starts[i + 1].start() if i + 1 < len(starts) else len(tail)
        details[m.group(1)] = tail[m.start() : end].rstrip("\n ") + "\n"
    out = []
    for n, row in rows.items():
        if n in details:
            out.append((row.replace(f"[^{n}]", "[^@]", 1), details[n].replace(f"[^{n}]:", "[^@]:", 1)))
    return out


def pool() -> list[tuple[str, str]]:
    entries = []
    files = [
        *sorted((SHARED / "corpus" / "cn-chat-arxiv").glob("*/*.md")),
        SHARED / "seeds" / "000_04b93c370e07b710.txt",
    ]
    for f in files:
        entries += parse_arxiv(f.read_text(encoding="utf-8", errors="replace"))
    # de-duplicate by arXiv id in the row
    seen, out = set(), []
    for row, det in entries:
        m = re.search(r"arxiv\.org/abs/([0-9.]+)", row)
        key = m.group(1) if m else row
        if key in seen:
            continue
        seen.add(key)
        out.append((row, det))
    return out


def venue_pool() -> tuple[str, list[str]]:
    text = (REPO / "content" / "venues" / "neurips-2023" / "language-modeling.md").read_text(encoding="utf-8")
    head, *blocks = text.split("\n## ")
    return head, ["## " + b.rstrip("\n") + "\n" for b in blocks]


def compose(entries: list[tuple[str, str]]) -> str:
    rows = [row.replace("[^@]", f"[^{i}]", 1) for i, (row, _) in enumerate(entries, 1)]
    dets = [det.replace("[^@]:", f"[^{i}]:", 1) for i, (_, det) in enumerate(entries, 1)]
    return (
        "# 摘要\n\n| Ref | Title | Summary |\n| --- | --- | --- |\n"
        + "\n".join(rows)
        + "\n\n\n# 详细\n\n"
        + "\n".join(dets)
    )


# --------------------------------------------------------------------------- the site


class Site:
    def __init__(self, root: Path, rng: random.Random, entries, venue_head, venue_blocks, page_size: int):
        self.root = root
        self.rng = rng
        self.entries = entries
        self.venue_head = venue_head
        self.venue_blocks = venue_blocks
        self.files: dict[str, list] = {}  # relative path -> list of entries (arxiv) or blocks (venue)
        self.counter = 0
        root.mkdir(parents=True)
        toml = (REPO / "site.toml").read_text(encoding="utf-8").replace("page_size = 200", f"page_size = {page_size}")
        if rng.random() < 0.5:  # a published site: feeds and a sitemap
            toml += '\nbase_url = "https://example.org/digest/"\n'
        (root / "site.toml").write_text(toml, encoding="utf-8")
        (root / "content").mkdir()

    # helpers
    def write(self, rel: str) -> None:
        path = self.root / "content" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        items = self.files[rel]
        text = self.venue_head + "\n" + "\n".join(items) if rel.startswith("venues/") else compose(items)
        path.write_text(text, encoding="utf-8")

    def dates(self) -> list[str]:
        return sorted({rel.split("/")[1] for rel in self.files if rel.startswith("arxiv/")})

    def arxiv_files(self) -> list[str]:
        return sorted(rel for rel in self.files if rel.startswith("arxiv/"))

    def some(self, k: int) -> list:
        return [self.rng.choice(self.entries) for _ in range(k)]

    def fresh_entries(self, k: int) -> list:
        picked = self.rng.sample(self.entries, k)
        # sometimes mix in papers already on the site (listed again)
        existing = [e for items in self.files.values() for e in items if isinstance(e, tuple)]
        if existing and self.rng.random() < 0.4:
            for _ in range(self.rng.randint(1, 3)):
                picked.insert(self.rng.randrange(len(picked) + 1), self.rng.choice(existing))
        # no duplicates within a file
        seen, out = set(), []
        for e in picked:
            if e[0] not in seen:
                seen.add(e[0])
                out.append(e)
        return out

    @staticmethod
    def shift(date: str, days: int) -> str:
        import datetime

        return (datetime.date.fromisoformat(date) + datetime.timedelta(days=days)).isoformat()

    # operations
    def op_new_newest_day(self) -> str:
        ds = self.dates()
        date = self.shift(ds[-1], self.rng.randint(1, 3)) if ds else "2023-05-01"
        rel = f"arxiv/{date}/{self.rng.choice(['cs.CL', 'cs.LG', 'cs.AI'])}.md"
        self.files[rel] = self.fresh_entries(self.rng.randint(1, 12))
        self.write(rel)
        return f"add newest day {rel} ({len(self.files[rel])})"

    def op_new_oldest_day(self) -> str:
        ds = self.dates()
        date = self.shift(ds[0], -self.rng.randint(1, 3)) if ds else "2023-05-01"
        rel = f"arxiv/{date}/{self.rng.choice(['cs.CL', 'cs.LG', 'cs.AI'])}.md"
        self.files[rel] = self.fresh_entries(self.rng.randint(1, 12))
        self.write(rel)
        return f"add oldest day {rel} ({len(self.files[rel])})"

    def op_two_new_days(self) -> str:
        first = self.op_new_newest_day()
        if self.rng.random() < 0.5:
            ds = self.dates()
            rel = f"arxiv/{ds[-1]}/zz.other.md"
            self.files[rel] = self.fresh_entries(self.rng.randint(0, 6))
            self.write(rel)
            return first + f"; and {rel} ({len(self.files[rel])})"
        return first + "; " + self.op_new_newest_day()

    def op_second_file(self) -> str:
        ds = self.dates()
        if not ds:
            return self.op_new_newest_day()
        date = self.rng.choice(ds)
        names = [
            n
            for n in ["cs.CL", "cs.LG", "cs.AI", "econ", "stat.ML", "a.first"]
            if f"arxiv/{date}/{n}.md" not in self.files
        ]
        rel = f"arxiv/{date}/{self.rng.choice(names)}.md"
        self.files[rel] = self.fresh_entries(self.rng.randint(1, 10))
        self.write(rel)
        return f"add second file {rel} ({len(self.files[rel])})"

    def op_relist(self) -> str:
        files = self.arxiv_files()
        if not files:
            return self.op_new_newest_day()
        src = self.rng.choice(files)
        if not self.files[src]:
            return "noop (empty file)"
        picked = self.rng.sample(self.files[src], min(len(self.files[src]), self.rng.randint(1, 4)))
        picked = [self.edit_entry(e, self.rng.choice(["summary", "abstract", "none"])) for e in picked]
        ds = self.dates()
        choice = self.rng.random()
        if choice < 0.4:
            date = self.shift(ds[-1], 1)
        elif choice < 0.6:
            date = self.shift(ds[0], -1)
        else:
            date = self.rng.choice(ds)
        rel = f"arxiv/{date}/relisted{self.rng.randint(0, 2)}.md"
        cur = self.files.get(rel, [])
        have = {e[0] for e in cur}
        self.files[rel] = cur + [e for e in picked if e[0] not in have]
        self.write(rel)
        return f"relist {len(picked)} from {src} under {rel}"

    def edit_entry(self, entry, how: str):
        row, det = entry
        self.counter += 1
        tag = self.counter
        if how == "summary":
            row = row.rstrip()
            assert row.endswith("|")
            summary = row[:-1].rstrip().rpartition(" | ")[2].strip()
            row = row[:-1].rstrip() + f" 改{tag} |"
            if summary and summary in det:
                det = det.replace(summary, summary + f" 改{tag}", 1)
        elif how == "abstract":
            lines = det.rstrip("\n").split("\n")
            for i in range(len(lines) - 1, -1, -1):
                if lines[i].strip():
                    lines[i] = lines[i].rstrip() + f" edited{tag}."
                    break
            det = "\n".join(lines) + "\n"
        elif how == "title":
            m = re.search(r"\| \[(.+?)\]\(http", row)
            if m:
                title = m.group(1)
                new = title.rstrip(".") + f" v{tag}."
                row = row.replace(f"[{title}](", f"[{new}](", 1)
                if title.rstrip(".") in det:
                    det = det.replace(title.rstrip("."), new.rstrip("."), 1)
                else:
                    det = re.sub(r"\.? \(arXiv:", f" v{tag}. (arXiv:", det, count=1)
        return (row, det)

    def op_edit(self) -> str:
        files = [f for f in self.arxiv_files() if self.files[f]]
        if not files:
            return self.op_new_newest_day()
        rel = self.rng.choice(files)
        i = self.rng.randrange(len(self.files[rel]))
        how = self.rng.choice(["summary", "abstract", "title"])
        self.files[rel][i] = self.edit_entry(self.files[rel][i], how)
        self.write(rel)
        return f"edit {how} of #{i + 1} in {rel}"

    def op_venue(self) -> str:
        rel = "venues/neurips-2023/language-modeling.md"
        cur = self.files.get(rel, [])
        r = self.rng.random()
        if not cur or r < 0.5:
            add = self.rng.sample(self.venue_blocks, self.rng.randint(1, 4))
            cur = cur + [b for b in add if b not in cur]
            what = "add venue papers"
        elif r < 0.8:
            cur = [b for b in cur if self.rng.random() < 0.6]
            what = "drop venue papers"
        else:
            i = self.rng.randrange(len(cur))
            cur[i] = cur[i].rstrip("\n") + f"\n\nextra {self.rng.randint(0, 99)}\n"
            what = "edit venue paper"
        self.files[rel] = cur
        if not cur:
            del self.files[rel]
            (self.root / "content" / rel).unlink(missing_ok=True)
            return "venue file removed"
        self.write(rel)
        return what

    def op_delete(self) -> str:
        if len(self.files) <= 1:
            return self.op_new_newest_day()
        rel = self.rng.choice(sorted(self.files))
        del self.files[rel]
        (self.root / "content" / rel).unlink()
        with contextlib.suppress(OSError):
            (self.root / "content" / rel).parent.rmdir()
        return f"delete {rel}"

    def op_touch(self) -> str:
        if not self.files:
            return self.op_new_newest_day()
        rel = self.rng.choice(sorted(self.files))
        path = self.root / "content" / rel
        st = path.stat()
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
        return f"touch {rel}"

    def op_remove_date_entries(self) -> str:
        files = [f for f in self.arxiv_files() if len(self.files[f]) > 1]
        if not files:
            return self.op_new_newest_day()
        rel = self.rng.choice(files)
        k = self.rng.randint(1, len(self.files[rel]) - 1)
        for _ in range(k):
            self.files[rel].pop(self.rng.randrange(len(self.files[rel])))
        self.write(rel)
        return f"drop {k} papers from {rel}"

    def op_move(self) -> str:
        files = self.arxiv_files()
        if not files:
            return self.op_new_newest_day()
        rel = self.rng.choice(files)
        ds = self.dates()
        date = self.rng.choice([*ds, self.shift(ds[-1], 1), self.shift(ds[0], -1)])
        name = self.rng.choice(["cs.CL", "zz", "aa", "relisted0"])
        new = f"arxiv/{date}/{name}.md"
        if new in self.files:
            return "noop (move target exists)"
        self.files[new] = self.files.pop(rel)
        (self.root / "content" / rel).unlink()
        self.write(new)
        return f"move {rel} -> {new}"

    def op_page_size(self) -> str:
        toml = self.root / "site.toml"
        text = toml.read_text(encoding="utf-8")
        size = self.rng.choice([1, 2, 3, 4, 5, 7, 10, 20, 200])
        text = re.sub(r"page_size = \d+", f"page_size = {size}", text)
        toml.write_text(text, encoding="utf-8")
        return f"page_size = {size}"

    def op_catalog(self) -> str:
        cache = self.root / ".digest-cache"
        found = [*cache.glob("build-*.catalog"), *cache.glob("build-*.papers"), *cache.glob("build-*.search")]
        found.sort()
        if not found:
            return "no catalog"
        victim = self.rng.choice(found)
        how = self.rng.choice(["delete", "truncate", "garbage"])
        if how == "delete":
            victim.unlink()
        elif how == "truncate":
            data = victim.read_bytes()
            victim.write_bytes(data[: len(data) // 2])
        else:
            victim.write_bytes(b"garbage")
        return f"{how} {victim.name}; " + self.op_new_newest_day()

    def op_cache(self) -> str:
        done = []
        for sub in ("search", "parsed"):
            folder = self.root / ".digest-cache" / sub
            entries = sorted(folder.glob("*.json")) if folder.is_dir() else []
            for e in entries:
                if self.rng.random() < 0.3:
                    how = self.rng.choice(["delete", "truncate", "garbage"])
                    if how == "delete":
                        e.unlink()
                    elif how == "truncate":
                        data = e.read_bytes()
                        e.write_bytes(data[: len(data) // 2])
                    else:
                        e.write_bytes(b"not a cache entry at all" * 3)
                    done.append(f"{sub}/{e.name[:8]}:{how}")
        return "cache damage " + (", ".join(done) or "(none)")

    def same_size_rewrite(self) -> tuple[str, Path] | None:
        files = [f for f in self.arxiv_files() if self.files[f]]
        if not files:
            return None
        rel = self.rng.choice(files)
        path = self.root / "content" / rel
        st = path.stat()
        data = bytearray(path.read_bytes())
        # flip one ASCII letter in the last English abstract line
        idx = [
            i for i in range(len(data) - 1, max(0, len(data) - 3000), -1) if chr(data[i]).isalpha() and data[i] < 128
        ]
        if not idx:
            return None
        i = idx[len(idx) // 2]
        data[i] = ord("q") if data[i] != ord("q") else ord("z")
        path.write_bytes(bytes(data))
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
        return rel, path


OPS = [
    ("op_new_newest_day", 10),
    ("op_new_oldest_day", 2),
    ("op_second_file", 2),
    ("op_relist", 8),
    ("op_two_new_days", 3),
    ("op_edit", 4),
    ("op_venue", 1),
    ("op_delete", 1),
    ("op_touch", 1),
    ("op_remove_date_entries", 1),
    ("op_page_size", 1),
    ("op_cache", 1),
    ("op_catalog", 1),
    ("same_size", 1),
    ("op_move", 1),
]


# --------------------------------------------------------------------------- checks


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def run(root: Path, output: str = "public", full: bool = False):
    return build(load_config(root / "site.toml"), output=root / output, jobs=1, full=full)


CLEAN_SUMMARY = []


def clean_tree(root: Path) -> dict[str, bytes]:
    copy = root.parent / (root.name + "-clean")
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(root, copy, ignore=shutil.ignore_patterns(CACHE_FOLDER, "public"))
    r = run(copy, "public", full=True)
    assert r.kind == "full"
    CLEAN_SUMMARY[:] = [r.summary]
    t = tree(copy / "public")
    shutil.rmtree(copy, ignore_errors=True)
    return t


def diff(a: dict[str, bytes], b: dict[str, bytes]) -> list[str]:
    out = []
    for k in sorted(set(a) | set(b)):
        if k not in a:
            out.append(f"missing in incremental: {k}")
        elif k not in b:
            out.append(f"extra in incremental: {k}")
        elif a[k] != b[k]:
            out.append(f"differs: {k}")
    return out


def search_check(root: Path) -> list[str]:
    config = load_config(root / "site.toml")
    site = load(config).site
    expected = dict(search.index_files(search.build_index(site)))
    got = {k: v for k, v in tree(root / "public").items() if k.startswith("search/")}
    return diff(got, expected)


# --------------------------------------------------------------------------- driver


def sequence(seed: int, log) -> dict:
    rng = random.Random(seed)
    seg = rng.choice([20, 60, 8192, 5, 1])
    search.SEGMENT_SIZE = seg
    root = WORK / f"s{seed}"
    shutil.rmtree(root, ignore_errors=True)
    shutil.rmtree(WORK / f"s{seed}-clean", ignore_errors=True)
    site = Site(root, rng, ENTRIES, VHEAD, VBLOCKS, rng.choice([2, 3, 5, 8, 200]))
    history = [f"SEGMENT_SIZE={seg}"]
    # an initial site: 1-3 days
    for _ in range(rng.randint(1, 3)):
        history.append(site.op_new_newest_day())
    if rng.random() < 0.5:
        history.append(site.op_venue())
    r = run(root)
    history.append(f"build -> {r.kind}")
    stats = {"builds": 1, "mismatch": [], "same_size": [], "kinds": {}}
    names = [n for n, w in OPS for _ in range(w)]
    for step in range(10):
        name = rng.choice(names)
        if name == "same_size":
            res = site.same_size_rewrite()
            if res is None:
                continue
            rel, path = res
            history.append(f"same-size rewrite of {rel} with mtime restored")
            combined = rng.random() < 0.7
            if combined:  # and another change, so that the build does not stop at "nothing changed"
                other = rng.choice(["op_new_newest_day", "op_second_file", "op_edit", "op_touch"])
                history.append(getattr(site, other)())
            r = run(root)
            stats["builds"] += 1
            detected = not diff(tree(root / "public"), clean_tree(root))
            stats["same_size"].append((r.kind, combined, detected))
            history.append(f"build -> {r.kind}; detected={detected}")
            # resync: give the file a new mtime
            st = path.stat()
            os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 2_000_000_000))
            history.append(f"touch {rel} to resync")
        else:
            # sometimes apply two ops before a build
            history.append(getattr(site, name)())
            if rng.random() < 0.25:
                other = rng.choice([n for n in names if n != "same_size"])
                history.append(getattr(site, other)())
        r = run(root)
        stats["builds"] += 1
        kind = r.kind + ("+fast" if any(n.startswith("only the new days") for n in r.profile.notes) else "")
        stats["kinds"][kind] = stats["kinds"].get(kind, 0) + 1
        for n in r.profile.notes:
            if n.startswith("the whole site"):
                stats["kinds"][n] = stats["kinds"].get(n, 0) + 1
        history.append(f"build -> {kind} {r.profile.notes}")
        problems = diff(tree(root / "public"), clean_tree(root))
        if r.summary != CLEAN_SUMMARY[0]:
            problems.append(f"summary differs: {r.summary} vs {CLEAN_SUMMARY[0]}"[:3000])
        sp = search_check(root)
        if problems or sp:
            stats["mismatch"].append({"step": step, "site": problems[:20], "search": sp[:20], "history": list(history)})
            log.write(json.dumps({"seed": seed, "mismatch": stats["mismatch"][-1]}, ensure_ascii=False) + "\n")
            log.flush()
            # keep the folder for inspection, stop this sequence
            keep = WORK / f"bad{seed}"
            shutil.rmtree(keep, ignore_errors=True)
            shutil.copytree(root, keep)
            break
    else:
        shutil.rmtree(root, ignore_errors=True)
    stats["history"] = history
    return stats


ENTRIES = pool()
VHEAD, VBLOCKS = venue_pool()

if __name__ == "__main__":
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 300.0
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 0
    logpath = sys.argv[3] if len(sys.argv) > 3 else str(WORK / "fuzz.log")
    end = time.time() + seconds
    total = {"sequences": 0, "builds": 0, "mismatches": 0, "same_size": [], "errors": 0, "kinds": {}}
    with open(logpath, "a", encoding="utf-8") as log:
        while time.time() < end:
            try:
                s = sequence(seed, log)
                total["builds"] += s["builds"]
                total["mismatches"] += bool(s["mismatch"])
                total["same_size"] += s["same_size"]
                for k, v in s["kinds"].items():
                    total["kinds"][k] = total["kinds"].get(k, 0) + v
            except Exception:
                total["errors"] += 1
                log.write(json.dumps({"seed": seed, "error": traceback.format_exc()}) + "\n")
                log.flush()
            total["sequences"] += 1
            seed += 1
            log.write(json.dumps({"progress": total, "next_seed": seed}) + "\n")
            log.flush()
    print(json.dumps(total))
    print(f"log and any mismatching site: {WORK}", file=sys.stderr)
