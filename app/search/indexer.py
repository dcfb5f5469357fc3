"""Keeping the indexes in step with the database: change log, catch-up, rebuild, check.

Every change that affects search writes a SearchChange row in its own transaction (the
receivers below). After the commit, the indexer applies pending rows in order under a
cross-process write lock and records how far it got in the index directory (progress.py).
A crash in between leaves the rows pending for this directory, and the next run (any later
write, the next search, `flask search catch-up`, or `make run`) applies them.

Instances that share one database but each have their own SEARCH_INDEX_DIR each follow the
whole log: a write indexes on its own instance after its commit, and every other instance
applies it before its next search (catch_up_if_behind), so a case posted on one instance is
found by the next search on any other. `flask search catch-up` from cron keeps an instance
that nobody searches level too.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from flask import Flask, current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

from app import events
from app.extensions import db
from app.models import Comment, Reflection, SearchChange
from app.models.base import utcnow
from app.search import documents, progress
from app.search.storage import ARCHIVE, NETWORK, IndexLockTimeout, IndexStore

BATCH = 500
# A rebuild treats ids missing among the last GAP_WINDOW as possibly not committed yet.
GAP_WINDOW = 1000
_DIRTY = "search_changes_pending"


def store() -> IndexStore:
    return IndexStore(current_app.config["SEARCH_INDEX_DIR"])


def record_change(entity: str, entity_id: int, case_id: int, action: str) -> None:
    """Log a change in the caller's transaction; it is indexed after that transaction commits."""
    session = db.session()
    session.add(SearchChange(entity=entity, entity_id=entity_id, case_id=case_id, action=action))
    session.info[_DIRTY] = True


def _on_case(case, action: str) -> None:
    record_change("case", case.id, case.id, action)


def _on_comment(comment: Comment, action: str) -> None:
    record_change("comment", comment.id, comment.case_id, action)


def _on_reflection(reflection: Reflection, action: str) -> None:
    record_change("reflection", reflection.id, reflection.case_id, action)


def _on_publication(publication, action: str) -> None:
    record_change("publication", publication.id, publication.case_id, action)


def _write(index, case_ids: Iterable[int], docs: dict[int, dict], timeout: float) -> None:
    """Write under IndexStore.write_lock, which every writer here holds (hence _lk=False).

    Whoosh's own lock would stay held by a leaked file handle for the rest of the process
    whenever its writer fails to start or to commit (a full disk), and every later write
    would then end in LockError even after the disk had room again.
    """
    writer = index.writer(timeout=timeout, _lk=False)
    try:
        for case_id in case_ids:
            if case_id in docs:
                writer.update_document(**docs[case_id])
            else:
                writer.delete_by_term("case_id", str(case_id))
        writer.commit()
    except BaseException:
        if not writer.is_closed:
            writer.cancel()
        raise


def _progress(session: Session, target: IndexStore) -> progress.Progress:
    """This index directory's progress; an older installation's is read from `applied_at`."""
    stored = progress.load(target.root)
    if stored is not None:
        return stored
    if not target.exists():
        return progress.Progress()  # no index yet: it will be created empty
    first_pending = session.scalar(
        sa.select(sa.func.min(SearchChange.id)).where(SearchChange.applied_at.is_(None))
    )
    if first_pending is not None:
        return progress.Progress(upto=first_pending - 1)
    return progress.Progress(upto=session.scalar(sa.select(sa.func.max(SearchChange.id))) or 0)


def _pending_clause(done: progress.Progress):
    clause = SearchChange.id > done.upto
    if done.gaps:
        clause = sa.or_(clause, SearchChange.id.in_(sorted(done.gaps)))
    return clause


