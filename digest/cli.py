"""The `digest` command: thin commands, each calling one library function."""

from __future__ import annotations

import dataclasses
import json
import os
import sys
from pathlib import Path
from typing import NoReturn

import click

from digest import __version__
from digest.build import build as build_site_folder
from digest.config import CONFIG_FILE, load_config
from digest.discover import ROBOTS, SITEMAP, robots_here, skipped
from digest.errors import Diagnostic, DigestError, count, folded, printable
from digest.progress import for_terminal
from digest.summary import Tally
from digest.write import UpdateInterrupted

# Exit codes, documented in the README.
OK = 0
INPUT_ERRORS = 1  # the site was built, but some input was reported as an error
# 2 is click's usage error, and ours when the command could not run at all (see `fail`).
INTERRUPTED = 130  # Ctrl-C, as shells report it

IMPORT_TIME_LIMIT = 120.0
"""Seconds a feed URL may take in all (`digest import --time-limit`). The importer, like the
other commands' modules, is imported only by its command: `digest build` loads none of them."""

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
      digest check --strict      # report problems, write nothing
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
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=1),
    help="Processes that parse files and render pages (default: one per core).",
)
@click.option("--full", is_flag=True, help="Render and write every page, even those that have not changed.")
@click.option("--profile", is_flag=True, help="Print the time spent in each stage and the slowest templates.")
def build(
    source: Path | None, output: Path | None, config_path: Path | None, jobs: int | None, full: bool, profile: bool
) -> None:
    """Build the site: read every digest file, write every page.

    Problems in input files are reported with their file and line; the papers that can be
    read are published all the same. A first build (or --full) writes the site beside the
    output folder and swaps it in when it is complete. Later builds redo only what changed
    since the last one: nothing at all when nothing changed, only the pages an added or edited
    file touches when content changed, and every page after a change to site.toml, the
    templates or digest itself.

    \b
    Example:
      digest build
      digest build --source content --output /tmp/site
      digest build --profile --jobs 2
    """
    try:
        config = load_config(config_path)
        result = build_site_folder(config, source, output, for_terminal(), jobs or 0, full)
    except DigestError as exc:
        fail(str(exc))
    except UpdateInterrupted:
        click.echo(
            "interrupted: some pages were updated, the others left as they were; the next build finishes", err=True
        )
        sys.exit(INTERRUPTED)
    except KeyboardInterrupt:
        click.echo("interrupted: the previous site is left as it was", err=True)
        sys.exit(INTERRUPTED)
    summary = result.summary
    _report(summary.diagnostics)
    if result.unfit:
        click.echo(
            f"warning: the build cache was cleared and the site built in full: {printable(result.unfit)}", err=True
        )
    if missing := skipped(config):
        click.echo(
            f"note: no base_url in {CONFIG_FILE}, so no {', '.join(missing)}; the site works without them",
            err=True,
        )
    elif not robots_here(config):
        click.echo(
            f"note: no {ROBOTS}: base_url is a sub-path, and crawlers read {ROBOTS} only at a host's root; "
            f"submit {SITEMAP} to search engines instead",
            err=True,
        )
    if profile:
        click.echo("\n".join(result.profile.report()), err=True)
    if result.written and (size := result.size) > PUBLISHED_LIMIT:
        click.echo(
            f"warning: the site in {_shown(result.output)} is {size / 1e9:.2f} GB; GitHub Pages publishes sites "
            f"of up to {PUBLISHED_LIMIT / 1e9:g} GB\n"
            "  hint: publish it elsewhere, or split the content into several sites",
            err=True,
        )
    pages = _count(result.pages, "page")
    done = {
        "full": f"{pages} written to {_shown(result.output)}",
        "update": f"{pages} in {_shown(result.output)}, {_count(result.written, 'file')} rewritten,",
        "none": f"{pages} in {_shown(result.output)}, nothing changed,",
    }[result.kind]
    click.echo(
        f"built {_count(summary.papers, 'paper')} from {_count(summary.files, 'file')}: "
        f"{done} in {result.seconds:.2f} s; {_equation(summary.tally)}{_tally(summary.diagnostics)}"
    )
    sys.exit(INPUT_ERRORS if count(summary.diagnostics, "error") else OK)


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("--strict", is_flag=True, help="Count warnings as errors (exit 1 on any).")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "github", "json"]),
    default="text",
    show_default=True,
    help="'github' prints GitHub Actions annotations; 'json' one object for other tools.",
)
@_config
def check(paths: tuple[Path, ...], strict: bool, output_format: str, config_path: Path | None) -> None:
    """Check digest files without writing anything: every problem, then a summary.

    PATHS are files or folders (default: the content folder). Exit 0 when there are no
    errors, 1 when there are (or any warning, with --strict).

    \b
    Example:
      digest check
      digest check content/arxiv/2023-10-03/cs.CL.md --strict
      digest check --format github     # in a pull request's workflow
    """
    from digest.inputs import load  # here, as in the other commands: `digest build` checks first

    try:
        loaded = load(load_config(config_path), paths=paths)
    except DigestError as exc:
        fail(str(exc))
    diagnostics = loaded.diagnostics
    errors, warnings = count(diagnostics, "error"), count(diagnostics, "warning")
    failed = errors > 0 or (strict and warnings > 0)
    if output_format == "json":
        report = {
            "files": loaded.files,
            "papers": len(loaded.site.papers),
            "found": loaded.tally.found,
            "published": loaded.tally.published,
            "reported": loaded.tally.reported,
            "lost": len(loaded.tally.lost),
            "errors": errors,
            "warnings": warnings,
            "diagnostics": [dataclasses.asdict(d) for d in diagnostics],
        }
        click.echo(json.dumps(report, ensure_ascii=False, indent=1))
    else:
        for diagnostic in folded(diagnostics):
            click.echo(github_annotation(diagnostic) if output_format == "github" else str(diagnostic))
        click.echo(
            f"checked {_count(loaded.files, 'file')}: {_count(len(loaded.site.papers), 'paper')} "
            f"({_equation(loaded.tally)}), {_count(errors, 'error')}, {_count(warnings, 'warning')}"
            + (" (--strict: warnings count as errors)" if strict and warnings else "")
        )
    sys.exit(INPUT_ERRORS if failed else OK)


