"""One untrusted text field (a title, an abstract paragraph, a summary) as safe HTML.

Fields are plain text with stray LaTeX and Markdown inside (FORMATS.md, "General rules"). Nothing
in a field is ever passed through as markup: `rich` escapes all of it and then renders, on
purpose, the few constructs that are worth rendering: `$…$` math (as MathML, made at build time
and rebuilt from an allowlist), the text macros `\\textit` `\\textbf` `\\emph` `\\url`, TeX quotes,
TeX escapes (`\\%` → %) and accents (`\\'e`, `{\\"u}`, `\\L` → é, ü, Ł), `**bold**`, and bare
http(s) URLs. Everything else, including any construct that does not close, stays visible as
escaped text. `plain` gives the same field as readable plain text; `tokens` gives its pieces.

The field is read in one forward pass. Each closing delimiter is looked up with a `_Finder`
that remembers its last answer, so no text is searched twice: hostile fields such as
`"\\textit{" * n` or `"$" * n` cost linear time, and no regex here can backtrack.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterator
from xml.etree import ElementTree

from markupsafe import Markup, escape

from digest.parse.text import CJK_RUN, has_cjk, is_web_url

# A formula longer than this is shown as its TeX source; so are formulas beyond this many
# characters of TeX per field (the converter takes about 7 µs a character).
MAX_FORMULA = 1_000
MATH_BUDGET = 10_000
# Deeper MathML than this is not a formula anyone wrote: show the source.
MAX_DEPTH = 100

_CLOSERS = {"$": "$", "$$": "$$", "\\(": "\\)"}
# Where a construct may start: `$`, `{\`, `\`, two backquotes or quotes, `**`, or `http://` or
# `https://` in any case (ſ, U+017F, counts as s, as it did under IGNORECASE). Each
# alternative starts with one fixed character, so that the regex engine jumps from one such
# character to the next: with IGNORECASE, or a leading character class, it tries every
# alternative at every position, several times slower.
_URL_TAIL = "[Tt][Tt][Pp][Ssſ]?://"
_SPECIAL = re.compile(r"\$\$?|\{(?=\\)|\\|``|''|\*\*|h" + _URL_TAIL + "|H" + _URL_TAIL)
_MACRO = re.compile(r"\\(textit|textbf|emph|url)\{")
_TAGS = {"textit": "i", "textbf": "b", "emph": "em", "text": ""}
# A formula made only of these is text that was put in `$…$`: `$\textit{unsupervised}$`.
_TEXT_MACRO = re.compile(r"\s*\\(textit|textbf|emph|text)\{([^{}\\$]*)\}\s*")
# Characters that never belong to a URL in running text (RFC 3986 excludes them all).
_NOT_URL = frozenset(' <>"`\\{}|^')
_URL_TRAILERS = ".,;:!?'*"

# TeX's special letters, and its accents as combining marks (a letter after a control word
# such as `\v` needs a space or braces: `\v c`, `\v{c}`; `\vc` is another command).
_LETTERS = {
    "L": "Ł", "l": "ł", "O": "Ø", "o": "ø", "ss": "ß", "ae": "æ", "AE": "Æ", "oe": "œ", "OE": "Œ",
    "aa": "å", "AA": "Å", "i": "ı", "j": "ȷ",
}  # fmt: skip
_ACCENTS = {
    "'": "\u0301", "`": "\u0300", "^": "\u0302", '"': "\u0308", "~": "\u0303", "=": "\u0304", ".": "\u0307",
    "u": "\u0306", "v": "\u030c", "H": "\u030b", "c": "\u0327", "k": "\u0328", "r": "\u030a",
}  # fmt: skip
# The end of a control word: no letter follows; then `{}` or spaces, which only terminate it.
_WORD_END = r"(?![A-Za-z])(?:\{\}|[ \t]*)"
# An accent or a special letter, from its backslash: `\'e` `\' e` `\'{e}` `\'\i` `\'{\i}` `\v c`
# `\L` `\ss{}`. Past the spaces only a few characters are read, so a match (or a failed
# one) costs no more than the text up to the next backslash: the pass stays linear.
_ACCENTED = (
    r"\\(?:(?P<letter>ss|ae|AE|oe|OE|aa|AA|[LlOoij])" + _WORD_END
    + r"|(?P<accent>['`^\"~=.]|[uvHckr](?![A-Za-z]))[ \t]*"
    + r"(?P<open>\{)?(?:(?P<base>[A-Za-z])|\\(?P<dotless>[ij])" + _WORD_END + r")(?(open)\}))"
)  # fmt: skip
# At a backslash: a TeX escape (`\%` → %), an accent or a special letter.
_TEX_CHAR = re.compile(r"\\(?P<escape>[%&_#{}$])|" + _ACCENTED)
# At a brace: an accent or special letter alone in braces (`{\'e}`, `{\L}`): the braces go too.
_BRACED = re.compile(r"\{" + _ACCENTED + r"\}")

# A token of a field: (kind, value, opener); see `tokens`.
_Token = tuple[str, str, str]
_Hit = tuple[list[_Token], int] | None


def rich(text: str, *, chinese: bool = False) -> Markup:
    """The field as HTML: escaped, Chinese runs marked, math, macros and links rendered.

    `chinese` says the field sits in an element that is already `lang="zh-Hans"` (a Chinese
    title, summary or abstract): its plain text then needs no spans of its own."""
    escape_text = escape if chinese else mark_chinese
    if not has_constructs(text):  # most fields: nothing to render, only text to escape
        return escape_text(text)
    out: list[str] = []
    pending: list[str] = []
    budget = MATH_BUDGET
    for kind, value, opener in _Scanner(text).tokens():
        if kind == "text":
            pending.append(value)
            continue
        if pending:
            out.append(escape_text("".join(pending)))
            pending.clear()
        if kind == "math":
            budget -= len(value)
            out.append(_math(value, opener) if budget >= 0 else _tex(value, opener))
        elif kind == "url":
            out.append(Markup('<a href="%s" rel="noopener noreferrer">%s</a>') % (value, mark_chinese(value)))
        elif kind in ("strong", "/strong"):
            out.append(f"<{kind}>")
        else:
            out.append(_element(kind, value))
    out.append(escape_text("".join(pending)))
    return Markup("".join(out))


@functools.lru_cache(maxsize=256)  # a page asks for its title and abstract more than once
def plain(text: str) -> str:
    """The field as plain text, for places where markup cannot go (`<title>`, meta description):
    macros give their content, TeX quotes become “ ”, `**` goes, math stays as TeX in `$`."""
    if not has_constructs(text):  # most fields: the text is its own plain text
        return text
    out: list[str] = []
    for kind, value, opener in _Scanner(text).tokens():
        if kind == "math":
            macros = text_macros(value)
            delimiter = "$$" if opener == "$$" else "$"
            out.append("".join(inner for _, inner in macros) if macros else delimiter + value + delimiter)
        elif kind not in ("strong", "/strong"):
            out.append(value)
    return "".join(out)


def has_constructs(text: str) -> bool:
    """Whether `text` may hold a construct; when not, `tokens` gives it as a single `text`
    token (none when it is empty). One regex search: the quick test before the scanner."""
    return _SPECIAL.search(text) is not None


def tokens(text: str) -> Iterator[tuple[str, str, str]]:
    """The field split into tokens `(kind, value, opener)`, in order, in one forward pass.

    Kinds:

    - `text`: running text, to be escaped. TeX quotes are already “ ”, and TeX escapes,
      accents and special letters already the characters they stand for (`30\\%` → `30%`,
      `{\\'e}` → `é`); anything that is not a construct is here verbatim, backslashes and all.
      Consecutive `text` tokens may follow each other.
    - `math`: a formula. `value` is its TeX without delimiters (never empty or blank);
      `opener` is its delimiter: `$`, `$$` or `\\(` (closed by `$`, `$$`, `\\)`).
    - `i`, `b`, `em`: `\\textit`, `\\textbf`, `\\emph`. `value` is the inner text (never empty),
      with TeX escapes and accents resolved as in `text`.
    - `url`: a link. `value` is the URL (http or https, `is_web_url`), from `\\url{…}` or bare.
    - `strong`, `/strong`: `**` opening and closing bold. `value` is empty. They alternate and
      balance: an unclosed `**…` gets its `/strong` after the last token.

    `opener` is empty for every kind but `math`. The values of the `text`, `i`, `b`, `em` and
    `url` tokens, with each formula in its delimiters, read as the field; `plain` joins them so,
    writing `\\(…\\)` as `$…$` and a formula of nothing but text macros as their text."""
    return _Scanner(text).tokens()


def mark_chinese(text: str) -> Markup:
    """Escape `text` and wrap each run of Chinese in `<span lang="zh-Hans">`, so that a mostly
    English field still tells browsers which glyphs are Chinese."""
    if text.isascii() or not has_cjk(text):  # `isascii` is a flag lookup: no scan
        return escape(text)
    out: list[str] = []
    position = 0
    for match in CJK_RUN.finditer(text):
        out += (escape(text[position : match.start()]), '<span lang="zh-Hans">', escape(match.group()), "</span>")
        position = match.end()
    out.append(escape(text[position:]))
    return Markup("".join(out))


def _element(tag: str, inner: str) -> Markup:
    """A text macro's meaning: `<i>`, `<b>`, `<em>` around escaped text, or just the text."""
    return Markup(f"<{tag}>%s</{tag}>") % mark_chinese(inner) if tag else mark_chinese(inner)


