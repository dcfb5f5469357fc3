"""Narrow fixes to Whoosh 2.7.5, applied when app.search.storage is imported (after
whoosh_internals.check() made sure that what they replace is there).

1. W3PerDocReader.has_column() asks the file system whether a column file exists, and
   doc_field_length() asks it again on every call for a field without a lengths column (the
   spell_* fields, ids, keywords). Committing a segment calls doc_field_length() once per
   posting, so a rebuild of 1,000 cases spent a sixth of its time in os.stat(). A segment's
   files never change once written, so the answer is kept per reader.
2. doc_field_length() itself then reads one byte from the column file per call; the column
   is decoded once per reader and field instead (same values, None for "no length").
3. Terms with fewer postings than the codec's `inlinelimit` are meant to be stored inside
   the term's entry instead of as a separate posting block, but the writer calls
   `set_inline`, a method W3TermInfo does not have (it is `set_inlined`), so every writer
   had to keep the limit at 1. Rare terms are most terms of the word-pair fields. A term
   vector is written with the same postings writer but must stay a block of its own (each
   document records the vector's offset in the postings file), so vectors keep the limit 1.
"""

from whoosh import reading, writing
from whoosh.codec.whoosh3 import (
    LENGTHS_COLUMN,
    W3Codec,
    W3PerDocReader,
    W3TermInfo,
    _lenfield,
)
from whoosh.util.numeric import byte_to_length

from app.search import whoosh_internals

_original_has_column = W3PerDocReader.has_column
_original_postings_writer = W3Codec.postings_writer
_LENGTH_OF_BYTE = [byte_to_length(value) if value else None for value in range(256)]


def _has_column(self, fieldname: str) -> bool:
    known = self.__dict__.setdefault("_casusplein_columns", {})
    if fieldname not in known:
        known[fieldname] = _original_has_column(self, fieldname)
    return known[fieldname]


def field_lengths(per_doc: W3PerDocReader, fieldname: str) -> list[int | None] | None:
    """Every document's length in one field of a segment (None: no length), or None when the
    field keeps no lengths. Decoded once per reader; the scorer reads them too."""
    decoded = per_doc.__dict__.setdefault("_casusplein_lengths", {})
    if fieldname not in decoded:
        reader = per_doc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
        decoded[fieldname] = (
            None if reader is None else [_LENGTH_OF_BYTE[value] for value in reader]
        )
    return decoded[fieldname]


def _doc_field_length(self, docnum: int, fieldname: str, default=0):
    if docnum > self._doccount:
        raise IndexError(f"Asked for docnum {docnum!r} of {self._doccount}")
    lengths = field_lengths(self, fieldname)
    if lengths is None:
        return default
    return lengths[docnum]


def set_inline(self, ids, weights, values) -> None:
    # Postings without values (ids, keywords) keep none at all; read back, each would be
    # "" (a str), which merging segments refuses: give each an empty bytes value instead.
    self.set_inlined(ids, weights, values or (b"",) * len(ids))


def _postings_writer(self, dbfile, byteids: bool = False):
    writer = _original_postings_writer(self, dbfile, byteids)
    if byteids:  # a term vector
        writer._inlinelimit = 1
    return writer


def apply() -> None:
    """Check what the app relies on, patch, and check the patched Whoosh once more."""
    whoosh_internals.check_classes(own_set_inline=set_inline)
    W3PerDocReader.has_column = _has_column
    W3PerDocReader.doc_field_length = _doc_field_length
    W3TermInfo.set_inline = set_inline
    W3Codec.postings_writer = _postings_writer
    # Imported here: posting_lists reads field_lengths from this module.
    from app.search import posting_lists

    writing.PostingPool = posting_lists.FieldSortedPostingPool
    writing.SegmentWriter._flush_segment = posting_lists.flush_segment
    writing.SegmentWriter.add_document = posting_lists.add_document
    reading.SegmentReader.iter_postings = posting_lists.iter_postings
    whoosh_internals.check_instances()
