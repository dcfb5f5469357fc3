"""Shared column helpers for the models."""

import enum
from datetime import UTC, datetime
from typing import ClassVar

import sqlalchemy as sa
from markupsafe import Markup
from sqlalchemy.orm import MappedColumn, mapped_column


def utcnow() -> datetime:
    """Naive UTC timestamp: SQLite has no time zones, so every stored time is UTC by convention."""
    return datetime.now(UTC).replace(tzinfo=None)


class LabelledEnum(enum.StrEnum):
    """A string enum whose members carry the Dutch label the interface shows."""

    def __new__(cls, value: str, label: str):
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        return member

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        return [(member.value, member.label) for member in cls]


def enum_column(enum_class: type[enum.Enum]) -> sa.Enum:
    """Store an enum as its string value in a plain VARCHAR, portable across databases."""
    return sa.Enum(
        enum_class,
        native_enum=False,
        length=20,
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
    )


def html_column() -> MappedColumn:
    """The stored, sanitised HTML of a Markdown column (see StoredHtml)."""
    return mapped_column(sa.Text, default="", server_default="")


class StoredHtml:
    """A model whose Markdown columns keep their sanitised HTML beside them, as `<name>_html`.

    app/markdown.py fills those columns whenever a session flushes a new or changed row, so
    pages show stored HTML instead of rendering and sanitising Markdown on every view, and no
    service can forget it; `flask markdown rebuild` renders them all again when the rules of
    the sanitiser change.
    """

    __markdown_fields__: ClassVar[tuple[str, ...]] = ()

    def html(self, field: str) -> Markup:
        """The field's HTML for a page: safe, because it was sanitised when it was saved."""
        if field not in self.__markdown_fields__:
            raise KeyError(f"{type(self).__name__}.{field} is not a stored Markdown field")
        return Markup(getattr(self, f"{field}_html") or "")
