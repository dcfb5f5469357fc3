"""Building both indexes afresh from the database, beside the live ones, then swapping them in."""

from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session

from app.extensions import db
from app.models import Case, SearchChange
from app.models.base import utcnow
from app.search import documents, progress, similar
from app.search.schema import as_written
from app.search.storage import ARCHIVE, NETWORK, WRITER_OPTIONS, store
from app.search.writer import catch_up, index_changed

# Documents a parallel rebuild hands to one indexing process at a time.
REBUILD_BATCH = 100
# A rebuild treats ids missing among the last GAP_WINDOW as possibly not committed yet.
GAP_WINDOW = 1000


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
    similar.build_all((index for _path, index in builds.values()), processes if parallel else 1)
    snapshot = progress.Progress(upto=max(snapshot_id - GAP_WINDOW, 0)).advanced(recent)
    snapshot.upto = snapshot_id
    with target.write_lock(timeout), Session(db.engine) as session:
        # Changes committed while we built: apply them to the new builds before the swap.
        indexes = {name: index for name, (_path, index) in builds.items()}
        report.caught_up, done, _changed = catch_up(
            session, indexes, snapshot, timeout, lambda d: None
        )
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
    index_changed(target, set(builds))
    return report
