"""Dutch word forms for index and query alike: a word's stem, and the parts of a compound.

Both sides go through the same two functions, so a form found in a text and a form typed
in the search box meet when they share a stem ("windturbine" / "windturbines") or a part
("jeugdoverlast" holds "overlast"; "energiearmoede" holds "armoede").
"""

import gzip
from functools import lru_cache
from pathlib import Path

from simplemma.strategies import LOW_MEMORY_DICTIONARY_FACTORY
from whoosh.lang import stemmer_for_language

WORDLIST = Path(__file__).with_name("data") / "nl-words.txt.gz"
# The shortest modifier and head a compound is split into: "wind|park", "dorp|s|raad"
# (three-letter words split too much: "jon|ger", "ver|keer").
MIN_MODIFIER = 4
MIN_HEAD = 4
# Letters that join the parts of a Dutch compound: dorp-s-raad, zonn-e-weide, boer-en-protest.
LINKS = ("s", "e", "en")
# A lemma may be this much longer than its form ("liep" -> "lopen"), no more.
MAX_LONGER = 2
# Derivations whose base word a search should also find: boos-heid.
SUFFIXES = ("heid", "heden")

_porter = stemmer_for_language("nl")


@lru_cache(maxsize=1)
def _lemmas():
    """simplemma's Dutch form -> lemma table ("boze" -> "boos"), loaded on first use.

    The low-memory form: a sparse index over the packed table (about 0.3 s and 10 MB per
    process) instead of a dict of all 370,000 forms.
    """
    return LOW_MEMORY_DICTIONARY_FACTORY.get_dictionary("nl")


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """The index term of one lower-cased, accent-folded word: its lemma's Snowball stem.

    The lemma first ("boze" -> "boos", "windturbines" -> "windturbine", "huizen" -> "huis"),
    where the stemmer alone leaves irregular and borrowed forms apart.
    """
    lemma = _lemmas().get(word)
    # A lemma much longer than its form is a slip of the table ("werknemer" -> "werkneemster").
    if not lemma or len(lemma) > len(word) + MAX_LONGER:
        lemma = word
    return _porter(lemma)


@lru_cache(maxsize=1)
def _words() -> frozenset[str]:
    """The Dutch word list (read once per process, on first use)."""
    with gzip.open(WORDLIST, "rt", encoding="utf-8") as handle:
        return frozenset(line.strip() for line in handle if line.strip())


_DOUBLED = frozenset("bdfgklmnprst")
_VOWELS = frozenset("aeiou")


def _bases(word: str):
    """The word, and what it would be without a plural or inflection ending."""
    yield word
    for ending in ("en", "s", "n", "e"):
        if word.endswith(ending) and len(word) - len(ending) >= MIN_MODIFIER:
            base = word[: -len(ending)]
            yield base
            if ending == "en":
                if len(base) > 2 and base[-1] == base[-2] and base[-1] in _DOUBLED:
                    yield base[:-1]  # gesprekk-en
                elif len(base) > 2 and base[-2] in _VOWELS and base[-3] not in _VOWELS:
                    yield base[:-2] + base[-2] + base[-2:]  # strat-en -> straat
                if base.endswith("z"):
                    yield base[:-1] + "s"  # huiz-en -> huis


def known(word: str) -> bool:
    """Whether the word, or the word without an inflection ending, is in the word list."""
    words = _words()
    return any(base in words for base in _bases(word))


def _modifier(text: str) -> str | None:
    """A compound's first part as a word, without its linking letters, or None."""
    candidates = [text[: -len(link)] for link in LINKS if text.endswith(link)] + [text]
    candidates = [word for word in candidates if len(word) >= MIN_MODIFIER]
    listed = [word for word in candidates if word in _words()]
    if listed:
        return listed[0]
    return next((word for word in candidates if known(word) or split(word)), None)


def derived_from(word: str) -> str | None:
    """The word a derivation is made from ("boosheid" -> "boos"), or None."""
    for suffix in SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= MIN_MODIFIER:
            base = word[: -len(suffix)]
            if known(base):
                return base
    return None


@lru_cache(maxsize=200_000)
def split(word: str, force: bool = False) -> tuple[str, ...]:
    """A compound as its two words, modifier and head ("jeugd", "overlast"), or ().

    Dutch compounds end in their head ("jeugdoverlast" is a kind of overlast): the longest
    known head is split off first; the modifier may be a compound itself ("windmolen|park").
    A word of the list is not split ("overlast" is no "over|last") unless `force`d: a query
    word nobody wrote is searched by its parts. A derivation in -heid gives its base ("boos").
    """
    base = derived_from(word)
    if base:
        return (base,)
    if not force and known(word):
        return ()
    for cut in range(MIN_MODIFIER, len(word) - MIN_HEAD + 1):
        head = word[cut:]
        if known(head):
            modifier = _modifier(word[:cut])
            if modifier is not None:
                return modifier, head
    return ()


@lru_cache(maxsize=200_000)
def parts(word: str) -> tuple[str, ...]:
    """The stems of every word a compound is made of (halves split again), less its own."""
    found = []
    for piece in split(word):
        found += [stem(piece), *parts(piece)]
    own = stem(word)
    return tuple(dict.fromkeys(part for part in found if part != own))
