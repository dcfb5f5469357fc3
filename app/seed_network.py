"""Demo data of the learning network: the three 2023 sessions, assignments, methods,
maatwerk and intake applications. Idempotent, like the rest of the demo data."""

import json
from datetime import date, datetime, time, timedelta
from pathlib import Path

import sqlalchemy as sa

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


def _case(title: str) -> Case | None:
    return db.session.scalar(sa.select(Case).where(Case.title == title))


def _user(email: str | None) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == email)) if email else None


def _municipality(name: str) -> Municipality | None:
    return db.session.scalar(sa.select(Municipality).where(Municipality.name == name))


def _themes(slugs: list[str]) -> list[Theme]:
    return list(db.session.scalars(sa.select(Theme).where(Theme.slug.in_(slugs))))


def _meetings(items: list[dict]) -> None:
    for item in items:
        if db.session.scalar(sa.select(Meeting.id).where(Meeting.title == item["title"])):
            continue
        meeting = Meeting(
            title=item["title"],
            date=date.fromisoformat(item["date"]),
            start_time=_clock(item["start"]),
            end_time=_clock(item["end"]),
            city=item["city"],
            venue=item["venue"],
            agenda=item["agenda"],
            report=item["report"],
            key_insights=item["key_insights"],
            report_author=_user(item["report_author"]),
            report_updated_at=utcnow() if item["report"] else None,
            cases=[case for title in item["cases"] if (case := _case(title))],
        )
        for email, answer in item["rsvp"].items():
            if user := _user(email):
                meeting.attendances.append(
                    Attendance(user=user, rsvp=Rsvp(answer), attended=answer == "yes")
                )
        db.session.add(meeting)
    db.session.flush()


def _assignments(items: list[dict], organiser: User) -> None:
    for item in items:
        if db.session.scalar(sa.select(Assignment.id).where(Assignment.title == item["title"])):
            continue
        meeting = db.session.scalar(sa.select(Meeting).where(Meeting.title == item["meeting"]))
        assignment = Assignment(
            title=item["title"],
            instructions=item["instructions"],
            meeting=meeting,
            due_date=date.fromisoformat(item["due_date"]),
            author=organiser,
        )
        for response in item["responses"]:
            case = _case(response["case"])
            assignment.responses.append(
                AssignmentResponse(
                    municipality=_municipality(response["municipality"]),
                    body=response["body"],
                    case=case,
                    updated_by=_user(response["by"]),
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


def _maatwerk(items: list[dict]) -> None:
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
                        date=date.fromisoformat(data["date"]) if data.get("date") else None,
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


def load_network(organiser: User, expert: User, path: Path = NETWORK_FILE) -> None:
    """Add the network demo data; what exists already (matched by title or name) is kept."""
    data = json.loads(path.read_text(encoding="utf-8"))
    _meetings(data["meetings"])
    _assignments(data["assignments"], organiser)
    _methods(data["methods"], expert)
    _maatwerk(data["maatwerk"])
    _applications(data["applications"])
