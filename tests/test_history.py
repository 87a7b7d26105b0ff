"""A few real days of the daily digests' history (`../shared/corpus/history/`), built as a site:
what the whole history shows that small samples do not (revised papers, categories known only
from the channel and the announce type, the days of February 2024 between the two feeds)."""

from __future__ import annotations

import re
import subprocess
import sys
import tarfile
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import AUDIT, SHARED
from playwright.sync_api import Browser
from test_search import Tab, browser_test

from digest import search
from digest.build import BuildResult, build
from digest.config import load_config
from digest.gist import gist
from digest.model import Paper
from digest.richtext import rich

HISTORY = SHARED / "corpus" / "history" / "cn-chat-arxiv-2023-2025.tar.xz"
DAYS = (
    "2023-03-13",  # the old feed's title lines: `(arXiv:ID vN [cat])`; 2303.05983 v1 and others
    "2023-06-16",  # 2303.05983 again, v2 UPDATED under another title and abstract
    "2024-02-05",  # between the feeds: `rss.arxiv.org` links, no category, no announce type
    "2025-05-06",  # the new feed's announce types: new, cross, replace, replace-cross
    "2025-05-16",
)
REVISED = "2303.05983"


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, BuildResult]]:
    site = tmp_path_factory.mktemp("history")
    content = site / "content"
    with tarfile.open(HISTORY) as archive:
        wanted = [m for m in archive if m.isfile() and m.name.split("/")[1:2] in ([d] for d in DAYS)]
        archive.extractall(content, members=wanted, filter="data")
    (site / "site.toml").write_text('title = "History"\n', encoding="utf-8")
    yield site, build(load_config(site / "site.toml"))


def by_id(result: BuildResult) -> dict[str, Paper]:
    assert result.site is not None
    return {paper.id: paper for paper in result.site.papers}


def read(site: Path, page: str) -> str:
    return (site / "public" / page).read_text(encoding="utf-8")


def test_the_days_pass_the_strict_check(history: tuple[Path, BuildResult]) -> None:
    site, result = history
    assert sorted(p.name for p in (site / "content" / "arxiv").iterdir()) == list(DAYS)
    assert result.summary.diagnostics == []
    assert result.summary.tally.found == result.summary.tally.published > 1000
    check = subprocess.run(
        [sys.executable, "-m", "digest", "check", "--strict"], cwd=site, capture_output=True, text=True, timeout=300
    )
    assert check.returncode == 0, check.stdout[-2000:]
    audit = subprocess.run([sys.executable, str(AUDIT), str(site / "public")], capture_output=True, text=True)
    assert audit.returncode == 0, audit.stdout[-2000:]


def test_a_revised_paper_shows_its_newest_text_and_its_earlier_title(history: tuple[Path, BuildResult]) -> None:
    site, result = history
    paper = by_id(result)[REVISED]
    assert paper.version == 2 and paper.title.startswith("Accountable Textual-Visual Chat")
    (earlier,) = paper.revisions
    assert earlier.title.startswith("New Benchmarks for Accountable") and earlier.dates == ("2023-03-13",)
    assert earlier.version == 1
    page = read(site, paper.page)
    assert 'id="revised"' in page and "New Benchmarks for Accountable" in page and "2023-03-13" in page
    first = read(site, "digests/arxiv/2023-03-13/cs.ai.html")
    row = re.search(rf'<tr id="ref-\d+"[^>]*>(?:(?!</tr>).)*papers/{REVISED}\.html(?:(?!</tr>).)*</tr>', first, re.S)
    assert row and "New Benchmarks for Accountable" in row[0], "a digest shows the title it listed"
    assert "content/arxiv" not in first, "readers are not shown where the file lay"


def test_every_paper_is_on_a_category_page(history: tuple[Path, BuildResult]) -> None:
    site, result = history
    linked: set[str] = set()
    for page in (site / "public" / "categories").glob("*.html"):
        linked |= set(re.findall(r'href="\.\./(papers/[^"#]+\.html)"', page.read_text(encoding="utf-8")))
    assert {p.page for p in by_id(result).values()} <= linked
    assert result.site is not None
    assert {"econ", "q-fin"} <= {c.key for c in result.site.categories}, "channels named after archives"


