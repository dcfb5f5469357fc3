"""What Casusplein relies on inside whoosh-reloaded 2.7.5, checked when search is imported.

score.py, whoosh_patches.py, posting_lists.py, writer.py and merging.py use parts of Whoosh
that are not its public API: private attributes, a private keyword argument, the layout of
a posting block, methods they replace. Whoosh is pinned in pyproject.toml. If another
version (or a fork) lacks any of them, importing the app fails here and names what
changed, instead of search answering "Zoeken is tijdelijk niet beschikbaar", or scoring
wrongly without a sound.

whoosh_patches.apply() runs the checks: of the classes before it patches them, and then of
a tiny index written in memory with the production codec, so that what only exists on
instances (a matcher's block data, a reader's per-document reader) is seen as Whoosh
really makes it. A new read of Whoosh's internals belongs in this file, with a
test in tests/test_whoosh_internals.py.
"""

import inspect
import tempfile
from itertools import accumulate

import whoosh
from whoosh import index as whoosh_index
from whoosh import reading, scoring, searching, writing
from whoosh.codec import base, whoosh3
from whoosh.fields import ID, TEXT, Schema
from whoosh.filedb import filetables
from whoosh.filedb.filestore import FileStorage, RamStorage

VERSION = (2, 7, 5)
# Postings of the probe term: more than the codec's inline limit, so they form a block.
PROBE_POSTINGS = 12


class WhooshChanged(ImportError):
    """The installed Whoosh lacks something Casusplein reads or patches."""


def _has(owner, name: str) -> bool:
    return name in getattr(owner, "__dict__", {}) or hasattr(owner, name)


def _parameters(function) -> list[str]:
    return list(inspect.signature(function).parameters)


def _class_problems(own_set_inline) -> list[str]:
    """Attributes read or replaced on Whoosh's classes and modules."""
    wanted = [
        # score.py: block-wise reading of postings; BM25F's per-field B; one term-info
        # look-up per segment and the matcher made from it
        (whoosh3.W3LeafMatcher, "_read_data"),
        (whoosh3.W3LeafMatcher, "_next_block"),
        (whoosh3.W3TermsReader, "term_info"),
        (whoosh3.W3Codec, "postings_reader"),
        # whoosh_patches.py
        (whoosh3.W3PerDocReader, "has_column"),
        (whoosh3.W3PerDocReader, "doc_field_length"),
        (whoosh3.W3PerDocReader, "_cached_reader"),
        (whoosh3, "_lenfield"),
        (whoosh3, "LENGTHS_COLUMN"),
        (whoosh3.W3TermInfo, "set_inlined"),
        (whoosh3.W3Codec, "postings_writer"),
        # posting_lists.py
        (writing, "PostingPool"),
        (writing.PostingPool, "save"),
        (writing.PostingPool, "iter_postings"),
        (writing.SegmentWriter, "_flush_segment"),
        (writing.SegmentWriter, "add_document"),
        (writing.SegmentWriter, "_check_state"),
        (writing.SegmentWriter, "_check_fields"),
        (writing.SegmentWriter, "_doc_boost"),
        (writing.SegmentWriter, "_field_boost"),
        (whoosh3, "W3PerDocWriter"),
        (whoosh3.W3PerDocWriter, "_prep_vectors"),
        (whoosh3, "_vecfield"),
        (whoosh3, "VECTOR_COLUMN"),
        (whoosh3, "VECTOR_LEN_COLUMN"),
        (writing.SegmentWriter, "per_document_reader"),
        (whoosh3, "W3FieldWriter"),
        (whoosh3.W3FieldWriter, "start_field"),
        (whoosh3.W3FieldWriter, "start_term"),
        (whoosh3.W3FieldWriter, "finish_term"),
        (whoosh3.W3FieldWriter, "finish_field"),
        (whoosh3.W3PostingsWriter, "_write_block"),
        (whoosh3.W3TermInfo, "_struct"),
        (filetables, "_lengths"),
        # merging.py
        (whoosh_index.TOC, "read"),
        (whoosh_index.TOC, "write"),
        (whoosh_index, "clean_files"),
        (base.Segment, "list_files"),
        (base.Segment, "segment_id"),
        (base.Segment, "doc_count"),
        (whoosh3.W3Segment, "deleted_docs"),
        (whoosh3.W3Segment, "delete_document"),
        (writing.SegmentWriter, "add_reader"),
        # posting_lists.iter_postings, what add_reader copies from a segment
        (reading.SegmentReader, "iter_postings"),
        (whoosh3, "W3TermsReader"),
        (whoosh3.W3TermsReader, "items"),
        (whoosh3.W3TermInfo, "is_inlined"),
        (whoosh3.W3TermInfo, "inlined_postings"),
        # collect.py and facets.py; storage.reopened drops the cached set
        (reading.SegmentReader, "deleted_docs_set"),
        # storage.reopened
        (whoosh_index.FileIndex, "_read_toc"),
    ]
    problems = [
        f"{getattr(owner, '__name__', owner)}.{name}"
        for owner, name in wanted
        if not _has(owner, name)
    ]
    # The patch supplies the set_inline the writer calls; a Whoosh that has its own fixed the
    # bug the patch works around, and the patch would hide that fix.
    if whoosh3.W3TermInfo.__dict__.get("set_inline", own_set_inline) is not own_set_inline:
        problems.append("W3TermInfo.set_inline exists now (whoosh_patches replaces it)")
    if "_lk" not in _parameters(writing.SegmentWriter.__init__):
        problems.append("SegmentWriter(_lk=...) (writer.py)")
    if _parameters(whoosh3.W3Codec.postings_writer)[1:3] != ["dbfile", "byteids"]:
        problems.append("W3Codec.postings_writer(dbfile, byteids) (whoosh_patches)")
    if _parameters(whoosh_index.TOC.__init__)[1:4] != ["schema", "segments", "generation"]:
        problems.append("TOC(schema, segments, generation) (merging.py)")
    if _parameters(searching.Results.__init__)[1:4] != ["searcher", "q", "top_n"]:
        problems.append("Results(searcher, q, top_n) (collect.py)")
    if getattr(getattr(whoosh3.W3TermInfo, "_struct", None), "format", None) != "!BfIBBfII":
        problems.append("W3TermInfo._struct as !BfIBBfII (posting_lists)")
    if getattr(getattr(filetables, "_lengths", None), "format", None) != "!ii":
        problems.append("filetables._lengths as !ii (posting_lists)")
    if _parameters(writing.PostingPool.__init__)[1:4] != ["tempstore", "segment", "limitmb"]:
        problems.append("PostingPool(tempstore, segment, limitmb) (posting_lists)")
    if whoosh_index._DEF_INDEX_NAME != "MAIN":
        problems.append("the default index name MAIN (merging.INDEX_NAME)")
    return problems


