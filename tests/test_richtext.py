"""`digest.richtext`: untrusted text fields as safe HTML (math, text macros, links) and as plain text.

Every output is read back with the standard library's HTML parser (`audit`), which fails on any
element or attribute outside the allowlists below, on a link that is not http(s), and on Chinese
text outside an element with lang="zh-Hans". The allowlists are written out here rather than
imported, so that widening the module's own lists needs a second, deliberate change.
"""

from __future__ import annotations

import gc
import re
import time
from collections.abc import Iterator
from html.parser import HTMLParser

import pytest
from markupsafe import Markup, escape

from digest import richtext
from digest.parse.text import CJK_RUN
from digest.richtext import MAX_FORMULA, plain, rich

HTML_ELEMENTS = {"span", "i", "b", "em", "strong", "a", "code"}
MATHML_ELEMENTS = {
    "math", "mrow", "mi", "mn", "mo", "ms", "mtext", "mspace", "msub", "msup", "msubsup", "mfrac", "msqrt",
    "mroot", "mover", "munder", "munderover", "mtable", "mtr", "mtd", "mstyle", "mpadded", "mphantom", "menclose",
}  # fmt: skip
# Attribute → the elements that may carry it, and the values it may have there.
HTML_ATTRIBUTES = {
    "lang": ({"span"}, re.compile("zh-Hans")),
    "href": ({"a"}, re.compile(r"https?://[^\s\"<>]+", re.IGNORECASE)),
    "rel": ({"a"}, re.compile("noopener noreferrer")),
    "class": ({"code"}, re.compile("tex")),
    "translate": ({"code", "math"}, re.compile("no")),
    "display": ({"math"}, re.compile("block")),
}
SAFE_VALUE = re.compile(r"[a-z0-9 .+%-]+")  # every MathML attribute value we allow fits this
MATHML_ATTRIBUTES = {
    "mathvariant", "stretchy", "fence", "separator", "movablelimits", "largeop", "accent", "accentunder",
    "symmetric", "displaystyle", "form", "lspace", "rspace", "width", "height", "depth", "voffset", "minsize",
    "maxsize", "linethickness", "mathsize", "columnspacing", "rowspacing", "scriptlevel", "columnalign",
    "rowalign", "columnlines", "rowlines", "linebreak", "notation",
}  # fmt: skip


