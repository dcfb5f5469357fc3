"""The search change log: one row per change that affects search, and how far an index got.

Every change that affects search writes a SearchChange row in its own transaction (see
receivers.py). After the commit the rows are applied in order (writer.py) and this index
directory records how far it got (progress.py). A crash in between leaves the rows pending
for this directory, and the next run (the background indexer, the next search, `flask search
catch-up`, or `make run`) applies them.

Instances that share one database but each have their own SEARCH_INDEX_DIR each follow the
whole log: a write is indexed on its own instance after its commit, and every other instance
applies it before its next search (writer.catch_up_if_behind; the commit marks the change
for every reader, freshness.py), so a case posted on one instance is found by the next
search on any other. `flask search catch-up` from cron keeps an instance that nobody
searches level too.
"""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.extensions import db
from app.models import SearchChange
from app.search import progress
from app.search.storage import IndexStore, store

# Session.info key: the change-log rows this transaction added, to index after its commit.
ROWS = "search_change_rows"


def record_change(entity: str, entity_id: int, case_id: int, action: str) -> None:
    """Log a change in the caller's transaction; it is indexed after that transaction commits."""
    session = db.session()
    row = SearchChange(entity=entity, entity_id=entity_id, case_id=case_id, action=action)
    session.add(row)
    session.info.setdefault(ROWS, []).append(row)


def committed_ids(session: Session) -> list[int]:
    """The ids of the change-log rows the session's transaction just committed (once)."""
    rows = session.info.pop(ROWS, [])
    # The identity stays known after the commit expired the rows: no query to reload them.
    return [identity[0] for row in rows if (identity := sa.inspect(row).identity)]


def forget(session: Session) -> None:
    """The transaction rolled back: its rows were never committed."""
    session.info.pop(ROWS, None)


def progress_of(session: Session, target: IndexStore) -> progress.Progress:
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


def pending_clause(done: progress.Progress):
    clause = SearchChange.id > done.upto
    if done.gaps:
        clause = sa.or_(clause, SearchChange.id.in_(sorted(done.gaps)))
    return clause


# Built once: building the statement cost twice what running it does.
_NEWEST_ID = sa.select(sa.func.max(SearchChange.id))


def newest_id() -> int:
    return db.session.scalar(_NEWEST_ID) or 0


def applied_through(done: progress.Progress | None, newest: int) -> bool:
    """Whether progress `done` holds every committed change-log row up to id `newest`.

    Without gaps that is a comparison; while the progress remembers gaps (ids committed out
    of order on PostgreSQL, see progress.py) it asks whether one of them is committed now.
    """
    if done is None or done.upto < newest:
        return False
    if not done.gaps:
        return True
    gaps = sa.select(SearchChange.id).where(SearchChange.id.in_(sorted(done.gaps))).limit(1)
    return db.session.scalar(gaps) is None


def behind(target: IndexStore) -> bool:
    """Whether the log holds rows this index directory has not applied.

    Asked before a read when a change may be pending (freshness.py), so it is one cheap
    question when nothing is: the newest id against this directory's progress.
    """
    done = progress.load(target.root)
    return done is None or not applied_through(done, newest_id())


def pending() -> tuple[int, datetime | None]:
    """How many change-log rows this index directory has not applied, and the oldest's time."""
    target = store()
    with Session(db.engine) as session:
        count, oldest = session.execute(
            sa.select(sa.func.count(SearchChange.id), sa.func.min(SearchChange.created_at)).where(
                pending_clause(progress_of(session, target))
            )
        ).one()
    return count, oldest


def pending_count() -> int:
    return pending()[0]


def ahead_of_log() -> bool:
    """True when this index applied ids the log does not hold: a restored, older database.

    The index then describes another history and later ids would be skipped; it needs a
    rebuild (which `backup restore` runs for its own instance, not for the others).
    """
    done = progress.load(store().root)
    if done is None or done.upto == 0:
        return False
    return newest_id() < done.upto
