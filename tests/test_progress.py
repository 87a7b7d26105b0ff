"""Progress: a bar per stage on a terminal, plain lines in CI and pipes."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from click.testing import CliRunner

from digest.cli import main
from digest.progress import bars, for_terminal, lines, quiet


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(
    ("stream", "ci", "kind"),
    [(Terminal(), "", "bars"), (Terminal(), "true", "lines"), (io.StringIO(), "", "lines"), (Terminal(), "0", "bars")],
)
def test_bars_on_a_terminal_lines_in_ci_and_pipes(
    stream: io.StringIO, ci: str, kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CI", ci)
    chosen = for_terminal(stream)
    assert list(chosen(iter(range(5)), 5, "read", "files")) == [0, 1, 2, 3, 4], "items pass through unchanged"
    shown = stream.getvalue()
    if kind == "bars":
        assert "100%" in shown and "[####" in shown, "a bar, drawn in place"
    else:
        assert shown.splitlines()[0] == "read: 5 files" and shown.splitlines()[1].startswith("read: done in ")


def test_a_stage_that_yields_more_than_announced_still_ends_at_100_percent() -> None:
    stream = Terminal()
    assert len(list(bars(stream)(range(12), 10, "write", "pages"))) == 12
    assert "100%" in stream.getvalue() and "120%" not in stream.getvalue()


def test_quiet_and_lines_pass_items_through() -> None:
    assert list(quiet(range(3), 3, "x")) == [0, 1, 2]
    stream = io.StringIO()
    assert list(lines(stream)(range(3), 3, "x", "things")) == [0, 1, 2]
    assert stream.getvalue().startswith("x: 3 things\n")


def test_build_in_a_pipe_prints_a_line_per_stage(seed_site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(seed_site)
    result = CliRunner().invoke(main, ["build"])
    assert result.exit_code == 0
    stages = [line for line in result.stderr.splitlines() if not line.startswith("note:")]
    assert stages[0] == "read: 2 files" and stages[1].startswith("read: done in ")
    assert stages[2] == "write: 227 pages" and stages[3].startswith("write: done in ")
    assert result.stdout.startswith("built 208 papers"), "the summary line stays alone on stdout"
