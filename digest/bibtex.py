"""A paper → its BibTeX entry, as a reader would paste it into a `.bib` file.

The entry type follows what is known of the paper: `@inproceedings` when a venue lists it (with
the arXiv `eprint` too when there is one), `@misc` for an arXiv preprint, and `@misc` with what
there is for anything else. Fields come in one order (title, author, booktitle, year, eprint,
archivePrefix, primaryClass, url); empty ones are left out, never written as `{}`.

Every value comes from untrusted input. A text field (title, author, booktitle, primaryClass,
eprint) is read the way the page reads it, with `digest.richtext`'s scanner, and written as:

- control characters, line breaks and runs of white space: one space;
- plain text: itself. `\\` `&` `%` `#` `_` `$` `^` `~` are escaped (`\\textbackslash{}`, `\\&`,
  `\\^{}`, …); braces that pair up are kept as groups and a brace without its partner is
  dropped (BibTeX counts `\\{` as a brace too, so escaping it would not do). `\\$` is a dollar;
  TeX quotes stay TeX quotes;
- `\\textit{…}`, `\\textbf{…}`, `\\emph{…}`, and `**…**` (as `\\textbf{…}`, closed even when
  the field does not close it): the same macro around escaped text. `\\url{…}` and bare links:
  escaped text;
- a formula, delimited as the page delimits it (`$…$`, `$$…$$`, `\\(…\\)`; "$5 and $10" is
  money): `$…$` holding the formula exactly as written, but only when every control sequence
  in it is on the allowlist `MATH_COMMANDS`, `\\begin`/`\\end` name one of `MATH_ENVIRONMENTS`
  (and pair up), its braces balance both as TeX and as BibTeX count them, and it holds no
  `^^`, `%`, `#` or `$`, no `&` outside an environment, and no command name followed by `@`
  or a non-ASCII letter (letters too, where `\\makeatletter` is on or to XeTeX and LuaTeX, so
  part of a longer name). Any other formula is text, delimiters and all, so it prints as
  written. A formula that is only text macros (`$\\textit{x}$`) is
  those macros, as on the page.

So, guaranteed for every text field: its braces balance as BibTeX counts them and as TeX
does; `%` and `#` appear only escaped, `^^` never, `$` only escaped or around a formula that
passed the checks above; and the only control sequences in it are those on `MATH_COMMANDS`,
`\\begin`/`\\end` of `MATH_ENVIRONMENTS` (paired), and the escapes this module writes
(`\\textbackslash` `\\textit` `\\textbf` `\\emph` `\\$` `\\%` `\\&` `\\#` `\\_` `\\^` `\\~`).
Nothing on the allowlist reads or writes files, defines, expands or looks up macros by name,
changes category codes or runs code, and it is closed under lower-casing: BibTeX styles
lower-case titles, math and all, and that cannot make a name on it into one off it. Some
commands on it need amsmath or amssymb; a document without them gets an undefined-command
error, nothing worse.

Links are percent-encoded where BibTeX or LaTeX would trip (space, braces, backslash,
non-ASCII), and are never LaTeX-escaped (`\\url` and biblatex read them as they are).

Titles get single braces and no case protection: a style that lower-cases titles will do so.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote, urlsplit

from digest import richtext
from digest.model import Paper, Record

__all__ = ["bibtex"]

BOOKTITLES = {
    "neurips": "Advances in Neural Information Processing Systems",
    "nips": "Advances in Neural Information Processing Systems",
    "icml": "International Conference on Machine Learning",
    "iclr": "International Conference on Learning Representations",
    "acl": "Annual Meeting of the Association for Computational Linguistics",
    "emnlp": "Conference on Empirical Methods in Natural Language Processing",
    "naacl": "Conference of the North American Chapter of the Association for Computational Linguistics",
    "cvpr": "IEEE/CVF Conference on Computer Vision and Pattern Recognition",
    "iccv": "IEEE/CVF International Conference on Computer Vision",
    "eccv": "European Conference on Computer Vision",
    "aaai": "AAAI Conference on Artificial Intelligence",
    "ijcai": "International Joint Conference on Artificial Intelligence",
    "kdd": "ACM SIGKDD Conference on Knowledge Discovery and Data Mining",
    "sigir": "International ACM SIGIR Conference on Research and Development in Information Retrieval",
    "www": "The ACM Web Conference",
    "coling": "International Conference on Computational Linguistics",
}
"""Venue name (case-folded) → the name of its proceedings, with no year or edition."""

FIELD_ORDER = ("title", "author", "booktitle", "year", "eprint", "archivePrefix", "primaryClass", "url")
STOP_WORDS = frozenset({"a", "an", "the", "on", "of", "in", "for", "to", "and", "with", "towards"})

_NEW_ID = re.compile(r"([0-9]{2})([0-9]{2})\.[0-9]{4,5}(?:v[0-9]+)?")
_OLD_ID = re.compile(r"[a-z-]+(?:\.[A-Za-z-]+)?/([0-9]{2})([0-9]{2})[0-9]{3}(?:v[0-9]+)?")
_SPACES = re.compile(r"\s+")
_KEY_UNSAFE = re.compile(r"[^A-Za-z0-9:._-]+")
_AND = re.compile(r"(?:^|\s)and(?:\s|$)", re.IGNORECASE)
_TEXT_ESCAPES = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "#": r"\#",
    "_": r"\_",
    "$": r"\$",
    "^": r"\^{}",
    "~": r"\~{}",
}
_TEXT_TABLE = str.maketrans(_TEXT_ESCAPES)
# Characters that `_text` writes otherwise than as they are: escapes, braces, TeX quotes.
_LATEX_SPECIAL = re.compile(r"[\\&%#_$^~{}“”]")
_BRACE = re.compile(r"([{}])")
# What `_clean` makes a space: control characters (Unicode category Cc) and the line and
# paragraph separators (Zl, Zp); and what it makes U+FFFD: lone surrogates.
_BREAKS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_SURROGATES = re.compile(r"[\ud800-\udfff]")
_QUOTES = {"“": "``", "”": "''"}  # the scanner's reading of TeX quotes, written back
_MACROS = {"i": "\\textit{", "b": "\\textbf{", "em": "\\emph{"}  # the page's tags → LaTeX
_CLOSERS = {"$$": "$$", "\\(": "\\)"}
_CONTROL = re.compile(r"[A-Za-z]+|.", re.DOTALL)
_ENVIRONMENT = re.compile(r"\{([A-Za-z]+)\}")


def _names(text: str) -> frozenset[str]:
    return frozenset(text.split())


MATH_ENVIRONMENTS = _names("matrix pmatrix bmatrix Bmatrix vmatrix Vmatrix smallmatrix cases array aligned")
"""The environments a kept formula may open: arrays of math, nothing else (`\\begin{X}` runs `\\X`)."""

MATH_COMMANDS = frozenset(
    # Control symbols: spaces, escaped specials, `\\|`, the row break.
    {",", ";", ":", "!", " ", "{", "}", "%", "&", "#", "_", "$", "|", "\\"}
) | _names(
    """
    alpha beta gamma delta epsilon varepsilon zeta eta theta vartheta iota kappa varkappa lambda mu
    nu xi pi varpi rho varrho sigma varsigma tau upsilon phi varphi chi psi omega
    Gamma Delta Theta Lambda Xi Pi Sigma Upsilon Phi Psi Omega

    pm mp times div cdot ast star circ bullet oplus ominus otimes oslash odot dagger ddagger cap
    cup sqcap sqcup uplus wedge vee land lor setminus wr amalg diamond bigcirc triangleleft
    triangleright bigtriangleup bigtriangledown ltimes rtimes

    leq le geq ge neq ne equiv approx approxeq sim simeq cong asymp propto prec succ preceq succeq
    ll gg subset supset subseteq supseteq subsetneq supsetneq sqsubset sqsupset sqsubseteq
    sqsupseteq in notin ni mid nmid parallel nparallel perp models vdash dashv doteq leqslant
    geqslant lesssim gtrsim lessapprox gtrapprox nless ngtr nleq ngeq ncong nsim triangleq bowtie
    smile frown neg lnot iff implies impliedby

    to gets rightarrow leftarrow leftrightarrow Rightarrow Leftarrow Leftrightarrow longrightarrow
    longleftarrow longleftrightarrow Longrightarrow Longleftarrow Longleftrightarrow mapsto
    longmapsto uparrow downarrow updownarrow Uparrow Downarrow Updownarrow nearrow searrow swarrow
    nwarrow hookrightarrow hookleftarrow rightharpoonup rightharpoondown leftharpoonup
    leftharpoondown rightleftharpoons xrightarrow xleftarrow

    infty partial nabla forall exists nexists emptyset varnothing hbar ell wp aleph imath jmath
    prime angle triangle square blacksquare top bot flat natural sharp clubsuit diamondsuit
    heartsuit spadesuit surd checkmark complement dots ldots cdots vdots ddots colon

    vert Vert lvert rvert lVert rVert langle rangle lceil rceil lfloor rfloor lbrace rbrace lbrack
    rbrack backslash left right middle big Big bigg Bigg bigl bigr Bigl Bigr biggl biggr Biggl
    Biggr

    sum prod coprod int iint iiint oint bigcup bigcap bigsqcup bigvee bigwedge bigoplus bigotimes
    bigodot biguplus limits nolimits

    log ln lg exp sin cos tan sec csc cot arcsin arccos arctan sinh cosh tanh coth lim liminf
    limsup sup inf max min arg det dim gcd hom ker deg bmod pmod mod

    hat check breve acute grave tilde bar vec dot ddot mathring widehat widetilde overline
    underline overbrace underbrace overrightarrow overleftarrow

    frac dfrac tfrac cfrac sqrt binom dbinom tbinom overset underset stackrel substack not boxed
    operatorname text textrm textit textbf textsf texttt mbox hline

    mathbb mathbf mathrm mathit mathsf mathtt mathcal mathfrak mathscr boldsymbol bm bf it rm sf
    tt cal quad qquad displaystyle textstyle scriptstyle scriptscriptstyle
    """
)
"""What a kept formula may use, by name: harmless math, a few hundred symbols, operators,
accents, delimiters, fonts and spaces. `\\begin` and `\\end` are not on it; they are checked
with `MATH_ENVIRONMENTS`. Nothing here reads or writes files, defines, expands or looks up
macros by name, changes category codes, or runs code; a name lower-cased is on it too."""

# URL characters that survive as they are: printable ASCII but space, quotes, braces, backslash.
_URL_SAFE = "!#$%&'()*+,-./:;=?@[]^_`|~"


def bibtex(paper: Paper) -> str:
    """The paper's BibTeX entry, as a reader would paste it into a .bib file.

    The entry ends with a newline, so entries joined with "\\n" are a `.bib` file with a blank
    line between them.
    """
    fields: dict[str, str] = {"title": _text(paper.title), "author": _authors(paper.authors)}
    arxiv_id = _clean(paper.arxiv_id)
    arxiv_url = _url(f"https://arxiv.org/abs/{arxiv_id}") if arxiv_id else ""
    if paper.venue_sides:
        kind = "inproceedings"
        side = paper.venue_sides[0]
        year = side.year or _arxiv_year(arxiv_id)
        fields["booktitle"] = _booktitle(side.venue)
        fields["url"] = _url(side.url) or arxiv_url
    elif arxiv_id:
        kind = "misc"
        year = _arxiv_year(arxiv_id)
        fields["primaryClass"] = _text(paper.category)
        fields["url"] = arxiv_url
    else:
        kind = "misc"
        year = None
        fields["url"] = next((url for url in map(_url, _links(paper)) if url), "")
    fields["year"] = str(year) if year else ""
    if arxiv_id:
        fields["eprint"] = _text(arxiv_id)
        fields["archivePrefix"] = "arXiv"
    lines = [f"  {name} = {{{fields[name]}}}" for name in FIELD_ORDER if fields.get(name)]
    body = "".join(line + ",\n" for line in lines[:-1]) + "".join(line + "\n" for line in lines[-1:])
    return f"@{kind}{{{_key(paper, year)},\n{body}}}\n"


def _links(paper: Paper) -> list[str]:
    records: list[Record] = ([paper.arxiv] if paper.arxiv else []) + list(paper.appearances)
    return [r.url for r in records]


def _arxiv_year(arxiv_id: str) -> int | None:
    """The year an arXiv ID was issued: `2310.00212` → 2023, `math/0601001` → 2006."""
    if match := _NEW_ID.fullmatch(arxiv_id):
        century = 2000
    elif match := _OLD_ID.fullmatch(arxiv_id):
        century = 1900 if int(match[1]) >= 91 else 2000  # old-style IDs ran from 1991 to 2007
    else:
        return None
    return century + int(match[1]) if 1 <= int(match[2]) <= 12 else None


def _booktitle(venue: str) -> str:
    return BOOKTITLES.get(_clean(venue).casefold()) or _text(venue)


# Keys -----------------------------------------------------------------------------------------


def _key(paper: Paper, year: int | None) -> str:
    """`surname` + `year` + first significant title word (`chen2023evoprompting`); without
    authors, `arxiv` + the arXiv ID, or the paper's ID."""
    first_author = next((a for a in paper.authors if _text(a)), None)
    if first_author is not None:
        words = [_ascii(word).lower() for word in _clean(first_author).split()]
        surname = next((w for w in reversed(words) if w), "anon")
        title_word = next(
            (w for w in (_ascii(word).lower() for word in _clean(paper.title).split()) if w and w not in STOP_WORDS), ""
        )
        return f"{surname}{year or ''}{title_word}"
    if paper.arxiv_id and (key := _key_safe(paper.arxiv_id)):
        return f"arxiv{key}"
    return _key_safe(paper.id) or f"anon{year or ''}"


