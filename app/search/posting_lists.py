"""A new segment's postings sorted a field at a time, and written a term at a time.

Whoosh's writer keeps every posting of a new segment in one list of (field, term, docnum,
weight, value) tuples (writing.PostingPool) and sorts it, comparing whole tuples;
codec.base.FieldWriter then hands the sorted postings one by one to the codec, which checks
each and adds it to the block it is filling, and makes each term's entry through several
objects. A rebuild of 10,000 cases writes 14 million postings for 1.1 million terms (most
of them word pairs found in one or two cases), and the sort and the per-posting work were
most of the worker processes' time.

Here the pool keeps a list per field and sorts each by term alone: a stable sort keeps
the postings of a term in the order they came, which is document order (a writer numbers
documents as they come, a merged segment's postings come term by term in document order),
and checks it. Each block of a term's postings is then made in one step, and a term whose
postings its entry holds (fewer than the codec's inline limit) gets that entry straight
away. The files written are the same, byte for byte (tests/test_posting_lists.py).

whoosh_patches.apply() makes this every SegmentWriter's pool and _flush_segment. A pool
past its memory limit goes on as Whoosh's, with sorted runs on disk, written by Whoosh's
code.

A merge (merging.py, optimize) fills the pool from its segments' postings: iter_postings
reads them term entry by term entry, and becomes SegmentReader.iter_postings there too.
"""

from array import array
from itertools import groupby
from operator import itemgetter
from pickle import dumps
from struct import Struct

from whoosh import reading, writing
from whoosh.codec.whoosh3 import (
    VECTOR_COLUMN,
    VECTOR_LEN_COLUMN,
    W3FieldWriter,
    W3PerDocWriter,
    W3TermInfo,
    W3TermsReader,
    _vecfield,
)
from whoosh.filedb.filetables import _lengths as _ENTRY_LENGTHS
from whoosh.matching.wrappers import FilterMatcher
from whoosh.system import pack_ushort
from whoosh.util.numeric import length_to_byte

from app.search.whoosh_patches import field_lengths

WhooshPostingPool = writing.PostingPool
# Whoosh's estimate of a typical posting's size in memory (PostingPool.add)
POSTING_BYTES = 180
_term = itemgetter(1)
_frequency = itemgetter(1)
_docnum = itemgetter(2)
_weight = itemgetter(3)
_value = itemgetter(4)
_TERM_INFO = W3TermInfo._struct
_FLOAT32 = Struct("f")  # array("f"), as a block keeps its weights
_NO_LENGTH = length_to_byte(0)


class FieldSortedPostingPool(WhooshPostingPool):
    """Whoosh's PostingPool with a list of postings per field while they fit in its memory
    limit, sorted by term when written."""

    def __init__(self, tempstore, segment, limitmb=128, **kwargs):
        super().__init__(tempstore, segment, limitmb=limitmb, **kwargs)
        self.by_field: dict[str, list[tuple]] = {}
        self.in_memory = True
        self._room = self.limit // POSTING_BYTES

    def add(self, item):
        if not self.in_memory:
            return super().add(item)
        postings = self.by_field.get(item[0])
        if postings is None:
            postings = self.by_field[item[0]] = []
            self.fieldnames.add(item[0])
        postings.append(item)
        self._room -= 1
        if self._room < 0:
            self._spill()

    def add_field(self, fieldname: str, postings: list[tuple]) -> None:
        """add() for each of one field's postings of a document, in one step."""
        if not postings:  # a field that analyses to nothing is no field of the pool
            return
        if not self.in_memory:
            for posting in postings:
                super().add(posting)
            return
        kept = self.by_field.get(fieldname)
        if kept is None:
            kept = self.by_field[fieldname] = []
            self.fieldnames.add(fieldname)
        kept.extend(postings)
        self._room -= len(postings)
        if self._room < 0:
            self._spill()

    def _spill(self) -> None:
        self.in_memory = False
        self.current = [item for postings in self.by_field.values() for item in postings]
        self.by_field = {}
        WhooshPostingPool.save(self)

    def save(self):
        # Whoosh's multiprocessing writer asks for the pool as runs on disk.
        if self.in_memory:
            self._spill()
        else:
            super().save()

    def terms(self):
        """(field name, term bytes, its postings in Whoosh's order) in Whoosh's order."""
        for fieldname in sorted(self.by_field):
            postings = sorted(self.by_field[fieldname], key=_term)
            for btext, term_postings in groupby(postings, key=_term):
                term_postings = list(term_postings)
                if len(term_postings) > 1:
                    docnums = list(map(_docnum, term_postings))
                    if docnums != sorted(docnums):
                        term_postings.sort()
                yield fieldname, btext, term_postings

    def iter_postings(self):
        if self.in_memory:
            return (posting for _field, _term, postings in self.terms() for posting in postings)
        return super().iter_postings()


