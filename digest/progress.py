"""How a long build shows that it is moving: a bar per stage on a terminal, plain lines in CI
logs and pipes (where a bar would be a mess of carriage returns), nothing in library use.

A reporter wraps each stage's iterable: `for file in progress(files, len(files), "read", "files"):`.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterable, Iterator
from typing import Protocol, TextIO, TypeVar

import click

Item = TypeVar("Item")


class Progress(Protocol):
    def __call__(self, items: Iterable[Item], total: int, stage: str, unit: str = "") -> Iterator[Item]: ...


def quiet(items: Iterable[Item], total: int, stage: str, unit: str = "") -> Iterator[Item]:
    """No output: the library's default."""
    yield from items


def bars(stream: TextIO | None = None) -> Progress:
    """A progress bar per stage, redrawn in place (for a terminal)."""

    def track(items: Iterable[Item], total: int, stage: str, unit: str = "") -> Iterator[Item]:
        with click.progressbar(length=max(total, 1), label=f"{stage:<6}", file=stream or sys.stderr) as bar:
            done = 0
            for item in items:
                yield item
                if done < total:  # a stage may yield a few more items than it announced
                    done += 1
                    bar.update(1)

    return track


def lines(stream: TextIO | None = None) -> Progress:
    """One line when a stage starts and one when it ends (for CI logs and pipes)."""

    def track(items: Iterable[Item], total: int, stage: str, unit: str = "") -> Iterator[Item]:
        out = stream or sys.stderr
        units = unit[:-1] if total == 1 and unit.endswith("s") else unit  # "1 file", "2 files"
        click.echo(f"{stage}: {total} {units}".rstrip(), file=out)
        started = time.perf_counter()
        yield from items
        click.echo(f"{stage}: done in {time.perf_counter() - started:.2f} s", file=out)

    return track


def for_terminal(stream: TextIO | None = None) -> Progress:
    """Bars on an interactive terminal, plain lines in CI (`CI` set) or when output is piped."""
    out = stream or sys.stderr
    in_ci = os.environ.get("CI", "").strip().lower() not in ("", "false", "0")
    return bars(out) if out.isatty() and not in_ci else lines(out)
