"""The site → (output path, bytes) for every page and asset.

Pure: reads templates, writes nothing. The Jinja environment escapes everything
(autoescape) and fails on any name a template gets wrong (StrictUndefined). Templates get
prepared values and the relative prefix `root` back to the output folder, so every link they
write is relative and names a file.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import json
import time
import traceback
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import groupby
from typing import TYPE_CHECKING, Any

from markupsafe import Markup

from digest import __version__, discover, feeds, search, urls
from digest.bibtex import bibtex
from digest.config import Config, builtin_templates, template_folders
from digest.errors import DigestError
from digest.gist import gist
from digest.hashing import fingerprint
from digest.model import Collection, DigestFile, Paper, Record, venue_label
from digest.parse.text import has_cjk, normalise_title
from digest.profile import TemplateTime
from digest.richtext import mark_chinese, plain, rich
from digest.site import GROWING, Site, channels_on, date_neighbours, kind_in, page_bounds, page_members

if TYPE_CHECKING:  # Jinja is imported when pages are made: a build with nothing to do needs none of it
    import jinja2

_ASSET_SUFFIXES = {".css", ".js", ".svg", ".png", ".ico", ".txt"}
LISTINGS = (urls.VENUES, urls.CATEGORIES, urls.DATES)
TEMPLATES = ("home.html", "paper.html", "digest.html", "collection.html", "listing.html", "digests.html", "search.html")
"""The templates of the site's pages (each may extend or import others)."""
LIST_TEMPLATES = ("digest.html", "collection.html", "_macros.html", "base.html")
"""The templates of the pages that list papers (`Pages.lists_alike`)."""


def environment(config: Config) -> jinja2.Environment:
    import jinja2

    from digest.unindent import Unindent

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(f) for f in template_folders(config)]),
        extensions=[Unindent],
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,  # a build makes its own environment: templates never change under it
    )
    env.extend(builtin_templates=builtin_templates().resolve())
    en_lang = EN_LANG if config.language == "zh" else ""
    env.filters["bi"] = lambda english, chinese: bilingual(english, chinese, en_lang)
    env.filters["text"] = mark_chinese
    env.filters["rich"] = rich
    env.filters["rich_zh"] = lambda text: rich(text, chinese=True)
    env.filters["bibtex"] = bibtex
    env.filters["plain"] = plain
    env.filters["paragraphs"] = paragraphs
    env.filters["gist"] = gist
    env.filters["lang"] = lambda text: "zh-Hans" if has_cjk(text) else "en"
    env.tests["same_title"] = lambda title, other: normalise_title(title) == normalise_title(other)
    env.globals.update(
        site=config,
        version=__version__,
        arxiv_abs=urls.arxiv_abs,
        arxiv_pdf=urls.arxiv_pdf,
        links=urls,
        en_lang=Markup(en_lang),
        json_ld=json_ld,
        pages_around=pages_around,
        abstract_paragraphs=abstract_paragraphs,
    )
    return env


def _unlisted(paper: Paper) -> Paper:
    """`paper` without its records, which lists do not show."""
    return dataclasses.replace(paper, appearances=(), arxiv=None)


def _own_template(env: jinja2.Environment, name: str) -> bool:
    """Whether the site's template `name` is its own, rather than the built-in one (or a copy)."""
    import jinja2

    try:
        source, _, _ = env.loader.get_source(env, name)  # type: ignore[union-attr]
    except (jinja2.TemplateNotFound, UnicodeDecodeError):  # the page that needs it reports it
        return True
    try:
        return source != (builtin_templates() / name).read_text(encoding="utf-8")
    except OSError:
        return True


def pages_around(number: int, count: int, reach: int = 2) -> list[int | None]:
    """The page numbers a pager shows on page `number` of `count`: the first, the last and
    those within `reach` of this one, with None for each gap (`1 … 5 6 7 8 9 … 42`)."""
    shown = sorted({1, count, *range(max(1, number - reach), min(count, number + reach) + 1)})
    out: list[int | None] = []
    previous = 0
    for page in shown:
        if page - previous == 2:
            out.append(page - 1)  # a gap of one page: show it rather than `…`
        elif page - previous > 2:
            out.append(None)
        out.append(page)
        previous = page
    return out