def _ascii(text: str) -> str:
    """`text` folded to ASCII letters and digits (`Ré` → `Re`); other characters are dropped."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return "".join(ch for ch in folded if ch.isalnum())


def _key_safe(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return _KEY_UNSAFE.sub("", folded.replace("/", "_"))


# Values ---------------------------------------------------------------------------------------


def _clean(text: str) -> str:
    """Control characters and line breaks as spaces, white space runs as one, lone surrogates
    as U+FFFD, no space at either end."""
    return _SPACES.sub(" ", _SURROGATES.sub("\ufffd", _BREAKS.sub(" ", text))).strip()


def _authors(authors: tuple[str, ...]) -> str:
    """Names joined with ` and `; a name that BibTeX would split or read as `others` is braced."""
    names = [name for name in map(_text, authors) if name]
    return " and ".join(f"{{{n}}}" if "," in n or _AND.search(n) or n.lower() == "others" else n for n in names)


def _text(value: str) -> str:
    """`value` as a field's text: valid BibTeX, and LaTeX that prints what the page shows."""
    value = _clean(value)
    if not richtext.has_constructs(value) and not _LATEX_SPECIAL.search(value):
        return value  # most fields: plain text with nothing to escape, written as it is
    out = _Writer()
    for kind, token, opener in richtext.tokens(value):
        if kind == "text":
            out.text(_QUOTES.get(token, token))
        elif kind == "math":
            _formula(out, token, opener)
        elif kind in _MACROS:
            out.group(_MACROS[kind], token)
        elif kind == "strong":
            out.open("\\textbf{")
        elif kind == "/strong":
            out.close()
        else:  # a link: its text
            out.text(token)
    return out.result()


