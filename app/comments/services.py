"""Comments (reacties) on cases: one level of replies, soft deletion."""

from collections import defaultdict

import sqlalchemy as sa
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value

from app import events
from app.audit.services import record
from app.extensions import db
from app.history import services as history
from app.models import Case, Comment, User
from app.models.base import utcnow

# A case's comments with their authors and municipalities, and whether each was edited,
# built once: the case id is bound when it runs. An author and their municipality are one row
# each: joined, not queried again.
_THREAD = (
    sa.select(Comment, history.is_edited("comment"))
    .where(Comment.case_id == sa.bindparam("case_id"))
    .order_by(Comment.created_at, Comment.id)
    .options(joinedload(Comment.author).joinedload(User.municipality))
)


def thread(case: Case) -> tuple[list[Comment], set[int]]:
    """Top-level comments with their replies, authors and municipalities, and the ids of the
    edited ones, in one query.

    Replies are one level deep (find_parent), so the whole thread is one list of rows that
    is put together here, instead of a second query for the replies.
    """
    found = db.session.execute(_THREAD, {"case_id": case.id}).all()
    rows = [comment for comment, _edited in found]
    replies: dict[int, list[Comment]] = defaultdict(list)
    for comment in rows:
        if comment.parent_id is not None:
            replies[comment.parent_id].append(comment)
    top = [comment for comment in rows if comment.parent_id is None]
    for comment in top:
        # Loaded, not changed: the session must not see this as an edit to flush.
        set_committed_value(comment, "replies", replies.get(comment.id, []))
    return top, {comment.id for comment, edited in found if edited}


def visible_count(comments: list[Comment]) -> int:
    """Comments and replies of a thread (from `thread`) that are not deleted."""
    return sum(not comment.is_deleted for top in comments for comment in (top, *top.replies))


def count_visible(case: Case) -> int:
    return db.session.scalar(
        sa.select(sa.func.count(Comment.id)).where(
            Comment.case_id == case.id, Comment.deleted_at.is_(None)
        )
    )


def find_parent(case: Case, parent_id: str | None) -> Comment | None:
    """The comment a reply answers; replies to replies attach to the top of that thread."""
    if not parent_id or not str(parent_id).isdigit():
        return None
    parent = db.session.get(Comment, int(parent_id))
    if parent is None or parent.case_id != case.id:
        return None
    return parent.parent or parent


def add_comment(case: Case, author: User, body: str, parent: Comment | None = None) -> Comment:
    comment = Comment(case=case, author=author, body=body.strip(), parent=parent)
    db.session.add(comment)
    db.session.flush()
    history.record_new(comment, author)
    events.comment_changed.send(comment, action="created")
    db.session.commit()
    return comment


def edit_comment(comment: Comment, body: str, editor: User | None = None) -> Comment:
    """A changed text becomes a new version and marks the comment as edited."""
    history.keep_baseline(comment)
    if comment.body != body.strip():
        comment.body = body.strip()
        comment.edited_at = utcnow()
    db.session.flush()
    history.record(comment, editor)
    events.comment_changed.send(comment, action="updated")
    db.session.commit()
    return comment


def delete_comment(comment: Comment, actor: User | None = None, reason: str = "") -> Comment:
    """Soft delete: the text goes, the place in the thread stays for the replies."""
    if actor is not None and actor.id != comment.author_id:
        details = {"case_id": comment.case_id, "reason": reason.strip()}
        record("comment.moderated", actor, comment, details)
    # The text leaves the thread but stays in the history, which only organisers then read.
    history.keep_baseline(comment)
    comment.body = ""
    comment.deleted_at = utcnow()
    db.session.flush()
    events.comment_changed.send(comment, action="deleted")
    db.session.commit()
    return comment


def get_comment(comment_id: int) -> Comment | None:
    return db.session.get(Comment, comment_id)
