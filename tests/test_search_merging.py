"""Merging segments beside the index: commits merge nothing, and a merge holds the write lock
only to swap its segment in, carrying over what was deleted while it worked."""

from collections import Counter

import pytest
from whoosh.query import Term

from app.search import merging, writer
from app.search.analysis import analyse
from app.search.merging import MERGE_FACTOR
from app.search.rebuild import rebuild as rebuild_index
from app.search.schema import as_written
from app.search.storage import NETWORK, store


@pytest.fixture
def target(app):
    target = store()
    target.ensure()
    return target


def _doc(key: int, text: str) -> dict:
    return {"case_id": str(key), "title": f"Casus {key}", "body": text, "visibility": "network"}


def _commit(target, key: int, text: str | None) -> None:
    """One commit of the change-log writer: a document added or replaced, or deleted."""
    index = target.open(NETWORK)
    with target.write_lock(timeout=5):
        doc = None if text is None else as_written(_doc(key, text), index.schema)
        assert writer._write(index, [("case_id", str(key), doc)], timeout=5)


def _segments(target) -> list[int]:
    return [segment.doc_count_all() for segment in target.open(NETWORK)._segments()]


def _live(target) -> dict[str, str]:
    with target.open(NETWORK).searcher() as searcher:
        return {fields["case_id"]: fields["title"] for fields in searcher.all_stored_fields()}


def _found(target, word: str) -> list[str]:
    (term,) = analyse(word)
    with target.open(NETWORK).searcher() as searcher:
        docnums = searcher.docs_for_query(Term("body", term))
        return sorted(searcher.stored_fields(docnum)["case_id"] for docnum in docnums)


def test_commits_merge_nothing(target):
    for key in range(MERGE_FACTOR + 3):
        _commit(target, key, "een fietsenstalling")
    assert _segments(target) == [1] * (MERGE_FACTOR + 3)


def test_merges_bound_the_segments_per_tier_and_keep_every_document(target):
    for key in range(70):
        _commit(target, key, f"fietsenstalling nummer{key}")
        merging.merge_due(target, timeout=5)
    tiers = Counter(merging.tier(size) for size in _segments(target))
    assert all(count < MERGE_FACTOR for count in tiers.values())
    assert sum(_segments(target)) == 70
    assert len(_live(target)) == 70
    assert _found(target, "fietsenstalling") == sorted(str(key) for key in range(70))


def test_a_merge_carries_over_what_was_changed_while_it_worked(target, monkeypatch):
    for key in range(MERGE_FACTOR):
        _commit(target, key, "een speeltuin")
    original = merging._write_merged
    seen = {}

    def changed_meanwhile(*args, **kwargs):
        merged = original(*args, **kwargs)
        # The merged segment is written; meanwhile case 3 is updated and case 5 deleted.
        _commit(target, 3, "een skatebaan")
        _commit(target, 5, None)
        seen["lock was free"] = True
        return merged

    monkeypatch.setattr(merging, "_write_merged", changed_meanwhile)
    assert merging.merge_due(target, timeout=5) == 1
    assert seen
    assert _found(target, "speeltuin") == sorted(
        str(k) for k in range(MERGE_FACTOR) if k not in (3, 5)
    )
    assert _found(target, "skatebaan") == ["3"]
    assert sorted(_live(target)) == sorted(str(k) for k in range(MERGE_FACTOR) if k != 5)


def test_writers_commit_while_a_merge_writes(target, monkeypatch):
    for key in range(MERGE_FACTOR):
        _commit(target, key, "een bankje")
    original = merging._write_merged

    def check_lock(*args, **kwargs):
        with target.write_lock(timeout=0):  # raises IndexLockTimeout if the merge held it
            pass
        return original(*args, **kwargs)

    monkeypatch.setattr(merging, "_write_merged", check_lock)
    assert merging.merge_due(target, timeout=5) == 1
    assert _segments(target) == [MERGE_FACTOR]


def test_a_merge_is_dropped_when_the_index_was_rebuilt_meanwhile(
    app, target, write_case, monkeypatch
):
    for number in range(MERGE_FACTOR):
        write_case(title=f"Casus {number}", summary="Een markt op het plein.")
    original = merging._write_merged

    def rebuilt_meanwhile(*args, **kwargs):
        merged = original(*args, **kwargs)
        rebuild_index()
        return merged

    monkeypatch.setattr(merging, "_write_merged", rebuilt_meanwhile)
    # (The write_case calls above already merged their own segments: make a full tier again.)
    for number in range(MERGE_FACTOR):
        _commit(target, 1000 + number, "een markt")
    assert merging.merge_due(target, timeout=5) == 0
    assert app.test_cli_runner().invoke(args=["search", "check"]).exit_code == 0


def test_what_a_dead_merge_left_behind_is_removed(target):
    leftover = target.root / merging.MERGING_DIR / "network-1-1"
    leftover.mkdir(parents=True)
    (leftover / "MAIN_deadbeef.trm").write_bytes(b"half a segment")
    merging.merge_due(target, timeout=5)
    assert not leftover.exists()


