"""Applying the change log to the indexes: one merge-free index commit per batch of changes.

Writers log their changes in their own transaction (changelog.py) and do not each commit the
index: whoever holds the write lock applies everything pending, in one commit per index, and
the writers whose rows it applied have nothing left to do. Who applies:

- with SEARCH_INDEX_IN_BACKGROUND (the default) a thread of each process, woken by that
  process's commits (background.py); the request that wrote does not wait for it;
- otherwise the request that wrote, after its commit (apply_own: it applies what is pending,
  or finds that the holder of the lock applied its rows);
- and before a search the search itself (catch_up_if_behind), when a change may be pending
  (freshness.py), so a search finds every change committed before it, one's own and other
  instances' alike.

A commit here merges no segments; merging.py does that beside the index, off the write lock.
"""

import time
from collections.abc import Iterable

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session

from app.extensions import db
from app.models import SearchChange
from app.models.base import utcnow
from app.search import changelog, collect, documents, freshness, merging, progress, similar
from app.search.schema import as_written
from app.search.storage import (
    ARCHIVE,
    NETWORK,
    WRITER_OPTIONS,
    IndexLockTimeout,
    IndexStore,
    store,
)

BATCH = 500
# How often one waiting for its rows to be applied looks again: after 1 ms, then ever
# less often, up to every 20 ms.
POLL_SECONDS = (0.001, 0.020)


def _targets(rows: Iterable) -> tuple[list[int], list[int]]:
    """The case ids and method ids whose documents these change-log rows ask to rebuild."""
    case_ids = [row.case_id for row in rows if row.entity != "method"]
    method_ids = [row.entity_id for row in rows if row.entity == "method"]
    return list(dict.fromkeys(case_ids)), list(dict.fromkeys(method_ids))


def _updates(
    session: Session, case_ids: list[int], method_ids: list[int]
) -> dict[str, list[tuple[str, str, dict | None]]]:
    """Per index: (key field, key, new document or None to delete) for each target."""
    cases = documents.documents_for(session, case_ids)
    methods = documents.method_documents_for(session, method_ids)
    return {
        name: [("case_id", str(i), cases[n].get(i)) for i in case_ids]
        + [("method_id", str(i), methods[n].get(i)) for i in method_ids]
        for n, name in enumerate((NETWORK, ARCHIVE))
    }


def _changes_anything(index, updates: list[tuple[str, str, dict | None]]) -> bool:
    """Whether these updates add a document or delete one the index holds.

    Most changes delete from the archive index what it never held (an unpublished case): a
    writer would create a segment's files only to find nothing to do.
    """
    if any(doc is not None for _field, _key, doc in updates):
        return True
    with index.searcher() as searcher:
        return any(collect.document_number(searcher, f, key) is not None for f, key, _ in updates)


def _write(index, updates: list[tuple[str, str, dict | None]], timeout: float) -> bool:
    """One commit of these updates, merging nothing; False when there was nothing to change.

    Runs under IndexStore.write_lock, which every writer here holds (hence _lk=False):
    Whoosh's own lock would stay held by a leaked file handle for the rest of the process
    whenever its writer fails to start or to commit (a full disk), and every later write
    would then end in LockError even after the disk had room again.
    """
    if not updates or not _changes_anything(index, updates):
        return False
    writer = index.writer(timeout=timeout, _lk=False, **WRITER_OPTIONS)
    try:
        for key_field, key, doc in updates:
            if doc is not None:
                # writer.schema, not index.schema: that one reads the table of contents
                # (and unpickles the schema) again on every use.
                writer.update_document(**as_written(doc, writer.schema))
            else:
                writer.delete_by_term(key_field, key)
        writer.commit(merge=False)
    except BaseException:
        if not writer.is_closed:
            writer.cancel()
        raise
    return True


