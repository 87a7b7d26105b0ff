"""The worker processes' share of memory."""

from __future__ import annotations

import ctypes
import gc
import multiprocessing
import os
import subprocess
import sys
import time
from types import SimpleNamespace

import pytest

from digest import workers

GLIBC = sys.platform.startswith("linux") and hasattr(ctypes.CDLL(None), "malloc_trim")

FREED = """
import os
import digest.workers

def resident():
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") >> 20

def allocate_and_free():
    texts = [bytes(2000) + str(n).encode() for n in range(40_000)]  # 80 MB, each from malloc's heap
    global kept
    kept = texts[-1]  # the top of the heap stays in use: freeing the rest leaves holes below it
"""

BEFORE_FORKING = (
    FREED
    + """
allocate_and_free()
before = resident()
with digest.workers._forked(1):
    print(before, resident())
"""
)

AFTER_A_TASK = (
    FREED
    + """
def task(target):
    allocate_and_free()
    global before
    before = resident()
    return digest.workers.Done()

digest.workers._shared = (None, [], None, [task], [], None)
digest.workers._task_in_worker(0)  # as a worker runs it
print(before, resident())
"""
)


@pytest.mark.skipif(not GLIBC, reason="reads /proc; malloc_trim is glibc's")
@pytest.mark.parametrize("program", [BEFORE_FORKING, AFTER_A_TASK], ids=["before forking", "after a whole-site task"])
def test_memory_freed_goes_back_to_the_system(program: str) -> None:
    """Before forking workers, what the build freed and still held would be theirs too; after a
    whole-site task (the search index), what it freed would stay the worker's while it renders.
    (glibc keeps freed memory below the top of its heap until it is told to give it back.)"""
    run = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, check=True)
    before, after = map(int, run.stdout.split())
    assert before - after >= 60, f"resident memory {before} MB before, {after} MB after"


@pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(), reason="workers are forked")
def test_the_build_renders_pages_as_one_of_its_workers(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each slice of pages is rendered once, by the build's own process or its one worker (of
    two): a third process would be one more copy of the papers it reads."""
    build = os.getpid()

    def render(pages: object, jobs: list[int], target: object, start: int, end: int) -> workers.Done:
        time.sleep(0.05 if os.getpid() == build else 0.005)  # the worker has 2 s to start
        return workers.Done(hashes={str(start): str(os.getpid())}, pages=end - start)

    monkeypatch.setattr(workers, "_slice", render)
    jobs = list(range(40 * workers.SLICE))
    made = [done for done in workers.run(None, jobs, None, [], 2) if done.pages]  # type: ignore[arg-type]
    slices = [start for done in made for start in done.hashes]
    assert sorted(map(int, slices)) == list(range(0, len(jobs), workers.SLICE)), "each slice once"
    renderers = {pid for done in made for pid in done.hashes.values()}
    assert str(build) in renderers and len(renderers) == 2, renderers


@pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(), reason="workers are forked")
def test_a_small_update_shares_its_pages_with_the_worker_done_with_its_tasks(monkeypatch: pytest.MonkeyPatch) -> None:
    """An update renders few pages beside the whole-site tasks: they come in slices small enough
    that the worker, its task done, takes some of them instead of waiting for the build."""
    build = os.getpid()

    def render(pages: object, jobs: list[int], target: object, start: int, end: int) -> workers.Done:
        time.sleep(0.1 * (end - start))
        return workers.Done(hashes={str(start): str(os.getpid())}, pages=end - start)

    def task(target: object) -> workers.Done:
        time.sleep(0.2)
        return workers.Done(task="search index")

    monkeypatch.setattr(workers, "_slice", render)
    pages = SimpleNamespace(site=SimpleNamespace(papers=range(workers.ALONE)))  # a large site: workers for its tasks
    jobs = list(range(40))
    made = list(workers.run(pages, jobs, None, [task], 2))  # type: ignore[arg-type, list-item]
    rendered = [(int(start), pid) for done in made for start, pid in done.hashes.items() if done.pages]
    assert sum(done.pages for done in made) == len(jobs)
    assert len(rendered) > 1, "one slice: the worker found nothing left to take"
    renderers = {pid for _, pid in rendered}
    assert str(build) in renderers and len(renderers) == 2, rendered


def test_small_slices_start_no_more_processes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Processes are counted by `SLICE` pages before the slices are cut: five pages asked of
    eight workers are rendered in the build's own process, not in five forked ones."""

    def render(pages: object, jobs: list[int], target: object, start: int, end: int) -> workers.Done:
        return workers.Done(hashes={str(start): str(os.getpid())}, pages=end - start)

    monkeypatch.setattr(workers, "_slice", render)
    made = list(workers.run(None, list(range(5)), None, [], 8))  # type: ignore[arg-type]
    assert sum(done.pages for done in made) == 5
    assert {pid for done in made for pid in done.hashes.values()} == {str(os.getpid())}


@pytest.mark.parametrize("processes", [1, 2], ids=["in the build's process", "in a worker"])
def test_whole_site_tasks_run_with_the_collector_paused(processes: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """The search index makes millions of lists and no garbage with cycles: the collector
    going through them as they grow was a quarter of its time. Pages, which make such garbage,
    still render with it on."""

    def task(target: object) -> workers.Done:
        return workers.Done(hashes={"task": str(gc.isenabled())}, task="search index")

    def render(pages: object, jobs: list[int], target: object, start: int, end: int) -> workers.Done:
        return workers.Done(hashes={str(start): str(gc.isenabled())}, pages=end - start)

    pages = SimpleNamespace(site=SimpleNamespace(papers=range(workers.ALONE)))  # a large site: workers for its tasks
    monkeypatch.setattr(workers, "_slice", render)
    made = list(workers.run(pages, list(range(3)), None, [task], processes))  # type: ignore[arg-type, list-item]
    collecting = {name: value for done in made for name, value in done.hashes.items()}
    assert collecting.pop("task") == "False"
    assert set(collecting.values()) == {"True"}, collecting
