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
from app.models import Case, Comment, Method, Reflection, SearchChange, User
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


def _on_method(method: Method, action: str) -> None:
    # A method belongs to no case: case_id 0 matches no case, so code that only reads
    # case_id treats the row as a harmless no-op; _targets() reads the method from entity_id.
    record_change("method", method.id, 0, action)


def _on_user_erased(user: User) -> None:
    """Re-index everything the erased person wrote, so no document keeps their old details."""
    session = db.session()
    for case_id in session.scalars(sa.select(Case.id).where(Case.author_id == user.id)):
        record_change("case", case_id, case_id, "erased")
    for model, entity in ((Comment, "comment"), (Reflection, "reflection")):
        rows = session.execute(
            sa.select(model.id, model.case_id).where(model.author_id == user.id)
        ).all()
        for entity_id, case_id in rows:
            record_change(entity, entity_id, case_id, "erased")
    for method_id in session.scalars(sa.select(Method.id).where(Method.author_id == user.id)):
        record_change("method", method_id, 0, "erased")


def _on_database_restored(app: Flask) -> None:
    """The index must match the restored database, not the one it replaced."""
    report = rebuild()
    app.logger.info(
        "Search index rebuilt after a restore: %s network, %s archive documents",
        report.network,
        report.archive,
    )


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


def _write(index, updates: list[tuple[str, str, dict | None]], timeout: float) -> None:
    writer = index.writer(timeout=timeout)
    try:
        for key_field, key, doc in updates:
            if doc is not None:
                writer.update_document(**doc)
            else:
                writer.delete_by_term(key_field, key)
    except BaseException:
        writer.cancel()
        raise
    writer.commit()


def _apply(session: Session, indexes: dict, rows: list, timeout: float) -> None:
    """Bring the documents these change-log rows name up to date in the given indexes."""
    updates = _updates(session, *_targets(rows))
    for name, index in indexes.items():
        _write(index, updates[name], timeout)


def apply_pending(limit: int | None = None) -> int:
    """Apply pending change-log rows in id order; returns how many were applied."""
    target = store()
    timeout = current_app.config["SEARCH_WRITE_TIMEOUT"]
    applied = 0
    with target.write_lock(timeout), Session(db.engine) as session:
        target.ensure()
        while limit is None or applied < limit:
            rows = session.execute(
                sa.select(
                    SearchChange.id,
                    SearchChange.entity,
                    SearchChange.entity_id,
                    SearchChange.case_id,
                )
                .where(SearchChange.applied_at.is_(None))
                .order_by(SearchChange.id)
                .limit(BATCH)
            ).all()
            if not rows:
                break
            _apply(session, {name: target.open(name) for name in (NETWORK, ARCHIVE)}, rows, timeout)
            session.execute(
                sa.update(SearchChange)
                .where(SearchChange.id.in_([row.id for row in rows]))
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
            sa.select(
                SearchChange.id, SearchChange.entity, SearchChange.entity_id, SearchChange.case_id
            ).where(SearchChange.id > snapshot_id)
        ).all()
        if later:
            _apply(
                session, {name: index for name, (_path, index) in builds.items()}, later, timeout
            )
        report.caught_up = len(later)
        for name, (path, _index) in builds.items():
            target.swap(name, path)
        # Exactly what the new builds hold: the snapshot and the changes applied since.
        done = sa.or_(
            SearchChange.id <= snapshot_id, SearchChange.id.in_([row.id for row in later])
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
            documents.doc_key(fields): fields.get("digest", "")
            for fields in searcher.all_stored_fields()
        }


def _report_order(key: str) -> tuple[int, int]:
    """Cases by id, then methods by id."""
    kind, _, number = key.rpartition("-")
    return (1 if kind else 0, int(number))


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
            expected[NETWORK][documents.doc_key(network_doc)] = network_doc["digest"]
            if archive_doc is not None:
                expected[ARCHIVE][documents.doc_key(archive_doc)] = archive_doc["digest"]
    for name in (NETWORK, ARCHIVE):
        actual = _indexed(target.open(name))
        want = expected[name]
        report.problems[f"{name}: missing"] = sorted(set(want) - set(actual), key=_report_order)
        report.problems[f"{name}: extra"] = sorted(set(actual) - set(want), key=_report_order)
        report.problems[f"{name}: stale"] = sorted(
            (key for key in set(want) & set(actual) if want[key] != actual[key]),
            key=_report_order,
        )
    return report


def init_app(app: Flask) -> None:
    events.case_changed.connect(_on_case)
    events.comment_changed.connect(_on_comment)
    events.reflection_changed.connect(_on_reflection)
    events.publication_changed.connect(_on_publication)
    events.method_changed.connect(_on_method)
    events.user_erased.connect(_on_user_erased)
    events.database_restored.connect(_on_database_restored)


# Session events are global; they only act on sessions whose transaction logged a change.
event.listen(Session, "after_commit", _after_commit)
event.listen(Session, "after_rollback", _after_rollback)
