"""One pass over the matches: the top hits, the exact total and every matching document.

Whoosh's own top-N collector skips documents that cannot reach the top (block quality, and
`matcher.replace(minscore)` turning unions into intersections), so its count is a guess and
the app needed a second, unscored pass for totals and facet counts. Here every match is
scored once (score.py), the best N are taken from those and every docnum is kept.
"""

import numpy as np
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
    segments, for each similar case on every case page. Here each segment's term table is
    asked whether it holds the value, and only those that do are read.
    """
    try:
        text = searcher.schema[fieldname].to_bytes(value)
    except (KeyError, ValueError):
        return None
    for leaf, offset in searcher.leaf_searchers():
        reader = leaf.reader()
        if (fieldname, text) not in reader:
            continue
        # (Whoosh's deletion filter has passed over the deleted postings that come first.)
        deleted = reader.deleted_docs_set if reader.has_deletions() else ()
        ids, _weights = score.postings(reader, fieldname, text)
        for docnum in ids.tolist():
            if docnum not in deleted:
                return offset + docnum
    return None


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
