"""Bare Whoosh calls on the live index, for the benchmark's app / bare comparison only."""

from whoosh import qparser
from whoosh.query import Term

from app.search.indexer import store
from app.search.schema import NETWORK_TEXT_FIELDS
from app.search.storage import NETWORK, view


def bare_top(text: str, theme: str | None = None, limit: int = 20) -> list[str]:
    """Parse and search with Whoosh defaults (OR-grouped words), no scope, no extras."""
    searcher = view(store(), NETWORK).searcher
    parser = qparser.MultifieldParser(
        list(NETWORK_TEXT_FIELDS), searcher.schema, group=qparser.OrGroup.factory(0.9)
    )
    query = parser.parse(text)
    if theme:
        query = query & Term("theme", theme)
    return [hit["case_id"] for hit in searcher.search(query, limit=limit)]


def bare_similar(case_id: int, limit: int = 5) -> list[str]:
    searcher = view(store(), NETWORK).searcher
    docnum = searcher.document_number(case_id=str(case_id))
    return [hit["case_id"] for hit in searcher.more_like(docnum, "body", top=limit, numterms=12)]
