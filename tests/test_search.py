"""The offline search: the tokeniser, the index files, and the search page in Chromium from file://.

The Python tokeniser (digest/search.py) builds the index and the JavaScript one
(templates/assets/search.js) reads queries and highlights matches; they must agree token for
token, which browser tests check on varied text and on random strings. The browser tests are
marked `browser`: skipped without Chromium, failed under CI=true.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import random
import re
import shutil
import string
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from conftest import REPO
from hypothesis import given
from hypothesis import strategies as st
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
    "Łojasiewicz Lojasiewicz ŁÓDŹ Øresund Đorđe Großstraße ẞ Æsir œuvre Œ ı Þórr",
]

# Material for random strings (`random_texts`), by kind, each kind a list of pieces.
RANDOM_POOLS: dict[str, list[str]] = {
    "ascii letters": list(string.ascii_letters),
    "digits": list(string.digits + "١٢٣½²"),
    "punctuation": list(string.punctuation),
    "accented Latin": list("àáâãäåçèéêëìíîïñòóôõöùúûüýÿĀāĂăĄąĆćČčĎďĒēĘęĚěĞğĪīİŃńŇňŌōŐőŘřŚśŞşŠšŢţŤťŪūŮůŰűŸŹźŻżŽžǅǆ"),
    "fold table": list("łŁøØđĐßẞæÆœŒıIþÞ"),
    "CJK ideographs": list("手语识别模型的数据学习中文汉字图一二三〇々〆㐀㐁𠀀𠀁豈"),
    "kana": list("あいうえおかきくけこがアイウエオカキクケコガヴｱｲｳﾊﾝｶｸﾞ"),
    "hangul": list("한국어자연처리각힣ᄀ까ㄱㄲㅏ"),
    "full-width": list("ＡＢＣＸＹＺａｂｃｘｙｚ０１２９！？（）－＿　"),
    "emoji": ["🤖", "🚀", "👩\u200d🔬", "❤️", "🇨🇳", "👍🏽", "😀"],
    "combining marks": list("\u0301\u0308\u0327\u030c\u20dd\u0903\u093f\u3099"),
    "whitespace": list(" \t\n\u00a0\u2009\u200b\u3000\u2028"),
    "Greek, Cyrillic": list("ΑΣσςΟΔίυφοМоскваЁЛКАё"),
    "word pieces": [" the ", " of ", "ing", "ed", "ies", "sses", "model", "ss", "us", "is", "e", "-", "_", "'"],
}


def random_texts(count: int, seed: int) -> list[str]:
    """`count` strings of 0 to 24 pieces, each from a kind of `RANDOM_POOLS` chosen at random."""
    generator = random.Random(seed)
    pools = list(RANDOM_POOLS.values())
    return [
        "".join(generator.choice(generator.choice(pools)) for _ in range(generator.randint(0, 24)))
        for _ in range(count)
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
        # Letters NFKD leaves whole (`FOLDS`), after lower-casing.
        ("Łojasiewicz", "lojasiewicz"),
        ("łŁøØđĐ", "llood" + "d"),
        ("Straße STRAẞE", "strasse strasse"),
        ("ÆsirŒuvre æœ", "aesiroeuvre aeoe"),
        ("ıI", "ii"),
        ("Þórr þ", "thorr th"),
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
        ("Łojasiewicz Lojasiewicz", ["lojasiewicz", "lojasiewicz"]),
        ("Großstraße", ["grossstrass"]),  # ß → ss, then stemmed as any ASCII word
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
    terms: dict[str, dict[int, int]] = field(default_factory=dict)
    """Term → document → mask, over all segments."""
    docs: list[list[str]] = field(default_factory=list)
    shards: dict[tuple[int, int], dict[str, str]] = field(default_factory=dict)
    """(segment, shard) → its terms."""

    def postings(self, term: str) -> dict[int, int]:
        return self.terms.get(term, {})

    def find(self, query: str) -> set[str]:
        """Pages of the documents that hold every token of `query` (exact terms only)."""
        found: set[int] | None = None
        for token in search.tokenize(query):
            docs = set(self.postings(token))
            found = docs if found is None else found & docs
        return {self.docs[d][0] for d in found or ()}


def read_call(path: Path) -> tuple[str, list[Any]]:
    text = path.read_bytes().decode("utf-8")
    assert text.startswith("\ufeff"), f"{path.name} says it is UTF-8"
    match = CALL.fullmatch(text[1:])
    assert match, f"{path.name} is one call of DigestSearch"
    assert "\u2028" not in text and "\u2029" not in text, f"{path.name} has no raw line separator"
    arguments: list[Any] = json.loads(f"[{match[2]}]")
    compact = ",".join(json.dumps(a, ensure_ascii=False, separators=(",", ":")) for a in arguments)
    assert match[2] == compact.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"), f"{path.name} is compact"
    return match[1], arguments


def read_index(public: Path) -> Index:
    folder = public / "search"
    call, (meta,) = read_call(folder / "meta.js")
    assert call == "meta"
    index = Index(meta)
    assert sorted(p.name for p in (folder / "t").iterdir()) == sorted(str(n) for n in range(len(meta["segments"])))
    start = 0
    for segment, (size, shards) in enumerate(meta["segments"]):
        width = max(2, len(str(shards - 1)))
        files = sorted(p.name for p in (folder / "t" / str(segment)).iterdir())
        assert files == [f"{n:0{width}d}.js" for n in range(shards)]
        for number in range(shards):
            call, (segment_number, shard_number, terms) = read_call(folder / "t" / str(segment) / files[number])
            assert (call, segment_number, shard_number) == ("terms", segment, number)
            assert all(search.shard_of(term, shards) == number for term in terms)
            index.shards[segment, number] = terms
            for term, postings in terms.items():
                found = index.terms.setdefault(term, {})
                found.update((start + document, mask) for document, mask in search.decode_postings(postings))
                assert max(found) < start + size
        start += size
    assert start == meta["docs"]
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
    assert (meta["version"], meta["docs"], meta["segments"], meta["blocks"]) == (5, 3, [[3, 1]], 1)
    assert meta["days"] == [[0, ""], [1, "2024-01-02"]], "each day's first document and date"
    assert meta["stopwords"] == list(search.STOPWORDS) and meta["fields"] == search.FIELDS
    assert meta["cjk"] == [list(r) for r in search.CJK_RANGES] and meta["keyLength"] == search.KEY_LENGTH
    assert meta["folds"] == search.FOLDS
    # Documents oldest first (the undated venue file before the dated daily digest), and those of
    # one date in the reverse of the all-papers index's order; each with what a result shows.
    papers = result.site.papers
    dated, undated = [p.page for p in papers if p.arxiv_id], [p.page for p in papers if not p.arxiv_id]
    assert [d[0] for d in index.docs] == undated + dated[::-1]
    proximal, cafe, sign = index.docs
    assert cafe == [
        "papers/2401.00002.html", "Café Models", "标题2", "", "2401.00002", "", "", "总结2", "", "Abstract 2.",
        "2024-01-02",
    ]  # fmt: skip
    assert proximal[1:10] == [
        "Proximal Agents", "", "A. Author, B. Author", "", "ICLR 2024", "", "", "", "Proximal Agents abstract.",
    ]  # fmt: skip
    assert sign[0] == "papers/2401.00001.html"
    title, byline, summary, abstract = (search.FIELDS[f] for f in ("title", "byline", "summary", "abstract"))
    assert index.postings("sign") == {2: title}
    assert index.postings("caf") == {1: title}  # Café, folded and stemmed
    assert index.postings("model") == {1: title}
    assert index.postings("标题") == {1: title, 2: title}
    assert index.postings("总结") == {1: summary, 2: summary}
    assert index.postings("abstract") == {0: abstract, 1: abstract, 2: abstract}
    assert index.postings("author") == {0: byline}
    assert index.postings("iclr") == {0: byline}  # the venue is in the byline
    assert index.postings("2401") == {1: byline, 2: byline}  # so is the arXiv ID
    assert index.postings(":cs.cl") == {1: byline, 2: byline}  # the category a result can be narrowed to
    assert "the" not in index.terms and "of" not in index.terms


def test_documents_are_numbered_oldest_first(tmp_path: Path) -> None:
    """By the first date a paper appears on, then in the reverse of the site's order; undated
    papers first. A paper listed again keeps its place. So a tie in ranking, which goes to the
    higher number, goes to the newer paper, and then to the one first in the site's order."""
    site = make_site(tmp_path, {
        "arxiv/2024-01-02/cs.CL.md": daily(("2401.00001", "Aardvark Old"), ("2401.00003", "Updated Later")),
        "arxiv/2024-03-05/cs.LG.md": daily(("2403.00002", "Zebra New"), ("2403.00001", "Beta New")),
        "arxiv/2024-02-01/cs.CL.md": daily(("2401.00003", "Updated Later")),
        "venues/iclr-2024/rl.md": venue("Papers about RL in ICLR 2024", ("Alpha Venue", "oral", "https://iclr.cc/1")),
    })  # fmt: skip
    result = build(load_config(site / "site.toml"))
    site_order = [p.title for p in result.site.papers]
    assert site_order == ["Zebra New", "Beta New", "Aardvark Old", "Updated Later", "Alpha Venue"]
    expected = ["Alpha Venue", "Updated Later", "Aardvark Old", "Beta New", "Zebra New"]
    assert [p.title for p in search.oldest_first(result.site)] == expected
    assert [d[1] for d in read_index(site / "public").docs] == expected


