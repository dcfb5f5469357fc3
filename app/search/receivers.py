"""What search does when the rest of the app changes something: domain events and commits.

Registered when this module is imported (by the search blueprint), as the notifications'
receivers are. The domain events come inside the sender's transaction and only log the change
(changelog.record_change); after the commit the change is handed to the background indexer
(background.py), or applied right away when SEARCH_INDEX_IN_BACKGROUND is off (writer.py).
Session events are global; they only act on sessions whose transaction logged a change.
"""

import sqlalchemy as sa
from flask import Flask, current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

from app import events
from app.extensions import db
from app.models import Case, Comment, Method, Reflection, User
from app.search import background, changelog, freshness, merging, rebuild, writer
from app.search.changelog import record_change
from app.search.storage import store


@events.case_changed.connect
def _on_case(case, action: str) -> None:
    record_change("case", case.id, case.id, action)


@events.comment_changed.connect
def _on_comment(comment: Comment, action: str) -> None:
    record_change("comment", comment.id, comment.case_id, action)


@events.reflection_changed.connect
def _on_reflection(reflection: Reflection, action: str) -> None:
    record_change("reflection", reflection.id, reflection.case_id, action)


@events.publication_changed.connect
def _on_publication(publication, action: str) -> None:
    record_change("publication", publication.id, publication.case_id, action)


@events.method_changed.connect
def _on_method(method: Method, action: str) -> None:
    # A method belongs to no case: case_id 0 matches no case, so code that only reads
    # case_id treats the row as a harmless no-op; the writer reads the method from entity_id.
    record_change("method", method.id, 0, action)


@events.user_erased.connect
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


@events.database_restored.connect
def _on_database_restored(app: Flask) -> None:
    """The index must match the restored database, not the one it replaced."""
    report = rebuild.rebuild()
    app.logger.info(
        "Search index rebuilt after a restore: %s network, %s archive documents",
        report.network,
        report.archive,
    )


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    """Have the transaction's changes indexed: by the background indexer, or right here."""
    ids = changelog.committed_ids(session)
    if not ids:
        return
    app = current_app._get_current_object()
    # Before anything else (before the response too): other readers must look at the log.
    freshness.logged()
    if app.config["SEARCH_INDEX_IN_BACKGROUND"]:
        background.notify(app)
        return
    try:
        if writer.apply_own(ids, app.config["SEARCH_WRITE_TIMEOUT"]):
            merging.merge_requested(store(), app.config["SEARCH_WRITE_TIMEOUT"])
        else:
            app.logger.warning("Search index busy; changes stay queued for the catch-up.")
    except Exception:
        # The change itself is committed; the log row lets the next run index it.
        app.logger.exception("Indexing after commit failed; changes stay queued.")


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    changelog.forget(session)
