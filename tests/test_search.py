"""The offline search: the tokeniser, the index files, and the search page in Chromium from file://.

The Python tokeniser (digest/search.py) builds the index and the JavaScript one
(templates/assets/search.js) reads queries and highlights matches; they must agree token for
token, which a browser test checks on varied text. The browser tests are marked `browser`:
skipped without Chromium, failed under CI=true.
"""

from __future__ import annotations

import json
import re
import shutil
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from conftest import REPO
from test_merge import daily, make_site, venue

from digest import search
from digest.build import build
from digest.config import load_config

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

browser_test = pytest.mark.browser

SIGN_LANGUAGE = {"2310.00207", "2310.00196", "2310.00195"}  # the seed papers whose summaries say 手语
PPO = "2310.00212"  # Pairwise Proximal Policy Optimization
CALL = re.compile(r"DigestSearch\.(meta|terms|docs)\((.*)\);\n", re.S)

# Text for the agreement test: every kind of character the tokeniser treats in its own way.
AGREEMENT = [
    "Proximal Policy Optimization",
    "Pairwise Proximal Policy Optimization: Harnessing Relative Feedback for LLM Alignment.",
    "Café au lait, naïve Bayes, résumé",
    "Ångström-level e\u0301cole",
    "手语识别",
    "该论文主要研究在美国手语中检测未知的多词表达。",
    "BERT模型的性能",
    "GPT-4o在MMLU上取得了85%的准确率",
    "ＢＥＲＴ１２３ ｆｕｌｌ－ｗｉｄｔｈ",
    "ﬁne-tuning ﬀ ﬃ ½ ㍿",
    "ΟΔΟΣ Σίσυφος ΑΣ",
    "Москва и ЁЛКА",
    "한국어 자연어 처리",
    "日本語のテキスト、カタカナとﾊﾝｶｸ",
    "emoji 🤖 robots 🚀 launching 👩\u200d🔬",
    "the of and a an to in for on with is are we this that by as from at be our",
    "studies classes running embedded embeddings based modeling learned",
    "buses analysis corpus loss speed speeds agreeing buzzing stopped",
    "2310.00212v1 [cs.LG]",
    "x",
    "",
    "   \t\n",
    "ies sses",
    "Straße ẞ",
    "İstanbul",
    "l'été dernier, don't stop",
    "co-operation self-supervised under_score",
    "𠀀𠀁 extension B 㐀㐁",
    "〇々〆",
    "Ⅻ chapter ⅻ ①②③ x²+y³",
    "ℌilbert ℕatural Å 𝐌𝐨𝐝𝐞𝐥𝐬 in bold",
    "数学公式 $O(n^2)$ 的复杂度",
    "零样本（zero-shot）学习",
    "LLMs' hallucinations",
    "ǅungla ǆ",
    "\u00a0non-breaking\u2009thin\u200bzero-width",
    "العربية ١٢٣",
    "हिन्दी भाषा",
    "A single 图 and 一 two",
    "Sem-Lex基准测试是一个用于建模ASL手势和音素的资源",
]


# --- the tokeniser ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Café", "cafe"),
        ("ＢＥＲＴ", "bert"),
        ("ﬁne", "fine"),
        ("ΟΔΟΣ", "οδοσ"),  # the final sigma is σ
        ("İstanbul", "istanbul"),
        ("Ångström", "angstrom"),
        ("手语", "手语"),
    ],
)
def test_fold(text: str, folded: str) -> None:
    assert search.fold(text) == folded


