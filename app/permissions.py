"""Who may see or change what. Every view and every query for cases goes through here."""

import sqlalchemy as sa
from flask_login import AnonymousUserMixin

from app.models import Case, Comment, Reflection, Role, User, Visibility

AnyUser = User | AnonymousUserMixin

# Visibility levels that every member of the network may read.
NETWORK_LEVELS = (Visibility.NETWORK, Visibility.ARCHIVE)


def _role(user: AnyUser) -> Role | None:
    return user.role if getattr(user, "is_authenticated", False) else None


def readable_cases_clause(user: AnyUser) -> sa.ColumnElement[bool]:
    """SQL condition for the cases this user may read; the single source of the case rules."""
    role = _role(user)
    if role == Role.ORGANISER:
        return sa.true()
    if role == Role.EXPERT:
        return Case.visibility.in_(NETWORK_LEVELS)
    if role == Role.PARTICIPANT:
        return sa.or_(
            Case.visibility.in_(NETWORK_LEVELS),
            sa.and_(
                Case.visibility == Visibility.DRAFT,
                sa.or_(
                    Case.municipality_id == user.municipality_id,
                    Case.author_id == user.id,
                ),
            ),
        )
    # Readers and anonymous visitors only ever see the published archive, which the archive
    # workflow serves through its own anonymised pages.
    return sa.false()


def is_network_member(user: AnyUser) -> bool:
    return _role(user) in (Role.PARTICIPANT, Role.EXPERT, Role.ORGANISER)


def can_create_case(user: AnyUser) -> bool:
    return _role(user) == Role.PARTICIPANT and user.municipality_id is not None


def can_edit_case(user: AnyUser, case: Case) -> bool:
    role = _role(user)
    return role == Role.ORGANISER or (
        role == Role.PARTICIPANT and user.municipality_id == case.municipality_id
    )


def can_delete_case(user: AnyUser, case: Case) -> bool:
    """Shared cases carry other people's comments, so only organisers remove them."""
    return _role(user) == Role.ORGANISER or (can_edit_case(user, case) and case.is_draft)


def can_comment(user: AnyUser) -> bool:
    return is_network_member(user)


def can_change_comment(user: AnyUser, comment: Comment) -> bool:
    if comment.is_deleted:
        return False
    return _role(user) == Role.ORGANISER or (
        is_network_member(user) and comment.author_id == user.id
    )


def can_reflect(user: AnyUser) -> bool:
    return _role(user) == Role.EXPERT


def can_change_reflection(user: AnyUser, reflection: Reflection) -> bool:
    return _role(user) == Role.ORGANISER or (
        _role(user) == Role.EXPERT and reflection.author_id == user.id
    )


def is_organiser(user: AnyUser) -> bool:
    return _role(user) == Role.ORGANISER


# --- The learning network: sessions, assignments, maatwerk, methods, intake ---


def can_manage_network(user: AnyUser) -> bool:
    """Intake, invitations, sessions, assignments and maatwerk are run by organisers."""
    return _role(user) == Role.ORGANISER


def can_write_meeting_report(user: AnyUser) -> bool:
    return _role(user) in (Role.ORGANISER, Role.EXPERT)


def can_rsvp(user: AnyUser) -> bool:
    return is_network_member(user)


def can_answer_assignments(user: AnyUser) -> bool:
    return _role(user) == Role.PARTICIPANT and user.municipality_id is not None


def can_read_response(user: AnyUser, municipality_id: int, assignment_closed: bool) -> bool:
    """Until the due date only the municipality itself and organisers read a response."""
    role = _role(user)
    if role == Role.ORGANISER:
        return True
    if role == Role.PARTICIPANT and user.municipality_id == municipality_id:
        return True
    return assignment_closed and is_network_member(user)


def can_see_maatwerk(user: AnyUser, municipality_id: int) -> bool:
    """Local support is between that municipality, the experts and the organisers."""
    role = _role(user)
    return role in (Role.ORGANISER, Role.EXPERT) or (
        role == Role.PARTICIPANT and user.municipality_id == municipality_id
    )


def can_curate_methods(user: AnyUser) -> bool:
    return _role(user) in (Role.ORGANISER, Role.EXPERT)


def can_link_methods(user: AnyUser, case: Case) -> bool:
    """The case's own municipality and the guides (experts, organisers) link methods to it."""
    return can_curate_methods(user) or can_edit_case(user, case)
