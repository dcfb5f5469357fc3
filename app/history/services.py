"""Edit history: recording a version on every save that changes a text, reading and restoring.

The services that write cases, reflections, comments and methods call `keep_baseline` before
they change an item and `record` after, inside their own transaction. `keep_baseline` matters
for items written without these services (the demo seed, old rows): their state before the
first edit is kept as version 1, by the item's author, so no earlier text is ever lost.
"""

import functools
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from blinker import Signal
from sqlalchemy.orm import selectinload

from app import events
from app.audit.services import record as audit
from app.extensions import db
from app.models import (
    Case,
    CaseVersion,
    Comment,
    CommentVersion,
    Method,
    MethodVersion,
    Reflection,
    ReflectionVersion,
    User,
    VersionMixin,
)
from app.models.base import utcnow
from app.permissions import AnyUser, can_read_history, readable_cases_clause

Item = Case | Reflection | Comment | Method


@dataclass(frozen=True)
class Kind:
    name: str  # "case", "reflection", ...: also the audit's and the URLs' word for it
    model: type
    version: type[VersionMixin]
    label: str  # Dutch, for headings: "casus", "reflectie", ...
    changed: Signal  # the domain event that re-indexes the item

    @property
    def fields(self) -> tuple[tuple[str, str], ...]:
        return self.version.FIELDS

    @property
    def item_column(self) -> sa.orm.InstrumentedAttribute:
        return getattr(self.version, self.version.ITEM_KEY)


KINDS = {
    kind.name: kind
    for kind in (
        Kind("case", Case, CaseVersion, "casus", events.case_changed),
        Kind("reflection", Reflection, ReflectionVersion, "reflectie", events.reflection_changed),
        Kind("comment", Comment, CommentVersion, "reactie", events.comment_changed),
        Kind("method", Method, MethodVersion, "methodiek", events.method_changed),
    )
}
_BY_MODEL = {kind.model: kind for kind in KINDS.values()}


class HistoryError(Exception):
    """A restore that is not possible; the message is Dutch and shown to the organiser."""


def kind_of(item: Item) -> Kind:
    return _BY_MODEL[type(item)]


def readable_item(user: AnyUser, kind_name: str, item_id: int) -> Item | None:
    """The item if this user may read its history; None when it is missing or hidden."""
    kind = KINDS[kind_name]
    item = db.session.get(kind.model, item_id)
    if item is None:
        return None
    case_id = item.id if kind.name == "case" else getattr(item, "case_id", None)
    readable = case_id is not None and (
        db.session.scalar(sa.select(Case.id).where(Case.id == case_id, readable_cases_clause(user)))
        is not None
    )
    return item if can_read_history(user, item, readable) else None


def case_of(item: Item) -> Case | None:
    """The case an item belongs to (a case is its own), None for a method."""
    if isinstance(item, Case):
        return item
    return getattr(item, "case", None)


def current_texts(item: Item) -> dict[str, str]:
    """The item's texts now, by the fields its versions keep."""
    return {name: getattr(item, name) or "" for name, _label in kind_of(item).fields}


def versions(item: Item) -> list[VersionMixin]:
    """Every version of the item, oldest first, with the authors loaded."""
    kind = kind_of(item)
    return list(
        db.session.scalars(
            sa.select(kind.version)
            .where(kind.item_column == item.id)
            .order_by(kind.version.number)
            .options(selectinload(kind.version.author))
        )
    )


@dataclass(frozen=True)
class UnsavedVersion:
    """An item written without the services has no versions yet: its text now is the first."""

    number: int
    author: User | None
    created_at: datetime
    texts: dict[str, str]
    restored_from: int | None = None


def shown_versions(item: Item) -> list[VersionMixin | UnsavedVersion]:
    """The versions a history page lists, never none."""
    return versions(item) or [
        UnsavedVersion(1, getattr(item, "author", None), _last_saved(item), current_texts(item))
    ]


def latest(item: Item) -> VersionMixin | None:
    return latest_versions(kind_of(item).name, [item.id]).get(item.id)


def latest_versions(kind_name: str, ids: Collection[int]) -> dict[int, VersionMixin]:
    """The latest version of each of these items, by item id, in one statement (the archive's
    review queue asks for the cases and reflections of every publication at once)."""
    if not ids:
        return {}
    kind = KINDS[kind_name]
    column = kind.item_column
    newest = (
        sa.select(column.label("item_id"), sa.func.max(kind.version.number).label("number"))
        .where(column.in_(ids))
        .group_by(column)
        .subquery()
    )
    found = db.session.scalars(
        sa.select(kind.version).join(
            newest, sa.and_(column == newest.c.item_id, kind.version.number == newest.c.number)
        )
    )
    return {version.item_id: version for version in found}


