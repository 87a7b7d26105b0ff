"""The site → (output path, bytes) for every page and asset.

Pure: reads templates, writes nothing. The Jinja environment escapes everything
(autoescape) and fails on any name a template gets wrong (StrictUndefined). Templates get
prepared values and the relative prefix `root` back to the output folder, so every link they
write is relative and names a file.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import groupby
from pathlib import Path
from typing import Any

import jinja2

from digest import __version__, discover, feeds, search, urls
from digest.bibtex import bibtex
from digest.config import Config
from digest.errors import DigestError
from digest.model import Collection, DigestFile, Paper, Record
from digest.parse.text import has_cjk
from digest.richtext import mark_chinese, plain, rich
from digest.site import Site, kind_in

_ASSET_SUFFIXES = {".css", ".js", ".svg", ".png", ".ico", ".txt"}


def builtin_templates() -> Path:
    """The theme that ships with the package: inside the installed wheel, or the repository's
    own `templates/` when running from a source checkout."""
    packaged = Path(__file__).parent / "templates"
    return packaged if packaged.is_dir() else Path(__file__).parent.parent / "templates"


def template_folders(config: Config) -> list[Path]:
    """The site's own templates first (overrides by name), then the built-in theme."""
    folders: list[Path] = []
    for folder in (config.templates, builtin_templates()):
        if folder.is_dir() and all(folder.resolve() != known.resolve() for known in folders):
            folders.append(folder)
    return folders


def environment(config: Config) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(f) for f in template_folders(config)]),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["text"] = mark_chinese
    env.filters["rich"] = rich
    env.filters["rich_zh"] = lambda text: rich(text, chinese=True)
    env.filters["bibtex"] = bibtex
    env.filters["plain"] = plain
    env.filters["paragraphs"] = paragraphs
    env.filters["lang"] = lambda text: "zh-Hans" if has_cjk(text) else "en"
    env.globals.update(
        site=config,
        version=__version__,
        arxiv_abs=urls.arxiv_abs,
        arxiv_pdf=urls.arxiv_pdf,
        links=urls,
        json_ld=lambda paper, page: discover.json_ld(paper, page, config),
    )
    return env


def _template_failure(template: str, page: str, exc: Exception) -> DigestError:
    """A template's error as the person who wrote the template needs it: which file, which line."""
    if isinstance(exc, jinja2.TemplateSyntaxError):
        where = f"{exc.filename}:{exc.lineno}: "
    else:
        frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename.endswith(".html")]
        where = f"{frames[-1].filename}:{frames[-1].lineno}: " if frames else f"{template}: "
    message = exc.message if isinstance(exc, jinja2.TemplateError) and exc.message else repr(exc)
    return DigestError(
        f"error: {where}template failed while writing {page}: {message}\n"
        "  hint: fix the template, or remove it from the site's templates folder to use the built-in one"
    )


def paragraphs(text: str) -> list[str]:
    return [p for p in text.split("\n\n") if p.strip()]


@dataclass(frozen=True, slots=True)
class Appearance:
    """Where a paper is listed, as its page shows it."""

    record: Record
    digest: DigestFile
    page: str


def render_site(site: Site, config: Config) -> Iterator[tuple[str, bytes]]:
    """Every page, then the search index, the sitemap (with a `base_url`) and the assets."""
    written: list[str] = []
    for path, data in _pages(site, config):
        written.append(path)
        yield path, data
    yield from search.search_files(site)
    yield from discover.sitemap_files(written, config)
    yield from feeds.feed_files(site, config)
    yield from _assets(config)


def _pages(site: Site, config: Config) -> Iterator[tuple[str, bytes]]:
    env = environment(config)
    env.globals["category_pages"] = {c.key: c.page for c in site.categories}
    env.globals["venue_pages"] = {c.key: c.page for c in site.venues}
    digests = {d.source: d for d in site.digests}

    def page(template: str, path: str, feed: tuple[str, str] = ("all", ""), **context: Any) -> tuple[str, bytes]:
        """`feed` is the (kind, key) of the Atom feed the page follows; feeds need a `base_url`."""
        feed_link = feeds.feed_path(*feed) if config.base_url else ""
        try:
            html = env.get_template(template).render(
                page=path, root=urls.root_of(path), section=urls.section_of(path), feed=feed_link, **context
            )
        except Exception as exc:  # a site's own template override can fail in any way
            raise _template_failure(template, path, exc) from exc
        return path, html.encode("utf-8")

    yield page("home.html", urls.HOME, site_view=site, latest=site.digests[:12], recent_dates=site.dates[:14])
    for paper in site.papers:
        appearances = [Appearance(r, digests[r.source], site.digest_pages[r.source]) for r in paper.appearances]
        yield page("paper.html", paper.page, paper=paper, appearances=appearances)
    for digest in site.digests:
        rows = [(record, site.paper_of[(record.source, record.line)]) for record in digest.records]
        feed = ("channel", digest.channel) if digest.format == "arxiv" and digest.channel else ("all", "")
        yield page("digest.html", site.digest_pages[digest.source], feed, digest=digest, rows=rows)
    for collection in (site.all_papers, *site.venues, *site.categories, *site.dates):
        sources = [(digests[source], site.digest_pages[source]) for source in collection.sources]
        yield from _collection_pages(page, collection, sources, config.page_size)
    yield page("listing.html", urls.VENUES, kind="venue", collections=site.venues, site_view=site)
    yield page("listing.html", urls.CATEGORIES, kind="category", collections=site.categories, site_view=site)
    yield page("listing.html", urls.DATES, kind="date", collections=site.dates, site_view=site)
    yield page("digests.html", urls.DIGESTS, digests=site.digests, site_view=site)
    yield page("search.html", urls.SEARCH)


RenderPage = Callable[..., tuple[str, bytes]]
"""Renders one template to one output path: `page(template, path, **context)`."""


def _collection_pages(
    page: RenderPage, collection: Collection, sources: list[tuple[DigestFile, str]], page_size: int
) -> Iterator[tuple[str, bytes]]:
    counts = _kind_counts(collection)
    feed = (collection.kind, collection.key) if collection.kind in ("venue", "category") else ("all", "")
    for number, path in enumerate(collection.pages, start=1):
        members = collection.papers[(number - 1) * page_size : number * page_size]
        groups = _kind_groups(collection, members) if collection.kind == "venue" else []
        yield page(
            "collection.html", path, feed, collection=collection, papers=members, groups=groups,
            number=number, kind_counts=counts, sources=sources,
        )  # fmt: skip


def _kind_groups(collection: Collection, members: tuple[Paper, ...]) -> list[tuple[str, list[Paper]]]:
    """A venue's papers on one page, grouped by their kind at this venue (already in order)."""
    return [(kind, list(papers)) for kind, papers in groupby(members, key=lambda p: kind_in(p, collection.key))]


def _kind_counts(collection: Collection) -> list[tuple[str, int]]:
    if collection.kind != "venue":
        return []
    return [(kind, len(papers)) for kind, papers in _kind_groups(collection, collection.papers)]


def _assets(config: Config) -> Iterator[tuple[str, bytes]]:
    """Files under `assets/` of the template folders, the site's own first."""
    seen: set[str] = set()
    for folder in template_folders(config):
        assets = folder / "assets"
        if not assets.is_dir():
            continue
        for file in sorted(assets.rglob("*")):
            name = "assets/" + file.relative_to(assets).as_posix()
            if file.is_file() and file.suffix in _ASSET_SUFFIXES and name not in seen:
                seen.add(name)
                yield name, file.read_bytes()
