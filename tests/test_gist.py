"""The English gist of a paper: the first sentence or two of its English abstract."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from digest.gist import LIMIT, SHORT, gist

FIRST = "We study how large language models reason over long documents that hold many tables, figures and formulas."
SECOND = "Our method improves accuracy on three benchmarks. It is cheap."

CASES = {
    "one long sentence": (
        "Large language models (LLMs) have shown remarkable abilities across tasks in language understanding. "
        "We propose X.",
        "Large language models (LLMs) have shown remarkable abilities across tasks in language understanding.",
    ),
    "a short first sentence takes the next": (
        "Graphs are everywhere. We propose a model of them that learns from very few labelled nodes. More.",
        "Graphs are everywhere. We propose a model of them that learns from very few labelled nodes.",
    ),
    "abbreviations end no sentence": (
        "Methods such as e.g. BERT and the work of Smith et al. Their variants are compared in Fig. 3 of this "
        "paper, at length. Next.",
        "Methods such as e.g. BERT and the work of Smith et al. Their variants are compared in Fig. 3 of this "
        "paper, at length.",
    ),
    "an initial ends no sentence": (
        "The theorem of J. Nash is extended to games with a continuum of players, each with a type of its own. Then.",
        "The theorem of J. Nash is extended to games with a continuum of players, each with a type of its own.",
    ),
    "a full stop inside a formula": (
        "We bound the error by $O(n^{-1/2}. C)$ for all n larger than a constant, and we prove that it is tight. Then.",
        "We bound the error by $O(n^{-1/2}. C)$ for all n larger than a constant, and we prove that it is tight.",
    ),
    "a question": ("Can transformers count? " + FIRST, "Can transformers count? " + FIRST),
    "only the first paragraph": ("Short abstract\n\nSecond paragraph. More.", "Short abstract"),
    "a short abstract with no full stop": ("A method for X", "A method for X"),
    "nothing": ("   ", ""),
}


@pytest.mark.parametrize("case", list(CASES))
def test_gist(case: str) -> None:
    abstract, expected = CASES[case]
    assert gist(abstract) == expected


def test_a_sentence_too_long_is_cut_at_a_word_and_says_so() -> None:
    abstract = "word " * 200
    cut = gist(abstract)
    assert cut.endswith("word…") and len(cut) <= LIMIT + 1


def test_a_cut_never_ends_inside_a_formula() -> None:
    abstract = "a " * 130 + "$" + "x " * 100 + "$ end."
    cut = gist(abstract)
    assert cut.endswith("…") and cut.count("$") == 0


def test_a_formula_or_price_near_the_start_still_leaves_a_gist() -> None:
    for abstract in ("$" + "a " * 200, "It costs $5 to " + "run " * 100):
        cut = gist(abstract)
        assert len(cut) > SHORT and cut.endswith(" a…" if abstract[0] == "$" else "run…")


def test_a_long_first_sentence_stands_alone() -> None:
    assert len(FIRST) >= SHORT
    assert gist(f"{FIRST} {SECOND}") == FIRST


@given(st.text(st.characters(codec="utf-8"), max_size=1500))
def test_a_gist_is_the_start_of_the_abstract(abstract: str) -> None:
    cut = gist(abstract)
    head = abstract.partition("\n\n")[0].strip()
    assert head.startswith(cut.removesuffix("…").rstrip())
    assert len(cut) <= LIMIT + 1
    # A cut ends inside a formula only where the formula opens too early to leave anything before it.
    assert cut.count("$") % 2 == 0 or head.count("$") % 2 or cut.rfind("$") < SHORT
