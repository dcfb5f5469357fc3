"""Merging an index's small segments, without holding the write lock while it works.

Every commit of the change log adds a segment and merges none (writer.py), so a commit costs
what its own documents cost. Segments are merged here instead, MERGE_FACTOR of one size
class ("tier": 1-7 documents, 8-63, 64-511, ...) at a time, so each document is rewritten
once per tier it climbs and the index stays at a few segments per tier.

A merge used to run inside the commit of whichever request wrote, under the write lock: that
request, and every writer queued behind the lock, waited for it (a merge at 10,000 cases took
most of a second). Here the merged segment is written beside the index, outside the lock,
from the segments as one table of contents (TOC) listed them; the write lock is held only to
swap it in: documents deleted from those segments meanwhile (a case updated since) are
deleted from the merged one too, its files move into the index directory, and a new TOC lists
it instead of the segments it replaces. One merge runs at a time per index directory (its own
lock); a merge that finds the index rebuilt or its segments gone meanwhile is dropped.

The TOC, segment and reader objects used here are Whoosh's; whoosh_internals.py checks at
start-up that they still have what this module relies on.
"""

import bisect
import fcntl
import logging
import math
import multiprocessing
import os
import shutil
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from whoosh.filedb.filestore import FileStorage
from whoosh.index import TOC, clean_files
from whoosh.reading import SegmentReader

from app.search.storage import SCHEMAS, WRITER_OPTIONS, IndexStore, MappedStorage

MERGE_FACTOR = 8
MERGING_DIR = "merging"
# Below the app's logger ("app"), so its handlers get these lines, also when the merge runs
# in a process of its own (merge_due_elsewhere) that has no app.
logger = logging.getLogger(__name__)
# The name Whoosh gives an index's files unless told otherwise (whoosh.index._DEF_INDEX_NAME).
INDEX_NAME = "MAIN"


def tier(documents: int) -> int:
    """The size class of a segment of this many documents (deleted ones included)."""
    return int(math.log(max(documents, 1), MERGE_FACTOR))


def plan(segments: list) -> list:
    """The segments to merge next: those with no live document left (they are dropped), or a
    big one mostly deleted (rewritten alone), or MERGE_FACTOR of the smallest tier that has
    that many."""
    empty = [segment for segment in segments if segment.doc_count() == 0]
    if empty:
        return empty
    for segment in segments:
        # A case is written anew with each comment, so a busy hour deletes most documents of
        # the big segments, which no tier merges for a long time, while every search still
        # reads their deleted postings: on the load test's data after its write bursts, 581
        # of the 605 documents of the biggest one.
        if segment.doc_count_all() >= MERGE_FACTOR**2 and segment.doc_count() * 2 < (
            segment.doc_count_all()
        ):
            return [segment]
    tiers: dict[int, list] = {}
    for segment in segments:
        tiers.setdefault(tier(segment.doc_count_all()), []).append(segment)
    for number in sorted(tiers):
        if len(tiers[number]) >= MERGE_FACTOR:
            return tiers[number][:MERGE_FACTOR]
    return []


class _Dropped(Exception):
    """The index changed under the merge in a way it cannot follow; nothing was changed."""


