"""Facet document sets as bitmasks, cached per searcher: counting is an AND and a popcount."""

from collections.abc import Iterable

from whoosh.query import Query

from app.search.storage import IndexView


def bits(docnums: Iterable[int]) -> int:
    """A set of document numbers as one integer bitmask."""
    docnums = list(docnums)
    if not docnums:
        return 0
    mask = bytearray(max(docnums) // 8 + 1)
    for docnum in docnums:
        mask[docnum >> 3] |= 1 << (docnum & 7)
    return int.from_bytes(mask, "little")


def cached_docnums(view: IndexView, mask: int) -> set[int]:
    """docnums() for masks that repeat (a user's scope, a facet), cached with the searcher."""
    key = ("docnums", mask)
    if key in view.cache:
        return view.cache[key]
    result = docnums(mask)
    if len(view.cache) < 256:  # bounded: the cache lives until the index next changes
        view.cache[key] = result
    return result


def docnums(mask: int) -> set[int]:
    result = set()
    data = mask.to_bytes((mask.bit_length() + 7) // 8, "little")
    for index, byte in enumerate(data):
        while byte:
            low = byte & -byte
            result.add(index * 8 + low.bit_length() - 1)
            byte ^= low
    return result


def query_bits(view: IndexView, query: Query, cache_key: str | None = None) -> int:
    """The documents a query matches (deleted ones excluded), cached when given a key."""
    if cache_key is not None and ("q", cache_key) in view.cache:
        return view.cache[("q", cache_key)]
    mask = bits(view.searcher.docs_for_query(query))
    if cache_key is not None:
        view.cache[("q", cache_key)] = mask
    return mask


def all_bits(view: IndexView) -> int:
    """Every live document: all docnums minus the deleted ones (few; not a walk over all)."""
    if "all" not in view.cache:
        reader = view.searcher.reader()
        mask = (1 << reader.doc_count_all()) - 1
        for leaf, offset in reader.leaf_readers():
            if leaf.has_deletions():
                mask &= ~bits(offset + docnum for docnum in leaf.deleted_docs_set)
        view.cache["all"] = mask
    return view.cache["all"]


def value_bits(view: IndexView, fieldname: str) -> dict[str, int]:
    """Facet value -> its live documents, for one facet field of this searcher."""
    key = ("facet", fieldname)
    if key not in view.cache:
        reader = view.searcher.reader()
        live = all_bits(view)
        values: dict[str, int] = {}
        if fieldname in reader.indexed_field_names():
            for raw in reader.lexicon(fieldname):
                value = raw.decode("utf-8") if isinstance(raw, bytes) else raw
                ids = reader.postings(fieldname, raw).all_ids()
                mask = bits(ids) & live
                if mask:
                    values[value] = mask
        view.cache[key] = values
    return view.cache[key]


def counts(view: IndexView, fieldname: str, matched: int) -> dict[str, int]:
    """The non-zero counts of one facet field's values among the matched documents."""
    field_counts = {}
    for value, mask in value_bits(view, fieldname).items():
        count = (mask & matched).bit_count()
        if count:
            field_counts[value] = count
    return field_counts
