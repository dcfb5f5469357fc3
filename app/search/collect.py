"""One pass over the matches: the top hits, the exact total and every matching document.

Whoosh's own top-N collector skips documents that cannot reach the top (block quality, and
`matcher.replace(minscore)` turning unions into intersections), so its count is a guess and
the app needed a second, unscored pass for totals and facet counts. Here every match is
scored once (score.py), the best N are taken from those and every docnum is kept.
"""

import threading
from collections import OrderedDict

import numpy as np
from whoosh.codec.whoosh3 import W3TermsReader
from whoosh.query import Every, Query
from whoosh.searching import Results

from app.search import facets, score


def run(
    searcher,
    query: Query,
    allowed: int | None,
    limit: int,
    newest: bool,
    cache: dict,
    within: int | None = None,
):
    """Search once; returns (results, bitmask of every allowed document the query matches).

    `allowed` (a bitmask) None means every live document may be returned; `query` Every()
    matches them all. The results only hold documents `within` (a bitmask: the chosen
    facets), when given; the returned bitmask holds all allowed matches, for counting what
    other facet values would add. `cache` lives as long as the searcher.
    """
    size = searcher.doc_count_all()
    permitted = _live(searcher, cache) if allowed is None else facets.bits_mask(allowed, size)
    if isinstance(query, Every):
        found = score.Scores(size)
        found.hit = permitted
    else:
        found = score.dense(searcher, query, cache)
        found.hit &= permitted
    shown = found.hit if within is None else found.hit & facets.bits_mask(within, size)
    best = _best(np.flatnonzero(shown), limit, _dates(searcher, cache) if newest else found.values)
    top = list(zip(found.values[best].tolist(), best.tolist(), strict=True))
    return Results(searcher, query, top), facets.mask_bits(found.hit)


def _best(docnums: np.ndarray, limit: int, value: np.ndarray) -> np.ndarray:
    """The `limit` docnums with the highest value, highest first; between equal values the
    lowest docnum first, as Whoosh orders hits with equal scores."""
    values = value[docnums]
    if len(docnums) > limit:
        cut = np.partition(values, len(values) - limit)[len(values) - limit]
        kept = values >= cut
        docnums, values = docnums[kept], values[kept]
    return docnums[np.lexsort((docnums, -values))[:limit]]


def matched(searcher, query: Query, cache: dict) -> int:
    """Bitmask of the documents a query matches (deleted ones too: callers AND with a scope)."""
    return facets.mask_bits(score.dense(searcher, query, cache).hit)


def document_number(searcher, fieldname: str, value: str) -> int | None:
    """The live document whose unique `fieldname` is `value` (Searcher.document_number).

    Whoosh's runs a query through the matchers of every segment: 2 ms a lookup at a dozen
    segments, for each similar case on every case page. Asking each segment's term table
    (a hash on disk) was still a quarter of the similar cases: here each segment's values of
    the field are read into a dict once (_values_of) and looked up in that.
    """
    try:
        text = searcher.schema[fieldname].to_bytes(value)
    except (KeyError, ValueError):
        return None
    for leaf, offset in searcher.leaf_searchers():
        reader = leaf.reader()
        values = _values_of(reader, fieldname)
        if values is not None:
            docnums = values.get(text)
        elif (fieldname, text) in reader:  # not a segment of ours (an empty index): ask it
            docnums = score.postings(reader, fieldname, text)[0].tolist()
        else:
            continue
        if not docnums:
            continue
        # (Whoosh's deletion filter has passed over the deleted postings that come first.)
        deleted = reader.deleted_docs_set if reader.has_deletions() else ()
        for docnum in docnums:
            if docnum not in deleted:
                return offset + docnum
    return None


# A segment's documents never change (deletions are kept apart), and every segment has a
# name of its own, so its values stay valid for as long as the segment is there; the oldest
# are forgotten first, to bound the memory once merges have replaced segments.
_SEGMENT_VALUES: OrderedDict = OrderedDict()
_SEGMENT_VALUES_KEPT = 256
_SEGMENT_VALUES_LOCK = threading.Lock()


def _values_of(reader, fieldname: str) -> dict[bytes, list[int]] | None:
    """value -> docnums of a segment's field, read once per segment; None for a reader that
    is not one of the app's segments.

    Deleted documents are in it, except those whose postings Whoosh's deletion filter
    passed over (score.postings): deletions are final, so those can never be wanted.
    """
    if reader.segment() is None or not isinstance(reader._terms, W3TermsReader):
        return None
    key = (reader.segment().segment_id(), reader.doc_count_all(), fieldname)
    with _SEGMENT_VALUES_LOCK:  # a worker's indexer thread looks up documents too
        values = _SEGMENT_VALUES.get(key)
        if values is not None:
            _SEGMENT_VALUES.move_to_end(key)
            return values
    values = {}
    for (name, text), terminfo in reader._terms.items_from(fieldname, b""):
        if name != fieldname:
            break  # the table is ordered by field, then by text
        if terminfo.is_inlined():
            values[text] = list(terminfo.inlined_postings()[0])
        else:
            values[text] = score.postings(reader, fieldname, text)[0].tolist()
    with _SEGMENT_VALUES_LOCK:
        _SEGMENT_VALUES[key] = values
        if len(_SEGMENT_VALUES) > _SEGMENT_VALUES_KEPT:
            _SEGMENT_VALUES.popitem(last=False)
    return values


def _live(searcher, cache: dict) -> np.ndarray:
    """Whether each docnum is a live (not deleted) document, read once per searcher."""
    if "live" not in cache:
        live = np.ones(searcher.doc_count_all(), dtype=bool)
        for leaf, offset in searcher.reader().leaf_readers():
            if leaf.has_deletions():
                live[[offset + docnum for docnum in leaf.deleted_docs_set]] = False
        cache["live"] = live
    return cache["live"]


def _dates(searcher, cache: dict) -> np.ndarray:
    """The sort date of every document by docnum, read once per searcher."""
    if "dates" not in cache:
        dates = [value or 0 for value in searcher.reader().column_reader("date")]
        cache["dates"] = np.array(dates, dtype=np.int64)
    return cache["dates"]
