"""Demo data of the learning network: three sessions, assignments, methods, maatwerk and
intake applications. Dates are relative to the day the demo is loaded, so the network is
always mid-way: one session behind it, the next in about three weeks. Idempotent, like the
rest of the demo data."""

import json
from datetime import date, datetime, time, timedelta
from pathlib import Path

import sqlalchemy as sa

from app import clock
from app.extensions import db
from app.models import (
    Application,
    ApplicationStatus,
    Assignment,
    AssignmentResponse,
    Attendance,
    Case,
    Dilemma,
    MaatwerkStatus,
    MaatwerkTrack,
    Meeting,
    Method,
    Municipality,
    PolarisationKind,
    Role,
    Rsvp,
    SizeClass,
    Theme,
    User,
    WorkSession,
)
from app.models.base import utcnow

NETWORK_FILE = Path(__file__).parent / "seed_data" / "network.json"


def _clock(value: str) -> time:
    return time.fromisoformat(value)


def session_day(today: date, weeks: int) -> date:
    """The Thursday of the week `weeks` from today: the network meets on Thursdays, and not
    in the Christmas holidays (then the Thursday before them)."""
    day = today + timedelta(weeks=weeks)
    day += timedelta(days=3 - day.weekday())
    holidays_start = date(day.year, 12, 21)
    if day >= holidays_start or day <= date(day.year, 1, 3):
        last_before = date(day.year - (day.month == 1), 12, 21)
        day = last_before - timedelta(days=(last_before.weekday() - 3) % 7 or 7)
    return day


def office_hours(day: date, seed: int = 0) -> datetime:
    """A moment on a working day between 9:00 and 17:00 local time, as naive UTC."""
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    moment = datetime.combine(day, time(9 + seed % 8, (seed * 7) % 60))
    return clock.local_to_utc(moment)


def _case(title: str) -> Case | None:
    return db.session.scalar(sa.select(Case).where(Case.title == title))


def _user(email: str | None) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == email)) if email else None


def _municipality(name: str) -> Municipality | None:
    return db.session.scalar(sa.select(Municipality).where(Municipality.name == name))


def _themes(slugs: list[str]) -> list[Theme]:
    return list(db.session.scalars(sa.select(Theme).where(Theme.slug.in_(slugs))))


def _meetings(items: list[dict], today: date) -> None:
    participants = list(
        db.session.scalars(sa.select(User).where(User.role == Role.PARTICIPANT).order_by(User.id))
    )
    for item in items:
        if db.session.scalar(sa.select(Meeting.id).where(Meeting.title == item["title"])):
            continue
        day = session_day(today, item["in_weeks"])
        meeting = Meeting(
            title=item["title"],
            date=day,
            start_time=_clock(item["start"]),
            end_time=_clock(item["end"]),
            city=item["city"],
            venue=item["venue"],
            agenda=item["agenda"],
            report=item["report"],
            key_insights=item["key_insights"],
            report_author=_user(item["report_author"]),
            report_updated_at=office_hours(day + timedelta(days=4), 3) if item["report"] else None,
            created_at=office_hours(day - timedelta(weeks=10), 1),
            cases=[case for title in item["cases"] if (case := _case(title))],
        )
        if item["attendance"] is not None:
            # A past session: everyone answered and the organiser recorded who came.
            absent = set(item["attendance"]["absent"])
            for user in participants:
                came = user.email not in absent
                meeting.attendances.append(
                    Attendance(user=user, rsvp=Rsvp.YES if came else Rsvp.NO, attended=came)
                )
        for email, answer in item.get("rsvp", {}).items():
            if user := _user(email):
                meeting.attendances.append(Attendance(user=user, rsvp=Rsvp(answer)))
        db.session.add(meeting)
    db.session.flush()


