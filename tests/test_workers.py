"""The worker processes' share of memory."""

from __future__ import annotations

import subprocess
import sys

import pytest

PROGRAM = """
from digest.workers import _forked

def resident():
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * 4096 >> 20

texts = [bytes(2000) + str(n).encode() for n in range(40_000)]  # 80 MB, each from malloc's heap
kept = texts[-1]  # the top of the heap stays in use: freeing the rest leaves holes below it
del texts
before = resident()
with _forked(1):
    print(before, resident())
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc; malloc_trim is glibc's")
def test_memory_freed_before_forking_goes_back_to_the_system() -> None:
    """Workers are forked from the build: what it freed and still held would be theirs too.
    (glibc keeps freed memory below the top of its heap until it is told to give it back.)"""
    run = subprocess.run([sys.executable, "-c", PROGRAM], capture_output=True, text=True, check=True)
    before, after = map(int, run.stdout.split())
    assert before - after >= 60, f"resident memory {before} MB before, {after} MB after"