@pytest.mark.parametrize(
    ("word", "stem"),
    [
        ("models", "model"),
        ("modeling", "model"),
        ("studies", "study"),
        ("classes", "class"),
        ("embeddings", "embed"),
        ("embedded", "embed"),
        ("running", "run"),
        ("learned", "learn"),
        ("based", "bas"),
        ("base", "bas"),
        ("loss", "loss"),
        ("corpus", "corpus"),
        ("analysis", "analysis"),
        ("using", "using"),  # -ing would leave two letters
        ("added", "add"),  # undoubled only when four letters remain
        ("falling", "fall"),  # ll is kept
        ("gpt4", "gpt4"),  # only words of ASCII letters
        ("ies", "ies"),
    ],
)
def test_stem(word: str, stem: str) -> None:
    assert search.stem(word) == stem


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("手语识别", ["手语", "语识", "识别"]),
        ("BERT模型", ["bert", "模型"]),
        ("ＧＰＴ－４は", ["gpt", "4", "は"]),  # full-width letters through NFKD; a lone kana
        ("Café", ["caf"]),  # folded to cafe, then stemmed
        ("The state of the art", ["stat", "art"]),  # stopwords dropped
        ("a 图 b", ["图", "b"]),
        ("arXiv:2310.00212v1", ["arxiv", "2310", "00212v1"]),
        ("snake_case", ["snak", "cas"]),  # the underscore separates; final e dropped
        ("🤖!!", []),
        ("", []),
    ],
)
def test_tokenize(text: str, tokens: list[str]) -> None:
    assert search.tokenize(text) == tokens


def test_runs_are_letters_and_digits_as_javascript_sees_them() -> None:
    """The Python pattern `[^\\W_]` is the JavaScript class `[\\p{L}\\p{N}]` (outside marks)."""
    run = re.compile(r"[^\W_]")
    differ = [
        f"U+{code:04X}"
        for code in range(0x40000)
        if unicodedata.category(chr(code))[0] != "M"
        and (run.match(chr(code)) is not None) != (unicodedata.category(chr(code))[0] in "LN")
    ]
    assert differ == []


# --- the index files -------------------------------------------------------------------------


def test_fnv1a_test_vectors_and_stable_shards() -> None:
    assert [search.fnv1a(text) for text in ("", "a", "foobar")] == [0x811C9DC5, 0xE40C292C, 0xBF9CF968]
    # Pinned: a change here moves terms between files and must come with a new format version.
    assert {term: search.shard_of(term, 64) for term in ("model", "手语", "proximal", "policy", "2310")} == {
        "model": 3,
        "手语": 37,
        "proximal": 24,
        "policy": 4,
        "2310": 25,
    }
    # Words that share their first three letters share a shard (a half-typed word completes there).
    assert len({search.shard_of(term, 64) for term in ("mod", "model", "modular", "modality")}) == 1


def test_postings_encoding() -> None:
    assert search.encode_postings([(0, 8), (1, 1), (40, 3)]) == "8HpJ"
    postings = [(0, 15), (1, 1), (2, 2), (31, 4), (32, 8), (5000, 3), (5001, 1), (1_000_000, 9)]
    assert search.decode_postings(search.encode_postings(postings)) == postings


@dataclass
class Index:
    """A built site's search index, read back from its files."""

    meta: dict[str, Any]
    terms: dict[str, str] = field(default_factory=dict)
    docs: list[list[str]] = field(default_factory=list)
    shards: dict[int, dict[str, str]] = field(default_factory=dict)

    def postings(self, term: str) -> dict[int, int]:
        return dict(search.decode_postings(self.terms.get(term, "")))

    def find(self, query: str) -> set[str]:
        """Pages of the documents that hold every token of `query` (exact terms only)."""
        found: set[int] | None = None
        for token in search.tokenize(query):
            docs = set(self.postings(token))
            found = docs if found is None else found & docs
        return {self.docs[d][0] for d in found or ()}


def read_call(path: Path) -> tuple[str, list[Any]]:
    text = path.read_text(encoding="utf-8")
    match = CALL.fullmatch(text)
    assert match, f"{path.name} is one call of DigestSearch"
    arguments: list[Any] = json.loads(f"[{match[2]}]")
    compact = ",".join(json.dumps(a, ensure_ascii=False, separators=(",", ":")) for a in arguments)
    assert match[2] == compact, f"{path.name} is compact JSON"
    return match[1], arguments


