"""The reader's experience in a real browser: the seed site opened from file:// in headless
Chromium, no server. Language choice and its persistence, formulas as MathML, the BibTeX copy
button, sortable and filterable tables, accessibility (axe-core), a 375-pixel phone, and no
console error on any page. Screenshots land in tests/artifacts/screenshots/ for people to look at.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from browsers import in_ci
from conftest import REPO

from digest.build import build
from digest.config import load_config

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page

pytestmark = pytest.mark.browser

ARTIFACTS = REPO / "tests" / "artifacts" / "screenshots"
AXE = REPO / "tests" / "node_modules" / "axe-core" / "axe.min.js"

PAIRWISE_PPO = "papers/2310.00212.html"  # arXiv digest: Chinese title, summary and abstract
FORMULA = "papers/neurips-2023-70415.html"  # "0.43 Kendall's $\tau$" in its abstract
BOTH_SIDES = "papers/2305.16183.html"  # in the arXiv digest and at NeurIPS
VENUE = "venues/neurips-2023.html"
DIGEST = "digests/arxiv/2023-10-03/cs.cl.html"
SEARCH = "search.html?q=%E6%89%8B%E8%AF%AD"  # 手语


def build_seeds(folder: Path, language: str | None = None) -> Path:
    """The repository's site (site.toml and the seeds), built into `folder`/public."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copytree(REPO / "content", folder / "content")
    settings = (REPO / "site.toml").read_text(encoding="utf-8")
    if language is not None:
        settings = settings.replace('language = "both"', f'language = "{language}"')
        assert f'language = "{language}"' in settings
    (folder / "site.toml").write_text(settings, encoding="utf-8")
    result = build(load_config(folder / "site.toml"))
    assert [d for d in result.summary.diagnostics if d.severity == "error"] == []
    return folder / "public"


