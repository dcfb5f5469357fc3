"""The two index schemas: the network index (everything) and the archive index (published)."""

from whoosh.fields import ID, KEYWORD, NUMERIC, STORED, TEXT, Schema
from whoosh.formats import Frequency

from app.search.analysis import dutch_analyzer

# Bump when a schema change needs existing indexes rebuilt: every build records the version
# it was made with (storage.py), `search check` reports older builds and
# `search rebuild --if-missing` (run by `make run`) replaces them. An older build keeps
# working meanwhile, only slower or without what the new version added.
# 2: term vectors on "body" for more-like-this.
SCHEMA_VERSION = 2

# Fields searched by a user's words, with the weight of a match in each.
NETWORK_TEXT_FIELDS = {"title": 3.0, "body": 1.0, "meta": 1.5, "comments": 0.7, "reflections": 0.9}
ARCHIVE_TEXT_FIELDS = {"title": 3.0, "body": 1.0, "meta": 1.5, "reflections": 0.9}

# Facets: field name in the index -> query-string argument.
FACET_FIELDS = ("theme", "municipality", "size", "kind", "dilemma", "status", "year")


def _text(stored: bool = True, vector: bool = False) -> TEXT:
    # spelling=True keeps unstemmed words apart, so "Bedoelde je ...?" offers real words.
    # chars=True stores character offsets, so snippets come from the index's positions
    # instead of re-analysing a whole case text for every hit.
    # vector: the document's own term frequencies, so more-like-this (similar cases) reads
    # its key terms instead of re-analysing the stored text of the case.
    return TEXT(
        analyzer=dutch_analyzer(),
        stored=stored,
        spelling=True,
        chars=stored,
        vector=Frequency() if vector else None,
    )


def _common() -> dict:
    return {
        # A document is a case (case_id) or a method of the library (method_id, doc_type).
        "case_id": ID(stored=True, unique=True),
        "method_id": ID(stored=True, unique=True),
        "doc_type": ID(stored=True),
        "title": _text(),
        "body": _text(vector=True),
        # themes, municipality, dilemma titles and the kind of polarisation, as words
        "meta": _text(stored=False),
        "reflections": _text(),
        "theme": KEYWORD(commas=True, stored=True),
        "municipality": ID(stored=True),
        "size": ID(stored=True),
        "kind": ID(stored=True),
        "dilemma": KEYWORD(commas=True, stored=True),
        "status": ID(stored=True),
        "year": ID(stored=True),
        # newest first: shared (network) or published (archive) time, as a timestamp
        "date": NUMERIC(int, bits=64, sortable=True, stored=True),
        # a hash of the document's content, so `search check` can see stale documents
        "digest": STORED(),
    }


def network_schema() -> Schema:
    return Schema(
        **_common(),
        comments=_text(),
        # the read scope is a filter on these, applied inside the search
        visibility=ID(stored=True),
        author=ID(stored=True),
    )


def archive_schema() -> Schema:
    return Schema(**_common(), publication_id=ID(stored=True))
