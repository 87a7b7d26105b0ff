"""Whole-site builds over the seeds: counts, merged papers, pages, links, escaping, export."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import AUDIT, REPO

from digest.build import build
from digest.config import load_config
from digest.export import export_papers
from digest.gist import gist
from digest.inputs import load

SEED_ARXIV = REPO / "content" / "arxiv" / "2023-10-03" / "cs.CL.md"
SEED_VENUE = REPO / "content" / "venues" / "neurips-2023" / "language-modeling.md"
SHARED_PAPERS = {"2305.16183", "2302.14838"}


def test_seeds_are_the_site_content_byte_for_byte() -> None:
    seeds = REPO.parent / "shared" / "seeds"
    assert SEED_ARXIV.read_bytes() == (seeds / "000_04b93c370e07b710.txt").read_bytes()
    assert SEED_VENUE.read_bytes() == (seeds / "004_3a67aee9ff1b7ec4.txt").read_bytes()


@pytest.fixture
def built(seed_site: Path) -> tuple[Path, object]:
    config = load_config(seed_site / "site.toml")
    result = build(config)
    return seed_site / "public", result


def test_seed_counts(built: tuple[Path, object]) -> None:
    _, result = built
    site = result.site  # type: ignore[attr-defined]
    assert result.summary.diagnostics == []  # type: ignore[attr-defined]
    # Counted from the files, independently of the parser: table rows plus venue headings.
    arxiv_rows = len(re.findall(r"^\| \[\^\d+\] \|", SEED_ARXIV.read_text(encoding="utf-8"), flags=re.M))
    venue_headings = len(re.findall(r"^## ", SEED_VENUE.read_text(encoding="utf-8"), flags=re.M))
    assert (arxiv_rows, venue_headings) == (70, 140)
    assert len(site.papers) == arxiv_rows + venue_headings - len(SHARED_PAPERS) == 208
    (neurips,) = site.venues
    assert neurips.key == "NeurIPS 2023"
    kinds = [p.kind for p in neurips.papers]
    assert (kinds.count("oral"), kinds.count("poster")) == (9, 131)
    assert kinds == sorted(kinds, key=lambda k: k != "oral"), "orals come first"
    assert [d.key for d in site.dates] == ["2023-10-03"]
    assert len(site.dates[0].papers) == 70
    # The seed is the cs.CL channel of the old feed: each paper is in the category its title line
    # names, and the others are cross-listed in cs.CL.
    brackets = re.findall(r"^    .*\(arXiv:\S+ \[([^\]]+)\]", SEED_ARXIV.read_text(encoding="utf-8"), flags=re.M)
    assert len(brackets) == 70
    members = {c.key: {p.arxiv_id for p in c.papers} for c in site.categories}
    assert sum(map(len, members.values())) == 70 + sum(b != "cs.CL" for b in brackets) == 93
    cs_cl = next(c for c in site.categories if c.key == "cs.CL")
    assert len(cs_cl.papers) == 70
    assert {p.arxiv_id for p in cs_cl.papers if "cs.CL" in p.cross_listed} == {
        p.arxiv_id for p in cs_cl.papers if p.category != "cs.CL"
    }


def test_shared_papers_have_one_page_with_both_sides(built: tuple[Path, object]) -> None:
    public, result = built
    site = result.site  # type: ignore[attr-defined]
    merged = {p.arxiv_id: p for p in site.papers if p.arxiv and p.venue_sides}
    assert set(merged) == SHARED_PAPERS
    for paper in merged.values():
        assert paper.venue == "NeurIPS" and paper.kind == "poster" and paper.title_zh and paper.authors
        assert not paper.abstract_truncated, "the venue's full abstract is preferred"
        html = (public / paper.page).read_text(encoding="utf-8")
        assert "digests/arxiv/2023-10-03/cs.cl.html#ref-" in html
        assert "digests/venues/neurips-2023/language-modeling.html#ref-" in html
        assert "arXiv preprint" in html and "neurips.cc/virtual/2023/" in html
        folded = html[html.index("<details>") : html.index("</details>")]
        assert paper.arxiv.abstract_truncated and "…</p>" in folded, "the preprint's cut abstract says so"
    assert len(list((public / "papers").glob("*.html"))) == 208


def test_paper_page_shows_every_field(built: tuple[Path, object]) -> None:
    public, _ = built
    html = (public / "papers" / "2310.00212.html").read_text(encoding="utf-8")
    for expected in (
        "Pairwise Proximal Policy Optimization: Harnessing Relative Feedback for LLM Alignment</h1>",
        '<p class="paper-title-zh l-zh" lang="zh-Hans">两两邻近策略优化: 利用相对反馈进行LLM对齐</p>',
        "https://arxiv.org/abs/2310.00212",
        "https://arxiv.org/pdf/2310.00212v1",
        "cs.LG",
        "The digest cut this abstract short: read it whole on arXiv</l-en>",
        "该论文提出了一种新的强化学习框架",
        "大型语言模型（LLMs）通过在大型语料库上",
    ):
        assert expected in html


def test_a_paper_page_shows_the_gist_once_as_the_lead_of_its_abstract(built: tuple[Path, object]) -> None:
    public, result = built
    paper = next(p for p in result.site.papers if p.arxiv_id == "2310.00212")  # type: ignore[attr-defined]
    lead = gist(paper.abstract_en)
    assert lead and not paper.summary_en and paper.summary_zh
    html = (public / paper.page).read_text(encoding="utf-8")
    abstract = html[html.index('<section class="block abstract l-en"') :]
    assert abstract.startswith('<section class="block abstract l-en" lang="en">\n<h2 id="abstract">') and (
        f'<p><span class="gist">{lead}</span> ' in abstract
    )
    assert html.count(lead) == 1, "shown once, not again under Summary"
    assert '<section class="block summary l-zh">' in html, "with only a Chinese summary, the section is for Chinese"


def test_digest_and_collection_pages(built: tuple[Path, object]) -> None:
    public, _ = built
    digest = (public / "digests" / "arxiv" / "2023-10-03" / "cs.cl.html").read_text(encoding="utf-8")
    assert digest.count('<tr id="ref-') == 70
    assert "../../../papers/2310.00212.html" in digest
    venue = (public / "venues" / "neurips-2023.html").read_text(encoding="utf-8")
    assert "9 <l-en>Oral</l-en>" in venue and "131 <l-en>" in venue
    assert 'id="kind-1"><l-en>Oral<' in venue
    assert 'id="kind-2"><l-en>Poster<' in venue
    home = (public / "index.html").read_text(encoding="utf-8")
    for target in (
        "papers.html",
        "digests.html",
        "venues.html",
        "categories.html",
        "dates.html",
        "venues/neurips-2023.html",
        "categories/cs.cl.html",
        "dates/2023-10-03.html",
    ):
        assert f'href="{target}"' in home
    assert "<strong>208</strong>" in home


def test_offline_audit_passes(built: tuple[Path, object]) -> None:
    public, _ = built
    audit = subprocess.run([sys.executable, str(AUDIT), str(public)], capture_output=True, text=True)
    assert audit.returncode == 0, audit.stdout
    assert re.search(r"pages=2\d\d links=\d+ problems=0", audit.stdout)


def test_every_link_is_relative_and_names_a_file(built: tuple[Path, object]) -> None:
    public, _ = built
    for page in public.rglob("*.html"):
        for url in re.findall(r'(?:href|src)="([^"]*)"', page.read_text(encoding="utf-8")):
            if url.startswith(("https://", "http://")):
                continue
            # A link may choose a filter of the page it opens (`dates/D.html?category=cs.CL`).
            names_file = re.search(r"\.(html|css|js|atom)(\?[\w.=&%-]+)?(#.*)?$", url) or re.fullmatch(r"#[\w-]+", url)
            assert not url.startswith("/") and names_file, (page, url)


def test_a_labels_english_half_is_marked_only_where_the_page_is_chinese(seed_site: Path) -> None:
    """Pages say lang="en" (or "zh-Hans" on a site whose language is "zh"): a label's English half
    takes the page's language, and needs its own only on a Chinese page."""
    page = seed_site / "public" / "papers" / "2310.00212.html"
    build(load_config(seed_site / "site.toml"))
    english = page.read_text(encoding="utf-8")
    assert '<html lang="en"' in english and "<l-en>Cite</l-en>" in english
    assert '<l-en lang="en">' not in english
    (seed_site / "site.toml").write_text('language = "zh"\n', encoding="utf-8")
    build(load_config(seed_site / "site.toml"))
    chinese = page.read_text(encoding="utf-8")
    assert '<html lang="zh-Hans"' in chinese and '<l-en lang="en">Cite</l-en>' in chinese
    assert "<l-en>" not in chinese