def channels(paper: Paper, result: BuildResult) -> dict[str, set[str]]:
    """The channels that list `paper`, each with the announce types of its listings there."""
    assert result.site is not None
    channel_of = {d.source: d.channel for d in result.site.digests}
    found: dict[str, set[str]] = {}
    for record in paper.appearances:
        found.setdefault(channel_of[record.source], set()).add(record.announce)
    return found


def test_the_channel_and_announce_type_give_the_categories(history: tuple[Path, BuildResult]) -> None:
    _, result = history
    seen = set()
    for paper in by_id(result).values():
        listed = channels(paper, result)
        brackets = {r.category for r in paper.appearances if r.category}
        stated = {c for c, types in listed.items() if types & {"new", "replace"}}
        assert set(paper.categories) == set(listed) | brackets
        primary = stated | brackets | {c for c in listed for b in brackets if b.startswith(c + ".")}
        assert set(paper.cross_listed) == set(listed) - primary, paper.id
        assert paper.category in (brackets | stated | {""})
        if not brackets and not stated:
            seen.add("only cross-listed" if any(t for types in listed.values() for t in types) else "only listed")
            assert paper.category == "" and paper.cross_listed == paper.categories
        elif not brackets:
            seen.add("primary from the announce type")
            assert paper.category in stated
    assert seen == {"only cross-listed", "only listed", "primary from the announce type"}


def test_a_category_page_marks_its_cross_listed_papers(history: tuple[Path, BuildResult]) -> None:
    site, result = history
    assert result.site is not None
    cs_cl = next(c for c in result.site.categories if c.key == "cs.CL")
    page = read(site, cs_cl.page)
    for paper in cs_cl.papers[:50]:
        row = re.search(rf'<tr[^>]*>(?:(?!</tr>).)*"\.\./{re.escape(paper.page)}"(?:(?!</tr>).)*</tr>', page, re.S)
        assert row, paper.id
        assert ("badge-cross" in row[0]) == ("cs.CL" in paper.cross_listed), paper.id


class _Table(HTMLParser):
    """The text of each cell of each `table.papers` in a page, as a reader in one language mode
    sees it: elements of the other language (`l-en`, `l-zh`: the class, or the element) are hidden."""

    def __init__(self, hidden: str) -> None:
        super().__init__()
        self.hidden = hidden
        self.tables: list[list[list[str]]] = []
        self.stack: list[bool] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        classes = (dict(attrs).get("class") or "").split()
        if tag in VOID:
            return
        self.stack.append(self.hidden in classes or tag == self.hidden)
        if tag == "table" and "papers" in classes:
            self.tables.append([])
        elif tag == "tr" and self.tables:
            self.tables[-1].append([])
        elif tag in ("td", "th") and self.tables and self.tables[-1]:
            self.tables[-1][-1].append("")

    def handle_endtag(self, tag: str) -> None:
        if tag not in VOID and self.stack:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        if self.tables and self.tables[-1] and self.tables[-1][-1] and not any(self.stack):
            self.tables[-1][-1][-1] += data.strip()


VOID = {"br", "img", "input", "meta", "link", "col", "wbr", "hr"}


@pytest.mark.parametrize("mode", ["en", "zh", "both"])
def test_no_list_has_a_column_empty_in_every_row(history: tuple[Path, BuildResult], mode: str) -> None:
    site, _ = history
    public = site / "public"
    full = [public / "index.html", *public.glob("dates/*.html")]
    pages = [*full, public / "papers.html", *public.glob("categories/*.html")]
    pages += sorted(public.glob("digests/arxiv/*/*.html"))[:10]
    hidden = {"en": "l-zh", "zh": "l-en", "both": "no-such-class"}[mode]
    checked = 0
    for page in pages:
        parser = _Table(hidden)
        parser.feed(page.read_text(encoding="utf-8"))
        for table in parser.tables:
            head, *rows = table
            if not rows:
                continue
            for column, name in enumerate(head):
                if name:  # a column the reader sees
                    assert any(row[column] for row in rows), (page.name, mode, name)
            summaries = [n for n, name in enumerate(head) if "Summary" in name or "总结" in name]
            if page in full:
                # The lists a daily reader reads, in each language: a summary, or the gist of the abstract.
                assert sum(bool(row[summaries[0]]) for row in rows) >= 0.9 * len(rows), (page.name, mode)
            else:
                # The long lists (a category, every paper, a channel's day) are titles, each in the
                # reader's language; in a category's and every paper's, the gist under it for
                # English (see the next test).
                assert not summaries and all(
                    row[head.index(next(h for h in head if "Title" in h or "标题" in h))] for row in rows
                ), (page.name, mode)
            checked += 1
    assert checked > 50