@functools.lru_cache(maxsize=4096)
def _tex(source: str, opener: str) -> Markup:
    """A formula that cannot be shown as MathML: its TeX, with its delimiters, as code."""
    return Markup('<code class="tex" translate="no">%s</code>') % mark_chinese(opener + source + _CLOSERS[opener])


@functools.lru_cache(maxsize=4096)
def _math(source: str, opener: str) -> Markup:
    """A formula: HTML if it is only text macros, else MathML, else (on any failure) its TeX."""
    macros = text_macros(source)
    if macros:
        return Markup("").join(_element(tag, inner) for tag, inner in macros)
    mathml = _mathml(source, opener == "$$") if len(source) <= MAX_FORMULA else None
    return mathml if mathml is not None else _tex(source, opener)


def _tex_char(match: re.Match[str]) -> str | None:
    """The character a `_TEX_CHAR` or `_BRACED` match stands for; None when an accent does not
    compose with its letter into one character (`\\'t`), which then stays as it was written."""
    groups = match.groupdict()
    if groups.get("escape"):
        return groups["escape"]
    if groups["letter"]:
        return _LETTERS[groups["letter"]]
    composed = unicodedata.normalize("NFC", (groups["base"] or groups["dotless"]) + _ACCENTS[groups["accent"]])
    return composed if len(composed) == 1 else None