def _formula(out: _Writer, tex: str, opener: str) -> None:
    """A formula: its text macros when it is only those (as on the page), else `$…$` when
    `_safe_math` allows it, else the text of its TeX, delimiters and all."""
    macros = richtext.text_macros(tex)
    if macros:
        for tag, inner in macros:
            out.group(_MACROS.get(tag, ""), inner)
    elif _safe_math(tex):
        out.raw(f"${tex}$")
    else:
        out.text((opener or "$") + tex + _CLOSERS.get(opener, "$"))


def _safe_math(tex: str) -> bool:
    """Whether `$tex$` is harmless math: every control sequence on `MATH_COMMANDS` (or a
    `\\begin`/`\\end` pair of `MATH_ENVIRONMENTS`), braces balanced as TeX counts them (`\\{`
    is no brace) and as BibTeX does (it is), no `^^`, `%`, `#` or `$`, no `&` outside an
    environment, and no command name that runs on into a longer one (`_continues_name`)."""
    if "^^" in tex:
        return False
    depth = bibtex_depth = 0
    environments: list[str] = []
    index = 0
    while index < len(tex):
        ch = tex[index]
        index += 1
        if ch == "\\":
            control = _CONTROL.match(tex, index)
            if control is None:  # a backslash at the end would escape the closing `$`
                return False
            name, index = control[0], control.end()
            if name in ("begin", "end"):
                environment = _ENVIRONMENT.match(tex, index)
                if environment is None or environment[1] not in MATH_ENVIRONMENTS:
                    return False
                if name == "begin":
                    environments.append(environment[1])
                elif not environments or environments.pop() != environment[1]:
                    return False
                index = environment.end()
            elif name not in MATH_COMMANDS or (name.isalpha() and _continues_name(tex, index)):
                return False
            elif name in ("{", "}"):
                bibtex_depth += 1 if name == "{" else -1
        elif ch in "{}":
            step = 1 if ch == "{" else -1
            depth += step
            bibtex_depth += step
        elif ch in "%#$" or (ch == "&" and not environments):
            return False
        if depth < 0 or bibtex_depth < 0:
            return False
    return depth == bibtex_depth == 0 and not environments