def test_pagination_splits_long_collections(seed_site: Path) -> None:
    (seed_site / "site.toml").write_text("page_size = 50\n", encoding="utf-8")
    result = build(load_config(seed_site / "site.toml"))
    site = result.site
    # All papers grow at their start: full pages from the oldest end, the first holds the rest.
    assert site.all_papers.pages == ("papers.html", "papers-p3.html", "papers-p2.html", "papers-p1.html")
    public = seed_site / "public"

    def rows(pages: tuple[str, ...]) -> list[int]:
        return [public.joinpath(p).read_text(encoding="utf-8").count('<th scope="row">') for p in pages]

    assert rows(site.all_papers.pages) == [58, 50, 50, 50], "page_size is rows per page"
    # A venue's list is as its files give it: pages from the first.
    (venue,) = site.venues
    assert venue.pages == tuple(f"venues/neurips-2023{suffix}.html" for suffix in ("", "-p2", "-p3"))
    assert [len(papers) for _, papers in kind_rows(public, venue.pages)] == [50, 50, 40]
    audit = subprocess.run([sys.executable, str(AUDIT), str(public)], capture_output=True, text=True)
    assert audit.returncode == 0, audit.stdout


def kind_rows(public: Path, pages: tuple[str, ...]) -> list[tuple[str, list[str]]]:
    """Each page of a venue, with the papers its tables list."""
    return [(p, re.findall(r"<tr data-category", public.joinpath(p).read_text(encoding="utf-8"))) for p in pages]


