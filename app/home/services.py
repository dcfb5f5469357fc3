"""What the home page shows, and the health check."""

import functools
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from app.extensions import db
from app.models import Case, Comment, Reflection, User, Visibility
from app.models.base import utcnow
from app.permissions import case_read_clause, case_read_rule
from app.queries import page_first
from app.rows import CaseLink, Writer

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
    """A comment or reflection, shown as one line in an activity list (read as plain rows:
    the line shows the case's title and the writer's name, no entity is needed)."""

    kind: str  # "reactie" | "reflectie"
    case: CaseLink
    author: Writer
    at: datetime
    anchor: str


# The dashboards' panels run on every view, so their statements are built once (per kind of
# reader where the read rule is part of them), with every value a bound parameter.
def _activity_statement(model, where, extra=()) -> sa.Select:
    query = sa.select(model).join(model.case).where(*extra, where)
    order = (model.created_at.desc(), model.id.desc())
    return (
        page_first(query, model, order, sa.bindparam("limit"))
        .with_only_columns(
            model.id, model.created_at, Case.id.label("case_id"), Case.title, User.display_name
        )
        .join(Case, Case.id == model.case_id)
        .join(User, User.id == model.author_id)
    )


def _comment_statement(where) -> sa.Select:
    return _activity_statement(Comment, where, (Comment.deleted_at.is_(None),))


def _reflection_statement(where) -> sa.Select:
    return _activity_statement(Reflection, where)


def _activities(kind: str, anchor: str, statement: sa.Select, params: dict) -> list[Activity]:
    rows = db.session.connection().execute(statement, params)
    return [
        Activity(
            kind,
            CaseLink(row.case_id, row.title),
            Writer(row.display_name),
            row.created_at,
            f"{anchor}-{row.id}",
        )
        for row in rows
    ]


def _comments(statement: sa.Select, params: dict) -> list[Activity]:
    return _activities("reactie", "comment", statement, params)


def _reflections(statement: sa.Select, params: dict) -> list[Activity]:
    return _activities("reflectie", "reflection", statement, params)


def _merge(*lists: list[Activity], limit: int) -> list[Activity]:
    merged = [item for items in lists for item in items]
    return sorted(merged, key=lambda item: item.at, reverse=True)[:limit]


_OWN_CASE = Case.municipality_id == sa.bindparam("municipality_id")
_SINCE = sa.bindparam("since")
_COMMENTS_ON_OWN_CASES = _comment_statement(
    sa.and_(_OWN_CASE, Comment.author_id != sa.bindparam("user_id"), Comment.created_at >= _SINCE)
)
_REFLECTIONS_ON_OWN_CASES = _reflection_statement(
    sa.and_(_OWN_CASE, Reflection.created_at >= _SINCE)
)


def activity_on_own_cases(user: User, limit: int) -> list[Activity]:
    """Recent comments and reflections by others on the cases of the user's municipality."""
    params = {
        "municipality_id": user.municipality_id,
        "user_id": user.id,
        "since": utcnow() - ACTIVITY_WINDOW,
        "limit": limit,
    }
    return _merge(
        _comments(_COMMENTS_ON_OWN_CASES, params),
        _reflections(_REFLECTIONS_ON_OWN_CASES, params),
        limit=limit,
    )


@functools.cache
def _readable_activity(rule_kind: str) -> tuple[sa.Select, sa.Select]:
    readable = case_read_clause(rule_kind)
    return _comment_statement(readable), _reflection_statement(readable)


def recent_activity(user: User, limit: int) -> list[Activity]:
    rule = case_read_rule(user)
    comments, reflections = _readable_activity(rule.kind)
    params = {**rule.params, "limit": limit}
    return _merge(_comments(comments, params), _reflections(reflections, params), limit=limit)


_AWAITING_REACTION = page_first(
    sa.select(Case).where(
        Case.visibility == Visibility.NETWORK,
        Case.municipality_id != sa.bindparam("municipality_id"),
        Case.status == "open",
        ~sa.select(Comment.id)
        .join(Comment.author)
        .where(Comment.case_id == Case.id, User.municipality_id == sa.bindparam("municipality_id"))
        .exists(),
    ),
    Case,
    (Case.shared_at.desc(), Case.id.desc()),
    sa.bindparam("limit"),
).options(joinedload(Case.municipality))


def awaiting_reaction(user: User, limit: int) -> list[Case]:
    """Open questions of other municipalities that nobody from ours has reacted to yet."""
    params = {"municipality_id": user.municipality_id, "limit": limit}
    return list(db.session.scalars(_AWAITING_REACTION, params))


_WITHOUT_REFLECTION = page_first(
    sa.select(Case).where(Case.visibility != Visibility.DRAFT, ~Case.reflections.any()),
    Case,
    (Case.shared_at, Case.id),
    sa.bindparam("limit"),
).options(joinedload(Case.municipality))


def without_reflection(limit: int) -> list[Case]:
    """Shared cases no expert has reflected on yet, the longest waiting first."""
    return list(db.session.scalars(_WITHOUT_REFLECTION, {"limit": limit}))


_VIEW_REQUESTED = page_first(
    sa.select(Case).where(
        Case.visibility != Visibility.DRAFT, Case.expert_view_requested.is_(True)
    ),
    Case,
    (Case.shared_at, Case.id),
    sa.bindparam("limit"),
).options(joinedload(Case.municipality), selectinload(Case.reflections))


def expert_view_requested(limit: int) -> list[Case]:
    return list(db.session.scalars(_VIEW_REQUESTED, {"limit": limit}))


_MY_REFLECTIONS = page_first(
    sa.select(Reflection).where(Reflection.author_id == sa.bindparam("author_id")),
    Reflection,
    (Reflection.created_at.desc(), Reflection.id.desc()),
    sa.bindparam("limit"),
).options(joinedload(Reflection.case))


def my_reflections(user: User, limit: int) -> list[Reflection]:
    return list(db.session.scalars(_MY_REFLECTIONS, {"author_id": user.id, "limit": limit}))
