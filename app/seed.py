"""Demo data: twelve fictional municipalities with their duos, experts and cases.

Loading is idempotent: what already exists (matched by name, e-mail or title) is left alone.
"""

import json
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa

from app.admin.services import create_user
from app.archive import services as archive_services
from app.auth.services import find_user_by_email, hash_password
from app.cases.services import SECTION_FIELDS
from app.extensions import db
from app.models import (
    Case,
    CaseStatus,
    Comment,
    Dilemma,
    Municipality,
    PolarisationKind,
    Reflection,
    Role,
    SizeClass,
    Theme,
    User,
    Visibility,
)
from app.models.base import utcnow
from app.search import rebuild
from app.seed_network import load_network

DEMO_FILE = Path(__file__).parent / "seed_data" / "demo.json"
DEMO_PASSWORD = "casusplein-demo"

# Demo cases taken through the archive workflow, so the public archive is not empty.
# (title, expert reflections published with consent?, publish or leave waiting for review)
ARCHIVE_DEMO = (
    ("Van een kolkende dorpshuisavond naar 60 keukentafels: het azc-plan in Boekweitveen", True),
    ("Windpark Biezendijk: de opbrengst delen om vertrouwen te winnen", True),
    ("Straatcoaches, jongeren en ouderen in het Bieskensplantsoen", True),
    ("Het energieloket dat niemand vertrouwde: energiearmoede in Zuidervliet-West", False),
)
# Proposed and consented, waiting for the organiser's review.
ARCHIVE_DEMO_WAITING = (
    "Een burgerberaad over woningbouw in polder De Weerd: wie zit er aan tafel?",
)


def database_has_users() -> bool:
    return db.session.scalar(sa.select(sa.func.count(User.id))) > 0


def _ensure_user(data: dict, role: Role, password_hash: str, **extra) -> User:
    user = find_user_by_email(data["email"])
    if user is None:
        user = create_user(
            email=data["email"],
            display_name=data["name"],
            role=role,
            password="",
            password_hash=password_hash,
            job_title=data.get("function"),
            organisation=data.get("organisation"),
            **extra,
        )
    return user


def _ensure_municipality(data: dict) -> Municipality:
    municipality = db.session.scalar(
        sa.select(Municipality).where(Municipality.name == data["name"])
    )
    if municipality is None:
        municipality = Municipality(
            name=data["name"], size_class=SizeClass(data["size_class"]), province=data["province"]
        )
        db.session.add(municipality)
        db.session.flush()
    return municipality


def _add_case(data: dict, municipality: Municipality, users: dict[str, User]) -> bool:
    exists = db.session.scalar(
        sa.select(Case.id).where(
            Case.municipality_id == municipality.id, Case.title == data["title"]
        )
    )
    if exists:
        return False
    created = utcnow() - timedelta(days=data["days_ago"], hours=len(data["title"]) % 9)
    visibility = Visibility(data["visibility"])
    case = Case(
        title=data["title"],
        municipality=municipality,
        author=users[data["author"]],
        polarisation_kind=PolarisationKind(data["polarisation_kind"]),
        status=CaseStatus(data["status"]),
        visibility=visibility,
        created_at=created,
        updated_at=created,
        shared_at=created if visibility != Visibility.DRAFT else None,
        themes=list(db.session.scalars(sa.select(Theme).where(Theme.slug.in_(data["themes"])))),
        dilemmas=list(
            db.session.scalars(sa.select(Dilemma).where(Dilemma.number.in_(data["dilemmas"])))
        ),
        **{field: data.get(field, "") for field in SECTION_FIELDS},
    )
    step = timedelta(hours=7)
    moment = created
    for comment_data in data.get("comments", []):
        moment += step
        comment = Comment(
            author=users[comment_data["author"]], body=comment_data["body"], created_at=moment
        )
        for reply_data in comment_data.get("replies", []):
            moment += step
            comment.replies.append(
                Comment(
                    case=case,
                    author=users[reply_data["author"]],
                    body=reply_data["body"],
                    created_at=moment,
                )
            )
        case.comments.append(comment)
    for reflection_data in data.get("reflections", []):
        moment += step
        case.reflections.append(
            Reflection(
                author=users[reflection_data["expert"]],
                body=reflection_data["body"],
                key_lessons=reflection_data.get("key_lessons", ""),
                created_at=moment,
                updated_at=moment,
            )
        )
    # Activity keeps a case near the top of the list, as in real use.
    case.updated_at = moment
    db.session.add(case)
    return True


def load_demo(path: Path = DEMO_FILE) -> dict[str, int]:
    """Load the demo data set; returns how many cases were added."""
    data = json.loads(path.read_text(encoding="utf-8"))
    # Every demo account shares one password, so hash it once instead of thirty times.
    password_hash = hash_password(DEMO_PASSWORD)
    users: dict[str, User] = {}
    for municipality_data in data["municipalities"]:
        municipality = _ensure_municipality(municipality_data)
        for member in municipality_data["duo"]:
            user = _ensure_user(member, Role.PARTICIPANT, password_hash, municipality=municipality)
            users[user.email] = user
    for expert in data["experts"]:
        users[expert["email"]] = _ensure_user(expert, Role.EXPERT, password_hash)
    users[data["organiser"]["email"]] = _ensure_user(
        data["organiser"], Role.ORGANISER, password_hash
    )
    users[data["reader"]["email"]] = _ensure_user(data["reader"], Role.READER, password_hash)
    municipalities = {m.name: m for m in db.session.scalars(sa.select(Municipality))}
    added = sum(
        _add_case(case_data, municipalities[case_data["municipality"]], users)
        for case_data in data["cases"]
    )
    db.session.flush()
    load_network(users[data["organiser"]["email"]], users[data["experts"][0]["email"]])
    db.session.commit()
    # The cases were loaded without the services' events, so the index is built in one go.
    rebuild.rebuild()
    _publish_demo(users[data["organiser"]["email"]])
    return {"cases_added": added, "users": len(users)}


def _propose_with_consent(case: Case):
    duo = [member for member in case.municipality.members if member.role == Role.PARTICIPANT]
    publication = archive_services.propose(case, duo[0])
    archive_services.record_consent(publication, duo[-1], "afdelingshoofd Samenleving")
    return publication


def _publish_demo(organiser: User) -> None:
    """Take a few demo cases through the archive workflow (skipped when already done)."""
    ticked = [key for key, _label in archive_services.CHECKLIST]
    wanted = [(title, True, consent) for title, consent in ARCHIVE_DEMO]
    wanted += [(title, False, False) for title in ARCHIVE_DEMO_WAITING]
    for title, publish, reflection_consent in wanted:
        case = db.session.scalar(sa.select(Case).where(Case.title == title))
        if case is None or archive_services.publication_for(case) is not None:
            continue
        if reflection_consent:
            for reflection in case.reflections:
                archive_services.set_reflection_consent(reflection, reflection.author, True)
        publication = _propose_with_consent(case)
        if publish:
            archive_services.publish(publication, organiser, ticked)
