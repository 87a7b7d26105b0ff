"""The `digest` command: thin commands, each calling one library function."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import NoReturn

import click

from digest import __version__
from digest.build import build as build_site_folder
from digest.build import load
from digest.config import load_config
from digest.errors import Diagnostic, DigestError, count
from digest.export import export_papers

# Exit codes, documented in the README.
OK = 0
INPUT_ERRORS = 1  # the site was built, but some input was reported as an error
# 2 is click's usage error, and ours when the command could not run at all (see `fail`).

_source = click.option(
    "--source",
    type=click.Path(file_okay=False, path_type=Path),
    help="Content folder to read (default: 'content' from site.toml).",
)
_config = click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Site configuration file (default: ./site.toml).",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="digest")
def main() -> None:
    """Build a bilingual (English / Chinese) research-paper digest site.

    Put raw digest files under content/ (daily arXiv digests in content/arxiv/DATE/CHANNEL.md,
    venue collections in content/venues/VENUE/TOPIC.md) and build:

    \b
    Example:
      digest build               # site.toml + content/ → public/
      digest export > papers.json
    """


@main.command()
@_source
@click.option(
    "--output",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder to write the site to (default: 'output' from site.toml).",
)
@_config
def build(source: Path | None, output: Path | None, config_path: Path | None) -> None:
    """Build the site: read every digest file, write every page.

    Problems in input files are reported with their file and line; the papers that can be
    read are published all the same. The site is swapped in only when it is complete.

    \b
    Example:
      digest build
      digest build --source content --output /tmp/site
    """
    try:
        config = load_config(config_path)
        result = build_site_folder(config, source, output)
    except DigestError as exc:
        fail(str(exc))
    loaded = result.loaded
    _report(loaded.diagnostics)
    site = loaded.site
    click.echo(
        f"built {_count(len(site.papers), 'paper')} from {_count(loaded.files, 'file')}: "
        f"{_count(result.pages, 'page')} written to {_shown(result.output)} in {result.seconds:.2f} s"
        f"{_tally(loaded.diagnostics)}"
    )
    sys.exit(INPUT_ERRORS if count(loaded.diagnostics, "error") else OK)


@main.command()
@_source
@_config
def export(source: Path | None, config_path: Path | None) -> None:
    """Print the merged papers as JSON.

    One object per paper, with every place that lists it (`appearances`).

    \b
    Example:
      digest export > papers.json
      digest export | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))'
    """
    try:
        loaded = load(load_config(config_path), source)
    except DigestError as exc:
        fail(str(exc))
    _report(loaded.diagnostics)
    click.echo(json.dumps(export_papers(loaded.site), ensure_ascii=False, indent=1))
    sys.exit(INPUT_ERRORS if count(loaded.diagnostics, "error") else OK)


def _report(diagnostics: list[Diagnostic]) -> None:
    for diagnostic in diagnostics:
        click.echo(str(diagnostic), err=True)


def _tally(diagnostics: list[Diagnostic]) -> str:
    errors, warnings = count(diagnostics, "error"), count(diagnostics, "warning")
    return f" ({_count(errors, 'error')}, {_count(warnings, 'warning')})" if errors or warnings else ""


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd())) + "/"
    except ValueError:
        return str(path) + "/"


def fail(message: str) -> NoReturn:
    """Stop a command that could not run at all (exit code 2)."""
    click.echo(message, err=True)
    sys.exit(2)
