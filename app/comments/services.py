"""Comments (reacties) on cases: one level of replies, soft deletion."""

from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from markupsafe import Markup

from app import events
from app.audit.services import record
from app.extensions import db
from app.history import services as history
from app.models import Case, Comment, Municipality, Role, User
from app.models.base import utcnow
from app.rows import Named


@dataclass(frozen=True)
class ThreadAuthor:
    """What a thread shows of a comment's writer: the attributes of a User it reads."""

    display_name: str
    organisation: str | None
    role: Role
    municipality: Named | None


@dataclass(frozen=True)
class ThreadComment:
    """A comment as a thread shows it, read as plain rows: nothing on the page changes it,
    and loading Comment, User and Municipality entities cost four times the query. It has the
    attributes of a Comment that the thread and the permission checks read."""

    id: int
    author_id: int
    parent_id: int | None
    body_html: str
    created_at: datetime
    deleted_at: datetime | None
    author: ThreadAuthor
    replies: list["ThreadComment"] = field(default_factory=list)

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    def html(self, name: str) -> Markup:
        """The stored HTML of the body, as Comment.html gives it."""
        if name != "body":
            raise KeyError(f"ThreadComment.{name} is not a stored Markdown field")
        return Markup(self.body_html or "")


# A case's comments with their authors and municipalities, and whether each was edited,
# built once: the case id is bound when it runs.
_THREAD = (
    sa.select(
        Comment.id,
        Comment.author_id,
        Comment.parent_id,
        Comment.body_html,
        Comment.created_at,
        Comment.deleted_at,
        User.display_name,
        User.organisation,
        User.role,
        Municipality.name.label("municipality"),
        history.is_edited("comment"),
    )
    .join(User, User.id == Comment.author_id)
    .outerjoin(Municipality, Municipality.id == User.municipality_id)
    .where(Comment.case_id == sa.bindparam("case_id"))
    .order_by(Comment.created_at, Comment.id)
)


def thread(case: Case) -> tuple[list[ThreadComment], set[int]]:
    """Top-level comments with their replies, authors and municipalities, and the ids of the
    edited ones, in one query.

    Replies are one level deep (find_parent), so the whole thread is one list of rows that
    is put together here, instead of a second query for the replies.
    """
    rows = db.session.connection().execute(_THREAD, {"case_id": case.id}).all()
    comments = [
        ThreadComment(
            row.id,
            row.author_id,
            row.parent_id,
            row.body_html,
            row.created_at,
            row.deleted_at,
            ThreadAuthor(
                row.display_name,
                row.organisation,
                row.role,
                Named(row.municipality) if row.municipality is not None else None,
            ),
        )
        for row in rows
    ]
    top = {comment.id: comment for comment in comments if comment.parent_id is None}
    for comment in comments:
        # A reply hangs under the top of its thread (find_parent); nothing deeper is shown.
        if comment.parent_id is not None and comment.parent_id in top:
            top[comment.parent_id].replies.append(comment)
    return list(top.values()), {row.id for row in rows if row.edited}


def visible_count(comments: list[ThreadComment]) -> int:
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
