"""Parsing and rendering on every core: input files are parsed, and pages rendered and
written, by worker processes (processes, not threads: this is Python code, which the GIL would
otherwise run one thread at a time).

The workers are forked from the build, so they start with the site already in memory and
nothing large crosses between processes: the build's list of pages is cut into slices, each
worker takes the next slice not yet taken, renders and writes it itself, and hands back only
the hashes of what it wrote, and timings. The build's own process takes slices too, as one of
the workers. Parsing works the same way, one input file at a time. Every page is
rendered on its own from the same data, so the output is the same, byte for byte, whatever the
number of workers. Where `fork` is missing (Windows, macOS's default is `spawn`) or the work is
small, everything runs in the build's own process.
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import multiprocessing.pool
import os
import signal
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from digest import codec
from digest.census import account
from digest.errors import Diagnostic
from digest.model import DigestFile
from digest.parse import parse_file
from digest.profile import TemplateTime
from digest.progress import Progress
from digest.render import PageJob, Pages
from digest.summary import Tally
from digest.write import Target

SLICE = 128
"""Pages per slice handed to a worker: small enough to balance the load and show progress,
large enough that handing them out costs nothing."""
ALONE = 600
"""Fewer pages than this are rendered in the build's own process: starting workers would cost
more than it saves."""
PARSE_ALONE = 4_000_000
"""Fewer bytes than this are parsed in the build's own process (about 1,500 papers)."""


class Parsed(NamedTuple):
    """An input file parsed, as the parse cache keeps it."""

    digest: DigestFile | None
    """None when the file has no papers to read."""
    diagnostics: list[Diagnostic]
    """What the parser reported."""
    tally: Tally
    """The census of the file's papers."""


@dataclass(slots=True)
class Done:
    """What a slice of work cost, for progress and `--profile`."""

    hashes: dict[str, str] = field(default_factory=dict)
    """Each file made (page, or a whole-site task's file) → the hash of its bytes."""
    pages: int = 0
    """How many of them are pages (they count for progress)."""
    written: int = 0
    """Files written: the others were already there, the same."""
    grown: int = 0
    """Bytes the output folder grew by (`Target.grown`)."""
    render: float = 0.0
    write: float = 0.0
    templates: dict[str, TemplateTime] = field(default_factory=dict)
    task: str = ""
    """The whole-site task's name, if this was one."""


Task = Callable[[Target], Done]
"""A piece of work that writes the whole-site files (search index, feeds, …) itself."""


# What forked workers inherit: set in the build's process just before forking.
_shared: tuple[Pages, list[PageJob], Target, list[Task], list[tuple[int, int]], _Claims] | None = None
_files: Sequence[tuple[str, str, bytes]] = ()


