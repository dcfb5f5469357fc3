"""Snippets on the results page: whole sentences with the searched words, cuts shown as "…".

UX review, defect 16: snippets started and ended mid-sentence without "…" and showed the
raw dashes of Markdown lists.
"""

import random
import re

import pytest
from markupsafe import Markup

from app.models import Role
from app.search import analysis

STORY = (
    "De gemeente organiseerde in maart een informatieavond in het dorpshuis. "
    "Daar spraken bewoners over de komst van statushouders naar de oude school. "
    "Het gesprek werd pas later rustiger."
)


@pytest.fixture
def expert(make_user):
    return make_user(Role.EXPERT)


def _snippet(find, expert, words: str) -> str:
    hits = find(expert, words).hits
    assert hits, words
    return str(hits[0].snippet)


def _plain(snippet: str) -> str:
    return Markup(snippet).striptags()


def test_a_snippet_is_the_sentence_with_the_words(write_case, find, expert):
    write_case(title="Informatieavond", summary=STORY)
    snippet = _snippet(find, expert, "statushouders")
    assert _plain(snippet).startswith("Daar spraken bewoners over de komst van statushouders")
    assert "<mark>statushouders</mark>" in snippet
    # Whole sentences: nothing was cut, so there is no "…", and it ends where a sentence does.
    assert "…" not in snippet
    assert _plain(snippet).rstrip().endswith(".")


def test_two_sentences_far_apart_are_joined_by_an_ellipsis(write_case, find, expert):
    middle = " ".join(f"Zin {n} gaat over iets anders dan de rest." for n in range(8))
    write_case(
        title="Verspreid",
        summary=f"Het begon met een buurtbarbecue. {middle} Het eindigde met een petitie.",
    )
    snippet = _plain(_snippet(find, expert, "buurtbarbecue petitie"))
    assert snippet == "Het begon met een buurtbarbecue. … Het eindigde met een petitie."


def test_a_long_sentence_is_cut_at_words_and_the_cut_shows(write_case, find, expert):
    before = " ".join(["lange"] * 60)
    after = " ".join(["omschrijving"] * 60)
    write_case(title="Lang", summary=f"Een {before} verhaal over de sleutelfiguren {after} hier.")
    snippet = _plain(_snippet(find, expert, "sleutelfiguren"))
    assert snippet.startswith("… ") and snippet.endswith(" …")
    assert "sleutelfiguren" in snippet
    assert len(snippet) <= 230
    # Cut between words, not inside one.
    assert all(word in ("…", "lange", "verhaal", "over", "de", "sleutelfiguren", "omschrijving")
               for word in snippet.split())  # fmt: skip


def test_list_markers_are_left_out(write_case, find, expert):
    write_case(
        title="Lijstje",
        summary="Wat we deden:\n\n- Een bejegeningstraining voor boa's\n- Een wijkschouw",
    )
    snippet = _plain(_snippet(find, expert, "bejegeningstraining"))
    assert snippet.startswith("Een bejegeningstraining voor boa")
    assert "- " not in snippet


def test_without_a_word_in_the_text_the_snippet_is_its_opening(write_case, find, expert):
    write_case(title="Kermis in het dorp", summary=STORY)
    snippet = _plain(_snippet(find, expert, "kermis"))  # in the title only
    assert snippet.startswith("De gemeente organiseerde in maart een informatieavond")
    assert snippet[-1] in ".?!" and "…" not in snippet


def test_plain_text_is_what_the_straightforward_expressions_make():
    # documents.plain finds Markdown with a lookahead and skips the blanks pass when it has
    # nothing to do: the text must be what these two expressions make of it.
    import random
    import re

    from app.search.documents import plain

    markdown = re.compile(r"\*\*|__|[*_`]|!?\[|\]\([^)]*\)|^[ \t]*(?:>+|#+)[ \t]*", re.MULTILINE)
    blanks = re.compile(r"[ \t]+")
    rng = random.Random(3)
    pieces = ["*", "**", "_", "__", "`", "!", "[", "]", "(", ")", "](", ">", "#", " ", "  ",
              "\t", "\n", "woord", "Bewoners", "ë"]  # fmt: skip
    for _ in range(3000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 30)))
        assert plain(text) == blanks.sub(" ", markdown.sub("", text)).strip(), repr(text)


def test_candidate_words_are_the_words_starting_with_a_letter_of_the_terms():
    """The snippet's word finder (letter first, boundary after) finds what \\b[..]\\w* does."""
    rng = random.Random(7)
    alphabet = "bgaBGé_1-. \n\tëİ'…"
    pattern = analysis._candidates(frozenset({"bewoner", "gemeent", "_x"}))
    plain = re.compile(r"\b[_bg]\w*")
    texts = [STORY.lower(), "", "b", " g", "ab gb_g ébg", "bewoners-gemeente b1 1b _b"]
    texts += ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 14))) for _ in range(5000)]
    for text in texts:
        assert [m.span() for m in pattern.finditer(text)] == [
            m.span() for m in plain.finditer(text)
        ], text


def test_folding_an_ascii_text_is_lower_casing_it():
    for text in ("Gemeente", "KELVIN \u212a", "Café Ëmmen", "İstanbul", ""):
        assert analysis.folded(text) == analysis._NOT_ASCII.sub(analysis._fold, text.lower())