def _continues_name(tex: str, index: int) -> bool:
    """Whether the character at `index` could continue a control word before it: `@` is a
    letter where `\\makeatletter` is on, and TeX engines that read Unicode count non-ASCII
    letters (and marks) as letters."""
    if index >= len(tex):
        return False
    ch = tex[index]
    return ch == "@" or (not ch.isascii() and unicodedata.category(ch)[0] in "LMNC")


class _Writer:
    """A field's LaTeX, written piece by piece.

    Text is escaped as it comes. Its braces are kept only when they pair up within the group
    they were opened in (a macro's or `**`'s), so a text brace never closes a group it did
    not open; groups still open at the end are closed."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.open_braces: list[int] = []  # where each open text brace is, or -1 for a group
        self.groups = 0

    def raw(self, latex: str) -> None:
        self.parts.append(latex)

    def text(self, text: str) -> None:
        for piece in _BRACE.split(text):  # runs of text, and each brace between them
            if piece == "{":
                self.open_braces.append(len(self.parts))
                self.parts.append("")  # "{" once its partner comes
            elif piece == "}":
                if self.open_braces and self.open_braces[-1] != -1:
                    self.parts[self.open_braces.pop()] = "{"
                    self.parts.append("}")
            elif piece:
                self.parts.append(piece.translate(_TEXT_TABLE))

    def open(self, macro: str) -> None:
        self.open_braces.append(-1)
        self.groups += 1
        self.parts.append(macro)

    def close(self) -> None:
        if self.groups:
            while self.open_braces.pop() != -1:
                pass
            self.groups -= 1
            self.parts.append("}")

    def group(self, macro: str, text: str) -> None:
        """`text` in `macro`'s group, or plain when `macro` is ""."""
        if macro:
            self.open(macro)
        self.text(text)
        if macro:
            self.close()

    def result(self) -> str:
        while self.groups:
            self.close()
        return _SPACES.sub(" ", "".join(self.parts)).strip()


def _url(link: str) -> str:
    """An http(s) link, percent-encoded where a `.bib` file or LaTeX would trip; "" otherwise."""
    link = _clean(link)
    try:
        parts = urlsplit(link)
    except ValueError:  # a malformed IPv6 host
        return ""
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return ""
    return quote(link, safe=_URL_SAFE)