def write_terms(fieldwriter, schema, lengths, terms) -> None:
    """What FieldWriter.add_postings does with sorted postings, given a term at a time: the
    same term entries and posting blocks, with the same statistics the postings writer
    keeps as it adds each posting."""
    current = None
    entries = _InlineEntries(fieldwriter._tindex)
    for fieldname, btext, postings in terms:
        if fieldname != current:
            if current is not None:
                entries.flush()
                fieldwriter.finish_field()
            fieldwriter.start_field(fieldname, schema[fieldname])
            current = fieldname
            lengths_of_field = None if lengths is None else field_lengths(lengths, fieldname)
            writer = fieldwriter._postwriter
            inline_below = writer._inlinelimit
            limit = writer._blocklimit
            key_prefix = pack_ushort(fieldwriter._fieldid)
        if postings[0][2] == -1:
            # Whoosh's spelling-graph words (docnum -1) are no postings: skipped
            postings = [posting for posting in postings if posting[2] != -1]
            if not postings:
                continue
        if len(postings) < inline_below:
            entries.add(key_prefix + btext, _inline_info(postings, lengths_of_field))
            continue
        entries.flush()  # the term table's entries stay in order
        fieldwriter.start_term(btext)
        for start in range(0, len(postings), limit):
            if start:
                # add_posting writes a full block when the next posting comes
                writer._write_block()
            _fill_block(writer, postings[start : start + limit], lengths_of_field)
        fieldwriter.finish_term()
    entries.flush()
    if current is not None:
        fieldwriter.finish_field()


class _Block:
    """A block's postings and the statistics W3PostingsWriter.add_posting keeps of them."""

    __slots__ = ("ids", "maxlength", "maxweight", "minlength", "values", "weights")

    def __init__(self, postings: list[tuple], lengths) -> None:
        self.ids = array("I", map(_docnum, postings))
        weights = list(map(_weight, postings))
        self.weights = array("f", weights)
        # add_posting keeps a value only when there is one
        self.values = list(filter(None, map(_value, postings)))
        highest = max(weights)
        self.maxweight = highest if highest > 0 else 0
        present = () if lengths is None else list(filter(None, map(lengths.__getitem__, self.ids)))
        self.minlength = min(present) if present else None
        self.maxlength = max(present) if present else 0


def _fill_block(writer, postings: list[tuple], lengths) -> None:
    """Set the postings writer's block buffer as add_posting leaves it after adding these
    postings to an empty block."""
    block = _Block(postings, lengths)
    writer._ids = block.ids
    writer._weights = block.weights
    writer._values = block.values
    writer._maxweight = block.maxweight
    writer._minlength = block.minlength
    writer._maxlength = block.maxlength


def _inline_info(postings: list[tuple], lengths) -> bytes:
    """The term info W3TermInfo.to_bytes makes for a term whose entry holds its postings:
    W3TermInfo.add_block of the one block add_posting filled, then set_inline.

    Most terms of a rebuild (word pairs) are here, most of them with one posting: made
    without a _Block, with the same values. The block's weights are 32-bit floats.
    """
    if len(postings) == 1:
        ((_field, _term, docnum, weight, value),) = postings
        (rounded,) = _FLOAT32.unpack(_FLOAT32.pack(weight))
        length = None if lengths is None else lengths[docnum]
        length_byte = length_to_byte(length) if length else 0
        return _TERM_INFO.pack(
            True,
            0 + rounded,
            1,
            length_byte,
            length_byte if length else _NO_LENGTH,
            weight if weight > 0 else 0,
            docnum,
            docnum,
        ) + dumps(((docnum,), (rounded,), (value or b"",)), 2)
    block = _Block(postings, lengths)
    ids = tuple(block.ids)
    return _TERM_INFO.pack(
        True,
        0 + sum(block.weights),
        len(ids),
        0 if block.minlength is None else length_to_byte(block.minlength),
        length_to_byte(block.maxlength),
        block.maxweight,
        ids[0],
        ids[-1],
    ) + dumps((ids, tuple(block.weights), tuple(block.values) or (b"",) * len(ids)), 2)


