"""The merged papers as plain data (JSON), for other tools and later stages."""

from __future__ import annotations

from typing import Any

from digest.model import Paper, Record
from digest.site import Site


def export_papers(site: Site) -> list[dict[str, Any]]:
    return [paper_data(paper, site) for paper in site.papers]


def paper_data(paper: Paper, site: Site) -> dict[str, Any]:
    return {
        "id": paper.id,
        "arxiv_id": paper.arxiv_id,
        "version": paper.version,
        "category": paper.category,
        "title": paper.title,
        "title_zh": paper.title_zh,
        "authors": list(paper.authors),
        "venue": paper.venue,
        "year": paper.year,
        "kind": paper.kind,
        "topic": paper.topic,
        "abstract_en": paper.abstract_en,
        "abstract_truncated": paper.abstract_truncated,
        "abstract_zh": paper.abstract_zh,
        "summary_zh": paper.summary_zh,
        "summary_en": paper.summary_en,
        "page": paper.page,
        "appearances": [_appearance(record, site) for record in paper.appearances],
    }


def _appearance(record: Record, site: Site) -> dict[str, Any]:
    return {
        "source": record.location,
        "format": record.format,
        "ref": record.ref,
        "digest_page": site.digest_pages[record.source],
        "url": record.url,
        "title": record.title,
        "version": record.version,
        "category": record.category,
        "announce": record.announce,
        "venue": record.venue,
        "year": record.year,
        "kind": record.kind,
        "topic": record.topic,
        "abstract_truncated": record.abstract_truncated,
    }
