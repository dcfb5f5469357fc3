"""Reading and writing cases; the only code that changes them in the database."""

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy.orm import joinedload, selectinload

from app import events
from app.audit.services import record
from app.extensions import db
from app.history import services as history
from app.models import (
    CASE_SECTIONS,
    Case,
    CaseStatus,
    Comment,
    Dilemma,
    Municipality,
    PolarisationKind,
    Reflection,
    Role,
    Theme,
    User,
    Visibility,
)
from app.models.base import utcnow
from app.permissions import AnyUser, readable_cases_clause

SECTION_FIELDS = tuple(name for name, _label in CASE_SECTIONS)


@dataclass(frozen=True)
class CaseFilters:
    theme: str = ""
    municipality: int | None = None
    kind: str = ""
    status: str = ""

    def as_query_args(self) -> dict[str, Any]:
        """The filters as URL arguments, leaving out the empty ones."""
        args = {
            "theme": self.theme,
            "municipality": self.municipality,
            "kind": self.kind,
            "status": self.status,
        }
        return {key: value for key, value in args.items() if value}


def readable_cases(user: AnyUser) -> sa.Select[tuple[Case]]:
    return sa.select(Case).where(readable_cases_clause(user))


def get_readable_case(user: AnyUser, case_id: int) -> Case | None:
    """The case if this user may read it; None both when it is missing and when it is hidden."""
    return db.session.scalar(
        readable_cases(user)
        .where(Case.id == case_id)
        .options(
            selectinload(Case.themes),
            selectinload(Case.dilemmas),
            # One row each: joined into the case's own query instead of two more queries.
            joinedload(Case.municipality),
            joinedload(Case.author),
        )
    )


@dataclass(frozen=True)
class ActivityCount:
    comments: int = 0
    reflections: int = 0


def activity_counts(cases: list[Case]) -> dict[int, ActivityCount]:
    """Comment and reflection counts for a page of cases, in two grouped queries."""
    ids = [case.id for case in cases]
    if not ids:
        return {}
    comments = dict(
        db.session.execute(
            sa.select(Comment.case_id, sa.func.count())
            .where(Comment.case_id.in_(ids), Comment.deleted_at.is_(None))
            .group_by(Comment.case_id)
        ).all()
    )
    reflections = dict(
        db.session.execute(
            sa.select(Reflection.case_id, sa.func.count())
            .where(Reflection.case_id.in_(ids))
            .group_by(Reflection.case_id)
        ).all()
    )
    return {
        case_id: ActivityCount(comments.get(case_id, 0), reflections.get(case_id, 0))
        for case_id in ids
    }


def _card_options(query: sa.Select) -> sa.Select:
    return query.options(selectinload(Case.themes), selectinload(Case.municipality))


def list_cases(user: AnyUser, filters: CaseFilters, page: int, per_page: int) -> Pagination:
    """One page of the cases this user may read, most recently active first."""
    query = readable_cases(user)
    if filters.theme:
        query = query.where(Case.themes.any(Theme.slug == filters.theme))
    if filters.municipality:
        query = query.where(Case.municipality_id == filters.municipality)
    if filters.kind:
        query = query.where(Case.polarisation_kind == filters.kind)
    if filters.status:
        query = query.where(Case.status == filters.status)
    query = _card_options(query.order_by(Case.updated_at.desc(), Case.id.desc()))
    return db.paginate(query, page=page, per_page=per_page, error_out=False, count=True)


def recent_cases(
    user: AnyUser, visibility: Visibility, limit: int, municipality_id: int | None = None
) -> list[Case]:
    query = readable_cases(user).where(Case.visibility == visibility)
    if municipality_id is not None:
        query = query.where(Case.municipality_id == municipality_id)
    query = _card_options(query.order_by(Case.updated_at.desc()).limit(limit))
    return list(db.session.scalars(query))


def all_themes() -> list[Theme]:
    return list(db.session.scalars(sa.select(Theme).order_by(Theme.name)))


def all_dilemmas() -> list[Dilemma]:
    return list(db.session.scalars(sa.select(Dilemma).order_by(Dilemma.number)))


def all_municipalities() -> list[Municipality]:
    return list(db.session.scalars(sa.select(Municipality).order_by(Municipality.name)))


def _apply_form_data(case: Case, data: dict[str, Any]) -> None:
    case.title = data["title"].strip()
    case.polarisation_kind = PolarisationKind(data["polarisation_kind"])
    case.status = CaseStatus(data["status"])
    case.expert_view_requested = bool(data.get("expert_view_requested"))
    for field in SECTION_FIELDS:
        setattr(case, field, (data.get(field) or "").strip())
    case.themes = list(db.session.scalars(sa.select(Theme).where(Theme.id.in_(data["themes"]))))
    case.dilemmas = list(
        db.session.scalars(sa.select(Dilemma).where(Dilemma.id.in_(data.get("dilemmas") or [])))
    )


def _share(case: Case) -> None:
    if case.visibility == Visibility.DRAFT:
        case.visibility = Visibility.NETWORK
        case.shared_at = utcnow()


def create_case(author: User, data: dict[str, Any], share: bool) -> Case:
    """A new case for the author's own municipality, saved as draft or shared with the network."""
    case = Case(author=author, municipality_id=author.municipality_id, visibility=Visibility.DRAFT)
    _apply_form_data(case, data)
    if share:
        _share(case)
    db.session.add(case)
    db.session.flush()
    history.record(case, author)
    events.case_changed.send(case, action="created")
    db.session.commit()
    return case


def update_case(case: Case, data: dict[str, Any], share: bool, editor: User | None = None) -> Case:
    """Save the form; a change of its texts becomes a new version by the editor."""
    history.keep_baseline(case)
    _apply_form_data(case, data)
    if share:
        _share(case)
    db.session.flush()
    history.record(case, editor)
    events.case_changed.send(case, action="updated")
    db.session.commit()
    return case


def delete_case(case: Case, actor: User | None = None, reason: str = "") -> None:
    """Gone with its comments, reflections and history; an organiser's removal is audited."""
    if actor is not None and actor.role == Role.ORGANISER:
        record("case.deleted", actor, case, {"reason": reason.strip()})
    events.case_changed.send(case, action="deleted")
    db.session.delete(case)
    db.session.commit()
