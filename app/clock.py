"""Time helpers: stored moments are naive UTC, people think in the display time zone."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import current_app

from app.models.base import utcnow


def zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["DISPLAY_TIMEZONE"])


def local_to_utc(value: datetime) -> datetime:
    """A naive wall-clock time (as typed in a form) to naive UTC for storage."""
    return value.replace(tzinfo=zone()).astimezone(UTC).replace(tzinfo=None)


def utc_to_local(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC).astimezone(zone()).replace(tzinfo=None)


def today(now: datetime | None = None) -> date:
    """Today's date where the network lives, for due dates and reminders."""
    return utc_to_local(now or utcnow()).date()
