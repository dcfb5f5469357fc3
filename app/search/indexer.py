"""Keeping the indexes in step with the database: change log, catch-up, rebuild, check.

Every change that affects search writes a SearchChange row in its own transaction (the
receivers below). After the commit, the indexer applies pending rows in order under a
cross-process write lock and stamps them applied. A crash in between leaves the rows pending,
and the next run (any later write, `flask search catch-up`, or `make run`) applies them.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask import Flask, current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

from app import events
from app.extensions import db
from app.models import Comment, Reflection, SearchChange
from app.models.base import utcnow
from app.search import documents
from app.search.storage import ARCHIVE, NETWORK, IndexLockTimeout, IndexStore

BATCH = 500
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
    writer = index.writer(timeout=timeout)
    try:
        for case_id in case_ids:
            if case_id in docs:
                writer.update_document(**docs[case_id])
            else:
                writer.delete_by_term("case_id", str(case_id))
    except BaseException:
        writer.cancel()
        raise
    writer.commit()


def _apply(session: Session, target: IndexStore, case_ids: list[int], timeout: float) -> None:
    network, archive = documents.documents_for(session, case_ids)
    _write(target.open(NETWORK), case_ids, network, timeout)
    _write(target.open(ARCHIVE), case_ids, archive, timeout)


def apply_pending(limit: int | None = None) -> int:
    """Apply pending change-log rows in id order; returns how many were applied."""
    target = store()
    timeout = current_app.config["SEARCH_WRITE_TIMEOUT"]
    applied = 0
    with target.write_lock(timeout), Session(db.engine) as session:
        target.ensure()
        while limit is None or applied < limit:
            rows = session.execute(
                sa.select(SearchChange.id, SearchChange.case_id)
                .where(SearchChange.applied_at.is_(None))
                .order_by(SearchChange.id)
                .limit(BATCH)
            ).all()
            if not rows:
                break
            case_ids = list(dict.fromkeys(case_id for _id, case_id in rows))
            _apply(session, target, case_ids, timeout)
            session.execute(
                sa.update(SearchChange)
                .where(SearchChange.id.in_([row_id for row_id, _case in rows]))
                .values(applied_at=utcnow())
            )
            session.commit()
            session.expunge_all()
            applied += len(rows)
    return applied


def pending_count() -> int:
    return db.session.scalar(
        sa.select(sa.func.count(SearchChange.id)).where(SearchChange.applied_at.is_(None))
    )


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
        # One read transaction: the snapshot holds every change up to this change-log id.
        snapshot_id = session.scalar(sa.select(sa.func.max(SearchChange.id))) or 0
        for network_doc, archive_doc in documents.all_documents(session):
            writers[NETWORK].add_document(**network_doc)
            report.network += 1
            if archive_doc is not None:
                writers[ARCHIVE].add_document(**archive_doc)
                report.archive += 1
    for writer in writers.values():
        writer.commit(optimize=True)
    with target.write_lock(timeout), Session(db.engine) as session:
        # Changes committed while we built: apply them to the new builds before the swap.
        later = session.execute(
            sa.select(SearchChange.id, SearchChange.case_id).where(SearchChange.id > snapshot_id)
        ).all()
        if later:
            case_ids = list(dict.fromkeys(case_id for _id, case_id in later))
            network, archive = documents.documents_for(session, case_ids)
            _write(builds[NETWORK][1], case_ids, network, timeout)
            _write(builds[ARCHIVE][1], case_ids, archive, timeout)
        report.caught_up = len(later)
        for name, (path, _index) in builds.items():
            target.swap(name, path)
        # Exactly what the new builds hold: the snapshot and the changes applied since.
        done = sa.or_(
            SearchChange.id <= snapshot_id, SearchChange.id.in_([row_id for row_id, _c in later])
        )
        session.execute(
            sa.update(SearchChange)
            .where(SearchChange.applied_at.is_(None), done)
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
    report = CheckReport(pending=pending_count())
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