def pager_links(public: Path, page: str) -> list[tuple[str, str]]:
    """The (text, target) of each link in a page's pager."""
    html = public.joinpath(page).read_text(encoding="utf-8")
    pager = re.search(r'<nav class="pager".*?</nav>', html, re.S)
    links = re.findall(r'<a (?:rel="\w+" )?href="([^"]+)">(.*?)</a>', pager[0] if pager else "", re.S)
    return [(re.findall(r"<l-en>(\w+)<", text)[0], href) for href, text in links]


def test_pagers_stay_small_however_long_the_collection(seed_site: Path) -> None:
    (seed_site / "site.toml").write_text("page_size = 5\n", encoding="utf-8")
    site = build(load_config(seed_site / "site.toml")).site
    assert site is not None and len(site.all_papers.pages) == 41 and len(site.venues[0].pages) == 28
    public = seed_site / "public"
    # A venue's pager: the first, the last and the pages around this one, by number.
    pages = [public.joinpath(p).read_text(encoding="utf-8") for p in site.venues[0].pages]
    pagers = [re.search(r'<nav class="pager".*?</nav>', page, re.S) for page in pages]
    numbers = [re.findall(r">(\d+)</(?:a|span)>", pager[0]) if pager else [] for pager in pagers]
    assert numbers[0] == ["1", "2", "3", "28"] and numbers[20] == ["1", "19", "20", "21", "22", "23", "28"]
    assert max(map(len, numbers)) <= 8, "first, last, two on either side and one filling a gap"
    current = [re.findall(r'aria-current="page">(\d+)<', pager[0]) for pager in pagers if pager]
    assert current == [[str(n)] for n in range(1, 29)]
    # All papers: newest, newer, older and oldest, and no number nor count that adding papers
    # would change, except the count on the first page.
    papers = site.all_papers.pages
    assert pager_links(public, papers[0]) == [("Older", papers[1]), ("Oldest", papers[-1])]
    assert pager_links(public, papers[1]) == [("Newer", papers[0]), ("Older", papers[2]), ("Oldest", papers[-1])]
    assert pager_links(public, papers[20]) == [
        ("Newest", papers[0]), ("Newer", papers[19]), ("Older", papers[21]), ("Oldest", papers[-1]),
    ]  # fmt: skip
    assert pager_links(public, papers[-1]) == [("Newest", papers[0]), ("Newer", papers[-2])]
    texts = [public.joinpath(p).read_text(encoding="utf-8") for p in papers]
    counts = [re.findall(r'class="muted">(\d+) <l-en>', text) for text in texts]
    assert counts == [["208"]] + [[]] * 40 and not any(" of 41" in text for text in texts)
    # Every page is reached from the first by its "next" links.
    reached, page = [], "papers.html"
    while page:
        reached.append(page)
        following = re.search(r'<a rel="next" href="([^"]+)"', public.joinpath(page).read_text(encoding="utf-8"))
        page = following[1] if following else ""
    assert reached == list(papers)