class _ProbeStorage(RamStorage):
    """RamStorage with its temporary files in a folder of its own.

    RamStorage's writers spill to tempfile.gettempdir()/MAIN.tmp, one folder for every
    process on the machine, and a writer empties that folder when it ends: two processes
    starting at once (gunicorn workers, the tests' writer processes) deleted each other's
    files there and one failed to start.
    """

    def __init__(self, folder: str) -> None:
        super().__init__()
        self._folder = folder

    def temp_storage(self, name=None):
        return FileStorage(tempfile.mkdtemp(prefix=name or "probe", dir=self._folder)).create()


def _probe_index(folder: str):
    """An index in memory with the production codec: one term in PROBE_POSTINGS documents,
    each with its own frequency, and one document deleted. Temporary files go in `folder`."""
    schema = Schema(key=ID(stored=True, unique=True), body=TEXT)
    index = _ProbeStorage(folder).create_index(schema)
    writer = index.writer(codec=whoosh3.W3Codec(inlinelimit=8))
    for number in range(PROBE_POSTINGS):
        writer.add_document(key=str(number), body=" ".join(["probe"] * (number + 1)))
    # Checked before the commit, which goes through posting_lists and would fail in it.
    _raise(_writer_problems(writer))
    writer.commit()
    writer = index.writer(codec=whoosh3.W3Codec(inlinelimit=8))
    writer.delete_by_term("key", "0")
    writer.commit(merge=False)
    return index


