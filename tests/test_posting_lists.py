"""A segment's postings added a field at a time, sorted a field at a time and written a
term at a time (app/search/posting_lists.py) make the same files, byte for byte, as
Whoosh's own add_document, pool and writer: new documents, merged segments with deletions,
and a pool past its memory limit."""

import hashlib
import random
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh import reading
from whoosh.analysis import StemmingAnalyzer
from whoosh.fields import TEXT, Schema

from app.search import posting_lists
from app.search.schema import as_written, network_schema
from app.search.storage import WRITER_OPTIONS

WORDS = [
    "bewoners",
    "gemeente",
    "vertrouwen",
    "overlast",
    "jongeren",
    "statushouders",
    "noodopvang",
    "windpark",
    "gesprek",
    "wijk",
    "dorp",
    "raad",
    "zorgen",
    "boosheid",
    "informatieavond",
    "polarisatie",
    "buurt",
    "sporthal",
]


def _documents(count: int, seed: int = 7) -> list[dict]:
    rng = random.Random(seed)
    documents = []
    for number in range(count):
        # common words (postings in many blocks), and rare ones: word pairs and numbered
        # words found in a case or two, whose postings their term entry holds
        words = [rng.choice(WORDS) for _ in range(rng.randint(5, 60))]
        words += [f"uniek{rng.randrange(count * 3)}" for _ in range(rng.randint(0, 4))]
        documents.append(
            {
                "case_id": str(number),
                "doc_type": "case",
                "title": " ".join(rng.sample(WORDS, 3)),
                "body": " ".join(words),
                "meta": "Polarisatie Gemeente Tiel" if number % 3 else "",
                "comments": " ".join(rng.choice(WORDS) for _ in range(rng.randint(0, 20))),
                "theme": ",".join(rng.sample(["zorg", "wonen", "veiligheid"], 2)),
                "municipality": f"m{number % 4}",
                "status": "shared",
                "visibility": "network",
                "date": 1_700_000_000 + number * 3600,
            }
        )
    return documents


def _write(folder: Path, batches: list[list[dict]], whoosh_pool: bool, **commit) -> dict:
    folder.mkdir()
    index = whoosh_index.create_in(str(folder), network_schema())
    for batch, limitmb in batches:
        writer = index.writer(limitmb=limitmb, **WRITER_OPTIONS)
        if whoosh_pool:
            writer.pool = posting_lists.WhooshPostingPool(
                writer._tempstorage, writer.newsegment, limitmb=limitmb
            )
        for document in batch:
            if document.get("delete"):
                writer.delete_by_term("case_id", document["case_id"])
            elif whoosh_pool:  # and Whoosh's own add_document
                posting_lists.whoosh_add_document(writer, **as_written(document, index.schema))
            else:
                writer.add_document(**as_written(document, index.schema))
        writer.commit(**commit)
    return _files(folder)


def _files(folder: Path) -> dict:
    # Segment names are random; the table of contents names them.
    return {
        path.suffix: hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.iterdir())
        if path.suffix not in (".toc", "") and path.is_file()
    }


def _same(tmp_path: Path, batches, **commit) -> dict:
    ours = _write(tmp_path / "ours", batches, whoosh_pool=False, **commit)
    whoosh = _write(tmp_path / "whoosh", batches, whoosh_pool=True, **commit)
    assert ours == whoosh
    return ours


def test_new_documents_make_the_same_files(tmp_path):
    files = _same(tmp_path, [(_documents(400), 64)])
    # postings, term table, term vectors, columns: everything but the table of contents
    assert {".pst", ".trm", ".vps", ".col"} <= set(files)


def test_merged_segments_with_deletions_make_the_same_files(tmp_path, monkeypatch):
    documents = _documents(300, seed=11)
    deleted = [{"case_id": str(number), "delete": True} for number in range(0, 300, 7)]
    batches = [(documents[:150], 64), (documents[150:], 64), (deleted, 64)]
    # the last commit merges all segments into one, through the pool (add_reader)
    ours = _write(tmp_path / "ours", batches, whoosh_pool=False, optimize=True)
    with monkeypatch.context() as whoosh_reading:
        whoosh_reading.setattr(
            reading.SegmentReader, "iter_postings", posting_lists.whoosh_iter_postings
        )
        whoosh = _write(tmp_path / "whoosh", batches, whoosh_pool=True, optimize=True)
    assert ours == whoosh
    merged = whoosh_index.open_dir(str(tmp_path / "ours"))
    assert len(merged._segments()) == 1
    with merged.searcher() as searcher:
        assert searcher.doc_count() == 300 - len(deleted)


def test_a_segment_hands_a_merge_the_postings_whoosh_lists(tmp_path):
    documents = _documents(200, seed=5)
    deleted = [{"case_id": str(number), "delete": True} for number in range(0, 200, 9)]
    _write(tmp_path / "index", [(documents, 64), (deleted, 64)], whoosh_pool=False, merge=False)
    index = whoosh_index.open_dir(str(tmp_path / "index"))
    with index.reader() as reader:
        (segment,) = [leaf for leaf, _offset in reader.leaf_readers()]
        assert segment.has_deletions()
        ours = list(posting_lists.iter_postings(segment))
        assert ours == list(posting_lists.whoosh_iter_postings(segment))
        # both kinds of term entries: postings held in the entry, and blocks of their own
        infos = [info for _term, info in segment._terms.items()]
        assert any(info.is_inlined() for info in infos)
        assert any(not info.is_inlined() for info in infos)
        assert not {docnum for _f, _t, docnum, _w, _v in ours} & segment.deleted_docs_set


def test_a_pool_past_its_memory_limit_spills_and_writes_the_same_files(tmp_path, monkeypatch):
    spilled = []
    original = posting_lists.FieldSortedPostingPool._spill

    def spill(self):
        spilled.append(True)
        original(self)

    monkeypatch.setattr(posting_lists.FieldSortedPostingPool, "_spill", spill)
    # 1 MB: a few thousand postings in memory, the rest in sorted runs on disk
    _same(tmp_path, [(_documents(200), 1)])
    assert spilled


def test_postings_of_a_term_out_of_document_order_are_sorted(tmp_path):
    index = whoosh_index.create_in(str(tmp_path), network_schema())
    writer = index.writer(**WRITER_OPTIONS)
    pool = writer.pool
    assert isinstance(pool, posting_lists.FieldSortedPostingPool)
    items = [
        ("body", b"wijk", 5, 1.0, b""),
        ("body", b"buurt", 2, 2.0, b""),
        ("body", b"wijk", 1, 3.0, b""),
        ("author", b"7", 3, 1.0, b""),
        ("body", b"wijk", 3, 1.0, b""),
    ]
    for item in items:
        pool.add(item)
    assert list(pool.iter_postings()) == sorted(items)
    writer.cancel()


def test_a_schema_with_whoosh_spelling_fields_is_added_by_whoosh(tmp_path, monkeypatch):
    # An index of schema version 2 keeps Whoosh's own spelling words for a stemmed field.
    calls = []
    original = posting_lists.whoosh_add_document

    def counted(writer, **fields):
        calls.append(fields)
        original(writer, **fields)

    monkeypatch.setattr(posting_lists, "whoosh_add_document", counted)
    schema = Schema(body=TEXT(analyzer=StemmingAnalyzer(), spelling=True))
    index = whoosh_index.create_in(str(tmp_path), schema)
    writer = index.writer(**WRITER_OPTIONS)
    writer.add_document(body="gesprekken met bewoners")
    writer.commit()
    assert len(calls) == 1
    with index.reader() as reader:
        assert b"gesprekken" in set(reader.lexicon("spell_body"))