def test_the_long_lists_give_english_readers_each_papers_gist(history: tuple[Path, BuildResult]) -> None:
    """A category's list and every paper's: under each title, for English mode, the gist of the
    paper's abstract. (A channel's day links to its date's page, which shows the gists.)"""
    site, result = history
    papers = {paper.page: paper for paper in by_id(result).values()}
    public = site / "public"
    pages = [*public.glob("papers*.html"), *public.glob("categories/*.html")]
    cell = re.compile(
        r'<th scope="row"><a href="(?:\.\./)*(papers/[^"]+)">(?:(?!</th>).)*?(?:<l-en class="gist">(.*?)</l-en>)?</th>',
        re.S,
    )
    rows = with_gist = 0
    for page in pages:
        for href, shown in cell.findall(page.read_text(encoding="utf-8")):
            paper = papers[href]
            rows += 1
            with_gist += bool(shown)
            assert shown == (str(rich(gist(paper.abstract_en))) if paper.abstract_en else ""), (page.name, href)
    assert rows > 2000 and with_gist >= 0.99 * rows, (rows, with_gist)


def matches(paper: Paper, query: str) -> bool:
    """Whether the index holds every token of `query` for `paper` (an English word: no prefix)."""
    terms = search.term_masks(search.Texts.of(paper))
    return all(token in terms for token in search.tokenize(query))


@browser_test
def test_search_results_narrow_to_dates_and_a_category(history: tuple[Path, BuildResult], browser: Browser) -> None:
    site, result = history
    context = browser.new_context()
    tab = Tab(context.new_page(), site / "public")
    tab.page.on("pageerror", lambda exc: tab.errors.append(str(exc)))
    papers = [p for p in by_id(result).values() if matches(p, "learning")]
    cases = {
        "": papers,
        "&category=econ": [p for p in papers if "econ" in p.categories],
        "&from=2024-01-01": [p for p in papers if p.first_date >= "2024-01-01"],
        "&from=2023-06-01&to=2024-12-31&category=cs.CL": [
            p for p in papers if "2023-06-01" <= p.first_date <= "2024-12-31" and "cs.CL" in p.categories
        ],
    }
    try:
        for filters, expected in cases.items():
            tab.open("learning" + filters)
            assert len(expected) > 0 and tab.status().startswith(f"{len(expected)} result"), (filters, tab.status())
            shown = tab.page.eval_on_selector_all(".search-results .byline", "els => els.map(e => e.textContent)")
            by_page = {p.page: p for p in expected}
            for href, byline in zip(tab.results(), shown, strict=True):
                assert byline.startswith(by_page[href].first_date), "a result shows the date it was first listed"
        # A category from the address is matched whatever its case, and one the site lacks is kept, finding nothing.
        tab.open("learning&category=cs.cl")
        in_cl = [p for p in papers if "cs.CL" in p.categories]
        assert tab.status().startswith(f"{len(in_cl)} result"), tab.status()
        assert tab.page.input_value("select[name=category]") == "cs.CL"
        tab.open("learning&category=no.such")
        assert tab.page.input_value("select[name=category]") == "no.such" and tab.results() == []
        assert tab.errors == []
    finally:
        context.close()


def test_the_home_page_opens_on_the_newest_day(history: tuple[Path, BuildResult]) -> None:
    site, result = history
    assert result.site is not None
    newest = result.site.dates[0]
    assert newest.key == DAYS[-1]
    home = read(site, "index.html")
    today = home[home.index('id="today"') :]
    assert f'href="dates/{DAYS[-1]}.html"' in today.split("</h2>")[0]
    shown = re.findall(r'href="(papers/[^"]+\.html)"', today)
    assert len(shown) == len(set(shown)) == len(newest.papers), "each paper of the day once"
    assert f'href="dates/{DAYS[-2]}.html"' in today, "and a link to the day before"
    before = read(site, f"dates/{DAYS[-2]}.html")
    assert f'href="../dates/{DAYS[-1]}.html"' in before and f'href="../dates/{DAYS[-3]}.html"' in before
