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

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from flask import Flask, current_app
from sqlalchemy import event
from sqlalchemy.orm import Session
from whoosh.codec.whoosh3 import W3Codec
from whoosh.reading import SegmentReader

from app import events
from app.extensions import db
from app.models import Case, Comment, Method, Reflection, SearchChange, User
from app.models.base import utcnow
from app.search import documents, progress, similar
from app.search.schema import as_written
from app.search.storage import ARCHIVE, NETWORK, IndexLockTimeout, IndexStore

BATCH = 500
# Segments as separate files, not one compound file: Whoosh opens a file inside a compound
# segment by copying it into memory (BytesIO over the mmap), so every new reader of a
# 10,000-case index copied its term dictionary, several times per posted comment.
# Terms in fewer than 8 documents (most word pairs) are stored inside their term entry
# rather than as a posting block of their own (see whoosh_patches).
WRITER_OPTIONS = {"compound": False, "codec": W3Codec(inlinelimit=8)}
# Documents a parallel rebuild hands to one indexing process at a time.
REBUILD_BATCH = 100
# A rebuild treats ids missing among the last GAP_WINDOW as possibly not committed yet.
GAP_WINDOW = 1000
_DIRTY = "search_changes_pending"
# The check's problem for live indexes built with an older schema (it lists index names).
OUTDATED = "index built with an older schema"


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
            sa.select(
                SearchChange.id,
                SearchChange.entity,
                SearchChange.entity_id,
                SearchChange.case_id,
                SearchChange.applied_at,
            )
            .where(_pending_clause(done))
            .order_by(SearchChange.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return applied, done
        updates = _updates(session, *_targets(rows))
        for name, index in indexes.items():
            _write(index, updates[name], timeout)
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


def _rebuild_writer(index, processes: int):
    # Postings are sorted in memory up to SEARCH_REBUILD_MEMORY_MB per process (Whoosh's
    # estimate) before they spill to sorted runs on disk that are merged again, a pickle per
    # posting each way: 5,000 cases took 123 s of CPU spilling at 256 MB, 78 s at 2 GB.
    memory = current_app.config["SEARCH_REBUILD_MEMORY_MB"]
    if processes > 1:
        # Whoosh's multiprocessing writer: this process reads the database and hands the
        # documents on, each worker process analyses its share into a segment of its own.
        # multisegment keeps those segments as they are: merging them into one would write
        # every posting again, in this process alone.
        return index.writer(
            procs=processes,
            multisegment=True,
            batchsize=REBUILD_BATCH,
            limitmb=memory,
            **WRITER_OPTIONS,
        )
    return index.writer(limitmb=memory, **WRITER_OPTIONS)


def rebuild() -> RebuildReport:
    """Build both indexes from the database beside the live ones, then swap them in."""
    target = store()
    timeout = current_app.config["SEARCH_WRITE_TIMEOUT"]
    report = RebuildReport()
    builds = {name: target.new_build(name) for name in (NETWORK, ARCHIVE)}
    schemas = {name: index.schema for name, (_path, index) in builds.items()}
    with Session(db.engine) as session:
        cases = session.scalar(sa.select(sa.func.count(Case.id)))
    processes = current_app.config["SEARCH_REBUILD_PROCESSES"]
    parallel = processes > 1 and cases >= current_app.config["SEARCH_REBUILD_PARALLEL_FROM"]
    writers = {
        NETWORK: _rebuild_writer(builds[NETWORK][1], processes if parallel else 1),
        # The archive holds only published cases: a small index, one process.
        ARCHIVE: _rebuild_writer(builds[ARCHIVE][1], 1),
    }
    with Session(db.engine) as session:
        # One read transaction: the snapshot holds every change up to this change-log id,
        # except ids not committed yet (PostgreSQL): those are gaps the catch-up looks at.
        snapshot_id = session.scalar(sa.select(sa.func.max(SearchChange.id))) or 0
        recent = session.scalars(
            sa.select(SearchChange.id).where(SearchChange.id > snapshot_id - GAP_WINDOW)
        ).all()
        for network_doc, archive_doc in documents.all_documents(session):
            writers[NETWORK].add_document(**as_written(network_doc, schemas[NETWORK]))
            report.network += 1
            if archive_doc is not None:
                writers[ARCHIVE].add_document(**as_written(archive_doc, schemas[ARCHIVE]))
                report.archive += 1
    writers[NETWORK].commit(optimize=not parallel)
    writers[ARCHIVE].commit(optimize=True)
    similar.build_all(index for _path, index in builds.values())
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
    report = CheckReport(pending=pending_count() if target.exists() else 0)
    if not target.exists():
        report.problems["index"] = [f"no search index in {target.root}"]
        return report
    report.problems[OUTDATED] = target.outdated()
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