def bilingual(english: str, chinese: str, en_lang: str = "") -> Markup:
    """`{{ "Summary"|bi("总结") }}`: a label in both languages, as the `bi` macro writes it. On
    fixed text Jinja calls it once, when it compiles the template. `en_lang`: see `EN_LANG`."""
    return Markup('<l-en{}>{}</l-en> <l-zh lang="zh-Hans">{}</l-zh>').format(Markup(en_lang), english, chinese)


EN_LANG = ' lang="en"'
"""The attribute that marks a label's English half, written only on a site whose pages say they
are Chinese (language = "zh"). Elsewhere the page's own `lang` is English, and when a reader
chooses Chinese only the English half is hidden: a site of 60,000 pages saves 8 MB."""


def _template_failure(template: str, page: str, exc: Exception) -> DigestError:
    """A template's error as the person who wrote the template needs it: which file, which line."""
    import jinja2

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


def abstract_paragraphs(abstract: str, with_gist: bool) -> tuple[Markup, list[Markup]]:
    """The English abstract as its page shows it: `with_gist`, its gist (`digest.gist`) and its
    paragraphs as HTML, the first without the gist when the gist is a whole sentence or two that
    starts it. So the page shows the gist once, as the lead of the abstract, rather than twice;
    `("", paragraphs)` when the gist is cut short, or its markup would not stand apart."""
    texts = paragraphs(abstract)
    shown = [rich(text) for text in texts]
    lead = gist(abstract) if with_gist else ""
    if not texts or not lead or lead.endswith("…") or not texts[0].startswith(lead):
        return Markup(""), shown
    head, rest = rich(lead), rich(texts[0][len(lead) :])
    if head + rest != shown[0]:  # a formula or a tag open across the cut
        return Markup(""), shown
    return head, [rest, *shown[1:]]


@dataclass(frozen=True, slots=True)
class Appearance:
    """Where a paper is listed, as its page shows it."""

    record: Record
    digest: DigestFile
    page: str


@dataclass(frozen=True, slots=True)
class PageJob:
    """One HTML page to render: which template, where, and from which part of the site."""

    template: str
    path: str
    part: str
    """`home`, `paper`, `digest`, `collection`, `listing`, `digests` or `search`."""
    ref: int = -1
    """The index of the paper, digest or collection (see `Pages.collections`) it shows."""
    number: int = 0
    """The page's number within its collection (from 1)."""
    fingerprint: str = ""
    """A hash of everything the page shows beyond what every page depends on: equal
    fingerprints, equal pages (for the same templates, settings and code)."""


