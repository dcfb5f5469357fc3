"""Assignments and responses. Both duo members may edit a response; optimistic locking with a
version number makes sure that one of them never silently overwrites the other."""

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from app import events
from app.directory.services import taking_part
from app.extensions import db
from app.markdown import render_markdown
from app.models import Assignment, AssignmentResponse, Case, Meeting, Municipality, User
from app.models.base import utcnow
from app.permissions import AnyUser, readable_cases_clause

DUE_SOON = timedelta(days=7)


class ResponseClosed(ValueError):
    """The due date has passed: the response is final."""


class ResponseConflict(Exception):
    """Someone saved a newer version since this writer started; carries what is saved now."""

    def __init__(self, current: AssignmentResponse) -> None:
        super().__init__("conflict")
        self.current = current


def is_closed(assignment: Assignment, today: date) -> bool:
    return today > assignment.due_date


def all_assignments() -> list[Assignment]:
    return list(
        db.session.scalars(
            sa.select(Assignment)
            .order_by(Assignment.due_date.desc())
            .options(selectinload(Assignment.meeting))
        )
    )


def get_assignment(assignment_id: int) -> Assignment | None:
    return db.session.get(Assignment, assignment_id)


def meetings() -> list[Meeting]:
    return list(db.session.scalars(sa.select(Meeting).order_by(Meeting.date)))


def save_assignment(
    assignment: Assignment | None, author: User, data: dict[str, Any]
) -> Assignment:
    created = assignment is None
    if assignment is None:
        assignment = Assignment(author=author)
        db.session.add(assignment)
    assignment.title = data["title"].strip()
    assignment.instructions = data["instructions"].strip()
    assignment.meeting_id = int(data["meeting"]) if data.get("meeting") else None
    assignment.due_date = data["due_date"]
    db.session.flush()
    events.assignment_changed.send(assignment, action="created" if created else "updated")
    db.session.commit()
    return assignment


def response_for(assignment: Assignment, municipality_id: int) -> AssignmentResponse | None:
    return db.session.scalar(
        sa.select(AssignmentResponse).where(
            AssignmentResponse.assignment_id == assignment.id,
            AssignmentResponse.municipality_id == municipality_id,
        )
    )


def responses(assignment: Assignment) -> list[AssignmentResponse]:
    return list(
        db.session.scalars(
            sa.select(AssignmentResponse)
            .join(AssignmentResponse.municipality)
            .where(AssignmentResponse.assignment_id == assignment.id)
            .order_by(Municipality.name)
            .options(
                selectinload(AssignmentResponse.municipality),
                selectinload(AssignmentResponse.case),
                selectinload(AssignmentResponse.updated_by),
            )
        )
    )


def municipality_cases(municipality_id: int) -> list[Case]:
    return list(
        db.session.scalars(
            sa.select(Case).where(Case.municipality_id == municipality_id).order_by(Case.title)
        )
    )


def readable_linked_cases(user: AnyUser, responses: list[AssignmentResponse]) -> set[int]:
    """Ids of the cases linked from these responses that this user may read (drafts stay home)."""
    linked = {response.case_id for response in responses if response.case_id}
    if not linked:
        return set()
    return set(
        db.session.scalars(
            sa.select(Case.id).where(Case.id.in_(linked), readable_cases_clause(user))
        )
    )


def _valid_case_id(case_id: int | None, municipality_id: int) -> int | None:
    if not case_id:
        return None
    found = db.session.get(Case, case_id)
    return found.id if found is not None and found.municipality_id == municipality_id else None


def save_response(
    assignment: Assignment,
    user: User,
    body: str,
    case_id: int | None,
    expected_version: int,
    today: date,
) -> AssignmentResponse:
    """Save the municipality's response if nobody saved in between; else ResponseConflict."""
    if is_closed(assignment, today):
        raise ResponseClosed()
    municipality_id = user.municipality_id
    values = {
        "body": body.strip(),
        # The compare-and-swap below is a bulk UPDATE, which the flush listener filling the
        # stored HTML (app/markdown.py) never sees.
        "body_html": str(render_markdown(body.strip())),
        "case_id": _valid_case_id(case_id, municipality_id),
        "updated_by_id": user.id,
        "updated_at": utcnow(),
    }
    existing = response_for(assignment, municipality_id)
    if existing is None:
        response = AssignmentResponse(
            assignment_id=assignment.id, municipality_id=municipality_id, version=1, **values
        )
        db.session.add(response)
        try:
            db.session.commit()
        except IntegrityError:
            # The other duo member created the response at the same moment.
            db.session.rollback()
            raise ResponseConflict(response_for(assignment, municipality_id)) from None
        return response
    # Compare-and-swap: only update the row if it is still the version the writer started from.
    updated = db.session.execute(
        sa.update(AssignmentResponse)
        .where(
            AssignmentResponse.id == existing.id,
            AssignmentResponse.version == expected_version,
        )
        .values(version=expected_version + 1, **values)
        .execution_options(synchronize_session=False)
    ).rowcount
    if updated != 1:
        db.session.rollback()
        db.session.refresh(existing)
        raise ResponseConflict(existing)
    db.session.commit()
    db.session.refresh(existing)
    return existing


@dataclass(frozen=True)
class HandIn:
    municipality: Municipality
    response: AssignmentResponse | None


def hand_in_overview(assignment: Assignment) -> list[HandIn]:
    """Every municipality of the network, with its response if it handed one in."""
    by_municipality = {response.municipality_id: response for response in responses(assignment)}
    municipalities = db.session.scalars(
        sa.select(Municipality)
        .where(sa.or_(taking_part(), Municipality.id.in_(by_municipality)))
        .order_by(Municipality.name)
    )
    return [HandIn(m, by_municipality.get(m.id)) for m in municipalities]


@dataclass(frozen=True)
class OpenAssignment:
    assignment: Assignment
    response: AssignmentResponse | None
    due_soon: bool


# Each open assignment with this municipality's response (at most one: a unique pair), in one
# statement built once: the participant dashboard shows them on every view.
_OPEN_WITH_RESPONSE = (
    sa.select(Assignment, AssignmentResponse)
    .outerjoin(
        AssignmentResponse,
        sa.and_(
            AssignmentResponse.assignment_id == Assignment.id,
            AssignmentResponse.municipality_id == sa.bindparam("municipality_id"),
        ),
    )
    .where(Assignment.due_date >= sa.bindparam("today"))
    .order_by(Assignment.due_date, Assignment.id)
)


def open_for(municipality_id: int, today: date) -> list[OpenAssignment]:
    """Assignments still open for this municipality, soonest due first."""
    rows = db.session.execute(
        _OPEN_WITH_RESPONSE, {"municipality_id": municipality_id, "today": today}
    )
    return [
        OpenAssignment(assignment, response, assignment.due_date - today <= DUE_SOON)
        for assignment, response in rows
    ]


def handed_in_counts(today: date, limit: int = 5) -> list[tuple[Assignment, int, int]]:
    """For the organiser dashboard: recent assignments with handed-in and total counts."""
    total = db.session.scalar(sa.select(sa.func.count(Municipality.id)).where(taking_part()))
    handed_in = (
        sa.select(sa.func.count(AssignmentResponse.id))
        .where(AssignmentResponse.assignment_id == Assignment.id)
        .scalar_subquery()
    )
    rows = db.session.execute(
        sa.select(Assignment, handed_in)
        .where(Assignment.due_date >= today - timedelta(days=30))
        .order_by(Assignment.due_date)
        .limit(limit)
    )
    return [(assignment, count, total) for assignment, count in rows]