def _resolve(text: str) -> str:
    """`text` (a macro's inner text) with its TeX escapes, accents and special letters as
    characters, as the scanner does in running text."""
    out: list[str] = []
    start = position = 0
    while (i := text.find("\\", position)) != -1:
        match = _TEX_CHAR.match(text, i)
        char = _tex_char(match) if match else None
        if match is None or char is None:
            position = i + 1
            continue
        out += [text[start:i], char]
        start = position = match.end()
    out.append(text[start:])
    return "".join(out)


def text_macros(source: str) -> list[tuple[str, str]] | None:
    """(tag, inner text) for each macro when the formula is nothing but text macros, else None."""
    macros: list[tuple[str, str]] = []
    position = 0
    while position < len(source):
        match = _TEXT_MACRO.match(source, position)
        if match is None:
            return None
        macros.append((_TAGS[match[1]], match[2]))
        position = match.end()
    return macros or None


class _Finder:
    """The next position at or after `start` where `needle` occurs and `accept` holds.

    The scanner asks with ever larger starts. An answer stays right for every later start up
    to it, so each stretch of text is searched once and a field costs linear time overall."""

    __slots__ = ("accept", "answer", "asked", "needle", "text")

    def __init__(self, text: str, needle: str, accept: Callable[[str, int], bool] | None) -> None:
        self.text, self.needle, self.accept = text, needle, accept
        self.asked = len(text) + 1
        self.answer = -1

    def find(self, start: int) -> int:
        if not (self.asked <= start and (self.answer == -1 or self.answer >= start)):
            text, needle, accept = self.text, self.needle, self.accept
            found = text.find(needle, start)
            while found != -1 and accept is not None and not accept(text, found):
                found = text.find(needle, found + 1)
            self.asked, self.answer = start, found
        return self.answer


def _unescaped(text: str, j: int) -> bool:
    return text[j - 1] != "\\"


def _after_non_space(text: str, j: int) -> bool:
    return not text[j - 1].isspace()


