"""The methods library, and the links between methods and cases or reflections."""

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from app import events
from app.audit.services import record
from app.extensions import db
from app.history import services as history
from app.models import (
    Case,
    Dilemma,
    Method,
    PolarisationKind,
    Reflection,
    Theme,
    User,
    case_methods,
)
from app.permissions import AnyUser, readable_cases_clause


class MethodError(ValueError):
    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def list_methods(theme: str = "", kind: str = "") -> list[Method]:
    query = sa.select(Method).order_by(Method.name).options(selectinload(Method.themes))
    if theme:
        query = query.where(Method.themes.any(Theme.slug == theme))
    if kind:
        query = query.where(
            sa.or_(
                Method.polarisation_kind == kind, Method.polarisation_kind == PolarisationKind.BOTH
            )
        )
    return list(db.session.scalars(query))


def method_names() -> list[tuple[int, str]]:
    """(id, name) of every method by name: the choices of the forms that link methods."""
    rows = db.session.execute(sa.select(Method.id, Method.name).order_by(Method.name))
    return [(method_id, name) for method_id, name in rows]


# The case page's methods, as plain (id, name) rows by name, built once with the case id bound
# when they run: the methods linked to a case, and for those who link more, every method
# with whether it is linked (the form's choices are the others), in one statement.
_LINKED = (
    sa.select(Method.id, Method.name)
    .join(case_methods, case_methods.c.method_id == Method.id)
    .where(case_methods.c.case_id == sa.bindparam("case_id"))
    .order_by(Method.name)
)
_ALL_WITH_LINK = sa.select(
    Method.id,
    Method.name,
    sa.exists()
    .where(case_methods.c.case_id == sa.bindparam("case_id"))
    .where(case_methods.c.method_id == Method.id)
    .label("linked"),
).order_by(Method.name)


def linked_methods(case: Case) -> list[sa.Row]:
    """(id, name) of the methods linked to this case, by name."""
    return list(db.session.connection().execute(_LINKED, {"case_id": case.id}))


def methods_with_link(case: Case) -> list[sa.Row]:
    """(id, name, linked) of every method by name, linked telling whether this case has it."""
    return list(db.session.connection().execute(_ALL_WITH_LINK, {"case_id": case.id}))


def get_method(method_id: int) -> Method | None:
    return db.session.get(Method, method_id)


def save_method(method: Method | None, author: User, data: dict[str, Any]) -> Method:
    name = data["name"].strip()
    existing = db.session.scalar(sa.select(Method).where(Method.name == name))
    if existing is not None and existing is not method:
        raise MethodError("Er bestaat al een methodiek met deze naam.", field="name")
    created = method is None
    if method is None:
        method = Method(author=author)
        db.session.add(method)
    else:
        history.keep_baseline(method)
    method.name = name
    method.summary = data["summary"].strip()
    method.when_useful = (data.get("when_useful") or "").strip()
    method.how_to = (data.get("how_to") or "").strip()
    method.sources = "\n".join(
        line.strip() for line in (data.get("sources") or "").splitlines() if line.strip()
    )
    kind = data.get("polarisation_kind")
    method.polarisation_kind = PolarisationKind(kind) if kind else None
    method.is_public = bool(data.get("is_public"))
    method.themes = list(
        db.session.scalars(sa.select(Theme).where(Theme.id.in_(data.get("themes") or [])))
    )
    method.dilemmas = list(
        db.session.scalars(sa.select(Dilemma).where(Dilemma.id.in_(data.get("dilemmas") or [])))
    )
    db.session.flush()
    if created:
        history.record_new(method, author)
    else:
        history.record(method, author)
    events.method_changed.send(method, action="created" if created else "updated")
    db.session.commit()
    return method


def delete_method(method: Method, actor: User | None = None, reason: str = "") -> None:
    """Gone for good, so the audit log keeps who removed it, whose it was and why."""
    record(
        "method.deleted",
        actor,
        method,
        {"author_id": method.author_id, "reason": reason.strip()},
    )
    events.method_changed.send(method, action="deleted")
    db.session.delete(method)
    db.session.commit()


def cases_using(method: Method, user: AnyUser) -> list[Case]:
    """The cases linked to this method that this user may read."""
    return list(
        db.session.scalars(
            sa.select(Case)
            .where(Case.methods.any(Method.id == method.id), readable_cases_clause(user))
            .order_by(Case.title)
            .options(selectinload(Case.municipality))
        )
    )


def reflections_using(method: Method, user: AnyUser) -> list[Reflection]:
    return list(
        db.session.scalars(
            sa.select(Reflection)
            .join(Reflection.case)
            .where(Reflection.methods.any(Method.id == method.id), readable_cases_clause(user))
            .order_by(Reflection.created_at.desc())
            .options(selectinload(Reflection.case), selectinload(Reflection.author))
        )
    )


def link_case(case: Case, method: Method) -> None:
    if method not in case.methods:
        case.methods.append(method)
        db.session.flush()
        events.case_changed.send(case, action="updated")
    db.session.commit()


def unlink_case(case: Case, method: Method) -> None:
    if method in case.methods:
        case.methods.remove(method)
        db.session.flush()
        events.case_changed.send(case, action="updated")
    db.session.commit()


def methods_by_ids(ids: list[int]) -> list[Method]:
    if not ids:
        return []
    return list(db.session.scalars(sa.select(Method).where(Method.id.in_(ids))))
