"""Who may see or change what. Every view and every query for cases goes through here."""

from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app, g, has_app_context
from flask_login import AnonymousUserMixin

from app.extensions import db
from app.models import (
    ArchivePublication,
    Case,
    Comment,
    NetworkClosure,
    PublicationStatus,
    Reflection,
    Role,
    User,
    Visibility,
)

AnyUser = User | AnonymousUserMixin

# Visibility levels that every member of the network may read.
NETWORK_LEVELS = (Visibility.NETWORK, Visibility.ARCHIVE)


def _role(user: AnyUser) -> Role | None:
    return user.role if getattr(user, "is_authenticated", False) else None


@dataclass(frozen=True)
class ReadScope:
    """What a user may read, independent of how it is queried (SQL here, the search index).

    `archive_only`: the user reads the published archive and nothing of the network.
    Otherwise `everything`, or the listed visibility levels plus the drafts of one municipality
    and one author.
    """

    archive_only: bool = False
    everything: bool = False
    visibilities: tuple[Visibility, ...] = ()
    draft_municipality_id: int | None = None
    draft_author_id: int | None = None


def read_scope(user: AnyUser) -> ReadScope:
    """The single source of the case read rules."""
    role = _role(user)
    if role == Role.ORGANISER:
        return ReadScope(everything=True)
    if role == Role.EXPERT:
        return ReadScope(visibilities=NETWORK_LEVELS)
    if role == Role.PARTICIPANT:
        return ReadScope(
            visibilities=NETWORK_LEVELS,
            draft_municipality_id=user.municipality_id,
            draft_author_id=user.id,
        )
    # Readers and anonymous visitors only ever see the published archive, which the archive
    # pages serve from the anonymised copy.
    return ReadScope(archive_only=True)


def readable_cases_clause(user: AnyUser) -> sa.ColumnElement[bool]:
    """SQL condition for the network cases this user may read."""
    scope = read_scope(user)
    if scope.everything:
        return sa.true()
    if scope.archive_only:
        return sa.false()
    drafts = sa.or_(
        Case.municipality_id == scope.draft_municipality_id,
        Case.author_id == scope.draft_author_id,
    )
    return sa.or_(
        Case.visibility.in_(scope.visibilities),
        sa.and_(Case.visibility == Visibility.DRAFT, drafts),
    )


@dataclass(frozen=True)
class CaseReadRule:
    """readable_cases_clause as a kind of reader and the parameters of its condition.

    Building a statement costs more Python than running it, so the busiest pages build theirs
    once per `kind` ("all", "none", "member"), with case_read_clause(kind) as the condition,
    and pass `params` when they execute it.
    """

    kind: str
    params: dict


_MEMBER_CASES = sa.or_(
    Case.visibility.in_(NETWORK_LEVELS),
    sa.and_(
        Case.visibility == Visibility.DRAFT,
        sa.or_(
            Case.municipality_id == sa.bindparam("draft_municipality_id"),
            Case.author_id == sa.bindparam("draft_author_id"),
        ),
    ),
)
_READ_CLAUSES = {"all": sa.true(), "none": sa.false(), "member": _MEMBER_CASES}


def case_read_clause(kind: str) -> sa.ColumnElement[bool]:
    """The condition of a CaseReadRule's kind, with the reader's ids as bound parameters."""
    return _READ_CLAUSES[kind]


def case_read_rule(user: AnyUser) -> CaseReadRule:
    """The same rule as readable_cases_clause, as a kind of reader and its parameters."""
    scope = read_scope(user)
    if scope.everything:
        return CaseReadRule("all", {})
    if scope.archive_only:
        return CaseReadRule("none", {})
    # An expert has no drafts: NULL parameters match no row (= NULL is never true).
    params = {
        "draft_municipality_id": scope.draft_municipality_id,
        "draft_author_id": scope.draft_author_id,
    }
    return CaseReadRule("member", params)


def published_clause() -> sa.ColumnElement[bool]:
    """SQL condition for publications that anyone allowed into the archive may read."""
    return ArchivePublication.status == PublicationStatus.PUBLISHED


def can_read_archive(user: AnyUser) -> bool:
    """The archive is public unless ARCHIVE_PUBLIC is off; then an account is needed."""
    return current_app.config["ARCHIVE_PUBLIC"] or getattr(user, "is_authenticated", False)


_NETWORK_CLOSED = sa.select(NetworkClosure.closed).order_by(NetworkClosure.id.desc()).limit(1)


def network_is_closed() -> bool:
    """Whether an organiser closed the network; cached per request."""
    if has_app_context() and "network_closed" in g:
        return g.network_closed
    closed = bool(db.session.scalar(_NETWORK_CLOSED))
    if has_app_context():
        g.network_closed = closed
    return closed


def _may_write(user: AnyUser) -> bool:
    """After the network closes only organisers still change anything (moderation, archive)."""
    return _role(user) == Role.ORGANISER or not network_is_closed()


