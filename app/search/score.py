"""Relevance scores for a whole query, a word at a time instead of a document at a time.

Whoosh scores document by document through a tree of matchers: for every posting of every
word in every field it steps each matcher, asks it for its id, weight and field length and
adds the scores up the tree. A word most cases use ("gemeente", "bewoners") has tens of
thousands of postings at 10,000 cases, and that walk is most of a search's time.

Here each word's postings are read a block at a time and its BM25F score is added, with
numpy, to an array of totals over every document, with the same idf, average field length
and quantised field length Whoosh uses, so the scores are Whoosh's own (tests compare
them). An exact phrase is scored as the word pairs it is made of (schema.WordPairs).
Prefixes are scored by Whoosh's own matchers and added in the same way.

The user's clauses (each word, phrase or prefix, in every field) are the children of a
`Clauses` node; ranking.py combines their scores, so a case with all the words ranks above
one with only some ("all words preferred, any word still ranks").
"""

from contextlib import suppress
from itertools import islice, pairwise, repeat
from math import log

import numpy as np
from whoosh.codec.whoosh3 import W3LeafMatcher, W3TermsReader
from whoosh.matching import FilterMatcher
from whoosh.query import Or, Phrase, Query, Term
from whoosh.reading import TermNotFound
from whoosh.scoring import WeightingModel

from app.search import ranking
from app.search.analysis import analysed, pair_term
from app.search.schema import EntryPhrase, pairs_field, text_reader
from app.search.whoosh_patches import field_lengths


class Clauses(Or):
    """The clauses of what a user typed; matching more of them scores higher.

    `near`: word-pair queries for words typed side by side (a bonus, not a clause). Scoring
    sets `required` (the content clauses) and `complete` (by docnum, whether a document
    matches all of them).
    """

    near: tuple = ()
    required: int = 0
    complete: np.ndarray | None = None


class Scores:
    """The scores of one query over every document of a searcher, by global docnum:
    `values` (0.0 where it does not match) and `hit` (whether it matches)."""

    __slots__ = ("hit", "values")

    def __init__(self, size: int):
        self.values = np.zeros(size)
        self.hit = np.zeros(size, dtype=bool)

    def add(self, docnums: np.ndarray, values: np.ndarray) -> None:
        """Add scores to these documents (each docnum once)."""
        self.values[docnums] += values
        self.hit[docnums] = True

    def as_dict(self) -> dict[int, float]:
        docnums = np.flatnonzero(self.hit)
        return dict(zip(docnums.tolist(), self.values[docnums].tolist(), strict=True))


def scores(searcher, query: Query, cache: dict) -> dict[int, float]:
    """Global docnum -> score of every document the query matches (deleted ones included)."""
    return dense(searcher, query, cache).as_dict()


def dense(searcher, query: Query, cache: dict) -> Scores:
    """The scores of every document the query matches (deleted ones included).

    `cache` lives as long as this searcher (the field-length tables are kept in it).
    """
    if isinstance(query, Clauses) and len(query.subqueries) > 1:
        return _coordinated(searcher, query, cache)
    totals = Scores(searcher.doc_count_all())
    _add(searcher, query, 1.0, totals, cache)
    return totals


def _coordinated(searcher, query: Clauses, cache: dict) -> Scores:
    # How the clauses combine (all words first, words close together) is ranking.py's.
    def scored(node: Query) -> Scores:
        part = Scores(searcher.doc_count_all())
        _add(searcher, node, query.boost, part, cache)
        return part

    return ranking.coordinated(query, scored)


def _add(searcher, node: Query, boost: float, totals: Scores, cache: dict) -> None:
    """Add `node`'s score, times `boost`, to the totals of the documents it matches."""
    if type(node) in (Or, Clauses):
        for child in node.subqueries:
            _add(searcher, child, boost * node.boost, totals, cache)
    elif type(node) is Term:
        _add_term(searcher, node, boost, totals, cache)
    elif isinstance(node, Phrase):
        if len(node.words) == 1:
            _add_term(
                searcher, Term(node.fieldname, node.words[0], node.boost), boost, totals, cache
            )
        elif node.words:
            _add_phrase(searcher, node, boost, totals, cache)
    else:
        _add_matched(searcher, node, boost, totals)


