"""Applying the change log to the indexes: the Whoosh writer, its merge policy, the catch-up."""

import math
from collections.abc import Iterable

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session
from whoosh.codec.whoosh3 import W3Codec
from whoosh.reading import SegmentReader

from app.extensions import db
from app.models import SearchChange
from app.models.base import utcnow
from app.search import documents, progress
from app.search.changelog import pending_clause, progress_of
from app.search.schema import as_written
from app.search.storage import ARCHIVE, NETWORK, IndexLockTimeout, store

BATCH = 500
# Segments as separate files, not one compound file: Whoosh opens a file inside a compound
# segment by copying it into memory (BytesIO over the mmap), so every new reader of a
# 10,000-case index copied its term dictionary, several times per posted comment.
# Terms in fewer than 8 documents (most word pairs) are stored inside their term entry
# rather than as a posting block of their own (see whoosh_patches).
WRITER_OPTIONS = {"compound": False, "codec": W3Codec(inlinelimit=8)}


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


# Segments are merged MERGE_FACTOR at a time, each with others of its size class ("tier":
# 1-7 documents, 8-63, 64-511, ...).
MERGE_FACTOR = 8


def _tier(segment) -> int:
    return int(math.log(max(segment.doc_count_all(), 1), MERGE_FACTOR))


def merge_by_tier(writer, segments: list) -> list:
    """Whoosh merge policy: merge the segments of the smallest tier that has MERGE_FACTOR.

    A merge runs inside the commit of the request that wrote, and its cost grows with the
    documents merged. Whoosh's own policy (MERGE_SMALL) merged a few dozen documents every
    few commits, and at 10,000 cases each such merge took most of a second. Here a commit
    merges one tier at most: eight small segments on one commit in eight, eight 8-document
    ones on one in 64, and so on, so the slow merges are rare; the index stays at a few
    segments per tier, and a rebuild starts afresh.
    """
    tiers: dict[int, list] = {}
    for segment in segments:
        tiers.setdefault(_tier(segment), []).append(segment)
    for tier in sorted(tiers):
        if len(tiers[tier]) >= MERGE_FACTOR:
            merged = tiers[tier][:MERGE_FACTOR]
            for segment in merged:
                reader = SegmentReader(writer.storage, writer.schema, segment)
                writer.add_reader(reader)
                reader.close()
            return [segment for segment in segments if segment not in merged]
    return segments


def _write(index, updates: list[tuple[str, str, dict | None]], timeout: float) -> None:
    """Write under IndexStore.write_lock, which every writer here holds (hence _lk=False).

    Whoosh's own lock would stay held by a leaked file handle for the rest of the process
    whenever its writer fails to start or to commit (a full disk), and every later write
    would then end in LockError even after the disk had room again.
    """
    writer = index.writer(timeout=timeout, _lk=False, **WRITER_OPTIONS)
    try:
        changed = False
        for key_field, key, doc in updates:
            if doc is not None:
                writer.update_document(**as_written(doc, index.schema))
                changed = True
            elif writer.delete_by_term(key_field, key):
                changed = True
        if changed:
            writer.commit(mergetype=merge_by_tier)
        else:
            # Deleting what the index does not hold (most changes, for the archive index):
            # a commit would only write a new generation and run the merge policy.
            writer.cancel()
    except BaseException:
        if not writer.is_closed:
            writer.cancel()
        raise


def catch_up(session: Session, indexes: dict, done: progress.Progress, timeout: float, save):
    """Apply the rows `done` has not seen to `indexes`, in batches; returns (applied, progress)."""
    applied = 0
    while True:
        rows = session.execute(
            sa.select(
                SearchChange.id,
                SearchChange.entity,
                SearchChange.entity_id,
                SearchChange.case_id,
                SearchChange.applied_at,
            )
            .where(pending_clause(done))
            .order_by(SearchChange.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return applied, done
        updates = _updates(session, *_targets(rows))
        for name, index in indexes.items():
            _write(index, updates[name], timeout)
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


def apply_pending(timeout: float | None = None) -> int:
    """Apply the change-log rows this index directory has not seen; returns how many."""
    target = store()
    if timeout is None:
        timeout = current_app.config["SEARCH_WRITE_TIMEOUT"]
    with target.write_lock(timeout), Session(db.engine) as session:
        target.ensure()
        indexes = {name: target.open(name) for name in (NETWORK, ARCHIVE)}
        applied, _done = catch_up(
            session,
            indexes,
            progress_of(session, target),
            current_app.config["SEARCH_WRITE_TIMEOUT"],
            lambda done: progress.save(target.root, done),
        )
    return applied


def catch_up_if_behind() -> int:
    """Before a search: apply what other instances (or a crashed run) committed meanwhile.

    One cheap query when nothing is pending. A busy lock means another process of this
    instance is applying right now; the search then goes ahead on what the index holds.
    """
    target = store()
    done = progress.load(target.root)
    if done is not None and target.exists():
        with Session(db.engine) as session:
            behind = session.scalar(sa.select(SearchChange.id).where(pending_clause(done)).limit(1))
        if behind is None:
            return 0
    try:
        return apply_pending(timeout=current_app.config["SEARCH_CATCH_UP_TIMEOUT"])
    except IndexLockTimeout:
        current_app.logger.info("Search index busy; searching without catching up first.")
        return 0
