""" "Bedoelde je …?": spelling suggestions from the words the user may actually read."""

import re
from collections.abc import Callable

from whoosh.analysis import CharsetFilter, LowercaseFilter, RegexTokenizer
from whoosh.query import Term
from whoosh.support.charset import accent_map

from app.search import facets
from app.search.schema import WORDS_FIELD
from app.search.storage import IndexView

# Whoosh's own spelling fields, in indexes built by schema version 2.
OLD_SPELL_FIELDS = (
    "spell_title",
    "spell_body",
    "spell_meta",
    "spell_comments",
    "spell_reflections",
)
MIN_LENGTH = 4
_FOLD = RegexTokenizer(r"\w+") | LowercaseFilter() | CharsetFilter(accent_map)
_WORD = re.compile(r"\w+")


def _distance(a: str, b: str) -> int:
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, 1):
        current = [i]
        for j, char_b in enumerate(b, 1):
            current.append(
                min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char_a != char_b))
            )
        previous = current
    return previous[-1]


def _spell_fields(index_view: IndexView) -> list[str]:
    schema = index_view.searcher.schema
    if WORDS_FIELD in schema:
        return [WORDS_FIELD]
    return [name for name in OLD_SPELL_FIELDS if name in schema]


def _readable(index_view: IndexView, word: str, allowed: int) -> bool:
    """Whether some readable document holds the (unstemmed) word.

    A word in more documents than the reader may not read is in a readable one: no walk over
    its postings (a search for common words asks this of every word).
    """
    reader = index_view.searcher.reader()
    hidden = facets.all_bits(index_view).bit_count() - allowed.bit_count()
    for fieldname in _spell_fields(index_view):
        known = fieldname in reader.indexed_field_names() and (fieldname, word) in reader
        if known and reader.doc_frequency(fieldname, word) > hidden:
            return True
    return _scoped_frequency(index_view, word, allowed) > 0


def _scoped_frequency(index_view: IndexView, word: str, allowed: int) -> int:
    """In how many readable documents the (unstemmed) word occurs."""
    fields = _spell_fields(index_view)
    mask = 0
    for fieldname in fields:
        mask |= facets.query_bits(index_view, Term(fieldname, word))
    return (mask & allowed).bit_count()


def _best(index_view: IndexView, word: str, allowed: int) -> str | None:
    reader = index_view.searcher.reader()
    candidates: set[str] = set()
    for fieldname in _spell_fields(index_view):
        if fieldname in reader.indexed_field_names():
            candidates.update(reader.terms_within(fieldname, word, 2, prefix=1))
    by_distance: dict[int, list[str]] = {}
    for candidate in candidates - {word}:
        by_distance.setdefault(_distance(word, candidate), []).append(candidate)
    # The nearest words first; the most frequent of them within the scope wins. Only words
    # from documents this user may read: no hint at anything outside the scope. Counting
    # the nearest ones only: a frequent candidate's count is a walk over its postings.
    for distance in sorted(by_distance):
        ranked = []
        for candidate in by_distance[distance]:
            frequency = _scoped_frequency(index_view, candidate, allowed)
            if frequency:
                ranked.append((-frequency, candidate))
        if ranked:
            return min(ranked)[1]
    return None


def suggest(
    index_view: IndexView,
    text: str,
    allowed: int,
    total: int,
    count: Callable[[str], int],
) -> str | None:
    """A better spelling of the query when that finds more within the scope, else None."""
    if '"' in text or "*" in text:
        return None
    changed = False
    words = []
    for raw in _WORD.findall(text):
        folded = "".join(token.text for token in _FOLD(raw))
        if len(folded) < MIN_LENGTH or _readable(index_view, folded, allowed):
            words.append(raw)
            continue
        better = _best(index_view, folded, allowed)
        words.append(better or raw)
        changed = changed or better is not None
    if not changed:
        return None
    suggestion = " ".join(words)
    return suggestion if count(suggestion) > total else None