class Pages:
    """The site's HTML pages: `plan` lists them, `render` renders one. Planning is cheap, so a
    build can plan every page and render only those whose fingerprint changed."""

    def __init__(self, site: Site, config: Config) -> None:
        self.site = site
        self.config = config
        self.collections = (site.all_papers, *site.venues, *site.categories, *site.dates)
        self.digest_of = {d.source: d for d in site.digests}
        self.neighbours = date_neighbours([(d.key, d.page, len(d.papers)) for d in site.dates])
        """Each date's newer and older dates that list papers: a date page links to them."""
        self.times: dict[str, TemplateTime] = {}
        self._env = environment(config)
        self._links = {
            "category_pages": {c.key: c.page for c in site.categories},
            "venue_pages": {c.key: c.page for c in site.venues},
            "date_pages": {c.key: c.page for c in site.dates},
        }
        # For links to a paper's own category and venues: a page's fingerprint covers the
        # links of the papers it shows, not the whole of these tables.
        self._env.globals.update(self._links)
        # Every page's navigation links to the venues only on a site that has some: each page's
        # fingerprint covers that (through its papers' tokens, or directly).
        self._env.globals["has_venues"] = bool(site.venues)
        self._frame = "venues" if site.venues else ""
        from jinja2 import TemplateError

        for name in TEMPLATES:  # compiled once here, not once in each worker process
            with contextlib.suppress(TemplateError):  # reported when a page needs it
                self._env.get_template(name)

    def plan(self, tokens: dict[str, str]) -> list[PageJob]:
        """Every page, in a stable order; `tokens` holds each input file's content hash by its
        source, from which the fingerprints are made."""
        site = self.site
        paper_token = {p.id: self.paper_token(p, tokens) for p in site.papers}
        everything = self.everything(tokens)
        jobs = [PageJob("home.html", urls.HOME, "home", fingerprint=everything)]
        jobs += (
            PageJob("paper.html", paper.page, "paper", index, fingerprint=paper_token[paper.id])
            for index, paper in enumerate(site.papers)
        )
        for index, digest in enumerate(site.digests):
            rows = (paper_token[site.paper_of[(r.source, r.line)].id] for r in digest.records)
            jobs.append(self.digest_job(index, tokens, rows))
        for index, collection in enumerate(self.collections):
            jobs += self.collection_jobs(index, [p.id for p in collection.papers], paper_token.__getitem__, tokens)
        jobs += self.listing_jobs(everything)
        return jobs

    def everything(self, tokens: dict[str, str]) -> str:
        """The fingerprint of the pages that list every digest: each digest's file and page."""
        pages = self.site.digest_pages
        return fingerprint(self._frame, *(f"{s}={tokens.get(s, '')}={pages[s]}" for s in sorted(pages)))

    def digest_job(self, index: int, tokens: dict[str, str], rows: Iterable[str]) -> PageJob:
        """The page of digest `index`, given the `paper_token` of each of its records' papers."""
        digest = self.site.digests[index]
        links = self._channel_link(digest), self._links["date_pages"].get(digest.date, "")
        token = fingerprint(self._frame, digest.source, tokens.get(digest.source, ""), *links, *rows)
        return PageJob("digest.html", self.site.digest_pages[digest.source], "digest", index, fingerprint=token)

    def collection_jobs(
        self, index: int, members: Sequence[str], token_of: Callable[[str], str], tokens: dict[str, str]
    ) -> list[PageJob]:
        """The pages of collection `index`, given its papers' IDs (`members`) and their tokens."""
        collection, site, size = self.collections[index], self.site, self.config.page_size
        shared = fingerprint(
            collection.kind, collection.key, *collection.pages, str(len(members)),
            repr(_kind_counts(collection)), *self.neighbours.get(collection.key, ("", "")),
            *(f"{tokens.get(s, '')}={site.digest_pages[s]}" for s in collection.sources),
            *(self._channel_link(self.digest_of[s]) for s in collection.sources),
        )  # fmt: skip
        jobs = []
        for number, path in enumerate(collection.pages, start=1):
            shown = _growing_page(collection, number) if collection.kind in GROWING else (shared, str(number))
            start, end = page_bounds(collection.kind, len(members), len(collection.pages), number, size)
            token = fingerprint(self._frame, *shown, *map(token_of, members[start:end]))
            jobs.append(PageJob("collection.html", path, "collection", index, number, token))
        return jobs

    @staticmethod
    def listing_jobs(everything: str) -> list[PageJob]:
        """The lists of venues, categories, dates and digests, and the search page."""
        jobs = [PageJob("listing.html", path, "listing", fingerprint=everything) for path in LISTINGS]
        jobs.append(PageJob("digests.html", urls.DIGESTS, "digests", fingerprint=everything))
        jobs.append(PageJob("search.html", urls.SEARCH, "search", fingerprint=everything))
        return jobs

    def _channel_link(self, digest: DigestFile) -> str:
        """The page of the category named as the channel of `digest`, if there is one: lists
        link a channel to it (a channel need not be a category, nor one of its papers')."""
        return self._links["category_pages"].get(digest.channel, "")

    def paper_token(self, paper: Paper, tokens: dict[str, str]) -> str:
        """A paper is made from its records alone (their files, lines, digest pages and the
        channels of those digests); it links to its categories' pages and its venues' pages, and
        lists link to the page of the date it was first listed."""
        pages = self.site.digest_pages
        made_of = (f"{tokens.get(r.source, '')}:{r.source}:{r.line}:{pages[r.source]}" for r in paper.appearances)
        categories = (self._links["category_pages"].get(category, "") for category in paper.categories)
        venues = (self._links["venue_pages"].get(venue_label(r.venue, r.year), "") for r in paper.venue_sides)
        first = self._links["date_pages"].get(paper.first_date, "")
        return fingerprint(self._frame, paper.id, paper.page, first, *categories, *venues, *made_of)

    @functools.cached_property
    def _own_lists(self) -> bool:
        """Whether the site has its own list templates (`lists_alike`)."""
        return any(_own_template(self._env, name) for name in LIST_TEMPLATES)

    def lists_alike(self, stored: Paper, paper: Paper) -> bool:
        """Whether the lists that showed `stored` (digest, category, date and all-papers pages)
        show `paper`, the same paper listed again, alike: the same in all but its records (which
        a paper's own page shows, and lists do not) and the same channels on each date it was
        listed on. Then its lists need not be made again. Known of the built-in templates only:
        a site's own may show anything of a paper in its lists."""
        if self._own_lists:
            return False
        if _unlisted(stored) != _unlisted(paper):
            return False
        digests = self.digest_of
        dates = {digests[record.source].date for record in stored.appearances}
        return all(channels_on(stored, date, digests) == channels_on(paper, date, digests) for date in dates)

    def render(self, job: PageJob) -> bytes:
        site, part = self.site, job.part
        if part == "paper":
            paper = site.papers[job.ref]
            appearances = [
                Appearance(r, self.digest_of[r.source], site.digest_pages[r.source]) for r in paper.appearances
            ]
            return self._page(job, paper=paper, appearances=appearances)
        if part == "digest":
            digest = site.digests[job.ref]
            rows = [(record, site.paper_of[(record.source, record.line)]) for record in digest.records]
            feed = ("channel", digest.channel) if digest.format == "arxiv" and digest.channel else ("all", "")
            return self._page(job, feed, digest=digest, rows=rows)
        if part == "collection":
            return self._collection_page(job)
        if part == "home":
            return self._home(job)
        if part == "listing":
            kind, collections = {
                urls.VENUES: ("venue", site.venues),
                urls.CATEGORIES: ("category", site.categories),
                urls.DATES: ("date", site.dates),
            }[job.path]
            months = [(month, list(dates)) for month, dates in groupby(site.dates, key=lambda d: d.key[:7])]
            return self._page(job, kind=kind, collections=collections, months=months, site_view=site)
        if part == "digests":
            return self._page(job, digests=site.digests, site_view=site)
        return self._page(job, dates=[d for d in site.dates if len(d.papers)], categories=site.categories)

    def _home(self, job: PageJob) -> bytes:
        """The home page opens on the newest date that lists papers: its papers, each once with
        the channels that list it that day, and links to the dates before it."""
        dated = [date for date in self.site.dates if len(date.papers)]
        day = dated[0] if dated else None
        papers = list(day.papers) if day else []
        channels = {p.id: channels_on(p, day.key, self.digest_of) for p in papers} if day else {}
        return self._page(job, site_view=self.site, day=day, papers=papers, channels=channels, earlier=dated[1:15])

    def _collection_page(self, job: PageJob) -> bytes:
        collection = self.collections[job.ref]
        members = page_members(collection, job.number, self.config.page_size)
        if collection.kind == "date":
            channels = {p.id: channels_on(p, collection.key, self.digest_of) for p in members}
            newer, older = self.neighbours[collection.key]
        else:
            channels, newer, older = {}, "", ""
        feed = (collection.kind, collection.key) if collection.kind in ("venue", "category") else ("all", "")
        dates = sorted({p.first_date for p in members if p.first_date})
        return self._page(
            job, feed, collection=collection, papers=members,
            groups=_kind_groups(collection, members) if collection.kind == "venue" else [],
            number=job.number, kind_counts=_kind_counts(collection), growing=collection.kind in GROWING,
            dates=" – ".join(dict.fromkeys(dates[:1] + dates[-1:])),
            sources=[(self.digest_of[s], self.site.digest_pages[s]) for s in collection.sources],
            channels=channels, newer=newer, older=older,
        )  # fmt: skip

    def _page(self, job: PageJob, feed: tuple[str, str] = ("all", ""), **context: Any) -> bytes:
        """`feed` is the (kind, key) of the Atom feed the page follows; feeds need a `base_url`."""
        path = job.path
        feed_link = feeds.feed_path(*feed) if self.config.base_url else ""
        started = time.perf_counter()
        try:
            html = self._env.get_template(job.template).render(
                page=path, root=urls.root_of(path), section=urls.section_of(path), feed=feed_link, **context
            )
        except Exception as exc:  # a site's own template override can fail in any way
            raise _template_failure(job.template, path, exc) from exc
        self.times.setdefault(job.template, TemplateTime()).add(time.perf_counter() - started, path)
        return html.encode("utf-8")


