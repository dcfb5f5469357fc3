"""What the home page shows, and the health check."""

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from app.extensions import db
from app.models import Case, Comment, Reflection, User, Visibility
from app.models.base import utcnow
from app.permissions import readable_cases_clause
from app.queries import page_first

ACTIVITY_WINDOW = timedelta(days=30)


def database_problem() -> str | None:
    try:
        db.session.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError:
        db.session.rollback()
        return "unreachable"
    return None


@dataclass(frozen=True)
class Activity:
    """A comment or reflection, shown as one line in an activity list."""

    kind: str  # "reactie" | "reflectie"
    case: Case
    author: User
    at: datetime
    anchor: str


def _comments(where, limit: int) -> list[Activity]:
    query = sa.select(Comment).join(Comment.case).where(Comment.deleted_at.is_(None), where)
    rows = db.session.scalars(
        page_first(query, Comment, (Comment.created_at.desc(), Comment.id.desc()), limit).options(
            joinedload(Comment.case), joinedload(Comment.author)
        )
    )
    return [Activity("reactie", c.case, c.author, c.created_at, f"comment-{c.id}") for c in rows]


def _reflections(where, limit: int) -> list[Activity]:
    query = sa.select(Reflection).join(Reflection.case).where(where)
    order = (Reflection.created_at.desc(), Reflection.id.desc())
    rows = db.session.scalars(
        page_first(query, Reflection, order, limit).options(
            joinedload(Reflection.case), joinedload(Reflection.author)
        )
    )
    return [
        Activity("reflectie", r.case, r.author, r.created_at, f"reflection-{r.id}") for r in rows
    ]


def _merge(*lists: list[Activity], limit: int) -> list[Activity]:
    merged = [item for items in lists for item in items]
    return sorted(merged, key=lambda item: item.at, reverse=True)[:limit]


def activity_on_own_cases(user: User, limit: int) -> list[Activity]:
    """Recent comments and reflections by others on the cases of the user's municipality."""
    since = utcnow() - ACTIVITY_WINDOW
    own = sa.and_(Case.municipality_id == user.municipality_id)
    return _merge(
        _comments(sa.and_(own, Comment.author_id != user.id, Comment.created_at >= since), limit),
        _reflections(sa.and_(own, Reflection.created_at >= since), limit),
        limit=limit,
    )


def recent_activity(user: User, limit: int) -> list[Activity]:
    readable = readable_cases_clause(user)
    return _merge(_comments(readable, limit), _reflections(readable, limit), limit=limit)


def awaiting_reaction(user: User, limit: int) -> list[Case]:
    """Open questions of other municipalities that nobody from ours has reacted to yet."""
    reacted = (
        sa.select(Comment.id)
        .join(Comment.author)
        .where(Comment.case_id == Case.id, User.municipality_id == user.municipality_id)
        .exists()
    )
    query = sa.select(Case).where(
        Case.visibility == Visibility.NETWORK,
        Case.municipality_id != user.municipality_id,
        Case.status == "open",
        ~reacted,
    )
    order = (Case.shared_at.desc(), Case.id.desc())
    return list(
        db.session.scalars(
            page_first(query, Case, order, limit).options(joinedload(Case.municipality))
        )
    )


def without_reflection(limit: int) -> list[Case]:
    """Shared cases no expert has reflected on yet, the longest waiting first."""
    query = sa.select(Case).where(Case.visibility != Visibility.DRAFT, ~Case.reflections.any())
    return list(
        db.session.scalars(
            page_first(query, Case, (Case.shared_at, Case.id), limit).options(
                joinedload(Case.municipality)
            )
        )
    )


def expert_view_requested(limit: int) -> list[Case]:
    query = sa.select(Case).where(
        Case.visibility != Visibility.DRAFT, Case.expert_view_requested.is_(True)
    )
    return list(
        db.session.scalars(
            page_first(query, Case, (Case.shared_at, Case.id), limit).options(
                joinedload(Case.municipality), selectinload(Case.reflections)
            )
        )
    )


def my_reflections(user: User, limit: int) -> list[Reflection]:
    query = sa.select(Reflection).where(Reflection.author_id == user.id)
    order = (Reflection.created_at.desc(), Reflection.id.desc())
    return list(
        db.session.scalars(
            page_first(query, Reflection, order, limit).options(joinedload(Reflection.case))
        )
    )
