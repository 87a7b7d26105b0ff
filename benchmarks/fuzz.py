"""Damage real digest files many times over and check that nothing raises and nothing is lost.

Runs the mutations of tests/mutations.py on the seeds and the corpus (../shared), far more
cases than the test suite does, and prints how many it ran, how many raised, and how many lost
a paper; a failing case is printed with the file, seed and rounds that make it again
(`mutate(data, random.Random(seed), rounds)`). Every 10th case is also merged and rendered.

    python3 benchmarks/fuzz.py [CASES] [SEED]
"""

from __future__ import annotations

import random
import sys
import time
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from mutations import REAL_FILES, content_path, mutate

from digest.census import account
from digest.config import Config
from digest.parse import parse_file
from digest.render import render_site
from digest.site import build_site


def main() -> int:
    cases = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    rng = random.Random(int(sys.argv[2]) if len(sys.argv) > 2 else 1)
    originals = {file: file.read_bytes() for file in REAL_FILES}
    config = Config(root=Path.cwd())
    raised = lost = rendered = papers = 0
    started = time.perf_counter()
    for case in range(cases):
        file = rng.choice(REAL_FILES)
        seed, rounds = rng.getrandbits(32), rng.randint(1, 6)
        data = mutate(originals[file], random.Random(seed), rounds)
        case_name = f"{file.parent.name}/{file.name} seed {seed} rounds {rounds}"
        try:
            digest, diagnostics = parse_file(file.name, content_path(file), data)
            tally = account(file.name, data.decode("utf-8", "replace"), digest, diagnostics)
            papers += tally.found
            if tally.lost or tally.found != tally.published + tally.reported:
                lost += 1
                print(f"LOST: {case_name}: {tally.lost}")
            if case % 10 == 0:
                site, _ = build_site([digest] if digest else [], page_size=50)
                rendered += sum(1 for _ in render_site(site, config))
        except Exception:  # a crash is what this script looks for: report it and go on
            raised += 1
            print(f"RAISED: {case_name}\n{traceback.format_exc()}")
    seconds = time.perf_counter() - started
    print(
        f"cases={cases} papers_declared={papers} raised={raised} lost={lost} "
        f"pages_rendered={rendered} seconds={seconds:.1f}"
    )
    return 1 if raised or lost else 0


if __name__ == "__main__":
    sys.exit(main())
