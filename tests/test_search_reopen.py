"""A thread's searcher after the index changed: the readers of unchanged segments are kept,
with the deletions the index has now (storage.reopened); and how a thread finds out that
the index changed (storage.read_newest)."""

import os
import time

from whoosh import index as whoosh_index
from whoosh.fields import ID, TEXT, Schema
from whoosh.query import Term

from app.search.storage import WRITER_OPTIONS, IndexView, read_newest, reopened

SCHEMA = Schema(key=ID(stored=True, unique=True), body=TEXT(stored=True))


def _write(index, *documents, merge=False):
    writer = index.writer(**WRITER_OPTIONS)
    for key, body in documents:
        writer.update_document(key=key, body=body)
    writer.commit(merge=merge)


def _keys(searcher, word: str) -> list[str]:
    return sorted(hit["key"] for hit in searcher.search(Term("body", word), limit=None))


def _leaves(searcher) -> dict:
    return {reader.segment().segment_id(): reader for reader, _ in searcher.reader().leaf_readers()}


def test_an_updated_document_matches_its_new_text_only_and_old_readers_are_kept(tmp_path):
    index = whoosh_index.create_in(str(tmp_path), SCHEMA)
    _write(index, *[(str(n), f"oud woord{n}") for n in range(20)])
    _write(index, ("extra", "oud ander"))
    old = index.searcher()
    before = _leaves(old)
    assert _keys(old, "oud") == sorted([*map(str, range(20)), "extra"])

    _write(index, ("3", "nieuw"))  # deletes document 3 from the first segment
    new = reopened(index, old)
    assert new.reader().generation() == index.latest_generation()
    assert _keys(new, "oud") == sorted([*[str(n) for n in range(20) if n != 3], "extra"])
    assert _keys(new, "nieuw") == ["3"]
    assert new.doc_count() == 21
    after = _leaves(new)
    # The segments that were there are read by the same readers; only the new one is opened.
    assert all(after[segment] is reader for segment, reader in before.items())
    assert len(after) == len(before) + 1
    new.close()


def test_after_a_merge_removed_segments_are_gone_and_their_readers_closed(tmp_path):
    index = whoosh_index.create_in(str(tmp_path), SCHEMA)
    for n in range(4):
        _write(index, (str(n), f"tekst {n}"))
    old = index.searcher()
    before = _leaves(old)
    writer = index.writer(**WRITER_OPTIONS)
    writer.commit(optimize=True)  # one segment: every old one is gone
    new = reopened(index, old)
    assert new.doc_count_all() == 4
    assert _keys(new, "tekst") == ["0", "1", "2", "3"]
    assert all(reader.is_closed for reader in before.values())
    new.close()


def test_a_single_segment_reader_gets_the_new_generation(tmp_path):
    index = whoosh_index.create_in(str(tmp_path), SCHEMA)
    _write(index, ("a", "een"), ("b", "twee"))
    old = index.searcher()
    writer = index.writer(**WRITER_OPTIONS)
    writer.delete_by_term("key", "a")
    writer.commit(merge=False)
    new = reopened(index, old)
    assert new.reader().generation() == index.latest_generation()
    assert _keys(new, "een") == []
    assert new.doc_count() == 1
    new.close()


def _view(path):
    index = whoosh_index.open_dir(str(path))
    return IndexView(path, index, index.searcher())


def _age_folder(path, seconds: float) -> None:
    """Stamp the folder as changed `seconds` ago, as if its last change were that old."""
    stamp = time.time_ns() - int(seconds * 1e9)
    os.utime(path, ns=(stamp, stamp))


def test_a_searcher_is_up_to_date_only_while_the_folder_is_unchanged(tmp_path):
    index = whoosh_index.create_in(str(tmp_path), SCHEMA)
    _write(index, ("a", "een"))
    view = _view(tmp_path)
    _age_folder(tmp_path, 5)
    assert read_newest(view)  # listed once; the folder's time is old enough to trust
    assert view.settled_mtime == os.stat(tmp_path).st_mtime_ns
    _write(index, ("b", "twee"))  # a new table of contents: the folder's time changes
    assert not read_newest(view)
    view.searcher.close()


def test_a_change_within_the_tick_of_the_last_listing_is_still_seen(tmp_path):
    """Two changes in one clock tick leave the folder with one time: a recent time is never
    trusted, so the second change is found though the time did not move."""
    index = whoosh_index.create_in(str(tmp_path), SCHEMA)
    _write(index, ("a", "een"))
    view = _view(tmp_path)
    _age_folder(tmp_path, 0.1)
    tick = os.stat(tmp_path).st_mtime_ns
    assert read_newest(view)
    assert view.settled_mtime is None
    _write(index, ("b", "twee"))
    os.utime(tmp_path, ns=(tick, tick))  # the second change in the same tick as the first
    assert not read_newest(view)
    view.searcher.close()
