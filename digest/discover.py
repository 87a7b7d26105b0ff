"""What lets search engines and link previews find the site, when it has a `base_url`:
`sitemap.xml` (an index of several files past 50,000 pages) and `robots.txt`. The JSON-LD
`ScholarlyArticle` of a paper page is made with the page (`digest.render.json_ld`); canonical
and OpenGraph links are in base.html.

A site read from disk has no address: then none of these is made, and `skipped` names them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from html import escape
from urllib.parse import urlsplit

from digest.config import Config

SITEMAP = "sitemap.xml"
ROBOTS = "robots.txt"
MAX_SITEMAP_URLS = 50_000
"""The sitemap protocol's limit for one file (sitemaps.org)."""

SKIPPED = ("feeds", SITEMAP, ROBOTS, "descriptions, canonical and OpenGraph links", "JSON-LD")
"""What a site without `base_url` goes without."""


def skipped(config: Config) -> tuple[str, ...]:
    """What this build leaves out for want of a `base_url` (nothing when it has one)."""
    return () if config.base_url else SKIPPED


def robots_here(config: Config) -> bool:
    """Whether the site is published at its host's root, the one place crawlers read
    `robots.txt` from: a site at a sub-path (`https://user.github.io/repo/`) gets none."""
    return bool(config.base_url) and urlsplit(config.base_url).path in ("", "/")


def sitemap_files(pages: Iterable[str], config: Config) -> Iterator[tuple[str, bytes]]:
    """`sitemap.xml` listing `pages` (output paths of HTML pages), and `robots.txt` pointing to it
    where crawlers look for one (`robots_here`)."""
    if not config.base_url:
        return
    urls = sorted(config.base_url + page for page in pages)
    chunks = [urls[i : i + MAX_SITEMAP_URLS] for i in range(0, len(urls), MAX_SITEMAP_URLS)] or [[]]
    if len(chunks) == 1:
        yield SITEMAP, _urlset(chunks[0])
    else:
        names = [f"sitemap-{n}.xml" for n in range(1, len(chunks) + 1)]
        for name, chunk in zip(names, chunks, strict=True):
            yield name, _urlset(chunk)
        entries = "".join(
            f"<sitemap><loc>{escape(config.base_url + name, quote=False)}</loc></sitemap>\n" for name in names
        )
        yield (
            SITEMAP,
            _xml(f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n{entries}</sitemapindex>'),
        )
    if robots_here(config):
        yield ROBOTS, f"User-agent: *\nAllow: /\nSitemap: {config.base_url}{SITEMAP}\n".encode()


def _urlset(urls: list[str]) -> bytes:
    entries = "".join(f"<url><loc>{escape(url, quote=False)}</loc></url>\n" for url in urls)
    return _xml(f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n{entries}</urlset>')


def _xml(body: str) -> bytes:
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{body}\n'.encode()
