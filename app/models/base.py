"""Shared column helpers for the models."""

import enum
from datetime import UTC, datetime

import sqlalchemy as sa


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