def render_site(site: Site, config: Config) -> Iterator[tuple[str, bytes]]:
    """Every page, then the search index, the sitemap (with a `base_url`), the feeds and the
    assets: the whole site in one process, for library use and tests."""
    pages = Pages(site, config)
    jobs = pages.plan({})
    for job in jobs:
        yield job.path, pages.render(job)
    yield from derived_files(site, config, [job.path for job in jobs])


def derived_files(site: Site, config: Config, pages: list[str]) -> Iterator[tuple[str, bytes]]:
    """The files made from the whole site rather than rendered one by one."""
    yield from search.index_files(search.build_index(site))
    yield from discover.sitemap_files(pages, config)
    yield from feeds.feed_files(site, config)
    yield from assets(config)


def _growing_page(collection: Collection, number: int) -> tuple[str, ...]:
    """What a page of a growing collection shows besides its papers: its count, on the first
    page only, and its links to the newest, newer, older and oldest pages. Not its number nor
    the collection's size, which change as papers are added at the start."""
    pages = collection.pages
    count = str(len(collection.papers)) if number == 1 else ""
    newer = pages[number - 2] if number > 1 else ""
    older = pages[number] if number < len(pages) else ""
    return (collection.kind, collection.key, count, pages[0], newer, older, pages[-1])