# What the scanner looks for ahead, and which occurrences count: a closing `$` or `$$` not
# escaped, a closing `**` not after a space; any `\)`, `}`, `{`, `''` and blank line.
_ACCEPT: dict[str, Callable[[str, int], bool] | None] = {
    "$": _unescaped, "$$": _unescaped, "**": _after_non_space, "\\)": None, "}": None, "{": None, "''": None,
    "\n\n": None,
}  # fmt: skip


class _Scanner:
    """Splits a field into tokens in one forward pass; see `_Token`."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.strong = False  # inside `**…**`
        self.quotes = 0  # TeX quotes opened and not yet closed
        self.finders: dict[str, _Finder] = {}  # by needle (`_ACCEPT`), each made on first use

    def find(self, needle: str, start: int) -> int:
        """The next `needle` at or after `start` that counts (see `_ACCEPT`), or -1."""
        finder = self.finders.get(needle)
        if finder is None:
            finder = self.finders[needle] = _Finder(self.text, needle, _ACCEPT[needle])
        return finder.find(start)

    def tokens(self) -> Iterator[_Token]:
        text, position, start = self.text, 0, 0
        while match := _SPECIAL.search(text, position):
            position = match.start()
            hit = self._construct(position, match.group())
            if hit is None:  # not a construct after all: literal text
                position = match.end()
                continue
            if start < position:
                yield ("text", text[start:position], "")
            found, position = hit
            yield from found
            start = position
        if start < len(text):
            yield ("text", text[start:], "")
        if self.strong:
            yield ("/strong", "", "")

    def _construct(self, i: int, special: str) -> _Hit:
        if special == "$$":
            return self._formula(i, "$$", self.find("$$", i + 2))
        if special == "$":
            return self._inline(i)
        if special == "\\":
            return self._backslash(i)
        if special == "{":
            return self._char(_BRACED.match(self.text, i))
        if special == "**":
            return self._stars(i)
        if special in ("``", "''"):
            return self._quote(i, special)
        return self._url(i, i + len(special))

    def _closes_math(self, j: int) -> bool:
        """Whether the `$` at j, the first unescaped one after an opening `$`, closes a formula:
        not after a space nor before a digit, so that money ("$5 and $10") is not math."""
        if j == -1:
            return False
        after = self.text[j + 1 : j + 2]
        return not self.text[j - 1].isspace() and not (after and after in "0123456789")

    def _formula(self, i: int, opener: str, end: int) -> _Hit:
        """The formula from i to its closer at `end`, unless it is empty or spans a paragraph."""
        if end == -1:
            return None
        source = self.text[i + len(opener) : end]
        blank = self.find("\n\n", i)
        if not source.strip() or (blank != -1 and blank < end):
            return None
        return [("math", source, opener)], end + len(_CLOSERS[opener])

    def _inline(self, i: int) -> _Hit:
        if i + 1 >= len(self.text) or self.text[i + 1].isspace():
            return None
        end = self.find("$", i + 2)
        return self._formula(i, "$", end) if self._closes_math(end) else None

    def _backslash(self, i: int) -> _Hit:
        text = self.text
        if text.startswith("\\(", i):
            return self._formula(i, "\\(", self.find("\\)", i + 2))
        macro = _MACRO.match(text, i)
        if macro is None:
            return self._char(_TEX_CHAR.match(text, i))
        close, brace = self.find("}", macro.end()), self.find("{", macro.end())
        if close == -1 or (brace != -1 and brace < close):
            return None
        inner = text[macro.end() : close]
        if macro[1] == "url":
            url, depth = inner.strip(), {"(": 0, "[": 0}
            is_link = is_web_url(url) and not any(_ends_url(ch, depth) for ch in url)
            return [("url", url, "") if is_link else ("text", inner, "")], close + 1
        return [(_TAGS[macro[1]], _resolve(inner), "")] if inner else [], close + 1

    @staticmethod
    def _char(match: re.Match[str] | None) -> _Hit:
        """A TeX escape, accent or special letter (`_TEX_CHAR`, `_BRACED`) as its character."""
        char = _tex_char(match) if match else None
        return ([("text", char, "")], match.end()) if match and char else None

    def _stars(self, i: int) -> _Hit:
        text = self.text
        if self.strong and not text[i - 1].isspace():
            self.strong = False
            return [("/strong", "", "")], i + 2
        after = text[i + 2 : i + 3]
        if not self.strong and after.strip() and after != "*" and self.find("**", i + 3) != -1:
            self.strong = True
            return [("strong", "", "")], i + 2
        return None

    def _quote(self, i: int, quote: str) -> _Hit:
        if quote == "``" and self.find("''", i + 2) != -1:
            self.quotes += 1
            return [("text", "“", "")], i + 2
        if quote == "''" and self.quotes:
            self.quotes -= 1
            return [("text", "”", "")], i + 2
        return None

    def _url(self, i: int, j: int) -> _Hit:
        """A bare http(s) URL: up to a space, CJK or full-width character, an unbalanced `)` or
        `]`, or a character URLs never hold; without trailing punctuation."""
        text = self.text
        if i and text[i - 1].isascii() and text[i - 1].isalnum():
            return None
        depth = {"(": 0, "[": 0}
        while j < len(text) and not _ends_url(text[j], depth):
            j += 1
        url = text[i:j].rstrip(_URL_TRAILERS)
        return [("url" if is_web_url(url) else "text", url, "")], i + len(url)


def _ends_url(ch: str, depth: dict[str, int]) -> bool:
    """Whether `ch` ends a URL; counts brackets in `depth`, so that `Foo_(bar)` keeps its `)`.

    Non-ASCII letters may stay (an IRI), but not CJK or full-width characters, nor non-ASCII
    punctuation, symbols or spaces (curly quotes, `…`), which URLs never hold unencoded."""
    if ch in "([":
        depth[ch] += 1
    elif ch in ")]":
        opener = "(" if ch == ")" else "["
        if not depth[opener]:
            return True
        depth[opener] -= 1
    if ch.isascii():
        return ch.isspace() or ch in _NOT_URL
    return unicodedata.category(ch)[0] in "CPSZ" or unicodedata.east_asian_width(ch) in "FW" or bool(CJK_RUN.match(ch))


# --- MathML ---------------------------------------------------------------------------------

_NS = "{http://www.w3.org/1998/Math/MathML}"
# Command names, environment names and array column specifications: letters in the TeX that
# rightly do not reach the MathML.
_COMMANDS = re.compile(r"\\begin\{array\}\{[^{}]*\}|\\(?:begin|end)\{[^{}]*\}|\\[A-Za-z]+")
# MathML Core elements the converter uses. Token elements hold text only; the scripted and
# fraction-like ones take a fixed number of children (fewer means an argument was lost).
TOKENS = frozenset({"mi", "mn", "mo", "ms", "mtext", "mspace"})
ARITY = {"mfrac": 2, "msub": 2, "msup": 2, "mroot": 2, "mover": 2, "munder": 2, "msubsup": 3, "munderover": 3}
ELEMENTS = (
    TOKENS | ARITY.keys() | {"mrow", "msqrt", "mtable", "mtr", "mtd", "mstyle", "mpadded", "mphantom", "menclose"}
)

_LENGTH = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:em|ex|px|pt|pc|cm|mm|in|mu|%|width|height|depth)?"
_NAMED_SPACE = r"(?:negative)?(?:very){0,2}(?:thin|medium|thick)mathspace"


def _words(*words: str) -> re.Pattern[str]:
    """A space-separated list of the given words."""
    word = "(?:" + "|".join(words) + ")"
    return re.compile(f"{word}(?: {word})*")


_BOOLEAN = re.compile("true|false")
_LENGTHS = _words(_LENGTH, _NAMED_SPACE)
# Attribute → the values it may take (whole-value match). Anything else fails the formula.
ATTRIBUTES: dict[str, re.Pattern[str]] = {
    "mathvariant": re.compile(
        "normal|bold|italic|bold-italic|double-struck|bold-fraktur|script|bold-script|fraktur|sans-serif"
        "|bold-sans-serif|sans-serif-italic|sans-serif-bold-italic|monospace"
    ),
    **dict.fromkeys(
        ["stretchy", "fence", "separator", "movablelimits", "largeop", "accent", "accentunder", "symmetric"], _BOOLEAN
    ),
    "displaystyle": _BOOLEAN,
    "form": re.compile("prefix|infix|postfix"),
    **dict.fromkeys(["lspace", "rspace", "width", "height", "depth", "voffset", "minsize", "maxsize"], _LENGTHS),
    **dict.fromkeys(["linethickness", "mathsize", "columnspacing", "rowspacing"], _LENGTHS),
    "scriptlevel": re.compile(r"[+-]?\d{1,2}"),
    "columnalign": _words("left", "center", "right"),
    "rowalign": _words("top", "bottom", "center", "baseline", "axis"),
    "columnlines": _words("none", "solid", "dashed"),
    "rowlines": _words("none", "solid", "dashed"),
    "linebreak": re.compile("auto|newline|nobreak|goodbreak|badbreak"),
    "notation": _words(
        "box", "roundedbox", "circle", "left", "right", "top", "bottom", "updiagonalstrike", "downdiagonalstrike",
        "verticalstrike", "horizontalstrike", "longdiv", "actuarial", "madruwb", "radical", "updiagonalarrow",
    ),
}  # fmt: skip


class _Rejected(Exception):
    """The converter's output holds something outside the allowlist."""


