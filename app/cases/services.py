"""Reading and writing cases; the only code that changes them in the database."""

import functools
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from math import ceil
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from app import events
from app.audit.services import record
from app.extensions import db
from app.history import services as history
from app.models import (
    CASE_SECTIONS,
    ArchiveEvent,
    ArchivePublication,
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
    case_dilemmas,
    case_themes,
)
from app.models.base import utcnow
from app.permissions import AnyUser, case_read_clause, case_read_rule, readable_cases_clause
from app.queries import page_first
from app.rows import Named

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
    found = _readable_case(user, case_id, detail=False)
    return found[0] if found is not None else None


@dataclass(frozen=True)
class CaseDetail:
    """A readable case, and what its page shows beside it that comes from the same statement:
    whether it was edited, and its archive publication (with the publication's log)."""

    case: Case
    edited: bool
    publication: ArchivePublication | None


def get_case_detail(user: AnyUser, case_id: int) -> CaseDetail | None:
    """`get_readable_case` for the case page, with its edited mark and publication."""
    found = _readable_case(user, case_id, detail=True)
    return CaseDetail(*found) if found is not None else None


def _readable_case(user: AnyUser, case_id: int, detail: bool) -> sa.Row | None:
    rule = case_read_rule(user)
    statement = _readable_case_statement(rule.kind, detail)
    return db.session.execute(statement, {**rule.params, "case_id": case_id}).unique().one_or_none()


# Built once per kind of reader (every reader of a kind has the same clause) and for the case
# page or not (CaseDetail), with the reader's ids and the case id bound when it runs: building
# it cost more Python than running it.
@functools.cache
def _readable_case_statement(rule_kind: str, detail: bool) -> sa.Select:
    rule_clause = case_read_clause(rule_kind)
    statement = sa.select(Case)
    if detail:
        # A case has at most one publication: joined rather than a statement of its own.
        statement = (
            sa.select(Case, history.is_edited("case"), ArchivePublication)
            .outerjoin(ArchivePublication, ArchivePublication.case_id == Case.id)
            .options(selectinload(ArchivePublication.events).selectinload(ArchiveEvent.actor))
        )
    return (
        statement.where(rule_clause, Case.id == sa.bindparam("case_id"))
        # Themes and dilemmas joined into the case's own query (a case has a few of each,
        # so their product is a handful of rows), as plain outer joins through the link
        # tables. joinedload() nests a many-to-many as LEFT JOIN (case_themes JOIN themes),
        # which SQLite cannot flatten: it read the themes and dilemmas of every case for
        # each case loaded (54 ms at 10,000 cases, against 3.5 ms for the whole query here).
        .outerjoin(case_themes, case_themes.c.case_id == Case.id)
        .outerjoin(Theme, Theme.id == case_themes.c.theme_id)
        .outerjoin(case_dilemmas, case_dilemmas.c.case_id == Case.id)
        .outerjoin(Dilemma, Dilemma.id == case_dilemmas.c.dilemma_id)
        .order_by(Theme.name, Dilemma.number)  # the relationships' own order
        .options(
            contains_eager(Case.themes),
            contains_eager(Case.dilemmas),
            joinedload(Case.municipality),
            joinedload(Case.author),
        )
    )


@dataclass(frozen=True)
class ActivityCount:
    comments: int = 0
    reflections: int = 0


def _comment_count() -> sa.ScalarSelect:
    return (
        sa.select(sa.func.count(Comment.id))
        .where(Comment.case_id == Case.id, Comment.deleted_at.is_(None))
        .scalar_subquery()
    )


def _reflection_count() -> sa.ScalarSelect:
    return (
        sa.select(sa.func.count(Reflection.id))
        .where(Reflection.case_id == Case.id)
        .scalar_subquery()
    )


@dataclass(frozen=True)
class CaseCard:
    """A case as its card shows it (templates/_macros/cases.html case_card), read as plain
    rows: nothing on a list changes it, and loading Case entities with their municipality
    and themes cost three times the statements. It has the attributes of a Case the card reads.
    """

    id: int
    title: str
    municipality: Named
    updated_at: datetime
    polarisation_kind: PolarisationKind
    status: CaseStatus
    visibility: Visibility
    expert_view_requested: bool
    themes: list[Named] = field(default_factory=list)

    @property
    def is_draft(self) -> bool:
        return self.visibility == Visibility.DRAFT


@dataclass(frozen=True)
class CaseCards:
    """Cases as cards: each with its municipality, themes and activity, from two queries."""

    items: list[CaseCard]
    activity: dict[int, ActivityCount]


_CARD_ORDER = (Case.updated_at.desc(), Case.id.desc())


def _card_statement(query: sa.Select) -> sa.Select:
    """`query`'s cases as cards, most recently active first, a page at a time.

    The page's case ids are found first, and only those cases are loaded with their counts
    (queries.page_first): sorting the whole rows took 300 ms a page at 10,000 cases. The page
    is the bound parameters "limit" and "offset", so one statement serves every page.
    """
    page = page_first(query, Case, _CARD_ORDER, sa.bindparam("limit"), sa.bindparam("offset"))
    return page.with_only_columns(
        Case.id,
        Case.title,
        Municipality.name.label("municipality"),
        Case.updated_at,
        Case.polarisation_kind,
        Case.status,
        Case.visibility,
        Case.expert_view_requested,
        _comment_count().label("comments"),
        _reflection_count().label("reflections"),
    ).join(Municipality, Municipality.id == Case.municipality_id)