def is_network_member(user: AnyUser) -> bool:
    return _role(user) in (Role.PARTICIPANT, Role.EXPERT, Role.ORGANISER)


def can_create_case(user: AnyUser) -> bool:
    return _role(user) == Role.PARTICIPANT and user.municipality_id is not None and _may_write(user)


def can_edit_case(user: AnyUser, case: Case) -> bool:
    role = _role(user)
    return role == Role.ORGANISER or (
        role == Role.PARTICIPANT
        and user.municipality_id == case.municipality_id
        and _may_write(user)
    )


def can_delete_case(user: AnyUser, case: Case) -> bool:
    """Shared cases carry other people's comments, so only organisers remove them."""
    return _role(user) == Role.ORGANISER or (can_edit_case(user, case) and case.is_draft)


def can_comment(user: AnyUser) -> bool:
    return is_network_member(user) and _may_write(user)


def can_change_comment(user: AnyUser, comment: Comment) -> bool:
    if comment.is_deleted:
        return False
    return _role(user) == Role.ORGANISER or (
        is_network_member(user) and comment.author_id == user.id and _may_write(user)
    )


def can_reflect(user: AnyUser) -> bool:
    return _role(user) == Role.EXPERT and _may_write(user)


def can_change_reflection(user: AnyUser, reflection: Reflection) -> bool:
    return _role(user) == Role.ORGANISER or (
        _role(user) == Role.EXPERT and reflection.author_id == user.id and _may_write(user)
    )


def can_propose_for_archive(user: AnyUser, case: Case) -> bool:
    """A participant of the case's municipality proposes a shared case for the archive."""
    return (
        _role(user) == Role.PARTICIPANT
        and user.municipality_id == case.municipality_id
        and not case.is_draft
        and _may_write(user)
    )


def can_record_consent(user: AnyUser, case: Case) -> bool:
    """Consent is given on behalf of the municipality, so by one of its own participants."""
    return can_propose_for_archive(user, case)


def can_withdraw_consent(user: AnyUser, case: Case) -> bool:
    """The municipality may always take back its consent, also after the network closed."""
    return _role(user) == Role.PARTICIPANT and user.municipality_id == case.municipality_id


def can_consent_reflection(user: AnyUser, reflection: Reflection) -> bool:
    """Only the expert who wrote a reflection decides whether it may be published."""
    return _role(user) == Role.EXPERT and reflection.author_id == user.id


def is_organiser(user: AnyUser) -> bool:
    return _role(user) == Role.ORGANISER


# --- Edit history ---


def can_read_history(user: AnyUser, item, case_readable: bool) -> bool:
    """A history is as private as its item: the case's readers for a case and what hangs on
    it (the caller tells whether this user may read that case); the network for a method.
    A deleted comment's old text stays with the organisers, who moderate."""
    if isinstance(item, Comment) and item.is_deleted:
        return _role(user) == Role.ORGANISER and case_readable
    if isinstance(item, Case | Comment | Reflection):
        return case_readable
    return is_network_member(user)


def can_restore_version(user: AnyUser) -> bool:
    """Putting an earlier text back overrules its writer: the organisers' moderation."""
    return _role(user) == Role.ORGANISER


# --- The learning network: sessions, assignments, maatwerk, methods, intake ---


def can_manage_network(user: AnyUser) -> bool:
    """Intake, invitations, sessions, assignments and maatwerk are run by organisers."""
    return _role(user) == Role.ORGANISER


def can_write_meeting_report(user: AnyUser) -> bool:
    return _role(user) in (Role.ORGANISER, Role.EXPERT) and _may_write(user)


def can_rsvp(user: AnyUser) -> bool:
    """Saying whether you come; a closed network holds no more sessions to come to."""
    return is_network_member(user) and _may_write(user)


def can_answer_assignments(user: AnyUser) -> bool:
    """Belongs to a municipality that hands in responses (and so reads its own)."""
    return _role(user) == Role.PARTICIPANT and user.municipality_id is not None


def can_respond_to_assignments(user: AnyUser) -> bool:
    """Writing that response: not after the network closed."""
    return can_answer_assignments(user) and _may_write(user)


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
    """Experts and organisers; also maatwerk session reports. Experts stop when it closes."""
    return _role(user) in (Role.ORGANISER, Role.EXPERT) and _may_write(user)


def can_delete_method(user: AnyUser, method) -> bool:
    """Curating is shared, removing is not: the method's own author, or an organiser."""
    role = _role(user)
    return role == Role.ORGANISER or (
        role == Role.EXPERT and method.author_id == user.id and _may_write(user)
    )


def can_link_methods(user: AnyUser, case: Case) -> bool:
    """The case's own municipality and the guides (experts, organisers) link methods to it."""
    return can_curate_methods(user) or can_edit_case(user, case)
