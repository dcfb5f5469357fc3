"""Bare Whoosh calls on the live index, for the benchmark's app / bare comparison only."""

from whoosh import qparser
from whoosh.query import Phrase, Query, Term

from app.search.schema import NETWORK_TEXT_FIELDS, phrase_pairs
from app.search.storage import NETWORK, store, view


def _pairs(node: Query) -> Query:
    """A phrase as the word-pair terms the index holds for it (there are no positions)."""
    if type(node) is Phrase and len(node.words) > 1:
        return phrase_pairs(node)
    return node


def bare_top(text: str, theme: str | None = None, limit: int = 20) -> list[str]:
    """Parse and search with Whoosh defaults (OR-grouped words), no scope, no extras."""
    searcher = view(store(), NETWORK).searcher
    parser = qparser.MultifieldParser(
        list(NETWORK_TEXT_FIELDS), searcher.schema, group=qparser.OrGroup.factory(0.9)
    )
    query = parser.parse(text).accept(_pairs)
    if theme:
        query = query & Term("theme", theme)
    return [hit["case_id"] for hit in searcher.search(query, limit=limit)]


def bare_similar(case_id: int, limit: int = 5) -> list[str]:
    searcher = view(store(), NETWORK).searcher
    docnum = searcher.document_number(case_id=str(case_id))
    return [hit["case_id"] for hit in searcher.more_like(docnum, "body", top=limit, numterms=12)]
