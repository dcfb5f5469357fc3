"""Jinja filters and globals: formatting only, no data fetching."""

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from flask import Flask, current_app

from app import forms, navigation, permissions
from app.markdown import render_markdown

MONTHS = (
    "januari", "februari", "maart", "april", "mei", "juni",
    "juli", "augustus", "september", "oktober", "november", "december",
)  # fmt: skip


def _local(value: datetime) -> datetime:
    zone = ZoneInfo(current_app.config["DISPLAY_TIMEZONE"])
    return value.replace(tzinfo=UTC).astimezone(zone)


def format_date(value: datetime | None) -> str:
    """A stored UTC time as a Dutch date, e.g. '22 juni 2023'."""
    if value is None:
        return ""
    local = _local(value)
    return f"{local.day} {MONTHS[local.month - 1]} {local.year}"


def format_datetime(value: datetime | None) -> str:
    if value is None:
        return ""
    local = _local(value)
    return f"{format_date(value)}, {local:%H:%M}"


def iso_datetime(value: datetime | None) -> str:
    return _local(value).isoformat(timespec="minutes") if value else ""


WEEKDAYS = ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag")


def format_long_date(value: date | None) -> str:
    """A calendar date (already local) in full, e.g. 'donderdag 22 juni 2023'."""
    if value is None:
        return ""
    return f"{WEEKDAYS[value.weekday()]} {value.day} {MONTHS[value.month - 1]} {value.year}"


def format_short_date(value: date | None) -> str:
    if value is None:
        return ""
    return f"{value.day} {MONTHS[value.month - 1]} {value.year}"


def format_time(value: time | None) -> str:
    return f"{value:%H:%M}" if value else ""


def init_app(app: Flask) -> None:
    app.jinja_env.filters.update(
        markdown=render_markdown,
        date=format_date,
        datetime=format_datetime,
        isodatetime=iso_datetime,
        longdate=format_long_date,
        shortdate=format_short_date,
        hhmm=format_time,
    )
    app.jinja_env.globals.update(
        aria_current=navigation.aria_current,
        main_menu=navigation.main_menu,
        field_input=forms.field_input,
    )
    # Permission checks decide which buttons a page offers; the views enforce them again.
    app.jinja_env.globals.update(
        can_edit_case=permissions.can_edit_case,
        can_delete_case=permissions.can_delete_case,
        can_comment=permissions.can_comment,
        can_change_comment=permissions.can_change_comment,
        can_reflect=permissions.can_reflect,
        can_change_reflection=permissions.can_change_reflection,
        can_create_case=permissions.can_create_case,
        is_organiser=permissions.is_organiser,
        is_network_member=permissions.is_network_member,
        can_manage_network=permissions.can_manage_network,
        can_write_meeting_report=permissions.can_write_meeting_report,
        can_answer_assignments=permissions.can_answer_assignments,
        can_curate_methods=permissions.can_curate_methods,
        can_delete_method=permissions.can_delete_method,
        can_link_methods=permissions.can_link_methods,
        can_see_maatwerk=permissions.can_see_maatwerk,
        can_propose_for_archive=permissions.can_propose_for_archive,
        can_withdraw_consent=permissions.can_withdraw_consent,
        can_rsvp=permissions.can_rsvp,
        can_respond_to_assignments=permissions.can_respond_to_assignments,
        can_read_archive=permissions.can_read_archive,
        network_is_closed=permissions.network_is_closed,
    )
