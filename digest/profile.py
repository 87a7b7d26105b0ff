"""Where a build's time goes, for `digest build --profile`: seconds per stage, per whole-site
task and per template."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from dataclasses import dataclass, field


@dataclass(slots=True)
class TemplateTime:
    """Time spent in one template, for `digest build --profile`."""

    seconds: float = 0.0
    pages: int = 0
    slowest: float = 0.0
    slowest_page: str = ""

    def add(self, seconds: float, page: str) -> None:
        self.seconds += seconds
        self.pages += 1
        if seconds > self.slowest:
            self.slowest, self.slowest_page = seconds, page

    def merge(self, other: TemplateTime) -> None:
        self.seconds += other.seconds
        self.pages += other.pages
        if other.slowest > self.slowest:
            self.slowest, self.slowest_page = other.slowest, other.slowest_page


@dataclass(slots=True)
class Profile:
    stages: dict[str, float] = field(default_factory=dict)
    """Stage → seconds of wall-clock time in the build's own process."""
    work: dict[str, float] = field(default_factory=dict)
    """Work done by the workers → seconds, summed over them (on two cores, up to twice the
    wall-clock time)."""
    templates: dict[str, TemplateTime] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    """How the build went about its work, where it had a choice."""

    @contextlib.contextmanager
    def stage(self, name: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.stages[name] = self.stages.get(name, 0.0) + time.perf_counter() - started

    def add(self, task: str, render: float, write: float, templates: dict[str, TemplateTime]) -> None:
        """Count a worker's slice of pages (`task` empty), or one of its whole-site tasks."""
        if task:
            self.work[task] = self.work.get(task, 0.0) + render
            return
        self.work["render pages"] = self.work.get("render pages", 0.0) + render
        self.work["write pages"] = self.work.get("write pages", 0.0) + write
        for name, spent in templates.items():
            self.templates.setdefault(name, TemplateTime()).merge(spent)

    def report(self, slowest: int = 5) -> list[str]:
        """The profile as lines of text."""
        lines = ["stage           seconds"]
        lines += [f"  {name:<14}{seconds:8.2f}" for name, seconds in self.stages.items()]
        if self.work:
            lines.append("work in workers seconds (summed over the workers)")
            lines += [f"  {name:<14}{seconds:8.2f}" for name, seconds in sorted(self.work.items(), key=lambda w: -w[1])]
        if self.templates:
            lines.append("slowest templates: seconds, pages, ms/page, slowest page")
            ranked = sorted(self.templates.items(), key=lambda t: -t[1].seconds)[:slowest]
            for name, spent in ranked:
                per_page = 1000 * spent.seconds / max(spent.pages, 1)
                lines.append(
                    f"  {name:<16}{spent.seconds:8.2f} {spent.pages:>8} {per_page:8.3f}  "
                    f"{spent.slowest_page} ({1000 * spent.slowest:.1f} ms)"
                )
        lines += [f"note: {note}" for note in self.notes]
        return lines