def _kind_groups(collection: Collection, members: Sequence[Paper]) -> list[tuple[str, list[Paper]]]:
    """A venue's papers on one page, grouped by their kind at this venue (already in order)."""
    return [(kind, list(papers)) for kind, papers in groupby(members, key=lambda p: kind_in(p, collection.key))]


def _kind_counts(collection: Collection) -> list[tuple[str, int]]:
    if collection.kind != "venue":
        return []
    return [(kind, len(papers)) for kind, papers in _kind_groups(collection, collection.papers)]


def assets(config: Config) -> Iterator[tuple[str, bytes]]:
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


def json_ld(paper: Paper) -> Markup:
    """The paper as a schema.org `ScholarlyArticle`, safe inside `<script type="application/ld+json">`."""
    # What the page's other tags say (its address in the canonical link, its description in
    # the meta tag) is not said again: on 60,000 pages each 200 bytes is 12 MB.
    data: dict[str, object] = {
        "@context": "https://schema.org",
        "@type": "ScholarlyArticle",
        "headline": plain(paper.title) or paper.id,
    }
    if paper.title_zh:
        data["alternativeHeadline"] = plain(paper.title_zh)
    if paper.authors:
        data["author"] = [{"@type": "Person", "name": name} for name in paper.authors]
    if paper.arxiv_id:
        data["identifier"] = f"arXiv:{paper.arxiv_id}"
        data["sameAs"] = urls.arxiv_abs(paper.arxiv_id)
    if paper.venue:
        data["isPartOf"] = {"@type": "Event", "name": paper.venue_label}
    # The page is UTF-8: Chinese as itself.
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    # Nothing in the text may end the script element or open a comment in it.
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))