def _last_saved(item: Item) -> datetime:
    return (
        getattr(item, "edited_at", None)
        or getattr(item, "updated_at", None)
        or getattr(item, "created_at", None)
        or utcnow()
    )


def _add(
    item: Item, number: int, author_id: int | None, at: datetime, restored_from: int | None = None
) -> VersionMixin:
    kind = kind_of(item)
    version = kind.version(
        number=number,
        author_id=author_id,
        created_at=at,
        restored_from=restored_from,
        **{kind.version.ITEM_KEY: item.id},
        **current_texts(item),
    )
    db.session.add(version)
    db.session.flush()
    return version


def keep_baseline(item: Item) -> VersionMixin:
    """The item's latest version; for an item that has none, its current state as version 1."""
    return latest(item) or _add(item, 1, item.author_id, _last_saved(item))


def record_new(item: Item, author: User) -> VersionMixin:
    """Version 1 of an item just created (flushed): there is no earlier one to look up."""
    return _add(item, 1, author.id, utcnow())


def record(
    item: Item, editor: User | None, restored_from: int | None = None
) -> VersionMixin | None:
    """A new version when the texts differ from the latest one; None when nothing changed."""
    previous = latest(item)
    if previous is not None and previous.texts == current_texts(item):
        return None
    number = previous.number + 1 if previous is not None else 1
    return _add(item, number, editor.id if editor else item.author_id, utcnow(), restored_from)


def get_version(item: Item, number: int) -> VersionMixin | None:
    kind = kind_of(item)
    return db.session.scalar(
        sa.select(kind.version).where(kind.item_column == item.id, kind.version.number == number)
    )


def edited_ids(kind_name: str, ids: list[int]) -> set[int]:
    """Which of these items have more than one version: the ones a page marks "bewerkt"."""
    return edited_by_kind({kind_name: ids})[kind_name]


def is_edited(kind_name: str) -> sa.ColumnElement[bool]:
    """SQL: whether the item of the surrounding statement has more than one version, to select
    beside the items themselves, where `edited_ids` would ask in a statement of its own."""
    kind = KINDS[kind_name]
    versions = (
        sa.select(sa.func.count(kind.version.id))
        .where(kind.item_column == kind.model.id)
        .scalar_subquery()
    )
    return (versions > 1).label("edited")


def edited_by_kind(wanted: dict[str, list[int]]) -> dict[str, set[int]]:
    """`edited_ids` for several kinds at once, in one statement."""
    found: dict[str, set[int]] = {name: set() for name in wanted}
    asked = {name: ids for name, ids in wanted.items() if ids}
    if asked:
        for kind_name, item_id in db.session.execute(_edited_statement(tuple(asked)), asked):
            found[kind_name].add(item_id)
    return found


# Built once per combination of kinds (callers ask in fixed orders, so there are a handful):
# putting the union together anew on every page took as long as running it. The ids go in as
# expanding parameters.
@functools.cache
def _edited_statement(names: tuple[str, ...]) -> sa.Executable:
    selects = []
    for name in names:
        kind = KINDS[name]
        column = kind.item_column
        selects.append(
            sa.select(sa.literal(name).label("kind"), column.label("item_id"))
            .where(column.in_(sa.bindparam(name, expanding=True)))
            .group_by(column)
            .having(sa.func.count(kind.version.id) > 1)
        )
    return selects[0] if len(selects) == 1 else sa.union_all(*selects)


def restore(item: Item, number: int, organiser: User, reason: str) -> VersionMixin:
    """Put an earlier version's texts back as a new version; audited, and re-indexed."""
    kind = kind_of(item)
    version = get_version(item, number)
    if version is None:
        raise HistoryError("Deze versie bestaat niet.")
    if getattr(item, "is_deleted", False):
        raise HistoryError("Een verwijderde reactie zet je niet terug.")
    if version.texts == current_texts(item):
        raise HistoryError("Deze versie is al de huidige tekst.")
    if kind.name == "method":
        taken = db.session.scalar(
            sa.select(Method.id).where(Method.name == version.texts["name"], Method.id != item.id)
        )
        if taken is not None:
            raise HistoryError("Een andere methodiek heeft deze naam nu; kies een andere versie.")
    keep_baseline(item)
    for name, text in version.texts.items():
        setattr(item, name, text)
    if kind.name == "comment":
        item.edited_at = utcnow()
    restored = record(item, organiser, restored_from=number)
    audit(
        "history.restored",
        organiser,
        item,
        {"kind": kind.name, "restored_from": number, "reason": reason.strip()},
    )
    db.session.flush()
    kind.changed.send(item, action="updated")
    db.session.commit()
    return restored