def available() -> int:
    """The cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def run(pages: Pages, jobs: list[PageJob], target: Target, tasks: list[Task], workers: int = 0) -> Iterator[Done]:
    """Render and write every job, and run every task, on `workers` processes (0: one per core,
    or none for a small site); yields each slice's `Done` as it finishes (in no fixed order).
    Whole-site tasks work through the whole site (the search index reads every paper), so a
    large site gets workers for them even when few pages changed.

    The build's own process is one of them: it renders slices too, taking each from the same
    count as the workers (`_Claims`). A worker copies every page of memory whose objects it
    reads (CPython writes their reference counts), so one worker fewer is one copy fewer of
    the papers it renders. The whole-site tasks go to the workers, which start them first so
    that they end with the pages; the build shows progress between its slices."""
    global _shared
    large = len(jobs) >= ALONE or (bool(tasks) and len(pages.site.papers) >= ALONE)
    processes = min(_processes(workers, large), len(tasks) + -(-len(jobs) // SLICE))  # no idle workers
    size = _slice_size(len(jobs), processes)
    slices = [(start, min(start + size, len(jobs))) for start in range(0, len(jobs), size)]
    if processes <= 1:
        for index in range(len(tasks)):
            yield _task(target, tasks, index)
        for start, end in slices:
            yield _collecting(_slice, pages, jobs, target, start, end)
        return
    claims = _Claims(len(slices))
    _shared = (pages, jobs, target, tasks, slices, claims)
    try:
        with _forked(processes - 1 if slices else processes) as pool:
            running = [pool.apply_async(_task_in_worker, (index,)) for index in range(len(tasks))]
            rendered = pool.imap_unordered(_slice_in_worker, range(len(slices)))  # each takes the next slice
            while (claimed := claims.take()) is not None:
                yield _collecting(_slice, pages, jobs, target, *slices[claimed])
                yield from _ready(rendered)
            yield from (done for done in rendered if done.pages)
            for result in running:
                yield result.get()
    finally:
        _shared = None


def _slice_size(jobs: int, processes: int) -> int:
    """`SLICE` pages, or fewer when there are few: a few slices for each process, so that the
    worker whose whole-site tasks end first takes the pages the others have not started. (An
    update's 50 pages in one slice were rendered by one process while the others, their tasks
    done, had nothing left to take.) The processes are counted first, by `SLICE`: smaller
    slices never make more of them, and one process renders `SLICE` pages at a time."""
    if processes <= 1:
        return SLICE
    return max(1, min(SLICE, -(-jobs // (4 * processes))))


class _Claims:
    """The slices taken so far, counted across the build's process and its workers: each slice
    is rendered once, by whichever process takes it first."""

    def __init__(self, count: int) -> None:
        context = multiprocessing.get_context("fork")
        self._taken = context.RawValue("l", 0)  # shared with the workers forked after this
        self._lock = context.Lock()
        self._count = count

    def take(self) -> int | None:
        """The next slice not yet taken, or None when all are."""
        with self._lock:
            taken: int = self._taken.value
            if taken >= self._count:
                return None
            self._taken.value = taken + 1
            return taken


def _ready(results: multiprocessing.pool.IMapIterator[Done]) -> Iterator[Done]:
    """The workers' results that have arrived, without waiting for more."""
    while True:
        try:
            done = results.next(timeout=0)
        except (multiprocessing.TimeoutError, StopIteration):
            return
        if done.pages:  # a worker that found every slice taken has nothing to say
            yield done


def parse(files: Sequence[tuple[str, str, bytes]], workers: int = 0) -> Iterator[tuple[Parsed, bytes]]:
    """Each (name, content path, bytes) parsed and accounted for, in order, with the bytes the
    parse cache keeps of it (`digest.codec`); on `workers` processes (0: one per core when there
    is much to parse)."""
    global _files
    large = sum(len(data) for _, _, data in files) >= PARSE_ALONE
    if _processes(workers, large) == 1:
        yield from (_parse(*file) for file in files)
        return
    _files = files
    try:
        with _forked(_processes(workers, large)) as pool:
            yield from pool.imap(_parse_in_worker, range(len(files)))
    finally:
        _files = ()


def _collecting(work: Callable[..., Done], *arguments: Any) -> Done:
    """`work(*arguments)` with the cyclic garbage collector on, even in a build that paused it
    (`collector_paused`): rendering makes garbage with cycles (Jinja's contexts).
    What exists before is the site, not garbage: frozen, the collector leaves it alone (going
    through the objects of 100,000 papers costs it half a second each time). In the build's own
    process while it has workers, the site is frozen already (`_forked`), and stays so."""
    enabled = gc.isenabled()
    frozen = gc.get_freeze_count() > 0
    try:
        if not frozen:
            gc.freeze()
        gc.enable()
        return work(*arguments)
    finally:
        if not enabled:
            gc.disable()
        if not frozen:
            gc.unfreeze()


def _processes(workers: int, large: bool) -> int:
    """How many processes to use: `workers`, or (0) one per core for `large` work and one
    otherwise; one wherever processes cannot be forked."""
    if "fork" not in multiprocessing.get_all_start_methods():
        return 1
    return workers or (available() if large else 1)


@contextlib.contextmanager
def _forked(workers: int) -> Iterator[multiprocessing.pool.Pool]:
    """A pool of forked workers. What the build holds stays shared with them, page for page,
    until one writes to it; the collector would write to every object it visits, so it leaves
    them alone meanwhile."""
    gc.freeze()
    try:
        _release_freed_memory()
        with _pool(workers) as pool:
            yield pool
    finally:
        gc.unfreeze()