class _InlineEntries:
    """Term entries added to Whoosh's term table (filetables.OrderedHashWriter) as its add()
    adds them, the same bytes and bookkeeping, written to the file together."""

    def __init__(self, table) -> None:
        self.table = table
        self.pending: list[bytes] = []
        self.position = 0
        self.last_key = None

    def add(self, key: bytes, value: bytes) -> None:
        table = self.table
        if not self.pending:
            self.position = table.dbfile.tell()
        position = self.position
        table.index.append(position)
        hashed = table.hashfn(key)
        table.buckets[hashed & 255].append((hashed, position))
        entry = _ENTRY_LENGTHS.pack(len(key), len(value)) + key + value
        self.pending.append(entry)
        self.position = position + len(entry)
        self.last_key = key

    def flush(self) -> None:
        if self.pending:
            self.table.dbfile.write(b"".join(self.pending))
            self.table.lastkey = self.last_key
            self.pending = []


whoosh_add_document = writing.SegmentWriter.add_document


def _add_vector_items(perdocwriter, fieldname: str, field, items: list[tuple]) -> None:
    """W3PerDocWriter.add_vector_items, with each block of the vector's postings made in one
    step as add_posting leaves it (a case's body vector has a few hundred terms)."""
    if not items:
        return
    if perdocwriter._vpostfile is None:
        perdocwriter._prep_vectors()
    writer = perdocwriter._codec.postings_writer(perdocwriter._vpostfile, byteids=True)
    writer.start_postings(field.vector, W3TermInfo())
    limit = writer._blocklimit
    for start in range(0, len(items), limit):
        if start:
            writer._write_block()  # as add_posting does when the next posting comes
        block = items[start : start + limit]
        weights = [weight for _text, weight, _value in block]
        writer._ids = [text for text, _weight, _value in block]
        writer._weights = array("f", weights)
        writer._values = [value for _text, _weight, value in block if value]
        highest = max(weights)
        writer._maxweight = highest if highest > 0 else 0
    offset, length = writer.finish_postings().extent()
    vecfield = _vecfield(fieldname)
    perdocwriter.add_column_value(vecfield, VECTOR_COLUMN, offset)
    perdocwriter.add_column_value(vecfield + "L", VECTOR_LEN_COLUMN, length)


