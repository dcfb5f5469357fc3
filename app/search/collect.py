"""One pass over the matches: the top hits, the exact total and every matching document.

Whoosh's own top-N collector skips documents that cannot reach the top (block quality, and
`matcher.replace(minscore)` turning unions into intersections), so its count is a guess and
the app needed a second, unscored pass (`docs_for_query`) for totals and facet counts. The
collector here scores every match once, keeps the best N in a heap and records every docnum.
"""

from array import array
from collections import defaultdict

from whoosh.collectors import FilterCollector, SortingCollector, TopCollector
from whoosh.query import Or, Query, Term

from app.search import facets


class _TopAndAll(TopCollector):
    """The best `limit` documents by score, plus every matching docnum."""

    def __init__(self, limit: int) -> None:
        super().__init__(limit, usequality=False)

    def prepare(self, top_searcher, q, context) -> None:
        super().prepare(top_searcher, q, context)
        self.matched = array("L")

    def _collect(self, global_docnum: int, score: float):
        self.matched.append(global_docnum)
        key = super()._collect(global_docnum, score)
        # TopCollector raises minscore as its heap fills, and the matcher then prunes clauses
        # that cannot reach it (a union becomes an intersection): documents would go uncounted.
        self.minscore = 0
        return key

    def all_ids(self):
        return self.matched

    def count(self) -> int:
        return len(self.matched)


class _SortedAndAll(SortingCollector):
    """Every match sorted by a field; its docset already holds every matching docnum."""

    def prepare(self, top_searcher, q, context) -> None:
        super().prepare(top_searcher, q, context)
        self.matched = self.docset


def run(searcher, query: Query, allowed: set[int] | None, limit: int, newest: bool):
    """Search once; returns (results, bitmask of every allowed document the query matches).

    `allowed` None means every live document may be returned.
    """
    child = _SortedAndAll("date", limit=limit, reverse=True) if newest else _TopAndAll(limit)
    collector = FilterCollector(child, allow=allowed) if allowed is not None else child
    searcher.search_with_collector(query, collector)
    return collector.results(), facets.bits(child.matched)


def more_like(searcher, docnum: int, fieldname: str, allowed: int, live: int, limit: int):
    """Documents like `docnum` on its key terms in one field, among the `allowed` ones.

    Whoosh's more_like() only takes an allow-list: a set of every readable docnum, built per
    call. Most scopes exclude far fewer documents than they allow (the case itself, methods,
    others' drafts), so the smaller of the two sets is passed.
    """
    terms = searcher.key_terms([docnum], fieldname, numterms=12, normalize=False)
    query = Or([Term(fieldname, word, boost=weight) for word, weight in terms])
    excluded = live & ~allowed
    if excluded and excluded.bit_count() < allowed.bit_count():
        return searcher.search(query, limit=limit, mask=facets.docnums(excluded))
    return searcher.search(query, limit=limit, filter=facets.docnums(allowed))


def mark_matched_terms(results, query: Query) -> None:
    """Record which query terms each top hit matched, as `search(terms=True)` would.

    Whoosh's TermsCollector does this for every match during the search (it forces stepping
    through each match one by one); snippets only need it for the hits on the page, so each
    leaf of the query (a word, a phrase, an expanded prefix) is looked up for those alone.
    """
    docterms: dict[int, list] = defaultdict(list)
    termdocs: dict[tuple, array] = defaultdict(lambda: array("L"))
    wanted = sorted(docnum for _score, docnum in results.top_n)
    searcher = results.searcher
    context = searcher.context(needs_current=True)
    for subsearcher, offset in searcher.leaf_searchers():
        end = offset + subsearcher.doc_count_all()
        docnums = [docnum - offset for docnum in wanted if offset <= docnum < end]
        if not docnums:
            continue
        for leaf in query.leaves():
            matcher = leaf.matcher(subsearcher, context)
            for docnum in docnums:
                if not matcher.is_active():
                    break
                if matcher.id() < docnum:
                    matcher.skip_to(docnum)
                    if not matcher.is_active():
                        break
                if matcher.id() != docnum:
                    continue
                for term_matcher in matcher.term_matchers():
                    if term_matcher.is_active() and term_matcher.id() == docnum:
                        term = term_matcher.term()
                        if term not in docterms[docnum + offset]:
                            docterms[docnum + offset].append(term)
                            termdocs[term].append(docnum + offset)
    results.docterms = dict(docterms)
    results.termdocs = dict(termdocs)