def test_a_merge_that_would_delete_the_wrong_document_is_dropped(target, monkeypatch):
    for key in range(MERGE_FACTOR):
        _commit(target, key, "een zwembad")
    original = merging._write_merged

    def changed_meanwhile(*args, **kwargs):
        merged = original(*args, **kwargs)
        _commit(target, 2, None)
        return merged

    monkeypatch.setattr(merging, "_write_merged", changed_meanwhile)
    # As if Whoosh numbered the merged documents differently than the merge expects.
    monkeypatch.setattr(merging.bisect, "bisect_left", lambda *args: -1)
    assert merging.merge_due(target, timeout=5) == 0
    assert _segments(target) == [1] * MERGE_FACTOR  # nothing swapped in
    assert sorted(_live(target)) == sorted(str(k) for k in range(MERGE_FACTOR) if k != 2)


def test_the_segments_writers_commit_are_merged(app, target, write_case):
    # Without the background indexer the writing request merges after it applied.
    for number in range(2 * MERGE_FACTOR):
        write_case(title=f"Casus {number}", summary="Een wijkfeest.")
    sizes = _segments(target)
    assert sum(sizes) == 2 * MERGE_FACTOR
    assert len(sizes) < MERGE_FACTOR


def test_a_merge_request_stays_while_another_process_merges(target, monkeypatch):
    for key in range(MERGE_FACTOR):
        _commit(target, key, "een dierenweide")
    merging.request(target)
    with merging._merge_lock(target):  # as another process would hold it (own open file)
        assert merging.merge_requested(target, timeout=5) == 0
    assert merging.requested(target)
    assert merging.merge_requested(target, timeout=5) == 1
    assert not merging.requested(target)


def test_a_merge_in_a_process_of_its_own_merges_and_keeps_every_document(target):
    # What the background indexer does (SEARCH_MERGE_IN_PROCESS): the same merge, forked
    # from a fork server, with its outcome read from the exit code.
    for key in range(MERGE_FACTOR + 1):
        _commit(target, key, f"een speeltuin nummer{key}")
    merging.request(target)
    assert merging.merge_requested(target, timeout=5, limit=1, elsewhere=True) == 1
    assert sorted(_segments(target)) == [1, MERGE_FACTOR]
    assert sorted(_live(target)) == sorted(str(key) for key in range(MERGE_FACTOR + 1))
    assert _found(target, "speeltuin") == sorted(str(key) for key in range(MERGE_FACTOR + 1))
    assert merging.requested(target)  # the limit was reached: more may be due
    assert merging.merge_requested(target, timeout=5, limit=1, elsewhere=True) == 0
    assert not merging.requested(target)


def test_a_merge_process_that_finds_another_merging_leaves_the_request(target):
    for key in range(MERGE_FACTOR):
        _commit(target, key, "een kinderboerderij")
    merging.request(target)
    with merging._merge_lock(target):
        assert merging.merge_requested(target, timeout=5, elsewhere=True) == 0
    assert merging.requested(target)
    assert merging.merge_requested(target, timeout=5, elsewhere=True) == 1


def _commit_many(target, texts: dict[int, str]) -> None:
    """One commit of many documents: one segment, as a rebuild or a merge writes."""
    index = target.open(NETWORK)
    with target.write_lock(timeout=5):
        updates = [
            ("case_id", str(key), as_written(_doc(key, text), index.schema))
            for key, text in texts.items()
        ]
        assert writer._write(index, updates, timeout=5)


def test_a_big_segment_mostly_deleted_is_rewritten_with_its_live_documents(target):
    size = MERGE_FACTOR**2
    _commit_many(target, {key: f"oude tekst{key}" for key in range(size)})
    updated = range(size // 2 + 1)  # just over half of its documents written anew
    for key in updated:
        _commit(target, key, f"nieuwe tekst{key}")
    merging.merge_due(target, timeout=5)
    segments = target.open(NETWORK)._segments()
    assert all(segment.doc_count() * 2 >= segment.doc_count_all() for segment in segments)
    assert size not in [segment.doc_count_all() for segment in segments]
    assert len(_live(target)) == size
    assert _found(target, "oude") == sorted(str(key) for key in range(size) if key not in updated)
    assert _found(target, "nieuwe") == sorted(str(key) for key in updated)


def test_a_big_segment_half_deleted_is_left_to_its_tier(target):
    size = MERGE_FACTOR**2
    _commit_many(target, {key: f"oude tekst{key}" for key in range(size)})
    for key in range(size // 2):
        _commit(target, key, None)  # deleted: half of the big segment
    merging.merge_due(target, timeout=5)
    assert size in _segments(target)


def test_segments_with_no_live_document_are_dropped_not_merged(target):
    for key in range(MERGE_FACTOR):
        _commit(target, key, "een fietsenstalling")
    for key in range(MERGE_FACTOR):
        _commit(target, key, None)  # every document deleted again
    _commit(target, 100, "een fietsenstalling")
    merging.merge_due(target, timeout=5)
    assert _segments(target) == [1]
    assert _found(target, "fietsenstalling") == ["100"]