def _index_term(searcher, fieldname: str, word: str) -> bytes | None:
    """The word as an index term of the field, or None when it cannot be one."""
    if fieldname not in searcher.schema:
        return None
    try:
        return searcher.schema[fieldname].to_bytes(word)
    except ValueError:
        return None


def _holding(searcher, fieldname: str, text: bytes) -> list[tuple]:
    """(leaf searcher, docnum offset, term info) of each segment that holds the term.

    One look-up in each segment's term table, where Whoosh's calls made four per segment
    for a term scored: whether the index holds it, its document frequency (for the idf),
    whether the segment holds it, and its postings. (A reader that is no segment of ours
    is asked as Whoosh asks it, its term info None.)
    """
    found = []
    for leaf, offset in searcher.leaf_searchers():
        reader = leaf.reader()
        terms = reader.__dict__.get("_terms")
        if type(terms) is W3TermsReader:
            with suppress(TermNotFound):
                found.append((leaf, offset, terms.term_info(fieldname, text)))
        elif (fieldname, text) in reader:
            found.append((leaf, offset, None))
    return found


def _idf(searcher, fieldname: str, text: bytes, holding: list[tuple]) -> float:
    """Whoosh's idf (WeightingModel.idf) from the segments' term infos: the same float."""
    weighting = searcher.weighting
    if type(weighting).idf is not WeightingModel.idf or any(i is None for _l, _o, i in holding):
        return searcher.idf(fieldname, text)
    parent = searcher.get_parent()
    frequency = sum(info.doc_frequency() for _leaf, _offset, info in holding)
    return log(parent.doc_count_all() / (frequency + 1)) + 1


def _factor(searcher, fieldname: str, idf: float, boost: float) -> tuple[float, float, float]:
    """(idf * (K1 + 1) * boost, K1, B) for Whoosh's
    bm25(): idf * tf * (K1 + 1) / (tf + K1 * ((1 - B) + B * length / average length))."""
    weighting = searcher.weighting
    k1 = weighting.K1
    b = weighting._field_B.get(fieldname, weighting.B)
    return idf * (k1 + 1) * boost, k1, b


def _add_term(searcher, term: Term, boost: float, totals: Scores, cache: dict) -> None:
    fieldname = term.fieldname
    text = _index_term(searcher, fieldname, term.text)
    if text is None:
        return
    holding = _holding(searcher, fieldname, text)
    if not holding:
        return
    idf = _idf(searcher, fieldname, text, holding)
    factor, k1, b = _factor(searcher, fieldname, idf, boost * term.boost)
    for leaf, offset, terminfo in holding:
        reader = leaf.reader()
        norms = _norms(searcher, leaf, offset, fieldname, k1, b, cache)
        ids, weights = postings(reader, fieldname, text, terminfo)
        # In this order, as Whoosh computes it: the same floats.
        totals.add(ids + offset, factor * weights / (weights + norms[ids]))


def _add_phrase(searcher, phrase: Phrase, boost: float, totals: Scores, cache: dict):
    """An exact phrase, from the field's word pairs: "nieuwe bewoners" is one pair's postings.

    Its score is that of its pairs, as a term's is of the term. A longer phrase matches the
    documents holding all its pairs in the order typed, checked on the stored text.
    """
    fieldname = phrase.fieldname
    pairs = pairs_field(fieldname)
    if pairs not in searcher.schema:
        # An index built before word pairs (schema version 2) has positions instead: Whoosh's
        # own phrase matcher, slower, until `search rebuild --if-missing` replaces the index.
        _add_matched(searcher, phrase, boost, totals)
        return
    terms = [pair_term(first, second) for first, second in pairwise(phrase.words)]
    boost *= phrase.boost
    if len(terms) == 1:
        _add_term(searcher, Term(pairs, terms[0]), boost, totals, cache)
        return
    parts = []
    for term in terms:
        part = Scores(len(totals.hit))
        _add_term(searcher, Term(pairs, term), boost, part, cache)
        if not part.hit.any():
            return
        parts.append(part)
    candidates = np.flatnonzero(np.logical_and.reduce([part.hit for part in parts]))
    if not isinstance(phrase, EntryPhrase):
        text_of = text_reader(searcher, fieldname)
        words = list(phrase.words)
        kept = [d for d in candidates.tolist() if _in_order(analysed(text_of(d)).terms, words)]
        candidates = np.array(kept, dtype=np.int64)
    totals.add(candidates, sum(part.values[candidates] for part in parts))