def convert(source: str, display: str) -> str:
    """latex2mathml's MathML of a formula: the converter is imported the first time a page has
    one (a build that renders none needs none of it)."""
    from latex2mathml.converter import convert as to_mathml

    return to_mathml(source, display=display)


def _mathml(source: str, display: bool) -> Markup | None:
    """A formula as MathML, or None when it cannot be shown faithfully.

    The converter's output is never trusted: it writes `\\text{…}` verbatim (so TeX can inject
    tags), copies `\\href`, `\\style` and `\\class` arguments into attributes, and leaves
    commands it does not know as `<mi>\\foo</mi>`. So the output is parsed and rebuilt from
    `ELEMENTS` and `ATTRIBUTES`; anything else, or any error, means None."""
    try:
        root = ElementTree.fromstring(convert(source, display="block" if display else "inline"))
        if root.tag != _NS + "math" or _text_in(root.text, "math"):
            return None
        body = "".join(_rebuild(child, 1) + _text_in(child.tail, "math") for child in root)
        if not _keeps_content(source, root):
            return None
    except Exception:  # the converter's own errors, RecursionError, ParseError, _Rejected
        return None
    opening = '<math translate="no" display="block">' if display else '<math translate="no">'
    html = Markup(f"{opening}{body}</math>")
    return Markup('<span lang="zh-Hans">%s</span>') % html if has_cjk(body) else html