@pytest.fixture(scope="module")
def public(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_seeds(tmp_path_factory.mktemp("reader") / "site")


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    """A fresh profile (empty localStorage) that fails the test on any console error."""
    made = browser.new_context(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    made.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    made.on("weberror", lambda error: errors.append(str(error.error)))
    try:
        yield made
    finally:
        made.close()
    assert errors == [], "console errors"


def open_page(context: BrowserContext, public: Path, page: str) -> Page:
    tab = context.new_page()
    tab.goto(url(public, page))
    return tab


def url(public: Path, page: str) -> str:
    path, _, query = page.partition("?")
    return (public / path).as_uri() + (f"?{query}" if query else "")


def language(tab: Page) -> tuple[str | None, str | None]:
    lang, page_lang = tab.evaluate("[document.documentElement.dataset.lang, document.documentElement.lang]")
    return lang, page_lang


# --- Language -----------------------------------------------------------------------------


def test_language_choice_persists_across_pages_and_reload(context: BrowserContext, public: Path) -> None:
    home = open_page(context, public, "index.html")
    assert language(home) == ("both", "en"), "site.toml's default before any choice"
    home.click("[data-set-lang=zh]")
    assert language(home) == ("zh", "zh-Hans")
    assert home.get_attribute("[data-set-lang=zh]", "aria-pressed") == "true"
    assert not home.locator(".nav l-en").first.is_visible()
    assert home.locator(".nav l-zh").first.is_visible()

    paper = open_page(context, public, PAIRWISE_PPO)
    assert language(paper) == ("zh", "zh-Hans"), "the choice follows the reader to another page"
    assert paper.locator("h1").is_visible(), "the English title stays in Chinese mode"
    assert paper.locator("h1").evaluate("h1 => h1.closest('[lang]').lang") == "en"
    assert paper.locator(".paper-title-zh").is_visible()
    assert not paper.locator("section.abstract[lang=en]").is_visible()
    assert paper.locator("section.abstract[lang=zh-Hans]").is_visible()
    paper.reload()
    assert language(paper) == ("zh", "zh-Hans"), "and survives a reload"

    paper.click("[data-set-lang=en]")
    assert language(paper) == ("en", "en")
    assert paper.locator("h1").is_visible()
    assert not paper.locator(".paper-title-zh").is_visible()
    assert paper.locator("section.abstract[lang=en]").is_visible()
    assert not paper.locator("section.abstract[lang=zh-Hans]").is_visible()
    again = open_page(context, public, VENUE)
    assert language(again) == ("en", "en")
    venue_title = again.locator("table.papers tbody th > a").first
    assert venue_title.is_visible()

    again.click("[data-set-lang=both]")
    assert language(again) == ("both", "en")
    assert again.locator(".nav l-en").first.is_visible() and again.locator(".nav l-zh").first.is_visible()


# Text nodes whose language the nearest `lang` gets wrong: Chinese outside zh-*, and (where the
# page itself is zh-Hans) English words outside en-*. Formulas and TeX are neither.
WRONG_LANGUAGE = r"""() => {
  const wrong = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const holder = node.parentElement;
    if (!holder || holder.closest("script, style, math, code.tex, [hidden]")) continue;
    if (!holder.checkVisibility()) continue;
    const lang = (holder.closest("[lang]") || document.documentElement).lang.toLowerCase();
    const text = node.textContent;
    const chinese = /[\u3400-\u9fff]/.test(text), shown = text.trim().slice(0, 40);
    if (chinese && !lang.startsWith("zh")) wrong.push(`zh in ${lang}: ${shown}`);
    if (/[A-Za-z]{2,}/.test(text) && !chinese && !lang.startsWith("en")) wrong.push(`en in ${lang}: ${shown}`);
  }
  return wrong;
}"""


@pytest.mark.parametrize("lang", ["zh", "en", "both"])
def test_every_visible_text_is_in_an_element_of_its_language(browser: Browser, public: Path, lang: str) -> None:
    context = browser.new_context()
    try:
        problems = []
        for page in [*AXE_PAGES, DIGEST, FORMULA, "venues.html", "dates.html", "digests.html"]:
            tab = open_page(context, public, page)
            tab.evaluate(f"localStorage.setItem('digest.lang', '{lang}')")
            tab.reload()
            if page.startswith("search"):
                tab.wait_for_selector(".search-results li")
            problems += [f"{page}: {wrong}" for wrong in tab.evaluate(WRONG_LANGUAGE)]
            tab.close()
        assert problems == [], "\n".join(problems)
    finally:
        context.close()


def test_default_language_comes_from_site_toml(browser: Browser, tmp_path: Path) -> None:
    public = build_seeds(tmp_path / "site", language="zh")
    html = (public / "index.html").read_text(encoding="utf-8")
    assert '<html lang="zh-Hans" data-default-lang="zh">' in html
    context = browser.new_context()
    try:
        tab = open_page(context, public, PAIRWISE_PPO)
        assert language(tab) == ("zh", "zh-Hans")
        assert tab.locator("h1").is_visible() and not tab.locator("section.abstract[lang=en]").is_visible()
    finally:
        context.close()


def test_without_javascript_both_languages_show(browser: Browser, public: Path) -> None:
    context = browser.new_context(java_script_enabled=False)
    try:
        tab = open_page(context, public, PAIRWISE_PPO)
        assert language(tab) == (None, "en")
        for selector in ("h1", ".paper-title-zh", "section.abstract[lang=en]", "section.abstract[lang=zh-Hans]"):
            assert tab.locator(selector).is_visible(), selector
        assert not tab.locator(".lang-switch").is_visible(), "controls that need JavaScript stay hidden"
        assert not tab.locator("button[data-copy]").is_visible()
        listing = open_page(context, public, "papers.html")
        assert listing.locator("table.papers tbody tr").count() == 208, "a plain, complete table (one page)"
        assert listing.locator(".filter-bar").count() == 0
    finally:
        context.close()


# --- Formulas and citations ---------------------------------------------------------------


def test_formula_from_the_seeds_shows_as_mathml(context: BrowserContext, public: Path) -> None:
    tab = open_page(context, public, FORMULA)
    formula = tab.locator("section.abstract[lang=en] math").first
    assert formula.get_attribute("translate") == "no"
    assert formula.locator("mi").text_content() == "τ"
    box = formula.bounding_box()
    assert box is not None and box["width"] > 0 and box["height"] > 0, "Chromium lays the formula out"
    text = tab.locator("section.abstract[lang=en]").inner_text()
    assert "Kendall's" in text and "$" not in text and "\\tau" not in text


def test_bibtex_copy_button_copies_the_entry(context: BrowserContext, public: Path) -> None:
    tab = open_page(context, public, BOTH_SIDES)
    entry = tab.locator("#bibtex").text_content() or ""
    assert entry.startswith("@inproceedings{") and "eprint = {2305.16183}" in entry
    tab.click("button[data-copy=bibtex]")
    tab.locator(".copy-status").filter(has_text="Copied").wait_for()  # the Clipboard API answers later
    assert paste(tab) == entry

    # Where the Clipboard API is missing, the button copies through a selection instead.
    other = open_page(context, public, PAIRWISE_PPO)
    other.evaluate("Object.defineProperty(navigator, 'clipboard', {value: undefined})")
    other.click("button[data-copy=bibtex]")
    other.locator(".copy-status").filter(has_text="Copied").wait_for()
    assert paste(other) == other.locator("#bibtex").text_content()
    assert "eprint = {2310.00212}" in paste(other)


def paste(tab: Page) -> str:
    """What a reader gets by pasting: the clipboard, through a keyboard paste into a text box."""
    tab.evaluate("document.body.insertAdjacentHTML('beforeend', '<textarea id=pasted></textarea>')")
    tab.focus("#pasted")
    tab.keyboard.press("Control+V")
    pasted = tab.input_value("#pasted")
    tab.evaluate("document.getElementById('pasted').remove()")
    return pasted


# --- Tables -------------------------------------------------------------------------------


def test_a_rows_badges_keep_their_kinds_look(context: BrowserContext, public: Path) -> None:
    """The Where cell's children are badges; a cross-list one and a venue one keep their own look."""
    background = "el => getComputedStyle(el).backgroundColor"
    category = open_page(context, public, "categories/cs.cl.html")
    date = category.locator("table.paper-list tbody td:last-child > a").first
    cross = category.locator("table.paper-list tbody td:last-child > .badge-cross").first
    assert date.evaluate(background) != "rgba(0, 0, 0, 0)" and cross.evaluate(background) == "rgba(0, 0, 0, 0)"
    assert date.evaluate("a => getComputedStyle(a).color") == category.evaluate(
        "() => getComputedStyle(document.body).color"
    ), "a badge's text, not a link's colour"
    papers = open_page(context, public, "papers.html")
    venue = papers.locator("table.paper-list tbody td:last-child > .badge-venue").first
    assert venue.evaluate(background) not in (date.evaluate(background), "rgba(0, 0, 0, 0)")


def visible_rows(tab: Page) -> list[dict[str, Any]]:
    return tab.evaluate(
        """() => [...document.querySelectorAll("table.papers tbody tr")].filter((row) => !row.hidden)
          .map((row) => ({title: row.cells[0].textContent.replace(/\\s+/g, " ").trim(), text: row.textContent,
                          category: row.dataset.category}))"""
    )


def test_tables_filter_by_text_and_category_and_sort(context: BrowserContext, public: Path) -> None:
    tab = open_page(context, public, "papers.html")
    everything = visible_rows(tab)
    assert len(everything) == 208
    tab.fill(".filter-bar input[type=search]", "policy")
    found = visible_rows(tab)
    assert 0 < len(found) < 208 and all("policy" in row["text"].lower() for row in found)
    assert f"Showing {len(found)} of 208" in tab.locator(".filter-status").inner_text()
    tab.fill(".filter-bar input[type=search]", "")
    # A paper is in several categories: its primary one and the channel that lists it (cs.CL).
    tab.select_option("select[data-dimension=category]", "cs.LG")
    in_category = visible_rows(tab)
    assert in_category and all("cs.LG" in row["category"].split() for row in in_category)
    assert len(in_category) == sum("cs.LG" in (row["category"] or "").split() for row in everything)
    assert {row["category"] for row in in_category} == {"cs.CL cs.LG"}
    tab.select_option("select[data-dimension=category]", "")

    tab.click("table.papers th:first-child button.sort")
    titles = [row["title"] for row in visible_rows(tab)]
    in_order = """(t) => t.every((title, i) => !i ||
      t[i - 1].localeCompare(title, undefined, {numeric: true, sensitivity: "base"}) <= 0)"""
    assert tab.evaluate(in_order, titles) and titles != [row["title"] for row in everything]
    assert tab.get_attribute("table.papers th:first-child", "aria-sort") == "ascending"
    tab.click("table.papers th:first-child button.sort")
    assert tab.get_attribute("table.papers th:first-child", "aria-sort") == "descending"
    assert [row["title"] for row in visible_rows(tab)] == titles[::-1]
    # The Where column of a day's papers sorts them by arXiv ID, in order of submission.
    tab.goto(url(public, "dates/2023-10-03.html"))
    tab.click("table.papers th:last-child button.sort")
    wheres = tab.evaluate("""() => [...document.querySelectorAll("table.papers tbody tr")]
      .map((row) => row.cells[row.cells.length - 1].textContent.trim())""")
    ids = [where.split()[1] for where in wheres]
    assert len(ids) == 70 and all(w.startswith("arXiv ") for w in wheres) and ids == sorted(ids)


def test_a_channels_digest_leads_to_its_day_narrowed_to_the_channel(context: BrowserContext, public: Path) -> None:
    tab = open_page(context, public, DIGEST)
    tab.click("main p a[href*='dates/']")
    assert tab.url.endswith("dates/2023-10-03.html?category=cs.CL")
    assert tab.input_value("select[data-dimension=category]") == "cs.CL"
    tab.goto(url(public, "dates/2023-10-03.html?category=cs.LG"))
    rows = visible_rows(tab)
    assert 0 < len(rows) < 70 and all("cs.LG" in row["category"].split() for row in rows)
    tab.goto(url(public, "dates/2023-10-03.html?category=no.such"))
    assert len(visible_rows(tab)) == 70, "a category the page lacks filters nothing"


def test_venue_filter_by_kind_hides_empty_groups(context: BrowserContext, public: Path) -> None:
    tab = open_page(context, public, VENUE)
    tab.select_option("select[data-dimension=kind]", "oral")
    rows = visible_rows(tab)
    assert len(rows) == 9, "the nine orals of the seeds"
    assert tab.locator("section.group:visible").count() == 1


@pytest.mark.parametrize("page", ["index.html", PAIRWISE_PPO, DIGEST])
def test_the_search_box_leads_to_the_search_page_from_any_folder(
    context: BrowserContext, public: Path, page: str
) -> None:
    tab = open_page(context, public, page)
    tab.fill(".search-box input", "sign language")
    tab.press(".search-box input", "Enter")
    tab.wait_for_url("**/search.html?q=*")
    assert tab.url == (public / "search.html").as_uri() + "?q=sign+language"


# --- Every page, phones, accessibility, screenshots ----------------------------------------


def test_no_console_errors_on_any_page(context: BrowserContext, public: Path) -> None:
    pages = sorted(p.relative_to(public).as_posix() for p in public.rglob("*.html"))
    assert len(pages) > 200
    tab = context.new_page()
    for page in [*pages, SEARCH, "search.html?q=Proximal%20Policy"]:
        tab.goto(url(public, page), wait_until="load")
    # the `context` fixture fails the test on any console error or uncaught exception


PHONE_PAGES = ["index.html", PAIRWISE_PPO, FORMULA, VENUE, DIGEST, "papers.html", SEARCH]


PLACEHOLDER_FITS = """() => {
  const input = document.querySelector(".search-box input");
  const style = getComputedStyle(input);
  const context = document.createElement("canvas").getContext("2d");
  context.font = style.font;
  const room = input.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
  return context.measureText(input.placeholder).width <= room - parseFloat(style.fontSize);
}"""
"""Whether the search box shows its whole placeholder: Chromium keeps about 1em of a search box
for its clear button."""


def test_nothing_is_wider_than_a_phone(browser: Browser, public: Path) -> None:
    context = browser.new_context(viewport={"width": 375, "height": 800}, device_scale_factor=2, is_mobile=True)
    try:
        for lang in ("both", "zh"):
            for page in PHONE_PAGES:
                tab = open_page(context, public, page)
                tab.evaluate(f"localStorage.setItem('digest.lang', '{lang}')")
                tab.reload()
                width = tab.evaluate("document.documentElement.scrollWidth")
                assert width <= 375, f"{page} ({lang}) scrolls sideways on a phone: {width}px"
                assert tab.evaluate(PLACEHOLDER_FITS), f"{page} ({lang}): the search box's placeholder is cut"
                tab.close()
    finally:
        context.close()


@pytest.mark.parametrize("choice", ["system", "dark"])
def test_print_is_dark_text_on_white_in_dark_mode(browser: Browser, public: Path, choice: str) -> None:
    """Dark on screen (the system's or the reader's choice) still prints black on white."""
    context = browser.new_context(color_scheme="dark")
    try:
        tab = open_page(context, public, PAIRWISE_PPO)
        if choice == "dark":
            tab.evaluate("localStorage.setItem('digest.theme', 'dark')")
            tab.reload()
        tab.emulate_media(media="print")
        style = "([selector, property]) => getComputedStyle(document.querySelector(selector))[property]"
        for selector in ("body", "section.summary", "pre.bibtex"):
            assert tab.evaluate(style, [selector, "backgroundColor"]) in ("rgb(255, 255, 255)", "rgba(0, 0, 0, 0)")
        for selector in ("body", ".paper-title-zh", "section.abstract p"):
            red, green, blue = map(int, re.findall(r"\d+", tab.evaluate(style, [selector, "color"]))[:3])
            assert max(red, green, blue) <= 0x44, f"{selector} prints in a light colour"
        assert not tab.locator("header.masthead").is_visible()
    finally:
        context.close()


AXE_PAGES = ["index.html", PAIRWISE_PPO, BOTH_SIDES, DIGEST, VENUE, SEARCH, "papers.html"]


def axe_violations(tab: Page) -> list[str]:
    tab.add_script_tag(path=str(AXE))
    found = tab.evaluate("axe.run(document, {resultTypes: ['violations']}).then((r) => r.violations)")
    return [
        f"{v['id']} ({v['impact']}): {node['target']}"
        for v in found
        if v["impact"] in ("serious", "critical")
        for node in v["nodes"]
    ]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_no_serious_or_critical_violations(browser: Browser, public: Path, scheme: str) -> None:
    if not AXE.is_file():
        reason = f"axe-core is not installed at {AXE.relative_to(REPO)}: run `npm ci --prefix tests`"
        pytest.fail(reason) if in_ci() else pytest.skip(reason)
    context = browser.new_context(color_scheme=scheme)  # type: ignore[arg-type]
    try:
        problems: list[str] = []
        for lang in ("both", "zh", "en"):
            for page in AXE_PAGES:
                tab = open_page(context, public, page)
                tab.evaluate(f"localStorage.setItem('digest.lang', '{lang}')")
                tab.reload()
                problems += [f"{page} [{lang}] {problem}" for problem in axe_violations(tab)]
                tab.close()
        assert problems == []
    finally:
        context.close()


SCREENSHOTS = {"home": "index.html", "paper": PAIRWISE_PPO, "venue": VENUE, "search": SEARCH}


def test_screenshots_for_people_to_look_at(browser: Browser, public: Path) -> None:
    """Home, paper, venue and search pages in English and Chinese, on a desktop and a phone, light
    and dark: written to tests/artifacts/screenshots/ (CI keeps them as artifacts)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    written = []
    for scheme, width in (("light", 1280), ("dark", 375)):
        context = browser.new_context(viewport={"width": width, "height": 900}, color_scheme=scheme)  # type: ignore[arg-type]
        try:
            for lang in ("en", "zh"):
                for name, page in SCREENSHOTS.items():
                    tab = open_page(context, public, page)
                    tab.evaluate(f"localStorage.setItem('digest.lang', '{lang}')")
                    tab.reload()
                    tab.wait_for_load_state("load")
                    if name == "search":
                        tab.wait_for_selector(".search-results li")
                    target = ARTIFACTS / f"{name}-{lang}-{scheme}-{width}.png"
                    tab.screenshot(path=str(target), full_page=name != "venue")
                    written.append(target)
                    tab.close()
        finally:
            context.close()
    assert len(written) == 16
    for shot in written:
        assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 10_000, shot.name