@contextmanager
def _merge_lock(target: IndexStore) -> Iterator[bool]:
    """One merge at a time per index directory; yields False when another one runs."""
    target.root.mkdir(parents=True, exist_ok=True)
    with open(target.root / "merge.lock", "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


# Index directories that committed new segments since this process last looked at their
# tiers: only those can need a merge, and looking costs a read of each table of contents.
_requested: set[Path] = set()
_requested_guard = threading.Lock()


def request(target: IndexStore) -> None:
    """New segments were committed to `target`: its tiers may call for a merge."""
    with _requested_guard:
        _requested.add(target.root)


def requested(target: IndexStore) -> bool:
    with _requested_guard:
        return target.root in _requested


def merge_requested(
    target: IndexStore, timeout: float, limit: int | None = None, elsewhere: bool = False
) -> int:
    """merge_due() if this process committed to `target` since it last looked; returns merges.

    `elsewhere`: the merging itself in a process of its own (merge_due_elsewhere). The
    request stays while more may be due: after `limit` merges, when another process was
    merging (it may stop before this one's segments are merged), or when the merge failed.
    """
    with _requested_guard:
        if target.root not in _requested:
            return 0
        _requested.discard(target.root)
    try:
        merges = (merge_due_elsewhere if elsewhere else merge_due)(target, timeout, limit)
    except BaseException:
        request(target)
        raise
    if merges is None or (limit is not None and merges >= limit):
        request(target)
    return merges or 0


# Exit codes of a merge process beyond its number of merges (the indexer asks for one).
_ANOTHER_MERGING, _FAILED = 100, 101
_processes = None
_processes_guard = threading.Lock()


def _context():
    """Processes forked from a fork server: a clean process that imported this module once,
    so a merge starts in milliseconds and never inherits the threads and locks of a web
    worker (forking a process with threads can copy a lock some other thread held)."""
    global _processes
    with _processes_guard:
        if _processes is None:
            _processes = multiprocessing.get_context("forkserver")
            _processes.set_forkserver_preload([__name__])
        return _processes


def merge_due_elsewhere(target: IndexStore, timeout: float, limit: int | None = None):
    """merge_due(), in a process of its own; this thread only waits for it.

    A merge is seconds of CPU at 10,000 cases. In a thread of a web worker it held Python's
    global lock half the time, so that worker's requests (and the search of someone who
    just posted) ran at half speed meanwhile; a process of its own runs beside them.

    As with any multiprocessing start method but fork, the child imports the parent's main
    script first: a script that uses the app must keep its work under
    `if __name__ == "__main__":` (gunicorn's, flask's and pytest's entry points do).
    """
    process = _context().Process(
        target=_merge_process, args=(str(target.root), timeout, limit), daemon=True
    )
    process.start()
    process.join()
    code = process.exitcode
    process.close()
    if code == _FAILED or code is None or code < 0:
        raise RuntimeError(f"the merge process ended with exit code {code}")
    return None if code == _ANOTHER_MERGING else code


def _merge_process(root: str, timeout: float, limit: int | None) -> None:
    try:
        merges = merge_due(IndexStore(root), timeout, limit)
    except BaseException:
        logger.exception("Search merge failed.")
        os._exit(_FAILED)
    os._exit(_ANOTHER_MERGING if merges is None else merges)


def merge_due(target: IndexStore, timeout: float, limit: int | None = None) -> int | None:
    """Merge the indexes of `target` until no tier has MERGE_FACTOR segments (or `limit`
    merges are done); returns how many merges ran, None when another process is merging."""
    merges = 0
    with _merge_lock(target) as ours:
        if not ours:
            return None
        # Anything left here is from a merge that died part-way: none runs but ours.
        shutil.rmtree(target.root / MERGING_DIR, ignore_errors=True)
        for name in SCHEMAS:
            while (limit is None or merges < limit) and _merge_one(target, name, timeout):
                merges += 1
    return merges


def _merge_one(target: IndexStore, name: str, timeout: float) -> bool:
    build = target.live_path(name)
    if build is None:
        return False
    storage = MappedStorage(str(build))
    snapshot = TOC.read(storage, INDEX_NAME)
    picked = plan(snapshot.segments)
    if not picked:
        return False
    started = time.perf_counter()
    workdir = target.root / MERGING_DIR / f"{name}-{os.getpid()}-{time.monotonic_ns()}"
    workdir.mkdir(parents=True)
    try:
        # Segments with nothing live left are only dropped from the table of contents: a
        # merge of them would write a segment of no documents, which stays in the first tier.
        live = any(segment.doc_count() for segment in picked)
        merged = _write_merged(storage, snapshot.schema, picked, workdir) if live else None
        if merged is not None and merged.doc_count_all() == 0:
            merged = None  # (never kept: the next plan would pick it again, and again)
        with target.write_lock(timeout):
            _swap_in(target, name, build, storage, picked, merged, workdir)
    except _Dropped as reason:
        logger.info("Search merge of %s dropped: %s", name, reason)
        return False
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    logger.debug(
        "Search merge of %s: %d segments, %d documents in %.0f ms",
        name,
        len(picked),
        merged.doc_count_all() if merged is not None else 0,
        (time.perf_counter() - started) * 1000,
    )
    return True


def _write_merged(storage: MappedStorage, schema, picked: list, workdir: Path):
    """The live documents of `picked`, as these segment objects list them, as one new segment
    in an index of its own in `workdir`; returns that segment."""
    scratch = MappedStorage(str(workdir)).create().create_index(schema, indexname=INDEX_NAME)
    writer = scratch.writer(**WRITER_OPTIONS)
    try:
        for segment in picked:
            reader = SegmentReader(storage, schema, segment)
            try:
                writer.add_reader(reader)
            finally:
                reader.close()
        writer.commit(merge=False)
    except BaseException:
        if not writer.is_closed:
            writer.cancel()
        raise
    (merged,) = TOC.read(scratch.storage, INDEX_NAME).segments
    return merged


def _swap_in(target, name, build, storage, picked, merged, workdir) -> None:
    """Under the write lock: replace `picked` by `merged` in the live table of contents (or
    only remove them, with `merged` None: deletions are final, so what had no live document
    when the merge began has none now)."""
    if target.live_path(name) != build:
        raise _Dropped("the index was rebuilt meanwhile")
    current = TOC.read(storage, INDEX_NAME)
    now = {segment.segment_id(): segment for segment in current.segments}
    if any(segment.segment_id() not in now for segment in picked):
        raise _Dropped("its segments are no longer live")
    gone = {segment.segment_id() for segment in picked}
    segments = [segment for segment in current.segments if segment.segment_id() not in gone]
    if merged is not None:
        _carry_deletions(storage, current.schema, picked, now, merged, workdir)
        for filename in merged.list_files(FileStorage(str(workdir))):
            os.replace(workdir / filename, build / filename)
        segments.append(merged)
    generation = current.generation + 1
    TOC(current.schema, segments, generation).write(storage, INDEX_NAME)
    clean_files(storage, INDEX_NAME, generation, segments)


def _carry_deletions(storage, schema, picked, now, merged, workdir) -> None:
    """Delete from `merged` what was deleted from `picked` after they were read.

    Whoosh's add_reader() numbers a segment's live documents in order after those of the
    segments added before it. Each document deleted meanwhile is looked up there, and its
    key is compared with the original's before it is deleted: a merge that would delete the
    wrong document is dropped instead.
    """
    base = 0
    pending = []
    for segment in picked:
        before = sorted(segment.deleted_docs())
        newly = set(now[segment.segment_id()].deleted_docs()) - set(before)
        for docnum in sorted(newly):
            pending.append((segment, docnum, base + docnum - bisect.bisect_left(before, docnum)))
        base += segment.doc_count_all() - len(before)
    if not pending:
        return
    readers = {segment.segment_id(): SegmentReader(storage, schema, segment) for segment in picked}
    merged_reader = SegmentReader(FileStorage(str(workdir)), schema, merged)
    try:
        for segment, docnum, new_docnum in pending:
            original = readers[segment.segment_id()].stored_fields(docnum)
            if _key(original) != _key(merged_reader.stored_fields(new_docnum)):
                raise _Dropped("a document moved to an unexpected place")
            merged.delete_document(new_docnum)
    finally:
        merged_reader.close()
        for reader in readers.values():
            reader.close()


def _key(fields: dict) -> tuple:
    return fields.get("case_id"), fields.get("method_id")