def _keeps_content(source: str, root: ElementTree.Element) -> bool:
    """Whether every letter and digit of the TeX outside command names reached the MathML, as
    text or as a length (`\\hspace{1em}`). The converter silently drops some content: the rest
    of a malformed `\\hspace` argument, every cell of a matrix that ends in `&`."""
    lengths = (v for e in root.iter() for k, v in e.attrib.items() if ATTRIBUTES.get(k) is _LENGTHS)
    shown = "".join(root.itertext()) + "".join(lengths)
    return not _letters(_COMMANDS.sub(" ", source)) - _letters(shown)


def _letters(text: str) -> Counter[str]:
    """Letters and digits, compatibility-folded so that `\\mathbb{R}` (ℝ) still counts as R."""
    return Counter(ch for ch in unicodedata.normalize("NFKC", text) if ch.isalnum())


def _rebuild(element: ElementTree.Element, depth: int) -> str:
    """One element of the converter's output, rebuilt from the allowlist, or `_Rejected`."""
    name = element.tag.removeprefix(_NS)
    children = list(element)
    if element.tag != _NS + name or name not in ELEMENTS or depth > MAX_DEPTH:
        raise _Rejected(element.tag)
    if (name in TOKENS and children) or len(children) != ARITY.get(name, len(children)):
        raise _Rejected(name)
    attributes = ""
    for key, value in element.attrib.items():
        allowed = ATTRIBUTES.get(key)
        if allowed is None or not allowed.fullmatch(value):
            raise _Rejected(key)
        attributes += f' {key}="{escape(value)}"'
    inner = _text_in(element.text, name) + "".join(
        _rebuild(child, depth + 1) + _text_in(child.tail, name) for child in children
    )
    return f"<{name}{attributes}>{inner}</{name}>"


def _text_in(text: str | None, name: str) -> str:
    """Text inside element `name`, escaped. Only token elements hold text (elsewhere it is
    debris from injected tags); a backslash is a command the converter did not know; control,
    format (bidi) and private-use characters come only from `\\unicode`."""
    if not text or (name not in TOKENS and text.isspace()):
        return ""
    if name not in TOKENS or name == "mspace" or "\\" in text:
        raise _Rejected(text)
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn") for ch in text):
        raise _Rejected(text)
    return str(escape(text))
