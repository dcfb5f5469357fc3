"""iCalendar files for sessions: one per session, and the personal feed of all of them."""

from collections.abc import Iterable
from datetime import UTC, datetime

from flask import url_for
from icalendar import Calendar, Event, vText

from app import clock, mail
from app.models import Meeting
from app.models.base import utcnow


def _moment(meeting: Meeting, which) -> datetime:
    return datetime.combine(meeting.date, which, tzinfo=clock.zone())


def build(meetings: Iterable[Meeting], name: str) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", "-//Casusplein//Leernetwerk Lokale Polarisatie en Vertrouwen//NL")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    stamp = utcnow()
    for meeting in meetings:
        link = mail.absolute_url(url_for("meetings.detail", meeting_id=meeting.id))
        event = Event()
        event.add("uid", f"meeting-{meeting.id}@casusplein")
        event.add("dtstamp", stamp.replace(tzinfo=UTC))
        event.add("dtstart", _moment(meeting, meeting.start_time))
        event.add("dtend", _moment(meeting, meeting.end_time))
        event.add("summary", meeting.title)
        event["location"] = vText(meeting.place)
        event.add("description", f"{meeting.agenda}\n\n{link}".strip())
        event.add("url", link)
        calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()