def read_index(public: Path) -> Index:
    folder = public / "search"
    call, (meta,) = read_call(folder / "meta.js")
    assert call == "meta"
    index = Index(meta)
    width = max(2, len(str(meta["shards"] - 1)))
    assert sorted(p.name for p in (folder / "t").iterdir()) == [f"{n:0{width}d}.js" for n in range(meta["shards"])]
    for number in range(meta["shards"]):
        call, (shard_number, terms) = read_call(folder / "t" / f"{number:0{width}d}.js")
        assert (call, shard_number) == ("terms", number)
        assert all(search.shard_of(term, meta["shards"]) == number for term in terms)
        index.shards[number] = terms
        index.terms.update(terms)
    width = max(2, len(str(meta["blocks"] - 1)))
    assert len(list((folder / "d").iterdir())) == meta["blocks"]
    for number in range(meta["blocks"]):
        call, (block_number, docs) = read_call(folder / "d" / f"{number:0{width}d}.js")
        assert (call, block_number) == ("docs", number)
        assert len(docs) == meta["blockSize"] or number == meta["blocks"] - 1
        index.docs.extend(docs)
    assert len(index.docs) == meta["docs"]
    return index


def test_index_of_a_small_site(tmp_path: Path) -> None:
    site = make_site(tmp_path, {
        "arxiv/2024-01-02/cs.CL.md": daily(("2401.00001", "Sign Language Translation"), ("2401.00002", "Café Models")),
        "venues/iclr-2024/rl.md": venue("Papers about RL in ICLR 2024", ("Proximal Agents", "oral", "https://iclr.cc/1")),
    })  # fmt: skip
    result = build(load_config(site / "site.toml"))
    index = read_index(site / "public")
    meta = index.meta
    assert (meta["version"], meta["docs"], meta["shards"], meta["blocks"]) == (1, 3, 1, 1)
    assert meta["stopwords"] == list(search.STOPWORDS) and meta["fields"] == search.FIELDS
    assert meta["cjk"] == [list(r) for r in search.CJK_RANGES] and meta["keyLength"] == search.KEY_LENGTH
    # Documents in the order of the all-papers index, each with what a result shows.
    assert [d[0] for d in index.docs] == [p.page for p in result.loaded.site.papers]
    cafe, proximal, sign = index.docs
    assert cafe == ["papers/2401.00002.html", "Café Models", "标题2", "", "2401.00002", "", "", "总结2", "Abstract 2."]
    assert proximal[1:6] == ["Proximal Agents", "", "A. Author, B. Author", "", "ICLR 2024"]
    assert sign[0] == "papers/2401.00001.html"
    title, authors, summary, abstract = (search.FIELDS[f] for f in ("title", "authors", "summary", "abstract"))
    assert index.postings("sign") == {2: title}
    assert index.postings("caf") == {0: title}  # Café, folded and stemmed
    assert index.postings("model") == {0: title}
    assert index.postings("标题") == {0: title, 2: title}
    assert index.postings("总结") == {0: summary, 2: summary}
    assert index.postings("abstract") == {0: abstract, 1: abstract, 2: abstract}
    assert index.postings("author") == {1: authors}
    assert index.postings("iclr") == {1: authors}  # the venue is in the byline
    assert index.postings("2401") == {0: authors, 2: authors}  # so is the arXiv ID
    assert "the" not in index.terms and "of" not in index.terms


def test_seed_index_finds_sign_language_and_ppo(seed_site: Path) -> None:
    build(load_config(seed_site / "site.toml"))
    index = read_index(seed_site / "public")
    pages = {f"papers/{arxiv}.html" for arxiv in SIGN_LANGUAGE}
    assert pages <= index.find("手语")
    assert f"papers/{PPO}.html" in index.find("Proximal Policy")
    assert index.meta["shards"] & (index.meta["shards"] - 1) == 0, "a power of two"
    sizes = [len((seed_site / "public" / "search" / "t" / f"{n:02d}.js").read_bytes()) for n in index.shards]
    assert max(sizes) < 150_000