def _release_freed_memory() -> None:
    """Give the system back the memory the build has freed but still holds (glibc's
    `malloc_trim`). Reading the site frees about half of what it took (files decoded from the
    parse cache, texts shared after reading: 350 of 680 MB on the whole history); held, it stays
    in the build's memory, shared with each forked worker, which copies every page of it that
    it allocates into. A worker does the same after a whole-site task, before it renders pages.
    Where the C library has no such call, nothing is done."""
    try:
        import ctypes  # here: not every Python has it, and only a build with workers needs it

        trim = ctypes.CDLL(None).malloc_trim
    except (ImportError, AttributeError, OSError):
        return
    trim.argtypes = [ctypes.c_size_t]
    trim(0)


def _parse_in_worker(index: int) -> tuple[Parsed, bytes]:
    return _parse(*_files[index])


def _parse(name: str, content_path: str, data: bytes) -> tuple[Parsed, bytes]:
    digest, found = parse_file(name, content_path, data)
    counted = account(name, data.decode("utf-8", "replace"), digest, found)
    parsed = Parsed(digest, found, counted)
    return parsed, codec.encode(parsed)


def _pool(workers: int) -> multiprocessing.pool.Pool:
    """Worker processes that leave Ctrl-C to the build, which stops them. Ctrl-C is held back
    while they are forked: CPython drops an interrupt that lands in its after-fork hooks."""
    interrupt = {signal.SIGINT}
    held = signal.pthread_sigmask(signal.SIG_BLOCK, interrupt)
    try:
        return multiprocessing.get_context("fork").Pool(workers, initializer=_start_worker)
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)  # an interrupt held back is raised here


def _start_worker() -> None:
    """A worker ignores Ctrl-C, and collects its own garbage even when forked from a build
    that paused the collector (`collector_paused`)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    gc.enable()


def _slice_in_worker(_token: int) -> Done:
    """The next slice no process has taken, rendered; nothing when all are taken."""
    assert _shared is not None, "workers are forked from run()"
    pages, jobs, target, _, slices, claims = _shared
    claimed = claims.take()
    return Done() if claimed is None else _slice(pages, jobs, target, *slices[claimed])


def _task_in_worker(index: int) -> Done:
    assert _shared is not None, "workers are forked from run()"
    _, _, target, tasks, _, _ = _shared
    try:
        return _task(target, tasks, index)
    finally:  # the search index's terms, 360 MB at their peak on the whole history, are freed
        _release_freed_memory()


def _slice(pages: Pages, jobs: list[PageJob], target: Target, start: int, end: int) -> Done:
    done = Done(pages=end - start)
    pages.times = {}
    before = target.grown
    for job in jobs[start:end]:
        began = time.perf_counter()
        data = pages.render(job)
        rendered = time.perf_counter()
        done.hashes[job.path], wrote = target.put(job.path, data)
        done.written += wrote
        done.render += rendered - began
        done.write += time.perf_counter() - rendered
    done.templates = pages.times
    done.grown = target.grown - before
    return done


def _task(target: Target, tasks: list[Task], index: int) -> Done:
    """A whole-site task, with the collector paused: the search index builds millions of lists
    and makes no garbage with cycles (nor do the others, to speak of), and the collector went
    through all the lists again and again as they grew, a quarter of the index's time."""
    with collector_paused():
        return tasks[index](target)


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """No cyclic garbage collection in the build's own process while it reads, plans and writes
    the manifest. Reading builds millions of objects, none of them garbage, and the collector
    went through all of them again each time their number grew by a quarter: a third of the
    time of reading 100,000 papers, and then a second or more of an update's writing. Pages
    rendered in this process make garbage, so the collector runs while they render
    (`digest.workers.run`), as it does in the workers."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def pages_of(results: Iterable[Done], progress: Progress, total: int) -> Iterator[Done]:
    """Each slice's result, with progress counted in pages."""
    results = iter(results)
    pending: list[Done] = []

    def each_page() -> Iterator[None]:
        for done in results:
            pending.append(done)
            for _ in range(done.pages):
                yield None

    for _ in progress(each_page(), total, "write", "pages"):
        while pending:
            yield pending.pop()
    yield from pending


def make_files(name: str, make: Callable[[], Iterable[tuple[str, bytes]]], target: Target) -> Done:
    started = time.perf_counter()
    done = Done(task=name)
    before = target.grown
    for path, data in make():
        done.hashes[path], wrote = target.put(path, data)
        done.written += wrote
    done.grown = target.grown - before
    done.render = time.perf_counter() - started
    return done
