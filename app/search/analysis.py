"""Dutch text analysis: the analyzer chain and its one-pass equivalent, for index and query."""

import re
import threading
from collections import Counter
from functools import lru_cache
from itertools import pairwise

from whoosh.analysis import (
    Analyzer,
    CharsetFilter,
    Filter,
    LowercaseFilter,
    RegexTokenizer,
    StopFilter,
)
from whoosh.lang import stopwords_for_language
from whoosh.support.charset import accent_map

from app.search import morphology


class MorphologyFilter(Filter):
    """Each word as its stem (morphology.stem), as the index holds it."""

    is_morph = True  # left out when Whoosh analyses with no_morph=True, as its StemFilter is

    def __call__(self, tokens):
        for token in tokens:
            if not token.stopped:
                token.text = morphology.stem(token.text)
            yield token


def dutch_analyzer() -> Analyzer:
    """Words, lower-cased, accents folded (fluïditeit = fluiditeit), Dutch stop words, stems."""
    return (
        RegexTokenizer(r"\w+")
        | LowercaseFilter()
        | CharsetFilter(accent_map)
        | StopFilter(stoplist=frozenset(stopwords_for_language("nl")), minsize=2)
        | MorphologyFilter()
    )


_ANALYZER = dutch_analyzer()


def analyse(text: str) -> list[str]:
    """The index terms of a text, as the Dutch analyzer makes them."""
    return [token.text for token in _ANALYZER(text)]


# The same analysis as dutch_analyzer(), as one loop over the words instead of a chain of
# generators handing Token objects on (tests compare the two). Indexing analyses every text
# once with it, where Whoosh's fields analysed it three times: for the postings, for the
# spelling words and for the term vector.
_WORD = re.compile(r"\w+")
_STOP_WORDS = frozenset(stopwords_for_language("nl"))
_stem = morphology.stem


def _parts(word: str) -> tuple[str, ...]:
    return () if word.isdigit() else _useful_parts(word)


@lru_cache(maxsize=200_000)
def _useful_parts(word: str) -> tuple[str, ...]:
    """A word's compound parts, less stop words ("over|last" adds "last" alone)."""
    return tuple(part for part in morphology.parts(word) if part not in _STOP_STEMS)


_STOP_STEMS = frozenset(morphology.stem(word) for word in _STOP_WORDS)
_NOT_ASCII = re.compile(r"[^\x00-\x7f]+")


def _fold(match: re.Match) -> str:
    return match.group().translate(accent_map)


def folded(text: str) -> str:
    """The text lower-cased and accent-folded. Only the few accented stretches go through
    str.translate, which looks every character of a text up in Whoosh's accent map; a text
    without any (isascii() is a flag of the string, no scan) skips even the search for them."""
    lowered = text.lower()
    return lowered if lowered.isascii() else _NOT_ASCII.sub(_fold, lowered)


class Analysed:
    """A text's index terms in order, with each term's unstemmed word.

    The counts also hold the parts of compounds (morphology.parts), once per occurrence, so
    "jeugdoverlast" is found by "overlast"; the order (for word pairs) is the words' own.
    """

    __slots__ = ("_counts", "terms", "words")

    def __init__(self, text: str) -> None:
        lowered = folded(text)
        if len(lowered) == len(text):
            # Lower-cased and folded at once, then split: the same words as splitting first
            # when folding keeps every character in its place (as it does for Dutch).
            words = _WORD.findall(lowered)
        else:
            words = [match.lower().translate(accent_map) for match in _WORD.findall(text)]
        stop = _STOP_WORDS
        self.words = [word for word in words if len(word) > 1 and word not in stop]
        self.terms = list(map(_stem, self.words))
        self._counts: Counter | None = None

    def counts(self) -> Counter:
        """Index term -> how often it occurs."""
        if self._counts is None:
            counts = Counter(self.terms)
            for word, times in Counter(self.words).items():
                for part in _parts(word):
                    counts[part] += times
            self._counts = counts
        return self._counts

    def pair_counts(self) -> Counter:
        """Two consecutive index terms, as "first second" -> how often they occur."""
        terms = self.terms
        # pair_term() of each two, joined in C: half the time of a Python call per pair.
        return Counter(map(" ".join, pairwise(terms)))


def matches(text: str, terms: frozenset[str], limit: int) -> dict[str, list[tuple[int, int, int]]]:
    """Term -> (position, start, end) of its first occurrences in `text`, `limit` in all.

    For snippets, so fast rather than complete: only words that start with the first letter
    of one of the terms are analysed, and positions count those words only. (Not a longer
    prefix: a lemma need not start like its form, "huizen" -> "huis", "boze" -> "boos".)
    """
    found: dict[str, list[tuple[int, int, int]]] = {term: [] for term in terms}
    if not terms:
        return found
    lowered = folded(text)
    # One loop over the candidate words, without a generator between: a results page runs
    # it for the title and text of every hit shown.
    by_word = len(lowered) != len(text)  # lower-casing moved characters (a Turkish İ)
    words = _WORD.finditer(text) if by_word else _candidates(terms).finditer(lowered)
    stop, stem, count = _STOP_WORDS, _stem, 0
    for position, match in enumerate(words):
        word = match.group().lower().translate(accent_map) if by_word else match.group()
        if len(word) < 2 or word in stop:
            continue
        places = found.get(stem(word))
        if places is not None:
            places.append((position, *match.span()))
            count += 1
            if count >= limit:
                break
    return found


@lru_cache(maxsize=256)
def _candidates(terms: frozenset[str]) -> re.Pattern:
    r"""The words that start with one of these letters: \b[bg]\w*, written letter first
    and the word boundary after it (no word character before the letter), so the regex
    engine skips ahead to the next of the letters instead of trying every position; half
    the time on a case text."""
    return re.compile(
        r"[" + "".join(sorted({re.escape(term[0]) for term in terms})) + r"](?<!\w.)\w*"
    )


def pair_term(first: str, second: str) -> str:
    """The index term of two words that follow each other (stop words between them ignored)."""
    return f"{first} {second}"


_recent = threading.local()
# Texts whose analysis is remembered (per thread): the text fields of one document.
REMEMBERED = 8


def analysed(text: str) -> Analysed:
    """The analysis of `text`, remembered for later calls with the same string object.

    Whoosh's writer hands a field's value to its postings, its term vector, its word pairs
    and the document's spelling words one after another: they all share one analysis.
    """
    recent = getattr(_recent, "texts", None)
    if recent is None:
        recent = _recent.texts = []
    for remembered, result in recent:
        if remembered is text:
            return result
    result = Analysed(text)
    recent.insert(0, (text, result))
    del recent[REMEMBERED:]
    return result