def add_document(self, **fields) -> None:
    """SegmentWriter.add_document, with each field's postings handed to the pool in one step
    (FieldSortedPostingPool.add_field) instead of one call per posting, and made by the
    field itself in their final form where it can (schema.DutchText and its kin: `postings`).

    A document of a case has some 1,400 postings, most of them word pairs; at 10,000 cases
    the calls and intermediate tuples per posting were a tenth of the rebuild's workers' time.
    The rest is Whoosh's own code, unchanged: the same postings, lengths, vectors, stored
    fields and columns in the same order (tests/test_posting_lists.py compares the files).
    A schema with Whoosh's own spelling fields (version 2) is added by Whoosh's code.
    """
    schema = self.schema
    spelling = self.__dict__.get("_casusplein_spelling")
    if spelling is None:
        spelling = any(field.separate_spelling() for _name, field in schema.items())
        self._casusplein_spelling = spelling
    if spelling:  # Whoosh's own spelling fields (an index of schema version 2)
        return whoosh_add_document(self, **fields)
    self._check_state()
    perdocwriter = self.perdocwriter
    docnum = self.docnum
    pool = self.pool
    in_fields = isinstance(pool, FieldSortedPostingPool)
    docboost = self._doc_boost(fields)
    fieldnames = sorted([name for name in fields if not name.startswith("_")])
    self._check_fields(schema, fieldnames)
    perdocwriter.start_doc(docnum)
    try:
        for fieldname in fieldnames:
            value = fields.get(fieldname)
            if value is None:
                continue
            field = schema[fieldname]
            length = 0
            if field.indexed:
                fieldboost = self._field_boost(fields, fieldname, docboost)
                made = getattr(field, "postings", None)
                made = made(value, fieldname, docnum, fieldboost) if made else None
                if made is None:
                    items = list(field.index(value))
                    postings = [
                        (fieldname, tbytes, docnum, weight * fieldboost, vbytes)
                        for tbytes, _freq, weight, vbytes in items
                    ]
                    if field.scorable:
                        length = sum(map(_frequency, items))
                else:
                    postings, length = made
                    if not field.scorable:
                        length = 0
                if in_fields:
                    pool.add_field(fieldname, postings)
                else:
                    for posting in postings:
                        pool.add(posting)
            vformat = field.vector
            if vformat:
                vitems = vformat.word_values(value, field.analyzer, mode="index")
                vitems = sorted((text, weight, vbytes) for text, _, weight, vbytes in vitems)
                if isinstance(perdocwriter, W3PerDocWriter):
                    _add_vector_items(perdocwriter, fieldname, field, vitems)
                else:
                    perdocwriter.add_vector_items(fieldname, field, vitems)
            customval = fields.get(f"_stored_{fieldname}", value)
            perdocwriter.add_field(fieldname, field, customval if field.stored else None, length)
            column = field.column_type
            if column and customval is not None:
                perdocwriter.add_column_value(fieldname, column, field.to_column_value(customval))
    except Exception:
        perdocwriter.cancel_doc()
        raise
    perdocwriter.finish_doc()
    self._added = True
    self.docnum += 1


_original_flush_segment = writing.SegmentWriter._flush_segment


def flush_segment(self) -> None:
    """SegmentWriter._flush_segment, writing a pool that kept its postings in memory a term
    at a time (write_terms)."""
    pool = self.pool
    if not (isinstance(pool, FieldSortedPostingPool) and pool.in_memory):
        return _original_flush_segment(self)
    if not isinstance(self.fieldwriter, W3FieldWriter):
        return _original_flush_segment(self)
    self.perdocwriter.close()
    lengths = self.per_document_reader() if self.codec.length_stats else None
    write_terms(self.fieldwriter, self.schema, lengths, pool.terms())
    self.fieldwriter.close()
    if lengths:
        lengths.close()


whoosh_iter_postings = reading.SegmentReader.iter_postings


def iter_postings(self):
    """SegmentReader.iter_postings, which a merge copies into the new segment's pool: the
    same postings in the same order, with the term table read in its order.

    Whoosh's version looks each term it lists up in the table's hash again, and wraps even
    a term whose entry holds its postings in a matcher: in merging.py, those lookups were a
    third of a merge's time, and most terms of a case (word pairs) are inlined ones.
    """
    terms = self._terms
    if self.is_closed or type(terms) is not W3TermsReader:
        yield from whoosh_iter_postings(self)
        return
    schema = self.schema
    deleted = self.deleted_docs_set
    for (fieldname, btext), terminfo in terms.items():
        if fieldname not in schema:  # all_terms() leaves them out
            continue
        if terminfo.is_inlined():
            # As the ListMatcher that postings_reader would wrap them in yields them.
            ids, weights, values = terminfo.inlined_postings()
            for number, docnum in enumerate(ids):
                if docnum not in deleted:
                    weight = weights[number] if weights else 1.0
                    yield fieldname, btext, docnum, weight, values[number] if values else ""
            continue
        matcher = terms._codec.postings_reader(
            terms._postfile, terminfo, schema[fieldname].format, term=(fieldname, btext)
        )
        if deleted:
            matcher = FilterMatcher(matcher, deleted, exclude=True)
        while matcher.is_active():
            yield fieldname, btext, matcher.id(), matcher.weight(), matcher.value()
            matcher.next()