def test_two_builds_write_the_same_index(seed_site: Path, tmp_path: Path) -> None:
    config = load_config(seed_site / "site.toml")
    build(config, output=tmp_path / "one")
    build(config, output=tmp_path / "two")

    def files(root: Path) -> dict[str, bytes]:
        return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted((root / "search").rglob("*.js"))}

    assert files(tmp_path / "one") == files(tmp_path / "two")
    assert len(files(tmp_path / "one")) > 3


# --- in the browser --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def seed_public(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The repository's seeds, built once for the browser tests."""
    site = tmp_path_factory.mktemp("search") / "site"
    site.mkdir()
    shutil.copy(REPO / "site.toml", site / "site.toml")
    shutil.copytree(REPO / "content", site / "content")
    build(load_config(site / "site.toml"))
    return site / "public"


@dataclass
class Tab:
    """A page of the search site, with what it asked for and what went wrong."""

    page: Page
    public: Path
    errors: list[str] = field(default_factory=list)
    requests: list[tuple[str, str]] = field(default_factory=list)

    def open(self, query: str | None = None) -> None:
        url = (self.public / "search.html").as_uri()
        self.page.goto(url if query is None else f"{url}?q={query}", wait_until="load")
        self.settled()

    def settled(self) -> None:
        """Wait for the search that is under way to show its outcome."""
        self.page.wait_for_function("() => document.querySelector('.search-status').textContent !== ''")
        self.page.evaluate("() => DigestSearch.run(document.querySelector('#search-q').value)")

    def status(self) -> str:
        return self.page.inner_text(".search-status")

    def results(self) -> list[str]:
        return self.page.eval_on_selector_all(
            ".search-results > li.result a.title-en", "els => els.map(a => a.getAttribute('href'))"
        )

    def marks(self) -> list[str]:
        return self.page.eval_on_selector_all(".search-results mark", "els => els.map(m => m.textContent)")

    def assert_clean(self) -> None:
        """No error in the console or the page; only pages, classic scripts and stylesheets loaded
        from file:// (no fetch, no XHR, no worker), the index among them."""
        assert self.errors == []
        assert any(url.endswith("/search/meta.js") for _, url in self.requests)
        for kind, url in self.requests:
            assert url.startswith("file://"), url
            assert kind in ("document", "script", "stylesheet"), f"{kind} {url}"


@pytest.fixture
def tab(browser: Browser, seed_public: Path) -> Iterator[Tab]:
    """A fresh context in the run's Chromium (the `browser` fixture of conftest.py)."""
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(10_000)
    opened = Tab(page, seed_public)
    page.on("console", lambda m: opened.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda exc: opened.errors.append(f"uncaught: {exc}"))
    page.on("request", lambda r: opened.requests.append((r.resource_type, r.url)))
    try:
        yield opened
    finally:
        context.close()


@browser_test
def test_javascript_tokenizer_agrees_with_python(tab: Tab) -> None:
    tab.open()
    tokens = tab.page.evaluate(
        "async (texts) => { await DigestSearch.ready(); return texts.map((t) => DigestSearch.tokenize(t)); }",
        AGREEMENT,
    )
    assert {text: found for text, found in zip(AGREEMENT, tokens, strict=True)} == {
        text: search.tokenize(text) for text in AGREEMENT
    }
    tab.assert_clean()


@browser_test
def test_chinese_query_finds_the_sign_language_papers(tab: Tab) -> None:
    tab.open("手语")
    results = tab.results()
    assert {f"papers/{arxiv}.html" for arxiv in SIGN_LANGUAGE} <= set(results)
    # Papers with 手语 in their (Chinese) title come before the one that has it in its summary only.
    assert results.index("papers/2310.00196.html") > max(
        results.index("papers/2310.00207.html"), results.index("papers/2310.00195.html")
    )
    assert set(tab.marks()) == {"手语"}
    assert tab.page.input_value("#search-q") == "手语"
    assert re.fullmatch(r"\d+ results? \d+ 条结果", tab.status())
    # Every Chinese text in the results is inside an element that says it is Chinese.
    outside = tab.page.evaluate(r"""() => {
      const walker = document.createTreeWalker(document.querySelector('.search-results'), NodeFilter.SHOW_TEXT);
      const found = [];
      while (walker.nextNode()) {
        const node = walker.currentNode;
        if (/[\u3400-\u9fff]/.test(node.data) && !node.parentElement.closest('[lang^="zh"]')) found.push(node.data);
      }
      return found;
    }""")
    assert outside == []
    assert tab.page.get_attribute(".result .title-zh", "lang") == "zh-Hans"
    tab.assert_clean()