def github_annotation(diagnostic: Diagnostic) -> str:
    """A GitHub Actions workflow command, so that a pull request shows the problem on its line."""

    def escape(text: str, *, in_property: bool = False) -> str:
        text = printable(text).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
        return text.replace(":", "%3A").replace(",", "%2C") if in_property else text

    level = "error" if diagnostic.severity == "error" else "warning"
    where = f"file={escape(diagnostic.path, in_property=True)},line={max(diagnostic.line, 1)},col={diagnostic.col}"
    return f"::{level} {where},title=digest::{escape(diagnostic.message)} (hint: {escape(diagnostic.hint)})"


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
    from digest.export import export_papers
    from digest.inputs import load

    try:
        loaded = load(load_config(config_path), source)
    except DigestError as exc:
        fail(str(exc))
    _report(loaded.diagnostics)
    click.echo(json.dumps(export_papers(loaded.site), ensure_ascii=False, indent=1))
    sys.exit(INPUT_ERRORS if count(loaded.diagnostics, "error") else OK)


@main.command()
@click.argument("folder", type=click.Path(path_type=Path))
def init(folder: Path) -> None:
    """Create a new site in FOLDER: site.toml, a sample digest and a templates folder.

    \b
    Example:
      digest init my-digest && cd my-digest && digest build
    """
    from digest.scaffold import init_site

    try:
        made = init_site(folder)
    except DigestError as exc:
        fail(str(exc))
    for path in made:
        click.echo(f"created {path}{'/' if path.is_dir() else ''}")
    click.echo(f"next: cd {folder} && digest build, then open public/index.html")


