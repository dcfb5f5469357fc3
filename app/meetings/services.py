"""Sessions, attendance and reports; the only writers of meetings and attendances."""

import secrets
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from app import events
from app.extensions import db
from app.models import Attendance, Case, Meeting, Municipality, Role, Rsvp, User, Visibility
from app.models.base import utcnow


def all_meetings() -> list[Meeting]:
    return list(db.session.scalars(sa.select(Meeting).order_by(Meeting.date, Meeting.start_time)))


def upcoming(today: date, limit: int | None = None) -> list[Meeting]:
    query = sa.select(Meeting).where(Meeting.date >= today).order_by(Meeting.date)
    if limit:
        query = query.limit(limit)
    return list(db.session.scalars(query))


_NEXT_MEETING = (
    sa.select(Meeting).where(Meeting.date >= sa.bindparam("today")).order_by(Meeting.date).limit(1)
)


def next_meeting(today: date) -> Meeting | None:
    # Built once: every participant's and organiser's dashboard asks.
    return db.session.scalar(_NEXT_MEETING, {"today": today})


def get_meeting(meeting_id: int) -> Meeting | None:
    return db.session.scalar(
        sa.select(Meeting)
        .where(Meeting.id == meeting_id)
        .options(selectinload(Meeting.cases).selectinload(Case.municipality))
    )


def schedulable_cases() -> list[Case]:
    """Cases that a session can discuss: those shared with the network (or published)."""
    return list(
        db.session.scalars(
            sa.select(Case)
            .where(Case.visibility != Visibility.DRAFT)
            .order_by(Case.title)
            .options(selectinload(Case.municipality))
        )
    )


# What the case page lists of each session, as plain rows (nothing there changes them), built
# once with the case id bound when it runs.
_FOR_CASE = (
    sa.select(Meeting.id, Meeting.title, Meeting.date, Meeting.report)
    .where(Meeting.cases.any(Case.id == sa.bindparam("case_id")))
    .order_by(Meeting.date)
)


def for_case(case: Case) -> list[sa.Row]:
    """The sessions where this case was (or will be) discussed: id, title, date and report."""
    return list(db.session.connection().execute(_FOR_CASE, {"case_id": case.id}))


def save_meeting(meeting: Meeting | None, data: dict[str, Any]) -> Meeting:
    created = meeting is None
    if meeting is None:
        meeting = Meeting()
        db.session.add(meeting)
    meeting.title = data["title"].strip()
    meeting.date = data["date"]
    meeting.start_time = data["start_time"]
    meeting.end_time = data["end_time"]
    meeting.city = data["city"].strip()
    meeting.venue = (data.get("venue") or "").strip()
    meeting.agenda = (data.get("agenda") or "").strip()
    case_ids = data.get("cases") or []
    meeting.cases = list(
        db.session.scalars(
            sa.select(Case).where(Case.id.in_(case_ids), Case.visibility != Visibility.DRAFT)
        )
    )
    db.session.flush()
    events.meeting_changed.send(meeting, action="created" if created else "updated")
    db.session.commit()
    return meeting


def save_report(meeting: Meeting, author: User, report: str, key_insights: str) -> None:
    meeting.report = report.strip()
    meeting.key_insights = (key_insights or "").strip()
    meeting.report_author = author
    meeting.report_updated_at = utcnow()
    db.session.flush()
    events.meeting_changed.send(meeting, action="updated")
    db.session.commit()


def _attendance(meeting: Meeting, user: User) -> Attendance:
    attendance = db.session.scalar(
        sa.select(Attendance).where(
            Attendance.meeting_id == meeting.id, Attendance.user_id == user.id
        )
    )
    if attendance is None:
        attendance = Attendance(meeting=meeting, user=user)
        db.session.add(attendance)
    return attendance


_RSVP = sa.select(Attendance.rsvp).where(
    Attendance.meeting_id == sa.bindparam("meeting_id"),
    Attendance.user_id == sa.bindparam("user_id"),
)


def rsvp_of(meeting: Meeting, user: User) -> Rsvp | None:
    return db.session.scalar(_RSVP, {"meeting_id": meeting.id, "user_id": user.id})


def set_rsvp(meeting: Meeting, user: User, rsvp: Rsvp) -> None:
    _attendance(meeting, user).rsvp = rsvp
    db.session.commit()


def record_attendance(meeting: Meeting, attended_user_ids: set[int]) -> None:
    """Who actually came, among the participants; everyone not ticked did not attend."""
    for user in participants():
        _attendance(meeting, user).attended = user.id in attended_user_ids
    db.session.commit()


def participants() -> list[User]:
    return list(
        db.session.scalars(
            sa.select(User)
            .where(User.role == Role.PARTICIPANT, User.active.is_(True))
            .order_by(User.display_name)
        )
    )


@dataclass(frozen=True)
class MemberAttendance:
    user: User
    rsvp: Rsvp | None
    attended: bool | None


@dataclass(frozen=True)
class MunicipalityAttendance:
    municipality: Municipality
    members: list[MemberAttendance]

    @property
    def coming(self) -> int:
        return sum(1 for member in self.members if member.rsvp == Rsvp.YES)

    @property
    def both_coming(self) -> bool:
        return len(self.members) >= 2 and self.coming >= 2


def attendance_overview(meeting: Meeting) -> list[MunicipalityAttendance]:
    """Per municipality: each duo member's answer and actual attendance."""
    records = {
        attendance.user_id: attendance
        for attendance in db.session.scalars(
            sa.select(Attendance).where(Attendance.meeting_id == meeting.id)
        )
    }
    municipalities = db.session.scalars(
        sa.select(Municipality)
        .order_by(Municipality.name)
        .options(selectinload(Municipality.members))
    )
    overview = []
    for municipality in municipalities:
        members = [
            MemberAttendance(
                user=user,
                rsvp=records[user.id].rsvp if user.id in records else None,
                attended=records[user.id].attended if user.id in records else None,
            )
            for user in municipality.members
            if user.role == Role.PARTICIPANT and user.active
        ]
        if members:  # a municipality that left the network has no one left to come
            overview.append(MunicipalityAttendance(municipality, members))
    return overview


def reset_calendar_token(user: User) -> str:
    user.calendar_token = secrets.token_urlsafe(32)
    db.session.commit()
    return user.calendar_token


def user_by_calendar_token(token: str) -> User | None:
    if not token:
        return None
    user = db.session.scalar(sa.select(User).where(User.calendar_token == token))
    return user if user is not None and user.active else None