def _assignments(items: list[dict], organiser: User, today: date) -> None:
    for item in items:
        if db.session.scalar(sa.select(Assignment.id).where(Assignment.title == item["title"])):
            continue
        meeting = db.session.scalar(sa.select(Meeting).where(Meeting.title == item["meeting"]))
        due = meeting.date - timedelta(days=item["due_days_before_meeting"])
        assignment = Assignment(
            title=item["title"],
            instructions=item["instructions"],
            meeting=meeting,
            due_date=due,
            author=organiser,
            created_at=office_hours(due - timedelta(weeks=4), 2),
        )
        for number, response in enumerate(item["responses"]):
            handed_in = office_hours(today - timedelta(days=response["handed_in_days_ago"]), number)
            assignment.responses.append(
                AssignmentResponse(
                    municipality=_municipality(response["municipality"]),
                    body=response["body"],
                    case=_case(response["case"]),
                    updated_by=_user(response["by"]),
                    created_at=handed_in,
                    updated_at=handed_in,
                )
            )
        db.session.add(assignment)


def _methods(items: list[dict], author: User) -> None:
    for item in items:
        if db.session.scalar(sa.select(Method.id).where(Method.name == item["name"])):
            continue
        db.session.add(
            Method(
                name=item["name"],
                summary=item["summary"],
                when_useful=item["when_useful"],
                polarisation_kind=PolarisationKind(item["kind"]),
                how_to=item["how_to"],
                sources=item["sources"],
                is_public=item["public"],
                author=author,
                themes=_themes(item["themes"]),
                dilemmas=list(
                    db.session.scalars(
                        sa.select(Dilemma).where(Dilemma.number.in_(item["dilemmas"]))
                    )
                ),
                cases=[case for title in item["cases"] if (case := _case(title))],
            )
        )


def _maatwerk(items: list[dict], today: date) -> None:
    for item in items:
        municipality = _municipality(item["municipality"])
        if municipality is None or db.session.scalar(
            sa.select(MaatwerkTrack.id).where(MaatwerkTrack.municipality_id == municipality.id)
        ):
            continue
        track = MaatwerkTrack(
            municipality=municipality, status=MaatwerkStatus(item["status"]), notes=item["notes"]
        )
        if track.status == MaatwerkStatus.SELECTED:
            sessions = item["sessions"] or [{}, {}]
            for number, data in enumerate(sessions, start=1):
                track.work_sessions.append(
                    WorkSession(
                        number=number,
                        date=today + timedelta(days=data["in_days"]) if "in_days" in data else None,
                        place=data.get("place", ""),
                        partners=data.get("partners", ""),
                        aims=data.get("aims", ""),
                        report=data.get("report", ""),
                    )
                )
        db.session.add(track)


def _applications(items: list[dict]) -> None:
    for item in items:
        if db.session.scalar(
            sa.select(Application.id).where(
                Application.municipality_name == item["municipality_name"]
            )
        ):
            continue
        intake_at = None
        if "intake_in_days" in item:
            day = utcnow().date() + timedelta(days=item["intake_in_days"])
            intake_at = datetime.combine(day, time(8, 30))
        db.session.add(
            Application(
                municipality_name=item["municipality_name"],
                size_class=SizeClass(item["size_class"]),
                province=item["province"],
                first_name=item["first"][0],
                first_function=item["first"][1],
                first_email=item["first"][2],
                second_name=item["second"][0],
                second_function=item["second"][1],
                second_email=item["second"][2],
                learning_questions=item["learning_questions"],
                expectations=item["expectations"],
                local_issues=item["local_issues"],
                themes=_themes(item["themes"]),
                wants_maatwerk=item["maatwerk"],
                status=ApplicationStatus(item["status"]),
                intake_at=intake_at,
                meeting_url=item.get("meeting_url", ""),
                notes=item["notes"],
            )
        )


def _left_network(items: list[dict]) -> None:
    """A municipality that stopped: its duo's accounts are closed, which frees its place
    in the network (see intake.services.taking_part); its cases stay for the others."""
    for item in items:
        if municipality := _municipality(item["municipality"]):
            for member in municipality.members:
                member.active = False


def load_network(organiser: User, expert: User, path: Path = NETWORK_FILE) -> None:
    """Add the network demo data; what exists already (matched by title or name) is kept."""
    data = json.loads(path.read_text(encoding="utf-8"))
    today = clock.today()
    _meetings(data["meetings"], today)
    _assignments(data["assignments"], organiser, today)
    _methods(data["methods"], expert)
    _maatwerk(data["maatwerk"], today)
    _applications(data["applications"])
    _left_network(data["left_network"])