@main.command(name="import")
@click.argument("sources", nargs=-1, required=True)
@click.option("--config", "config_path", type=click.Path(path_type=Path), help="site.toml to use.")
@click.option(
    "--time-limit",
    type=click.FloatRange(min=1),
    default=IMPORT_TIME_LIMIT,
    show_default=True,
    help="Seconds a feed URL may take in all; a slower one is reported and skipped.",
)
def import_(sources: tuple[str, ...], config_path: Path | None, time_limit: float) -> None:
    """Add the papers of arXiv listing feeds (files or http(s) URLs) to the content folder.

    Reads RSS 2.0 (rss.arxiv.org), the old RSS 1.0 and the arXiv API's Atom, and writes daily
    digests to content/arxiv/DATE/CHANNEL.md with the Chinese fields left for translation.
    Importing a feed again changes nothing; into an existing file, only new papers are added.

    \b
    Example:
      digest import https://rss.arxiv.org/rss/cs.CL
      digest import saved-feed.xml
    """
    from digest.importer import import_feeds

    try:
        config = load_config(config_path)
        report = import_feeds(sources, config.content, time_limit)
    except DigestError as exc:
        fail(str(exc))
    _report(report.problems)
    for path in report.written:
        click.echo(f"wrote {_relative(path)}")
    click.echo(
        f"imported {_count(report.added, 'new paper')}, updated {report.updated}, "
        f"skipped {report.skipped} already there; {_count(len(report.written), 'file')} written, "
        f"{len(report.unchanged)} unchanged"
    )
    sys.exit(OK if report.ok else INPUT_ERRORS)


def _relative(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


@main.command(name="serve")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True, help="Port on 127.0.0.1.")
@click.option("--open", "open_browser", is_flag=True, help="Open the site in the web browser.")
@click.option("--config", "config_path", type=click.Path(path_type=Path), help="site.toml to use.")
def serve_(port: int, open_browser: bool, config_path: Path | None) -> None:
    """Build the site, serve it on 127.0.0.1, and rebuild and reload the open page whenever
    content, templates or site.toml change. Stop with Ctrl-C.

    \b
    Example:
      digest serve --port 8000
    """

    from digest.serve import serve  # here: its server and file watcher are for this command only

    def ready(url: str) -> None:
        click.echo(f"serving {url} (Ctrl-C to stop)", err=True)

    try:
        serve(config_path, port, open_browser=open_browser, ready=ready)
    except DigestError as exc:
        fail(str(exc))
    except KeyboardInterrupt:
        click.echo("stopped", err=True)


PUBLISHED_LIMIT = 1_000_000_000
"""Bytes: GitHub Pages documents 1 GB as the largest site it publishes; a larger site is warned of."""


def _report(diagnostics: list[Diagnostic]) -> None:
    for diagnostic in folded(diagnostics):
        click.echo(str(diagnostic), err=True)


def _equation(tally: Tally) -> str:
    lost = f" + LOST {len(tally.lost)}" if tally.lost else ""
    return f"listings found {tally.found} = published {tally.published} + reported {tally.reported}{lost}"


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


def run() -> NoReturn:
    """The `digest` command, as installed: `main`, then an exit that frees nothing. A build
    holds millions of objects (the site, the catalog); freeing them one by one as Python ends
    cost a twentieth of a second of a new day's build, where the system takes back the whole
    process at once. `main` itself exits as any click command does, for tests to call it."""
    try:
        main()
    except SystemExit as stop:  # how click ends every command; its traceback still holds the build
        _exit(stop.code)
    _exit(OK)


def _exit(code: str | int | None) -> NoReturn:
    """Flush what was printed and end the process with `code`, as Python would (a message is
    printed, and exits with 1), without freeing what it holds."""
    if isinstance(code, str):
        print(code, file=sys.stderr)
    status = code if isinstance(code, int) else 0 if code is None else 1
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):  # a reader that has gone (`digest export | head`)
        status = status or 120  # as Python reports it
    os._exit(status)


def fail(message: str) -> NoReturn:
    """Stop a command that could not run at all (exit code 2)."""
    click.echo(message, err=True)
    sys.exit(2)