def _in_order(terms: list[str], words: list[str]) -> bool:
    """Whether `words` occur one after another in `terms`."""
    size = len(words)
    first = words[0]
    return any(
        terms[start : start + size] == words for start, term in enumerate(terms) if term == first
    )


def _matcher(reader, fieldname: str, text: bytes, terminfo):
    """reader.postings(fieldname, text), from the term info already looked up: Whoosh's
    W3TermsReader.matcher and SegmentReader.postings (the deletion filter too) without
    looking the term up again."""
    if terminfo is None:
        return reader.postings(fieldname, text)
    terms = reader._terms
    matcher = terms._codec.postings_reader(
        terms._postfile, terminfo, reader.schema[fieldname].format, term=(fieldname, text)
    )
    deleted = reader.deleted_docs_set
    return FilterMatcher(matcher, deleted, exclude=True) if deleted else matcher


def postings(reader, fieldname: str, text: bytes, terminfo=None) -> tuple[np.ndarray, np.ndarray]:
    """(docnums, weights) of a term's postings in one segment, as arrays; `terminfo` is the
    term's info in this segment when the caller looked it up already.

    Deleted documents are included: the caller keeps only live, allowed ones.
    """
    matcher = _matcher(reader, fieldname, text, terminfo)
    if isinstance(matcher, FilterMatcher):
        matcher = matcher.child
    deltas: list[int] = []
    weights: list[float] = []
    if type(matcher) is W3LeafMatcher and not matcher._byteids:
        # A block holds its ids, weights and values in one pickle; stepping posting by
        # posting through id()/weight()/next() costs a few method calls each. The ids are
        # differences, each block's first from 0: made here into one run of differences.
        last = 0
        while matcher.is_active():
            matcher._read_data()
            block_deltas, block_weights = matcher._data[0], matcher._data[1]
            deltas.append(block_deltas[0] - last)
            deltas.extend(islice(block_deltas, 1, None))
            last = sum(block_deltas)
            if block_weights is None or isinstance(block_weights, float):
                # Whoosh leaves out weights that are all 1.0, or all one value.
                block_weights = repeat(
                    1.0 if block_weights is None else block_weights, len(block_deltas)
                )
            weights.extend(block_weights)
            matcher._next_block()
        return np.cumsum(np.array(deltas, dtype=np.int64)), np.array(weights, dtype=np.float64)
    ids = []  # inlined postings (rare terms), or another codec
    while matcher.is_active():
        ids.append(matcher.id())
        weights.append(matcher.weight())
        matcher.next()
    return np.array(ids, dtype=np.int64), np.array(weights, dtype=np.float64)


def _norms(searcher, leaf, offset: int, fieldname: str, k1: float, b: float, cache: dict):
    """K1 * ((1 - B) + B * length / average length) for every document of one segment."""
    key = ("norms", offset, fieldname)
    norms = cache.get(key)
    if norms is None:
        average = searcher.avg_field_length(fieldname) or 1
        reader = leaf.reader()
        lengths = field_lengths(reader._perdoc, fieldname) or [None] * reader.doc_count_all()
        # (A document without the field has no postings in it: its entry is never read.)
        norms = np.array([k1 * ((1 - b) + b * (length or 0) / average) for length in lengths])
        cache[key] = norms
    return norms


def _add_matched(searcher, node: Query, boost: float, totals: Scores) -> None:
    """Whoosh's own matcher for anything else (prefixes, phrases on a version-2 index),
    document by document."""
    context = searcher.context(needs_current=True, weighting=searcher.weighting)
    for leaf, offset in searcher.leaf_searchers():
        matcher = node.matcher(leaf, context)
        ids, values = [], []
        while matcher.is_active():
            ids.append(matcher.id() + offset)
            values.append(boost * matcher.score())
            matcher.next()
        totals.add(np.array(ids, dtype=np.int64), np.array(values, dtype=np.float64))