def test_a_dates_papers_are_in_the_order_its_digests_list_them(tmp_path: Path) -> None:
    """A paper an undated digest (read before all dated ones) also lists takes the place the
    digests of its first date give it."""
    site = make_site(tmp_path, {
        "arxiv/misc/cs.LG.md": daily(("2401.00003", "Gamma")),
        "arxiv/2024-01-02/cs.CL.md": daily(("2401.00001", "Alpha"), ("2401.00002", "Beta"), ("2401.00003", "Gamma")),
    })  # fmt: skip
    result = build(load_config(site / "site.toml"))
    assert [p.title for p in result.site.papers] == ["Alpha", "Beta", "Gamma"]


def test_the_index_version_changes_with_its_segments(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """search.js asks for files with the index's version: it changes when a day's papers move
    to another day and the segments' files change, though the documents stay in order."""
    monkeypatch.setattr(search, "SEGMENT_SIZE", 1)
    site = make_site(tmp_path, {
        "arxiv/2024-01-01/aa.md": daily(("2401.00001", "Alpha")),
        "arxiv/2024-01-02/aa.md": daily(("2401.00002", "Beta")),
    })  # fmt: skip
    build(load_config(site / "site.toml"))
    before = read_index(site / "public")
    moved = site / "content" / "arxiv" / "2024-01-02" / "zz.md"
    (site / "content" / "arxiv" / "2024-01-01" / "aa.md").rename(moved)
    build(load_config(site / "site.toml"))
    after = read_index(site / "public")
    assert [d[1] for d in before.docs] == [d[1] for d in after.docs] == ["Alpha", "Beta"]
    assert (before.meta["segments"], after.meta["segments"]) == ([[1, 1], [1, 1]], [[2, 1]])
    assert before.meta["hash"] != after.meta["hash"]


def test_documents_and_terms_are_plain_text(tmp_path: Path) -> None:
    """What a result shows and what is indexed is `richtext.plain`: no TeX macros, TeX quotes
    as “ ”, no `**`; math stays as `$…$`."""
    site = make_site(tmp_path, {"arxiv/2024-01-02/cs.CL.md": daily(("2401.00001", "Placeholder"))})
    paper = build(load_config(site / "site.toml")).site.papers[0]
    paper = dataclasses.replace(
        paper,
        title=r"\textit{Deep} ``Nets'' for $x^2$",
        title_zh=r"\textbf{深度}网络",
        summary_en=r"We study **sparse** $\textit{attention}$ and \emph{more}.",
        summary_zh=r"我们研究\emph{稀疏}注意力。",
        abstract_en=r"An \textbf{abstract} with \url{https://example.org}.",
        authors=(r"\textit{Ann} Author",),
    )
    document = search.document(paper)
    assert document[1:4] == ["Deep “Nets” for $x^2$", "深度网络", "Ann Author"]
    assert document[7:10] == [
        "我们研究稀疏注意力。",
        "We study sparse attention and more.",
        "An abstract with https://example.org.",
    ]
    (segment,) = search.build_index([paper]).segments
    for macro in ("textit", "textbf", "emph", "url"):
        assert macro not in segment.postings
    title = search.FIELDS["title"]
    assert search.decode_postings(segment.postings["deep"]) == [(0, title)]
    assert search.decode_postings(segment.postings["深度"]) == [(0, title)]
    assert "x" in segment.postings and "2" in segment.postings  # the formula's text is still found


def test_index_files_are_utf8_even_with_a_lone_surrogate() -> None:
    documents = [["papers/x.html", "Broken \ud800 title", "标题", "", "", "", "", "总结", "", "Ünïcode 🤖 \u2028"]]
    postings = {"broken": search.encode_postings([(0, 8)]), "标题": search.encode_postings([(0, 2)])}
    segment = search.Segment([search.to_json(d) for d in documents], postings, 1)
    files = search.index_files(search.Index([segment], "0123456789abcdef", [(0, "2024-01-02")]))
    for _, data in files:
        text = data.decode("utf-8")  # strict: a lone surrogate is an escape, not a broken byte
        assert text.startswith("\ufeffDigestSearch.") and "\u2028" not in text
    name, data = files[-2]
    assert name == "search/d/00.js"
    assert "总结".encode() in data and b"\\u603b" not in data, "Chinese is written as itself, not escaped"
    match = CALL.fullmatch(data.decode("utf-8")[1:])
    assert match and json.loads(f"[{match[2]}]") == [0, documents]


def test_seed_index_finds_sign_language_and_ppo(seed_site: Path) -> None:
    build(load_config(seed_site / "site.toml"))
    index = read_index(seed_site / "public")
    pages = {f"papers/{arxiv}.html" for arxiv in SIGN_LANGUAGE}
    assert pages <= index.find("手语")
    assert f"papers/{PPO}.html" in index.find("Proximal Policy")
    ((documents, shards),) = index.meta["segments"]
    assert documents == 208 and shards & (shards - 1) == 0, "one segment, its shards a power of two"
    sizes = [len((seed_site / "public" / "search" / "t" / "0" / f"{n:02d}.js").read_bytes()) for _, n in index.shards]
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


TOKENIZE = "async (texts) => { await DigestSearch.ready(); return texts.map((t) => DigestSearch.tokenize(t)); }"


@browser_test
def test_javascript_tokenizer_agrees_with_python(tab: Tab) -> None:
    tab.open()
    tokens = tab.page.evaluate(TOKENIZE, AGREEMENT)
    assert {text: found for text, found in zip(AGREEMENT, tokens, strict=True)} == {
        text: search.tokenize(text) for text in AGREEMENT
    }
    tab.assert_clean()


@browser_test
def test_javascript_tokenizer_agrees_on_random_strings(tab: Tab) -> None:
    texts = random_texts(2000, seed=20240215)
    kinds = {kind for kind, pool in RANDOM_POOLS.items() if any(piece in text for text in texts for piece in pool)}
    assert kinds == set(RANDOM_POOLS), "every kind of character is drawn"
    tab.open()
    tokens = tab.page.evaluate(TOKENIZE, texts)  # one call: the whole sample at once
    differ = {text: (found, search.tokenize(text)) for text, found in zip(texts, tokens, strict=True)}
    assert {text: pair for text, pair in differ.items() if pair[0] != pair[1]} == {}
    assert sum(len(expected) for _, expected in differ.values()) > 5000, "the strings do make tokens"
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
    assert tab.page.get_attribute(".result .byline", "lang") == "en"  # Latin script, in Chinese mode too
    tab.assert_clean()


@browser_test
def test_a_half_typed_chinese_word_is_never_dropped(tab: Tab) -> None:
    """An unmatched last English word being typed is left out; a Chinese token never is."""
    tab.open("手语")
    sign = set(tab.results())
    assert len(sign) >= 3
    tab.open("手语鼠")  # 语鼠 is no term: no paper holds the query, whatever 手语 finds
    assert tab.results() == []
    assert "No results" in tab.status()
    tab.open("手语识")
    found = set(tab.results())
    assert found and found < sign  # only the papers that say 手语识(别), not every 手语 paper
    tab.open("sign qzxv")  # an English word being typed that matches nothing yet
    assert "papers/2310.00207.html" in tab.results()
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
    assert tab.page.evaluate("location.search") == "?q=sign+langua"
    tab.page.fill("#search-q", "qwxzv")
    tab.page.wait_for_function("() => /No results/.test(document.querySelector('.search-status').textContent)")
    assert tab.results() == []
    assert "没有找到结果" in tab.status()
    tab.page.fill("#search-q", "")
    tab.page.wait_for_function("() => /Type to search/.test(document.querySelector('.search-status').textContent)")
    assert tab.page.evaluate("location.search") == ""
    tab.assert_clean()


@pytest.fixture
def site_tab(browser: Browser) -> Iterator[Callable[..., Tab]]:
    """Tabs on other sites than the seeds: `site_tab(public, init_script=None)`."""
    contexts: list[Any] = []

    def open_tab(public: Path, init_script: str | None = None) -> Tab:
        context = browser.new_context()
        contexts.append(context)
        if init_script:
            context.add_init_script(init_script)
        page = context.new_page()
        page.set_default_timeout(10_000)
        opened = Tab(page, public)
        page.on("console", lambda m: opened.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda exc: opened.errors.append(f"uncaught: {exc}"))
        page.on("request", lambda r: opened.requests.append((r.resource_type, r.url)))
        return opened

    try:
        yield open_tab
    finally:
        for context in contexts:
            context.close()


def with_english_summaries(text: str, *numbers: int) -> str:
    """A `daily` digest with an English summary after the Chinese one of the papers `numbers`."""
    for n in numbers:
        text = text.replace(f"    总结{n}\n\n    \n\n", f"    总结{n}\n\n    Summary {n} in English.\n\n")
    return text


SNIPPETS = """() => [...document.querySelectorAll('.search-results > li.result')].map((li) => {
  const p = li.querySelector('.snippet');
  return p ? [p.lang, p.textContent] : null;
})"""


@browser_test
def test_snippets_follow_the_readers_language(site_tab: Callable[..., Tab], tmp_path: Path) -> None:
    site = make_site(tmp_path, {"arxiv/2024-01-02/cs.CL.md": with_english_summaries(
        daily(("2401.00001", "Alpha One"), ("2401.00002", "Alpha Two")), 1,
    )})  # fmt: skip
    build(load_config(site / "site.toml"))
    tab = site_tab(site / "public", "localStorage.setItem('digest.lang', 'en')")  # as a reader left it
    tab.open("alpha")
    assert tab.page.get_attribute("html", "data-lang") == "en"
    assert tab.results() == ["papers/2401.00001.html", "papers/2401.00002.html"]
    # English: the English summary, or else the start of the English abstract.
    assert tab.page.evaluate(SNIPPETS) == [["en", "Summary 1 in English."], ["en", "Abstract 2."]]
    expected = {
        "zh": [["zh-Hans", "总结1"], ["zh-Hans", "总结2"]],
        "both": [["zh-Hans", "总结1"], ["zh-Hans", "总结2"]],
        "en": [["en", "Summary 1 in English."], ["en", "Abstract 2."]],
    }
    for lang, snippets in expected.items():  # the reader switches: the snippets follow
        tab.page.click(f"[data-set-lang={lang}]")
        tab.page.wait_for_function(f"(s) => JSON.stringify(({SNIPPETS})()) === JSON.stringify(s)", arg=snippets)
    tab.page.click("[data-set-lang=zh]")
    tab.page.fill("#search-q", "alpha one")  # a new search in Chinese mode
    tab.page.wait_for_function("() => document.querySelectorAll('.search-results > li.result').length === 1")
    assert tab.page.evaluate(SNIPPETS) == [["zh-Hans", "总结1"]]
    tab.page.click("[data-set-lang=both]")
    tab.open("english")  # both: the Chinese summary, unless only the English one has a match
    assert tab.page.evaluate(SNIPPETS) == [["en", "Summary 1 in English."]]
    assert tab.marks() == ["English"]
    tab.assert_clean()


@browser_test
def test_show_more_loads_twenty_more_up_to_every_match(site_tab: Callable[..., Tab], tmp_path: Path) -> None:
    papers = [(f"2401.{k:05d}", f"Paper {k:03d} about {'models' if k % 5 == 0 else 'graphs'}") for k in range(300)]
    site = make_site(tmp_path, {"arxiv/2024-01-02/cs.LG.md": daily(*papers)})
    build(load_config(site / "site.toml"))
    index = read_index(site / "public")
    number = {doc[0]: n for n, doc in enumerate(index.docs)}
    tab = site_tab(site / "public")
    tab.open("models")

    def blocks_loaded() -> set[str]:
        return {url.rsplit("/", 1)[1].split("?")[0] for _, url in tab.requests if "/search/d/" in url}

    def blocks_shown() -> set[str]:
        return {f"{number[page] // index.meta['blockSize']:02d}.js" for page in tab.results()}

    assert len(tab.results()) == 10
    assert tab.status() == "60 results 60 条结果"
    assert blocks_loaded() == blocks_shown() == {"05.js"}  # the newest; not the blocks of results 11 to 50
    button = tab.page.locator(".search-more button")
    assert button.is_visible()
    assert button.evaluate("b => [b.type, b.outerHTML]") == [
        "button", '<button class="button" type="button"><span class="l-en" lang="en">Show more</span> '
        '<span class="l-zh" lang="zh-Hans">显示更多</span></button>',
    ]  # fmt: skip
    button.focus()
    for key, shown in (("Enter", 30), ("Space", 50), ("Enter", 60)):  # from the keyboard
        tab.page.keyboard.press(key)
        tab.page.wait_for_function("(n) => document.querySelectorAll('.search-results > li').length === n", arg=shown)
        assert blocks_loaded() == blocks_shown()
    assert tab.results() == [doc[0] for doc in reversed(index.docs) if doc[1].endswith("models")]
    assert button.is_hidden()
    # The button went with the last results: the keyboard goes on from the first of them.
    assert tab.page.evaluate("document.activeElement.getAttribute('href')") == tab.results()[50]
    tab.open("models")  # a new search starts again from ten
    assert len(tab.results()) == 10 and button.is_visible()
    tab.assert_clean()


@given(st.lists(st.integers(0, 40), max_size=30), st.lists(st.integers(0, 40), max_size=5), st.integers(1, 60))
def test_segments_hold_whole_days_and_a_new_day_changes_only_the_last(
    sizes: list[int], more: list[int], limit: int
) -> None:
    """Runs of days, from the first, as many as `SEGMENT_SIZE` documents hold (a larger day alone);
    days added after the others leave every run but the last as it was."""
    old, search.SEGMENT_SIZE = search.SEGMENT_SIZE, limit
    try:
        runs = search.segments(sizes)
        grown = search.segments(sizes + more)
    finally:
        search.SEGMENT_SIZE = old
    assert [day for start, end in runs for day in range(start, end)] == list(range(len(sizes)))
    for start, end in runs:
        assert sum(sizes[start:end]) <= limit or end - start == 1
    for (start, end), _ in itertools.pairwise(runs):
        assert sum(sizes[start : end + 1]) > limit, "a run takes every day that fits"
    assert grown[: max(0, len(runs) - 1)] == runs[:-1]


@browser_test
def test_search_reads_every_segment(
    site_tab: Callable[..., Tab], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A site's terms in several segments: a query, and a half-typed word, find the same papers
    in the same order as in an index of one segment."""
    topics = ("models", "graphs", "modular nets")
    papers = {
        day: [(f"2401.{day:02d}{k:03d}", f"Paper {day}-{k} about {topics[k % 3]}") for k in range(7)]
        for day in range(2, 9)
    }
    days = {f"arxiv/2024-01-{day:02d}/cs.LG.md": daily(*listed) for day, listed in papers.items()}
    one = make_site(tmp_path / "one", days)
    build(load_config(one / "site.toml"))
    monkeypatch.setattr(search, "SEGMENT_SIZE", 10)
    several = make_site(tmp_path / "several", days)
    build(load_config(several / "site.toml"))
    layout = read_index(several / "public").meta["segments"]
    assert len(layout) == 7 and [size for size, _ in layout] == [7] * 7
    assert read_index(one / "public").meta["segments"] == [[49, 1]]
    for query in ("models", "mod", "graphs 2401"):
        found = []
        for site in (one, several):
            tab = site_tab(site / "public")
            tab.open(query)
            found.append((tab.status(), tab.results()))
            tab.assert_clean()
        assert found[0] == found[1] and found[0][1], query


@browser_test
def test_folded_letters_find_each_other_and_marks_stay_on_the_letters(
    site_tab: Callable[..., Tab], tmp_path: Path
) -> None:
    site = make_site(tmp_path, {"arxiv/2024-01-02/math.OC.md": daily(
        ("2401.00001", "The Łojasiewicz Inequality"), ("2401.00002", "Lojasiewicz Gradient Flows"),
        ("2401.00003", "Weiße Straße Æther and Lojasiewicz"), ("2401.00004", "Strasse Planning"),
    )})  # fmt: skip
    build(load_config(site / "site.toml"))
    tab = site_tab(site / "public")
    for query in ("Łojasiewicz", "lojasiewicz", "ŁOJASIEWICZ"):
        tab.open(query)
        assert sorted(tab.results()) == [f"papers/2401.0000{n}.html" for n in (1, 2, 3)]
        assert sorted(tab.marks()) == ["Lojasiewicz", "Lojasiewicz", "Łojasiewicz"]
    for query in ("strasse", "Straße", "STRAẞE"):
        tab.open(query)
        assert sorted(tab.results()) == ["papers/2401.00003.html", "papers/2401.00004.html"]
        assert sorted(tab.marks()) == ["Strasse", "Straße"]
    tab.open("aether lojasiewicz")  # after ß → ss and Æ → ae, the offsets still fall on the letters
    assert tab.results() == ["papers/2401.00003.html"]
    assert tab.marks() == ["Æther", "Lojasiewicz"]
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
        assert "search/t/0/" in page.inner_text(".search-status") and meta["segments"]
        assert uncaught == []
    finally:
        context.close()


@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=80) | st.sampled_from(AGREEMENT))
def test_the_index_finds_the_tokens_a_query_makes(text: str) -> None:
    """The index tokenises whole texts at once (`distinct_tokens`); queries, here and in
    search.js, token by token (`tokenize`). Both must give the same tokens."""
    assert search.distinct_tokens(text) == set(search.tokenize(text))


@given(st.data())
def test_an_index_joined_from_parts_is_the_index_made_whole(data: st.DataObject) -> None:
    """Parts of consecutive documents, each numbered from 0, join into the index of all of them:
    gaps across parts of any length (past the table of codes too) and terms missing from parts."""
    count = data.draw(st.integers(1, 5000), label="documents")
    posting = st.tuples(st.integers(0, count - 1), st.integers(1, 15))
    postings = st.lists(posting, min_size=1, max_size=12, unique_by=lambda p: p[0]).map(sorted)
    terms = data.draw(st.dictionaries(st.text("abcé语", min_size=1, max_size=3), postings, min_size=1, max_size=6))
    cuts = data.draw(st.lists(st.integers(0, count), max_size=4).map(sorted), label="cuts")
    documents = [f'["{number}"]' for number in range(count)]

    def part(start: int, end: int) -> search.Part:
        found = {
            term: [(d - start) << 4 | mask for d, mask in lists if start <= d < end] for term, lists in terms.items()
        }
        return search._part(documents[start:end], {term: values for term, values in found.items() if values})

    bounds = [0, *cuts, count]
    joined = search.join([part(start, end) for start, end in itertools.pairwise(bounds)])
    whole = part(0, count)
    assert joined == whole
    segment = search.segment_of(joined)
    assert segment == search.segment_of(whole)
    for term, lists in terms.items():
        assert search.decode_postings(segment.postings[term]) == lists