def catch_up(session: Session, indexes: dict, done: progress.Progress, timeout: float, save):
    """Apply the rows `done` has not seen to `indexes`, a batch per commit.

    Returns (rows applied, progress after them, names of the indexes that changed).
    """
    applied, changed = 0, set()
    while True:
        rows = session.execute(
            sa.select(
                SearchChange.id,
                SearchChange.entity,
                SearchChange.entity_id,
                SearchChange.case_id,
                SearchChange.applied_at,
            )
            .where(changelog.pending_clause(done))
            .order_by(SearchChange.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return applied, done, changed
        updates = _updates(session, *_targets(rows))
        for name, index in indexes.items():
            if _write(index, updates[name], timeout):
                changed.add(name)
                # Under the write lock, like the index itself: the similar-case lists of this
                # build follow its content batch by batch.
                similar.refresh(index, session, updates[name])
        done = done.advanced([row.id for row in rows])
        save(done)
        # applied_at: "indexed by at least one instance", for readers of the log; per-instance
        # progress is the file above. Only written when new, so catching up stays read-only.
        fresh = [row.id for row in rows if row.applied_at is None]
        if fresh:
            session.execute(
                sa.update(SearchChange)
                .where(SearchChange.id.in_(fresh), SearchChange.applied_at.is_(None))
                .values(applied_at=utcnow())
            )
        session.commit()
        session.expunge_all()
        applied += len(rows)


def index_changed(target: IndexStore, names: set[str]) -> None:
    """The indexes `names` of `target` just committed new content (a batch of the change
    log, or a rebuild swapped in).

    The one place that learns of it, after the write lock is released and the progress is
    saved: what follows from new index content starts here. It runs in the thread that
    applied the changes (the background indexer, a writer, a search catching up, a
    rebuild), so it must be quick or hand its work on, as the merge request does: the
    indexer (or, without it, the writer) merges after it applied.
    """
    merging.request(target)


def apply_pending(timeout: float | None = None) -> int:
    """Apply the change-log rows this index directory has not seen; returns how many."""
    target = store()
    if timeout is None:
        timeout = current_app.config["SEARCH_WRITE_TIMEOUT"]
    with target.write_lock(timeout), Session(db.engine) as session:
        target.ensure()
        indexes = {name: target.open(name) for name in (NETWORK, ARCHIVE)}
        applied, _done, changed = catch_up(
            session,
            indexes,
            changelog.progress_of(session, target),
            current_app.config["SEARCH_WRITE_TIMEOUT"],
            lambda done: progress.save(target.root, done),
        )
    if changed:
        index_changed(target, changed)
    return applied


def apply_own(ids: list[int], timeout: float) -> bool:
    """After a commit: make sure this index holds the change-log rows `ids` (group commit).

    Whoever gets the write lock applies everything pending, so a writer that waited for the
    lock mostly finds its rows applied by the one before it and commits nothing itself.
    False when `timeout` passed first: the rows then stay for the next catch-up.
    """
    target = store()
    deadline = time.monotonic() + timeout
    pause, longest = POLL_SECONDS
    while True:
        done = progress.load(target.root)
        if done is not None and done.includes(ids) and target.exists():
            return True
        try:
            apply_pending(timeout=0)
            return True
        except IndexLockTimeout:
            if time.monotonic() >= deadline:
                return False
            time.sleep(pause)
            pause = min(pause * 1.5, longest)


def catch_up_if_behind(wait: float) -> bool:
    """Before reading the index: make sure it holds every change committed before now.

    No query when nothing can be pending (freshness.py: nothing marked since this process
    last looked, less than a few seconds ago); else one cheap query when nothing is pending
    (the newest change-log id against this index's progress). Otherwise it applies what is
    pending itself, or, while another process holds the write lock (the indexer, applying
    batch after batch), waits up to `wait` seconds for a batch to take the progress past
    the newest id it saw. Returns whether the index got there; if not, the caller reads
    what the index holds.
    """
    target = store()
    seen = freshness.signature(target)
    if freshness.unchanged(target, seen):
        return True
    looked_at = time.monotonic()
    if _caught_up(target, wait):
        freshness.confirmed(target, seen, looked_at)
        return True
    return False


def _caught_up(target: IndexStore, wait: float) -> bool:
    done = progress.load(target.root)
    # Without progress there is no index yet: it is made (and the log applied) right away.
    newest = None if done is None else changelog.newest_id()
    deadline = time.monotonic() + wait
    pause, longest = POLL_SECONDS
    while newest is None or not changelog.applied_through(progress.load(target.root), newest):
        try:
            apply_pending(timeout=0)
            return True
        except IndexLockTimeout:
            if time.monotonic() >= deadline:
                current_app.logger.info("Search index busy; reading it without catching up.")
                return False
            time.sleep(pause)
            pause = min(pause * 1.5, longest)
            newest = changelog.newest_id() if newest is None else newest
    return True