@browser_test
def test_english_query_ranks_the_title_match_first(tab: Tab) -> None:
    tab.open("Proximal Policy")
    results = tab.results()
    assert results[0] == f"papers/{PPO}.html"
    title_marks = tab.page.eval_on_selector_all(
        ".result:first-child a.title-en mark", "els => els.map(m => m.textContent)"
    )
    assert title_marks == ["Proximal", "Policy"]
    # The link leads to the paper's page, relative to the search page.
    tab.page.click(".result:first-child a.title-en")
    tab.page.wait_for_load_state()
    assert tab.page.url == (tab.public / "papers" / f"{PPO}.html").as_uri()
    tab.assert_clean()


@browser_test
def test_typing_searches_again_and_keeps_the_address(tab: Tab) -> None:
    tab.open()
    assert tab.results() == []
    assert "Type to search" in tab.status()
    tab.page.locator("#search-q").press_sequentially("sign langua", delay=20)
    tab.page.wait_for_function("() => /result/.test(document.querySelector('.search-status').textContent)")
    tab.settled()
    assert "papers/2310.00207.html" in tab.results()  # the half-typed last word is completed
    assert tab.page.evaluate("location.search") == "?q=sign%20langua"
    tab.page.fill("#search-q", "qwxzv")
    tab.page.wait_for_function("() => /No results/.test(document.querySelector('.search-status').textContent)")
    assert tab.results() == []
    assert "没有找到结果" in tab.status()
    tab.page.fill("#search-q", "")
    tab.page.wait_for_function("() => /Type to search/.test(document.querySelector('.search-status').textContent)")
    assert tab.page.evaluate("location.search") == ""
    tab.assert_clean()


@browser_test
def test_results_show_text_never_markup(browser: Browser, tmp_path: Path) -> None:
    hostile = "Hostile <img src=x onerror=window.__pwned=1> <b>bold</b> & <script>window.__pwned=2</script>"
    site = make_site(tmp_path, {"arxiv/2024-01-02/cs.CR.md": daily(("2401.00009", hostile))})
    build(load_config(site / "site.toml"))
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto((site / "public" / "search.html").as_uri() + "?q=hostile", wait_until="load")
        page.wait_for_function("() => document.querySelectorAll('.result').length === 1")
        assert page.inner_text(".result a.title-en").startswith("Hostile <img src=x onerror=")
        assert page.eval_on_selector(".search-results", "el => el.querySelectorAll('img, b, script').length") == 0
        assert page.evaluate("typeof window.__pwned") == "undefined"
    finally:
        context.close()


@browser_test
def test_a_missing_index_file_is_a_message(browser: Browser, seed_public: Path, tmp_path: Path) -> None:
    public = tmp_path / "public"
    shutil.copytree(seed_public, public)
    meta = read_call(public / "search" / "meta.js")[1][0]
    shutil.rmtree(public / "search" / "t")
    context = browser.new_context()
    try:
        page = context.new_page()
        uncaught: list[str] = []
        page.on("pageerror", lambda exc: uncaught.append(str(exc)))
        page.goto((public / "search.html").as_uri() + "?q=model", wait_until="load")
        page.wait_for_function("() => /could not be loaded/.test(document.querySelector('.search-status').textContent)")
        assert "search/t/" in page.inner_text(".search-status") and meta["shards"] >= 1
        assert uncaught == []
    finally:
        context.close()
