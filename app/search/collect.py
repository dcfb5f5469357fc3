"""One pass over the matches: the top hits, the exact total and every matching document.

Whoosh's own top-N collector skips documents that cannot reach the top (block quality, and
`matcher.replace(minscore)` turning unions into intersections), so its count is a guess and
the app needed a second, unscored pass for totals and facet counts. Here every match is
scored once (score.py), the best N are taken from those and every docnum is kept.
"""

import heapq

from whoosh.query import Every, Or, Query, Term
from whoosh.searching import Results

from app.search import facets, score


def run(
    searcher,
    query: Query,
    allowed: set[int] | None,
    limit: int,
    newest: bool,
    cache: dict,
    within: set[int] | None = None,
):
    """Search once; returns (results, bitmask of every allowed document the query matches).

    `allowed` None means every live document may be returned; `query` Every() matches them
    all. The results only hold documents `within` (the chosen facets), when given; the
    bitmask holds all allowed matches, for counting what other facet values would add.
    `cache` lives as long as the searcher.
    """
    if isinstance(query, Every):
        found = dict.fromkeys(allowed if allowed is not None else _live(searcher), 0.0)
    else:
        found = score.scores(searcher, query, cache)
        if allowed is None:
            deleted = _deleted(searcher)
            found = {docnum: value for docnum, value in found.items() if docnum not in deleted}
        else:
            found = {docnum: value for docnum, value in found.items() if docnum in allowed}
    value = _dates(searcher, cache).__getitem__ if newest else found.__getitem__
    shown = found if within is None else [docnum for docnum in found if docnum in within]
    top = [(found[docnum], docnum) for docnum in _best(shown, limit, value)]
    return Results(searcher, query, top), facets.bits(found)


def _best(docnums, limit: int, value) -> list[int]:
    """The `limit` docnums with the highest value, highest first; between equal values the
    lowest docnum first, as Whoosh orders hits with equal scores."""
    if len(docnums) > limit:
        best = heapq.nlargest(limit, docnums, key=value)
        cut = value(best[-1])
        chosen = [docnum for docnum in best if value(docnum) > cut]
        ties = sorted(docnum for docnum in docnums if value(docnum) == cut)
        docnums = chosen + ties[: limit - len(chosen)]
    return sorted(docnums, key=lambda docnum: (-value(docnum), docnum))


def matched(searcher, query: Query, cache: dict) -> int:
    """Bitmask of the documents a query matches (deleted ones too: callers AND with a scope)."""
    return facets.bits(score.scores(searcher, query, cache))


def _deleted(searcher) -> set[int]:
    return {
        offset + docnum
        for leaf, offset in searcher.reader().leaf_readers()
        if leaf.has_deletions()
        for docnum in leaf.deleted_docs_set
    }


def _live(searcher) -> list[int]:
    deleted = _deleted(searcher)
    return [docnum for docnum in range(searcher.doc_count_all()) if docnum not in deleted]


def _dates(searcher, cache: dict) -> list[int]:
    """The sort date of every document by docnum, read once per searcher."""
    if "dates" not in cache:
        cache["dates"] = [value or 0 for value in searcher.reader().column_reader("date")]
    return cache["dates"]


def more_like(searcher, docnum: int, fieldname: str, allowed: set[int], limit: int, cache: dict):
    """Documents like `docnum` on its key terms in one field, among the `allowed` ones.

    Whoosh's more_like() with its own search, scored here like every other search.
    """
    terms = searcher.key_terms([docnum], fieldname, numterms=12, normalize=False)
    query = Or([Term(fieldname, word, boost=weight) for word, weight in terms])
    return run(searcher, query, allowed, limit, False, cache)[0]