# The themes of the cards' cases, in the order Case.themes has them.
_CARD_THEMES = (
    sa.select(case_themes.c.case_id, Theme.name)
    .join(Theme, Theme.id == case_themes.c.theme_id)
    .where(case_themes.c.case_id.in_(sa.bindparam("case_ids", expanding=True)))
    .order_by(Theme.name)
)


def _cards(statement: sa.Select, params: dict) -> CaseCards:
    connection = db.session.connection()
    rows = connection.execute(statement, params).all()
    cards = [
        CaseCard(
            row.id,
            row.title,
            Named(row.municipality),
            row.updated_at,
            row.polarisation_kind,
            row.status,
            row.visibility,
            row.expert_view_requested,
        )
        for row in rows
    ]
    if cards:
        by_id = {card.id: card for card in cards}
        for case_id, name in connection.execute(_CARD_THEMES, {"case_ids": list(by_id)}):
            by_id[case_id].themes.append(Named(name))
    return CaseCards(
        items=cards,
        activity={row.id: ActivityCount(row.comments, row.reflections) for row in rows},
    )


@dataclass(frozen=True)
class CasePage(CaseCards):
    """One page of the case list, with what the page links need."""

    page: int = 1
    per_page: int = 20
    total: int = 0

    @property
    def pages(self) -> int:
        return ceil(self.total / self.per_page) if self.total else 0

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int | None:
        return self.page - 1 if self.has_prev else None

    @property
    def next_num(self) -> int | None:
        return self.page + 1 if self.has_next else None

    def iter_pages(self, edge: int = 2, before: int = 2, after: int = 4) -> Iterator[int | None]:
        """Page numbers for the links: both ends and around this page, None for a gap."""
        shown = sorted(
            {*range(1, edge + 1), *range(self.pages - edge + 1, self.pages + 1)}
            | set(range(self.page - before, self.page + after + 1))
        )
        previous = 0
        for number in shown:
            if 1 <= number <= self.pages:
                if number > previous + 1:
                    yield None
                yield number
                previous = number


# Building a statement costs more Python than running it, so the case list and the dashboards
# build theirs once per shape: the kind of reader (permissions.case_read_rule) and which
# filters are set. Every value is a bound parameter.
@functools.cache
def _filtered_cases(rule_kind: str, filters: frozenset[str]) -> sa.Select:
    query = sa.select(Case).where(case_read_clause(rule_kind))
    if "theme" in filters:
        query = query.where(Case.themes.any(Theme.slug == sa.bindparam("theme")))
    if "municipality" in filters:
        query = query.where(Case.municipality_id == sa.bindparam("municipality"))
    if "kind" in filters:
        query = query.where(Case.polarisation_kind == sa.bindparam("kind"))
    if "status" in filters:
        query = query.where(Case.status == sa.bindparam("status"))
    if "visibility" in filters:
        query = query.where(Case.visibility == sa.bindparam("visibility"))
    return query


@functools.cache
def _list_statements(rule_kind: str, filters: frozenset[str]) -> tuple[sa.Select, sa.Select]:
    """The count and the page of cards of one shape of the case list."""
    query = _filtered_cases(rule_kind, filters)
    count = sa.select(sa.func.count()).select_from(query.subquery())
    return count, _card_statement(query)


@functools.cache
def _recent_statement(rule_kind: str, filters: frozenset[str]) -> sa.Select:
    return _card_statement(_filtered_cases(rule_kind, filters))


def list_cases(user: AnyUser, filters: CaseFilters, page: int, per_page: int) -> CasePage:
    """One page of the cases this user may read, most recently active first."""
    rule = case_read_rule(user)
    values = {key: getattr(filters, key) for key in ("theme", "municipality", "kind", "status")}
    values = {key: value for key, value in values.items() if value}
    count, cards = _list_statements(rule.kind, frozenset(values))
    params = {**rule.params, **values}
    total = db.session.scalar(count, params)
    page_params = {**params, "limit": per_page, "offset": (page - 1) * per_page}
    found = _cards(cards, page_params)
    return CasePage(found.items, found.activity, page=page, per_page=per_page, total=total)


def recent_cases(
    user: AnyUser, visibility: Visibility, limit: int, municipality_id: int | None = None
) -> CaseCards:
    rule = case_read_rule(user)
    values = {"visibility": visibility}
    if municipality_id is not None:
        values["municipality"] = municipality_id
    statement = _recent_statement(rule.kind, frozenset(values))
    return _cards(statement, {**rule.params, **values, "limit": limit, "offset": 0})


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
    for name in SECTION_FIELDS:
        setattr(case, name, (data.get(name) or "").strip())
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
    history.record_new(case, author)
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