def _writer_problems(writer) -> list[str]:
    """What posting_lists reads on a segment writer's pool, term table and postings writer."""
    problems = [
        f"SegmentWriter.{name} (posting_lists)"
        for name in ("perdocwriter", "docnum", "schema")
        if not hasattr(writer, name)
    ]
    for name in ("_vpostfile", "_codec"):
        if not hasattr(getattr(writer, "perdocwriter", None), name):
            problems.append(f"W3PerDocWriter.{name} (posting_lists)")
    pool = getattr(writer, "pool", None)
    for name in ("limit", "fieldnames", "current", "runs"):
        if not hasattr(pool, name):
            problems.append(f"PostingPool.{name} (posting_lists)")
    fieldwriter = getattr(writer, "fieldwriter", None)
    if not isinstance(fieldwriter, whoosh3.W3FieldWriter):
        return [*problems, "SegmentWriter.fieldwriter as a W3FieldWriter (posting_lists)"]
    table = getattr(fieldwriter, "_tindex", None)
    for name in ("dbfile", "index", "buckets", "hashfn", "lastkey"):
        if not hasattr(table, name):
            problems.append(f"OrderedHashWriter.{name} (posting_lists)")
    # A field writer of its own: its postings writer exists once a field and a term began.
    storage = RamStorage()
    codec = whoosh3.W3Codec(inlinelimit=8)
    probe = codec.field_writer(storage, codec.new_segment(storage, "probe"))
    field = TEXT()
    probe.start_field("body", field)
    postings = getattr(probe, "_postwriter", None)
    if postings is None or not hasattr(probe, "_fieldid"):
        return [*problems, "W3FieldWriter._postwriter and _fieldid (posting_lists)"]
    postings.start_postings(field.format, whoosh3.W3TermInfo())
    for name in (
        "_blocklimit", "_inlinelimit", "_ids", "_weights", "_values", "_maxweight",
        "_minlength", "_maxlength",
    ):  # fmt: skip
        if not hasattr(postings, name):
            problems.append(f"W3PostingsWriter.{name} (posting_lists)")
    return problems


def _instance_problems() -> list[str]:
    """Attributes that only exist on the objects Whoosh builds, and a block's layout."""
    with tempfile.TemporaryDirectory(prefix="casusplein-whoosh-probe-") as folder:
        return _problems_of_probe(_probe_index(folder))


def _problems_of_probe(index) -> list[str]:
    problems = []
    with index.searcher() as searcher:
        (leaf, _offset) = searcher.leaf_searchers()[0]
        reader = leaf.reader()
        if not hasattr(reader, "_perdoc"):
            return ["SegmentReader._perdoc (score.py)"]
        per_doc = reader._perdoc
        for name in ("_doccount", "__dict__"):
            if not hasattr(per_doc, name):
                problems.append(f"W3PerDocReader.{name} (whoosh_patches)")
        # storage.reopened gives a kept reader the segment of the new table of contents.
        if getattr(per_doc, "_segment", None) is not reader.segment():
            problems.append("W3PerDocReader._segment (storage.reopened)")
        for name in ("_segment", "_gen", "is_closed"):
            if name not in reader.__dict__:
                problems.append(f"SegmentReader.{name} (storage.reopened)")
        toc = index._read_toc()
        for name in ("schema", "segments", "generation"):
            if not hasattr(toc, name):
                problems.append(f"TOC.{name} (storage.reopened)")
        terms = reader.__dict__.get("_terms")
        if type(terms) is not whoosh3.W3TermsReader or not all(
            hasattr(terms, name) for name in ("_codec", "_postfile")
        ):
            problems.append("SegmentReader._terms as W3TermsReader (posting_lists.iter_postings)")
        if not hasattr(searcher, "__dict__"):
            problems.append("Searcher.__dict__ (schema.text_reader keeps readers there)")
        matcher = reader.postings("body", b"probe")
        matcher = getattr(matcher, "child", matcher)  # the deletion filter around it
        if type(matcher) is not whoosh3.W3LeafMatcher or not hasattr(matcher, "_byteids"):
            return [*problems, "W3LeafMatcher._byteids (score.py)"]
        matcher._read_data()
        data = getattr(matcher, "_data", None)
        expected = (list(range(PROBE_POSTINGS)), [float(n + 1) for n in range(PROBE_POSTINGS)])
        try:
            found = (list(accumulate(data[0])), [float(weight) for weight in data[1]])
        except (TypeError, IndexError):
            found = None
        if found != expected:
            problems.append("W3LeafMatcher._data as (id deltas, weights, ...) (score.py)")
    if not hasattr(scoring.BM25F(), "_field_B"):
        problems.append("BM25F._field_B (score.py)")
    postings = whoosh3.W3Codec(inlinelimit=8).postings_writer(RamStorage().create_file("p"))
    if not hasattr(postings, "_inlinelimit"):
        problems.append("W3PostingsWriter._inlinelimit (whoosh_patches)")
    return problems


def _raise(problems: list[str]) -> None:
    if problems:
        raise WhooshChanged(
            f"whoosh {whoosh.versionstring()} (Casusplein is built on "
            f"{'.'.join(map(str, VERSION))}) lacks what app/search relies on: "
            + "; ".join(problems)
        )


def check_classes(own_set_inline=None) -> None:
    """Before patching: raise WhooshChanged naming what Whoosh's classes lack.

    `own_set_inline` is the patch's set_inline, which W3TermInfo may carry already.
    """
    _raise(_class_problems(own_set_inline))


def check_instances() -> None:
    """After patching: raise WhooshChanged naming what the objects Whoosh makes lack."""
    _raise(_instance_problems())