class Audit(HTMLParser):
    """Collects what a browser would build from a fragment, and every way it breaks the rules."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, bool]] = []  # open elements: (name, inside lang="zh-Hans")
        self.text: list[str] = []
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in HTML_ELEMENTS | MATHML_ELEMENTS:
            self.problems.append(f"element <{tag}>")
        chinese = bool(self.stack) and self.stack[-1][1]
        for name, value in attrs:
            value = value or ""
            if name in HTML_ATTRIBUTES:
                elements, values = HTML_ATTRIBUTES[name]
                if tag not in elements or not values.fullmatch(value):
                    self.problems.append(f"{name}={value!r} on <{tag}>")
            elif name not in MATHML_ATTRIBUTES or tag not in MATHML_ELEMENTS or not SAFE_VALUE.fullmatch(value):
                self.problems.append(f"attribute {name}={value!r} on <{tag}>")
            chinese = chinese or (name == "lang" and value == "zh-Hans")
        self.stack.append((tag, chinese))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1][0] != tag:
            self.problems.append(f"unbalanced </{tag}>")
            return
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if CJK_RUN.search(data) and not (self.stack and self.stack[-1][1]):
            self.problems.append(f"Chinese outside lang=zh-Hans: {data!r}")

    def handle_comment(self, data: str) -> None:
        self.problems.append(f"comment {data!r}")

    def handle_decl(self, decl: str) -> None:
        self.problems.append(f"declaration {decl!r}")

    def handle_pi(self, data: str) -> None:
        self.problems.append(f"processing instruction {data!r}")


def audit(html: str) -> str:
    """The visible text of `html`, after checking it breaks none of the rules above."""
    parser = Audit()
    parser.feed(html)
    parser.close()
    if parser.stack:
        parser.problems.append(f"unclosed {[name for name, _ in parser.stack]}")
    assert not parser.problems, f"{parser.problems} in {html[:500]}"
    return "".join(parser.text)


def rendered(text: str) -> str:
    """`rich(text)`, checked to be a Markup that passes the audit."""
    html = rich(text)
    assert isinstance(html, Markup)
    audit(html)
    return str(html)


def mark_chinese(text: str) -> str:
    """What the site did before `rich`: escape, and wrap Chinese runs (the reference for plain text)."""
    out, position = [], 0
    for match in CJK_RUN.finditer(text):
        out += [str(escape(text[position : match.start()])), f'<span lang="zh-Hans">{match.group()}</span>']
        position = match.end()
    return "".join([*out, str(escape(text[position:]))])


def math(body: str, display: bool = False) -> str:
    opening = '<math translate="no" display="block">' if display else '<math translate="no">'
    return f"{opening}<mrow>{body}</mrow></math>"


def tex(source: str) -> str:
    return f'<code class="tex" translate="no">{escape(source)}</code>'


def link(url: str) -> str:
    return f'<a href="{escape(url)}" rel="noopener noreferrer">{escape(url)}</a>'


def zh(text: str) -> str:
    return f'<span lang="zh-Hans">{text}</span>'


# --- plain text is what it always was ----------------------------------------------------------

PLAIN = {
    "english": "Passive learning of active causal strategies in agents and language models",
    "chinese": "我们提出了一种新的方法，用于训练大型语言模型（LLMs）。",
    "mixed": "基于GPT-4的[MASK]预测 | 50% 的提升 & more",
    "html": "<this picture> <script>alert(1)</script> \"quoted\" 'single' &amp; &lt;",
    "lone-dollar": "a $ b and c$ d",
    "backslash": "a \\ b \\foo{x} \\\\",
    "single-star": "a * b *c* d",
    "apostrophes": "don't 'quote' it",
    "single-backtick": "a `b` c",
    "emoji-tab": "emoji 🎉\ttab　full-width space",
    "not-a-url": "ftp://example.com javascript:alert(1) data:text/html,x www.example.com",
    "empty": "",
}


@pytest.mark.parametrize("text", PLAIN.values(), ids=PLAIN.keys())
def test_plain_text_is_escaped_with_chinese_marked(text: str) -> None:
    assert rendered(text) == mark_chinese(text)
    assert plain(text) == text


# --- math ------------------------------------------------------------------------------------

MATH = {
    # The seeds' formulas.
    "seed-bf-times": (r"$\bf 3\times$", math("<mn>3</mn><mo>×</mo>")),
    "seed-tau": (r"$\tau$", math("<mi>τ</mi>")),
    "seed-squared": ("P$^2$", "P" + math("<msup><mi></mi><mn>2</mn></msup>")),
    "seed-subscript": ("$S_p$", math("<msub><mi>S</mi><mi>p</mi></msub>")),
    "seed-percent": (r"$>90\%$", math("<mo>&gt;</mo><mn>90</mn><mi>%</mi>")),
    "seed-star": (r"$^{\star}$", math("<msup><mi></mi><mrow><mo>⋆</mo></mrow></msup>")),
    "seed-mathsf": (
        r"$\mathsf{KV}$",
        math('<mrow><mi mathvariant="sans-serif">K</mi><mi mathvariant="sans-serif">V</mi></mrow>'),
    ),
    "display": ("$$x^2$$", math("<msup><mi>x</mi><mn>2</mn></msup>", display=True)),
    "paren": (r"\(a+b\)", math("<mi>a</mi><mo>+</mo><mi>b</mi>")),
    "in-sentence": (r"speeds up $\bf 5\times$ over", "speeds up " + math("<mn>5</mn><mo>×</mo>") + " over"),
    "escaped-dollar-inside": (r"$x\$y$", math("<mi>x</mi><mi>$</mi><mi>y</mi>")),
    "less-than": ("$a<b$", math("<mi>a</mi><mo>&lt;</mo><mi>b</mi>")),
    # Formulas that are only text macros are text.
    "textit": (r"$\textit{unsupervised}$", "<i>unsupervised</i>"),
    "textbf": (r"$\textbf{Ad}$", "<b>Ad</b>"),
    "emph-and-text": (r"$\emph{a} \text{b}$", "<em>a</em>b"),
    "textit-chinese": (
        r"$\textit{什么使得Transformer的训练变得困难}$",
        f"<i>{zh('什么使得')}Transformer{zh('的训练变得困难')}</i>",
    ),
    "text-html": (r"$\text{<b>}$", "&lt;b&gt;"),
    # Chinese inside a formula: the whole formula is marked.
    "chinese-in-formula": (
        r"$3 和 \times$",
        zh(math("<mn>3</mn><mi>和</mi><mo>×</mo>")),
    ),
    # Money and other dollars are not math.
    "money": ("costs $5 and $10", "costs $5 and $10"),
    "money-range": ("$5-$10 each", "$5-$10 each"),
    "money-list": ("$5, $10, and $20.", "$5, $10, and $20."),
    "escaped-dollar": (r"costs \$5", "costs $5"),
    "escaped-dollars": (r"\$x\$", "$x$"),
    "unclosed": ("a $x and more", "a $x and more"),
    "open-before-space": ("a $ x$ b", "a $ x$ b"),
    "close-after-space": ("a $x $ b", "a $x $ b"),
    "close-before-digit": ("$x$5 total", "$x$5 total"),
    "empty-display": ("$$ $$", "$$ $$"),
    "unclosed-display": ("$$x", "$$x"),
    "across-paragraphs": ("$x\n\ny$", "$x\n\ny$"),
    # Failures show the TeX as code, with its delimiters.
    "unknown-command": (r"$\foo$", tex(r"$\foo$")),
    "unknown-textsc": (r"$\textsc{x}$", tex(r"$\textsc{x}$")),
    "converter-raises": (r"$x^{$", tex(r"$x^{$")),
    "converter-raises-sqrt": (r"$\sqrt$", tex(r"$\sqrt$")),
    "lost-argument": (r"$\frac{a}$", tex(r"$\frac{a}$")),
    "element-in-token": (r"$\mathop{x}$", tex(r"$\mathop{x}$")),
    "colour": (r"$\color{red} x$", tex(r"$\color{red} x$")),
    "display-failure": (r"$$\foo$$", tex(r"$$\foo$$")),
    "paren-failure": (r"\(\foo\)", tex(r"\(\foo\)")),
    "too-long": ("$" + "x" * (MAX_FORMULA + 1) + "$", tex("$" + "x" * (MAX_FORMULA + 1) + "$")),
    "recursion": ("$" + "^" * 900 + "$", tex("$" + "^" * 900 + "$")),
    "chinese-in-failure": (r"$中\foo$", f'<code class="tex" translate="no">${zh("中")}\\foo$</code>'),
}


@pytest.mark.parametrize(("text", "expected"), MATH.values(), ids=MATH.keys())
def test_math(text: str, expected: str) -> None:
    assert rendered(text) == expected


COMMON = [
    r"\mathbb{R}^n", r"\operatorname{argmax}_x f(x)", r"\left( \frac{a}{b} \right)",
    r"\begin{pmatrix}a&b\\c&d\end{pmatrix}", r"\sqrt[3]{x}", r"\hat{y}", r"\sum_{i=1}^{n} x_i", r"\mathcal{O}(n^2)",
    r"a \neq b", r"\binom{n}{k}", r"a \quad b", r"\boxed{x}", r"\xrightarrow{f}", r"\underbrace{x}_{y}", r"\vec{v}",
    r"\lVert x \rVert_2", r"\ldots", r"\mathbf{W}", r"\displaystyle\int_0^1 f", r"\hbox{x}", r"x \in [0, 1]",
    r"\{1, 2\}", r"\alpha\beta\gamma", r"p \le 0.05", r"(\varepsilon=0.147, \delta=10^{-6})", r"\mathsf{H_2O}",
    r"\cancel{x}", r"x\\y", r"\not\in", r"\tilde{\mathcal{L}}",
]  # fmt: skip


@pytest.mark.parametrize("formula", COMMON)
def test_common_formulas_pass_the_allowlist(formula: str) -> None:
    """The allowlist is not so tight that ordinary formulas fall back to code."""
    html = rendered(f"${formula}$")
    assert html.startswith('<math translate="no">'), html


# --- text macros, quotes, bold ---------------------------------------------------------------

MACROS = {
    "textit": (r"a \textit{b} c", "a <i>b</i> c"),
    "textbf": (r"\textbf{S}ketch", "<b>S</b>ketch"),
    "emph": (r"an \emph{honeypot module}", "an <em>honeypot module</em>"),
    "macro-chinese": (r"\textit{中文}", f"<i>{zh('中文')}</i>"),
    "macro-html": (r"\textbf{<b>x</b>}", "<b>&lt;b&gt;x&lt;/b&gt;</b>"),
    "macro-unclosed": (r"\textit{never closed", r"\textit{never closed"),
    "macro-nested-braces": (r"\textit{a {b} c}", r"\textit{a {b} c}"),
    "macro-empty": (r"\textit{}x", "x"),
    "url-macro": (r"see \url{https://aka.ms/NTX}.", f"see {link('https://aka.ms/NTX')}."),
    "url-macro-not-web": (r"\url{ftp://x.org/a}", "ftp://x.org/a"),
    "quotes": ("``outlier dimensions'' with", "“outlier dimensions” with"),
    "quotes-nested": ("``a ``b'' c''", "“a “b” c”"),
    "quotes-unclosed": ("``never", "``never"),
    "quotes-chinese": ("``中文''", f"“{zh('中文')}”"),
    "close-quote-alone": ("f''(x)", "f&#39;&#39;(x)"),
    "bold": ("**bold** text", "<strong>bold</strong> text"),
    "bold-chinese": ("**粗体**", f"<strong>{zh('粗体')}</strong>"),
    "bold-with-math-and-link": (
        "**$x$ at https://a.b/c**",
        f"<strong>{math('<mi>x</mi>')} at {link('https://a.b/c')}</strong>",
    ),
    "bold-space-inside": ("** not bold**", "** not bold**"),
    "bold-unclosed": ("**unclosed", "**unclosed"),
    "bold-close-consumed": ("**a $x**$", f"<strong>a {math('<mi>x</mi><mo>*</mo><mo>*</mo>')}</strong>"),
}


@pytest.mark.parametrize(("text", "expected"), MACROS.values(), ids=MACROS.keys())
def test_macros(text: str, expected: str) -> None:
    assert rendered(text) == expected


# --- TeX escapes, accents and special letters -----------------------------------------------

TEX_CHARS = {
    # Escapes.
    "percent": (r"improves by 30\% over", "improves by 30% over"),
    "escapes": (r"\& \_ \# \{ \} \$", "&amp; _ # { } $"),
    "snake-case": (r"the \texttt{max\_len} flag", r"the \texttt{max_len} flag"),
    # Accents on a letter, in braces, after spaces, on a dotless i.
    "acute": (r"caf\'e", "café"),
    "acute-braced-letter": (r"caf\'{e}", "café"),
    "accents": (
        r"\`a \^o \"u \~n \=a \.z \u{g} \v{c} \H{o} \c{c} \k{a} \r{a}",
        "à ô ü ñ ā ż ğ č ő ç ą å",
    ),
    "accent-space": (r"caf\' e", "café"),
    "word-accent-space": (r"Ha\v sek", "Hašek"),
    "word-accent-brace-space": (r"Ha\v {s}ek", "Hašek"),
    "dotless-i": (r"Mart\'\i nez", "Martínez"),
    "dotless-i-braced": (r"Mart\'{\i}nez", "Martínez"),
    "dotless-i-empty-group": (r"Mart\'\i{}nez", "Martínez"),
    "upper-case": (r"K\'U", "KÚ"),
    "yoruba": (r"Yor\`ub\'a", "Yorùbá"),
    "nfc": (r"\'e", "\u00e9"),
    # Special letters: a space after the control word only ends it; so does `{}`.
    "lojasiewicz": (r"\L ojasiewicz inequality", "Łojasiewicz inequality"),
    "letters": (r"\L \l \O \o \ss \ae \AE \oe \OE \aa \AA \i \j", "ŁłØøßæÆœŒåÅıȷ"),
    "strasse": (r"Stra\ss e", "Straße"),
    "empty-group": (r"\o{}rsted", "ørsted"),
    "letter-then-punctuation": (r"Ca\l., \AA.", "Cał., Å."),
    # Braces that only wrap an accent or a letter go with it.
    "braced-acute": (r"Erd{\H o}s and caf{\'e}", "Erdős and café"),
    "braced-braced": (r"Schr{\"{o}}dinger", "Schrödinger"),
    "braced-letter": (r"{\L}ojasiewicz {\ss}", "Łojasiewicz ß"),
    "braced-dotless": (r"{\'\i}", "í"),
    # In text macros too.
    "in-macro": (r"\textit{na\"ive 30\%}", "<i>naïve 30%</i>"),
    "in-macro-letter": (r"\emph{\L ojasiewicz}", "<em>Łojasiewicz</em>"),
    # A macro still takes no braces inside (`macro-nested-braces`), not even an accent's.
    "in-macro-braces": (r"\textit{Erd\H{o}s}", r"\textit{Erdős}"),
    # Chinese next to them is still marked.
    "chinese": (r"提升30\%，Erd\H{o}s", zh("提升") + "30%" + zh("，") + "Erdős"),
    # Not an accent, or nothing it composes with: left as it was written.
    "no-compose-group": (r"\'{xyz}", r"\&#39;{xyz}"),
    "no-compose-letter": (r"\'t and \c{x}", r"\&#39;t and \c{x}"),
    "accent-at-end": ("a\\'", r"a\&#39;"),
    "accent-on-nothing": (r"\v{} \'{} \' \"", r"\v{} \&#39;{} \&#39; \&#34;"),
    "accent-on-digit": (r"\~5 \^2", r"\~5 \^2"),
    "accent-on-markup": (r"\'{<} \"<b>", r"\&#39;{&lt;} \&#34;&lt;b&gt;"),
    "longer-control-word": (r"\Large \ssx \item \cite{a} \oe5", r"\Large \ssx \item \cite{a} œ5"),
    "word-accent-needs-space": (r"\vc \cc", r"\vc \cc"),
    "braces-around-more": (r"{\'e and more}", "{é and more}"),
    "braces-around-macro": (r"{\textit{x}}", "{<i>x</i>}"),
    "braced-escape": (r"{\$} {\%}", "{$} {%}"),
    "double-backslash": (r"\\ line", r"\\ line"),
    "quote-after-accent": (r"``Yor\`ub\'a''", "“Yorùbá”"),
    "escaped-quote-closer": (r"``a\''", "“a\\”"),
}


@pytest.mark.parametrize(("text", "expected"), TEX_CHARS.values(), ids=TEX_CHARS.keys())
def test_tex_characters(text: str, expected: str) -> None:
    assert rendered(text) == expected


def test_tex_characters_in_math_are_the_converters() -> None:
    """Math is not touched: `$30\\%$` is still a formula."""
    assert rendered(r"$30\%$ and 30\%") == math("<mn>30</mn><mi>%</mi>") + " and 30%"


# --- links -----------------------------------------------------------------------------------

FULL_WIDTH = "。，）（、；：！？」「》《】【’”…　"


@pytest.mark.parametrize("mark", FULL_WIDTH, ids=[f"U+{ord(ch):04X}" for ch in FULL_WIDTH])
def test_url_stops_at_full_width_punctuation(mark: str) -> None:
    html = rendered(f"代码见https://ifan.ml{mark}更多")
    assert link("https://ifan.ml") in html
    assert 'href="https://ifan.ml"' in html


LINKS = {
    "corpus-ifan": ("https://ifan.ml。", link("https://ifan.ml") + zh("。")),
    "corpus-youtube": ("https://youtu.be/zJZ1aNlXsMU上观看。", link("https://youtu.be/zJZ1aNlXsMU") + zh("上观看。")),
    "corpus-comma": ("https://rexrank.ai，一个", link("https://rexrank.ai") + zh("，一个")),
    "trailing-dot": ("at https://styletts2.github.io/.", "at " + link("https://styletts2.github.io/") + "."),
    "trailing-punctuation": ("https://a.b/c,;:!?' x", link("https://a.b/c") + ",;:!?&#39; x"),
    "wikipedia-parens": ("https://en.wikipedia.org/wiki/Foo_(bar)", link("https://en.wikipedia.org/wiki/Foo_(bar)")),
    "wikipedia-parens-dot": (
        "https://en.wikipedia.org/wiki/Foo_(bar).",
        link("https://en.wikipedia.org/wiki/Foo_(bar)") + ".",
    ),
    "in-parens": ("(see https://x.org/a)", "(see " + link("https://x.org/a") + ")"),
    "in-brackets": ("[https://x.org/a]", "[" + link("https://x.org/a") + "]"),
    "markdown-link": ("[a](https://x.org/a)", "[a](" + link("https://x.org/a") + ")"),
    "angle-brackets": ("<https://x.org/a>", "&lt;" + link("https://x.org/a") + "&gt;"),
    "quote-ends": ('https://a.b/"onmouseover="alert(1)', link("https://a.b/") + "&#34;onmouseover=&#34;alert(1)"),
    "http": ("http://arxiv.org/abs/2310.00212v1", link("http://arxiv.org/abs/2310.00212v1")),
    "query-fragment": ("https://a.b/c?d=1&e=2#f", link("https://a.b/c?d=1&e=2#f")),
    "upper-case": ("HTTPS://X.ORG/A", link("HTTPS://X.ORG/A")),
    "no-host": ("http:// and https://", "http:// and https://"),
    "glued-to-word": ("xhttps://a.b", "xhttps://a.b"),
    "ftp": ("ftp://a.b/c", "ftp://a.b/c"),
    "javascript": ("javascript:alert(1)", "javascript:alert(1)"),
    "data": ("data:text/html,<b>", "data:text/html,&lt;b&gt;"),
}


@pytest.mark.parametrize(("text", "expected"), LINKS.values(), ids=LINKS.keys())
def test_links(text: str, expected: str) -> None:
    assert rendered(text) == expected


# --- plain -----------------------------------------------------------------------------------

PLAIN_CASES = {
    "macros": (r"\textit{a} \textbf{b} \emph{c} \url{https://d.e}", "a b c https://d.e"),
    "math-kept": (r"speeds $\bf 3\times$ up", r"speeds $\bf 3\times$ up"),
    "text-formula": (r"$\textit{unsupervised}$ learning", "unsupervised learning"),
    "paren-as-dollar": (r"\(x\)", "$x$"),
    "display": ("$$x$$", "$$x$$"),
    "quotes": ("``a''", "“a”"),
    "bold": ("**a** b", "a b"),
    "escaped-dollar": (r"\$5", "$5"),
    "html-stays-text": ("<script>", "<script>"),
    "escapes": (r"30\% \& \_ \# \{\}", "30% & _ # {}"),
    "accents": (r"Yor\`ub\'a, K\'U, {\"u}, \v{c}, Mart\'{\i}nez", "Yorùbá, KÚ, ü, č, Martínez"),
    "letters": (r"\L ojasiewicz, Stra\ss e, \O{}ystein", "Łojasiewicz, Straße, Øystein"),
    "in-macro": (r"\textbf{Erd\H os}", "Erdős"),
    "no-compose": (r"\'{xyz} \'", r"\'{xyz} \'"),
}


@pytest.mark.parametrize(("text", "expected"), PLAIN_CASES.values(), ids=PLAIN_CASES.keys())
def test_plain(text: str, expected: str) -> None:
    assert plain(text) == expected


# --- the public token stream -----------------------------------------------------------------


def test_tokens_is_the_scanners_stream() -> None:
    field = r"""**Yor\`ub\'a** 30\% $x$ \(y\) $$z$$ \emph{na\"ive} see https://a.b/c ``q''"""
    assert list(richtext.tokens(field)) == list(richtext._Scanner(field).tokens())
    assert list(richtext.tokens(field)) == [
        ("strong", "", ""),
        ("text", "Yor", ""), ("text", "ù", ""), ("text", "b", ""), ("text", "á", ""),
        ("/strong", "", ""),
        ("text", " 30", ""), ("text", "%", ""), ("text", " ", ""),
        ("math", "x", "$"), ("text", " ", ""), ("math", "y", "\\("), ("text", " ", ""), ("math", "z", "$$"),
        ("text", " ", ""), ("em", "naïve", ""), ("text", " see ", ""), ("url", "https://a.b/c", ""),
        ("text", " ", ""), ("text", "“", ""), ("text", "q", ""), ("text", "”", ""),
    ]  # fmt: skip


def test_tokens_kinds_and_openers() -> None:
    found = list(richtext.tokens("**a \\textit{b} \\textbf{c} \\url{http://d.e}**"))
    assert [kind for kind, _, _ in found] == ["strong", "text", "i", "text", "b", "text", "url", "/strong"]
    assert all(opener == "" for _, _, opener in found)


def test_tokens_close_an_unclosed_bold() -> None:
    """The `**` that made `**` bold was taken by a formula: the stream still closes it."""
    assert list(richtext.tokens("**a $x**$")) == [
        ("strong", "", ""), ("text", "a ", ""), ("math", "x**", "$"), ("/strong", "", ""),
    ]  # fmt: skip


# --- hostile fields --------------------------------------------------------------------------

DEEP = "$" + "{" * 5000 + "x" + "}" * 5000 + "$"
BIG = "$" + r"\alpha+" * 15_000 + "$"
# id → (field, text that must be visible in the page).
HOSTILE = {
    "script": ("<script>alert(1)</script>", "<script>alert(1)</script>"),
    "img-onerror": ('"><img src=x onerror="alert(2)">', '"><img src=x onerror="alert(2)">'),
    "script-in-math": ("$<script>alert(1)</script>$", "<script>alert(1)"),
    "img-in-math": ('$"><img src=x onerror=alert(2)>$', "<img"),
    "href": (r"$\href{javascript:alert(1)}{x}$", r"$\href{javascript:alert(1)}{x}$"),
    "href-display": (r"$$\href{https://evil.example}{x}$$", r"$$\href{https://evil.example}{x}$$"),
    "url-in-math": (r"$\url{javascript:alert(1)}$", "javascript:alert(1)"),
    "url-macro": (r"\url{javascript:alert(1)}", "javascript:alert(1)"),
    "url-macro-data": (r"\url{data:text/html,<script>alert(1)</script>}", "data:text/html,<script>alert(1)</script>"),
    "url-macro-quote": (r'\url{https://a.b/"onclick="alert(1)}', 'https://a.b/"onclick="alert(1)'),
    "style": (r"$\style{background:url(javascript:alert(1))}{x}$", "background:url(javascript:alert(1))"),
    "class": (r"$\class{evil}{x}$", r"\class{evil}{x}"),
    "unicode": (r"$\unicode{x3C}script\unicode{x3E}$", r"\unicode{x3C}script"),
    "unicode-bidi": (r"$\unicode{x202E}x$", r"\unicode{x202E}x"),
    "unicode-nul": (r"$\unicode{0}$", r"\unicode{0}"),
    "mathrm-script": (r"$\mathrm{<script>}$", "<script>"),
    "text-img": (r"$\text{<img src=x onerror=alert(1)>}$", "<img src=x onerror=alert(1)>"),
    "text-img-with-more": (r"$x \text{<img src=x onerror=alert(1)>}$", "<img src=x onerror=alert(1)>"),
    "text-closes-mtext": (r"$x\text{</mtext><mi href=1>a</mi><mtext>}$", "</mtext><mi href=1>a</mi><mtext>"),
    "text-closes-math": (
        r"$x\text{</mtext></mrow></math><script>alert(1)</script><math><mrow><mtext>}$",
        "<script>alert(1)</script>",
    ),
    "textit-script": (r"\textit{<script>alert(1)</script>}", "<script>alert(1)</script>"),
    "color-javascript": (r"$\color{javascript:alert(1)} x$", "javascript:alert(1)"),
    "hspace-quote": ('$\\hspace{1em" onclick="alert(1)}$', 'onclick="alert(1)'),
    "deep-braces": (DEEP, "{{{{x}}}}"),
    "big-formula": (BIG, r"\alpha+\alpha+"),
    "entity-lt": ("&lt;script&gt;alert(1)&lt;/script&gt;", "&lt;script&gt;"),
    "entity-in-math": ("$x &lt; y$", "$x &lt; y$"),
    "entity-in-text-macro": (r"$x\text{&lt;img&gt;}$", r"\text{&lt;img&gt;}"),
    "url-quote": ('https://a.b/"onmouseover="alert(1)', '"onmouseover="alert(1)'),
    "url-angle-quote": ('<https://evil.example/a"onclick="alert(15)>', '<https://evil.example/a"onclick="alert(15)>'),
    "url-single-quote": ("https://a.b/'onmouseover='alert(1)", "onmouseover="),
    "javascript-url": ("javascript:alert(1) JavaScript://%0aalert(1)", "javascript:alert(1) JavaScript://%0aalert(1)"),
    "data-url": ("data:text/html,<script>alert(5)</script>", "data:text/html,<script>alert(5)</script>"),
    "markdown-javascript": ("[md link](javascript:alert(13))", "[md link](javascript:alert(13))"),
    "template": ("{{ 7*7 }} {% raw %} ${7*7}", "{{ 7*7 }} {% raw %} ${7*7}"),
    "comment": ("<!-- x --> <![CDATA[ y ]]>", "<!-- x --> <![CDATA[ y ]]>"),
    "bold-script": ("**<script>alert(1)</script>**", "<script>alert(1)</script>"),
    "quotes-script": ("``<script>alert(1)</script>''", "“<script>alert(1)</script>”"),
    "chinese-payload": (r"中文$\href{javascript:alert(1)}{中}$文", r"\href{javascript:alert(1)}"),
    "accent-script": (r"\'{<script>}alert(1)\"</script>", r"\'{<script>}alert(1)\"</script>"),
    "escapes-script": (r"\<script\>alert(1)\</script\>", r"\<script\>alert(1)\</script\>"),
    "brace-accent-script": (r"{\'e}<script>{\L}</script>", "é<script>Ł</script>"),
    "escape-quote": (r"\url{https://a.b/\"onclick=\"alert(1)}", '\\"onclick=\\"alert(1)'),
    "many-dollars": ("$" * 3001, "$" * 3001),
}


@pytest.mark.parametrize(("text", "visible"), HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile(text: str, visible: str) -> None:
    html = rich(text)
    assert visible in audit(html), "the payload must be shown, not lost"
    assert "javascript:" not in re.sub(r">[^<]*<", "><", f">{html}<"), "javascript: only in text"


def test_every_case_passes_the_audit() -> None:
    """The expected outputs above are themselves valid: a wrong expectation cannot hide a leak."""
    for expected in [e for _, e in (*MATH.values(), *MACROS.values(), *LINKS.values())]:
        audit(expected)


M = 'xmlns="http://www.w3.org/1998/Math/MathML"'
# What a converter with a bug (or a TeX trick we have not thought of) could emit for `$x$`.
EVIL_MATHML = {
    "href": f'<math {M}><mrow href="javascript:alert(1)"><mi>x</mi></mrow></math>',
    "onclick": f'<math {M}><mi onclick="alert(1)">x</mi></math>',
    "style": f'<math {M}><mi style="position:fixed">x</mi></math>',
    "class": f'<math {M}><mi class="evil">x</mi></math>',
    "xlink": f'<math {M} xmlns:l="http://www.w3.org/1999/xlink"><mrow l:href="javascript:x"><mi>x</mi></mrow></math>',
    "maction": f'<math {M}><maction actiontype="statusline"><mi>x</mi><mtext>y</mtext></maction></math>',
    "maction-bare": f"<math {M}><maction><mi>x</mi></maction></math>",
    "unknown-element": f"<math {M}><mi>x</mi><mglyph></mglyph></math>",
    "script-in-mathml": f"<math {M}><script>alert(1)</script><mi>x</mi></math>",
    "html-script": f'<math {M}><h:script xmlns:h="http://www.w3.org/1999/xhtml">alert(1)</h:script><mi>x</mi></math>',
    "no-namespace": "<math><mi>x</mi></math>",
    "other-root": f"<mrow {M}><mi>x</mi></mrow>",
    "junk-after": f"<math {M}><mi>x</mi></math><script>alert(1)</script>",
    "bad-length": f'<math {M}><mspace width="1em;background:url(javascript:alert(1))"></mspace><mi>x</mi></math>',
    "bad-variant": f'<math {M}><mi mathvariant="bold&quot; onclick=&quot;alert(1)">x</mi></math>',
    "text-outside-token": f"<math {M}><mrow>x<mi>x</mi></mrow></math>",
    "command-left": f"<math {M}><mi>\\x</mi></math>",
    "bidi": f"<math {M}><mi>&#x202E;x</mi></math>",
    "lost-argument": f"<math {M}><mfrac><mi>x</mi></mfrac></math>",
    "element-in-token": f"<math {M}><mi><mi>x</mi></mi></math>",
    "too-deep": f"<math {M}>{'<mrow>' * 150}<mi>x</mi>{'</mrow>' * 150}</math>",
    "lost-content": f"<math {M}><mi>y</mi></math>",
}


@pytest.fixture
def fresh_cache() -> Iterator[None]:
    richtext._math.cache_clear()
    yield
    richtext._math.cache_clear()


@pytest.mark.usefixtures("fresh_cache")
@pytest.mark.parametrize("mathml", EVIL_MATHML.values(), ids=EVIL_MATHML.keys())
def test_converter_output_is_not_trusted(mathml: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Whatever the converter emits is rebuilt from the allowlist or refused: then the TeX shows."""
    monkeypatch.setattr(richtext, "convert", lambda source, display: mathml)
    assert rendered("$x$") == tex("$x$")


@pytest.mark.usefixtures("fresh_cache")
def test_the_converter_stub_is_used(monkeypatch: pytest.MonkeyPatch) -> None:
    """The stub above does reach the code (else every case would pass for the wrong reason)."""
    monkeypatch.setattr(richtext, "convert", lambda source, display: f'<math {M}><mi mathvariant="bold">x</mi></math>')
    assert rendered("$x$") == '<math translate="no"><mi mathvariant="bold">x</mi></math>'


BAD = {
    "script": "<script>alert(1)</script>",
    "img": '<img src="x" onerror="alert(1)">',
    "onclick": '<span onclick="alert(1)">x</span>',
    "style": '<b style="color:red">x</b>',
    "javascript-href": '<a href="javascript:alert(1)" rel="noopener noreferrer">x</a>',
    "href-in-math": '<math><mrow href="https://a.b"><mi>x</mi></mrow></math>',
    "maction": "<math><maction><mi>x</mi></maction></math>",
    "svg": "<svg onload=alert(1)>",
    "chinese-unmarked": "<i>中文</i>",
    "unclosed": "<i>x",
    "comment": "<!-- x -->",
}


@pytest.mark.parametrize("html", BAD.values(), ids=BAD.keys())
def test_the_audit_catches_leaks(html: str) -> None:
    with pytest.raises(AssertionError):
        audit(html)


# --- linear time -----------------------------------------------------------------------------

ADVERSARIAL = {
    "dollars": "$",
    "dollar-letter": "$a",
    "formulas": "$x$ ",
    "money": "$5 ",
    "textit": "\\textit{",
    "url-macro": "\\url{",
    "paren": "\\(",
    "http": "http://",
    "url-parens": "https://a.b/(",
    "tex-quotes": "``",
    "stars": "**",
    "bold-words": "**a ",
    "chinese": "中文 ",
    "accents-unfinished": "\\'",
    "accents-spaced": "\\' ",
    "letters": "\\L ",
    "braced-accents": "{\\'e}",
    "braces-unfinished": "{\\",
    "escapes": "\\%",
    "accents-in-macros": "\\textit{\\'e\\%} ",
}


def best_time(text: str, runs: int) -> float:
    """The least CPU time (other processes' load does not count) `rich` takes, without the
    garbage collector, whose pauses grow with the number of live objects, not with our loops."""
    times = []
    gc.disable()
    try:
        for _ in range(runs):
            start = time.process_time()
            rich(text)
            times.append(time.process_time() - start)
    finally:
        gc.enable()
    return min(times)


@pytest.mark.parametrize("unit", ADVERSARIAL.values(), ids=ADVERSARIAL.keys())
def test_time_is_linear(unit: str) -> None:
    """Ten times the text takes about ten times as long (quadratic would be a hundred)."""
    small, large = (unit * (n // len(unit)) for n in (50_000, 500_000))
    ratio = best_time(large, 2) / max(best_time(small, 3), 0.002)
    assert ratio < 30, f"{ratio:.0f}x"


def test_distinct_formulas_are_budgeted() -> None:
    """Thousands of different formulas: after a budget of TeX per field, the rest is code."""
    text = " ".join(f"$a_{{{k}}}$" for k in range(20_000))
    html = rendered(text)
    assert html.startswith('<math translate="no">')
    assert html.endswith(tex("$a_{19999}$"))


def test_a_chinese_field_needs_no_spans_of_its_own() -> None:
    """Inside an element that is already lang="zh-Hans", plain text is only escaped; math,
    macros and links still render."""
    field = "利用相对反馈 <b> $\\tau$ 见 https://ifan.ml。"
    html = str(rich(field, chinese=True))
    assert html.startswith("利用相对反馈 &lt;b&gt; <math") and '<span lang="zh-Hans">利用' not in html
    assert '<a href="https://ifan.ml" rel="noopener noreferrer">' in html and html.endswith("。")
    assert str(rich(field)).startswith('<span lang="zh-Hans">利用相对反馈</span>')