def _catch_up(session: Session, indexes: dict, done: progress.Progress, timeout: float, save):
    """Apply the rows `done` has not seen to `indexes`, in batches; returns (applied, progress)."""
    applied = 0
    while True:
        rows = session.execute(
            sa.select(SearchChange.id, SearchChange.case_id, SearchChange.applied_at)
            .where(_pending_clause(done))
            .order_by(SearchChange.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return applied, done
        case_ids = list(dict.fromkeys(row.case_id for row in rows))
        network, archive = documents.documents_for(session, case_ids)
        _write(indexes[NETWORK], case_ids, network, timeout)
        _write(indexes[ARCHIVE], case_ids, archive, timeout)
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
        applied, _done = _catch_up(
            session,
            indexes,
            _progress(session, target),
            current_app.config["SEARCH_WRITE_TIMEOUT"],
            lambda done: progress.save(target.root, done),
        )
    return applied


def pending() -> tuple[int, datetime | None]:
    """How many change-log rows this index directory has not applied, and the oldest's time."""
    target = store()
    with Session(db.engine) as session:
        count, oldest = session.execute(
            sa.select(sa.func.count(SearchChange.id), sa.func.min(SearchChange.created_at)).where(
                _pending_clause(_progress(session, target))
            )
        ).one()
    return count, oldest


def ahead_of_log() -> bool:
    """True when this index applied ids the log does not hold: a restored, older database.

    The index then describes another history and later ids would be skipped; it needs a
    rebuild (which `backup restore` runs for its own instance, not for the others).
    """
    done = progress.load(store().root)
    if done is None or done.upto == 0:
        return False
    newest = db.session.scalar(sa.select(sa.func.max(SearchChange.id))) or 0
    return newest < done.upto


def pending_count() -> int:
    return pending()[0]


def catch_up_if_behind() -> int:
    """Before a search: apply what other instances (or a crashed run) committed meanwhile.

    One cheap query when nothing is pending. A busy lock means another process of this
    instance is applying right now; the search then goes ahead on what the index holds.
    """
    target = store()
    done = progress.load(target.root)
    if done is not None and target.exists():
        with Session(db.engine) as session:
            behind = session.scalar(
                sa.select(SearchChange.id).where(_pending_clause(done)).limit(1)
            )
        if behind is None:
            return 0
    try:
        return apply_pending(timeout=current_app.config["SEARCH_CATCH_UP_TIMEOUT"])
    except IndexLockTimeout:
        current_app.logger.info("Search index busy; searching without catching up first.")
        return 0


def _after_commit(session: Session) -> None:
    """Read-your-writes: index the request's own changes before its response is sent."""
    if not session.info.pop(_DIRTY, False):
        return
    try:
        apply_pending()
    except IndexLockTimeout:
        current_app.logger.warning("Search index busy; changes stay queued for the catch-up.")
    except Exception:
        # The change itself is committed; the log row lets the next run index it.
        current_app.logger.exception("Indexing after commit failed; changes stay queued.")


def _after_rollback(session: Session) -> None:
    session.info.pop(_DIRTY, None)


@dataclass
class RebuildReport:
    network: int = 0
    archive: int = 0
    caught_up: int = 0


def rebuild() -> RebuildReport:
    """Build both indexes from the database beside the live ones, then swap them in."""
    target = store()
    timeout = current_app.config["SEARCH_WRITE_TIMEOUT"]
    report = RebuildReport()
    builds = {name: target.new_build(name) for name in (NETWORK, ARCHIVE)}
    writers = {name: index.writer(limitmb=256) for name, (_path, index) in builds.items()}
    with Session(db.engine) as session:
        # One read transaction: the snapshot holds every change up to this change-log id,
        # except ids not committed yet (PostgreSQL): those are gaps the catch-up looks at.
        snapshot_id = session.scalar(sa.select(sa.func.max(SearchChange.id))) or 0
        recent = session.scalars(
            sa.select(SearchChange.id).where(SearchChange.id > snapshot_id - GAP_WINDOW)
        ).all()
        for network_doc, archive_doc in documents.all_documents(session):
            writers[NETWORK].add_document(**network_doc)
            report.network += 1
            if archive_doc is not None:
                writers[ARCHIVE].add_document(**archive_doc)
                report.archive += 1
    for writer in writers.values():
        writer.commit(optimize=True)
    snapshot = progress.Progress(upto=max(snapshot_id - GAP_WINDOW, 0)).advanced(recent)
    snapshot.upto = snapshot_id
    with target.write_lock(timeout), Session(db.engine) as session:
        # Changes committed while we built: apply them to the new builds before the swap.
        indexes = {name: index for name, (_path, index) in builds.items()}
        report.caught_up, done = _catch_up(session, indexes, snapshot, timeout, lambda d: None)
        for name, (path, _index) in builds.items():
            target.swap(name, path)
        progress.save(target.root, done)
        # Everything up to the snapshot is in the new builds (applied_at is informational).
        session.execute(
            sa.update(SearchChange)
            .where(SearchChange.applied_at.is_(None), SearchChange.id <= snapshot_id)
            .values(applied_at=utcnow())
        )
        session.commit()
    target.remove_old_builds()
    return report


@dataclass
class CheckReport:
    pending: int = 0
    problems: dict[str, list[str]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not any(self.problems.values())


def _indexed(index) -> dict[str, str]:
    with index.searcher() as searcher:
        return {
            fields["case_id"]: fields.get("digest", "") for fields in searcher.all_stored_fields()
        }


def check() -> CheckReport:
    """Compare every document the database implies with what the indexes hold."""
    target = store()
    report = CheckReport(pending=pending_count() if target.exists() else 0)
    if not target.exists():
        report.problems["index"] = [f"no search index in {target.root}"]
        return report
    expected: dict[str, dict[str, str]] = {NETWORK: {}, ARCHIVE: {}}
    with Session(db.engine) as session:
        for network_doc, archive_doc in documents.all_documents(session):
            expected[NETWORK][network_doc["case_id"]] = network_doc["digest"]
            if archive_doc is not None:
                expected[ARCHIVE][archive_doc["case_id"]] = archive_doc["digest"]
    for name in (NETWORK, ARCHIVE):
        actual = _indexed(target.open(name))
        want = expected[name]
        report.problems[f"{name}: missing"] = sorted(set(want) - set(actual), key=int)
        report.problems[f"{name}: extra"] = sorted(set(actual) - set(want), key=int)
        report.problems[f"{name}: stale"] = sorted(
            (key for key in set(want) & set(actual) if want[key] != actual[key]), key=int
        )
    return report


def init_app(app: Flask) -> None:
    events.case_changed.connect(_on_case)
    events.comment_changed.connect(_on_comment)
    events.reflection_changed.connect(_on_reflection)
    events.publication_changed.connect(_on_publication)


# Session events are global; they only act on sessions whose transaction logged a change.
event.listen(Session, "after_commit", _after_commit)
event.listen(Session, "after_rollback", _after_rollback)