HOSTILE = """# 摘要

| Ref | Title | Summary |
| --- | --- | --- |
| [^1] | [<script>alert(1)</script>{{ 7*7 }}.](http://arxiv.org/abs/2310.00212) | "><img src=x onerror=alert(2)> |

# 详细

[^1]: </title><script>alert(3)</script>{% raw %}

    <b>bold</b>{{ 7*7 }}. (arXiv:2310.00212v1 [cs.LG])

    [http://arxiv.org/abs/2310.00212](http://arxiv.org/abs/2310.00212)

    "><img src=x onerror=alert(2)>

    {% endraw %}

    </style><svg onload=alert(4)>

    \u202eevil <iframe src=javascript:alert(5)>
    """


def test_content_html_and_template_syntax_reach_pages_escaped(seed_site: Path) -> None:
    folder = seed_site / "content" / "arxiv" / "2023-10-04"
    folder.mkdir()
    (folder / "x.md").write_text(HOSTILE, encoding="utf-8")
    build(load_config(seed_site / "site.toml"))
    public = seed_site / "public"
    for page in public.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        for raw in ("<script>alert", "<img src=x", "<svg", "<iframe", "<b>bold", "</title><script"):
            assert raw not in html, (page, raw)
    paper = (public / "papers" / "2310.00212.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(3)&lt;/script&gt;" in paper and "{{ 7*7 }}" in paper


def test_export_lists_merged_papers_with_sources(seed_site: Path) -> None:
    loaded = load(load_config(seed_site / "site.toml"))
    data = json.loads(json.dumps(export_papers(loaded.site), ensure_ascii=False))
    assert len(data) == 208
    required = {
        "id",
        "arxiv_id",
        "version",
        "category",
        "title",
        "title_zh",
        "authors",
        "venue",
        "year",
        "kind",
        "topic",
        "abstract_en",
        "abstract_truncated",
        "abstract_zh",
        "summary_zh",
        "page",
        "appearances",
    }
    assert all(required <= set(paper) for paper in data)
    (evo,) = [p for p in data if p["arxiv_id"] == "2302.14838"]
    assert evo["page"] == "papers/2302.14838.html"
    assert sorted(a["source"].rsplit(":", 1)[0] for a in evo["appearances"]) == [
        "content/arxiv/2023-10-03/cs.CL.md",
        "content/venues/neurips-2023/language-modeling.md",
    ]
    assert all(re.fullmatch(r".+:\d+", a["source"]) for p in data for a in p["appearances"])


def test_the_themes_indentation_is_dropped_and_a_sites_own_is_kept(seed_site: Path) -> None:
    """The built-in templates are indented for their readers, not for the pages: a page has no
    indented tag of theirs. A site's own template is rendered as written."""
    (seed_site / "templates").mkdir(exist_ok=True)
    builtin = (REPO / "templates" / "search.html").read_text(encoding="utf-8")
    assert re.search(r"\n[ \t]+<", builtin), "the theme is indented"
    (seed_site / "templates" / "search.html").write_text(builtin, encoding="utf-8")
    build(load_config(seed_site / "site.toml"))
    public = seed_site / "public"
    pages = ["index.html", "dates.html", next((public / "papers").glob("*.html")).relative_to(public).as_posix()]
    for page in pages:
        assert not re.search(r"\n[ \t]+<", (public / page).read_text(encoding="utf-8")), page
    assert re.search(r"\n[ \t]+<", (public / "search.html").read_text(encoding="utf-8")), "the site's own template"
