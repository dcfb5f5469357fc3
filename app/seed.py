"""Demo data: twelve fictional municipalities with their duos, experts and cases.

Loading is idempotent: what already exists (matched by name, e-mail or title) is left alone.
"""

import json
from datetime import datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from app import clock
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
from app.seed_network import load_network, office_hours
from app.seed_story import backdate_publication, demo_notifications

DEMO_FILE = Path(__file__).parent / "seed_data" / "demo.json"
DEMO_PASSWORD = "casusplein-demo"

# Demo cases taken through the archive workflow, so the public archive is worth searching:
# every theme, with the experts' reflections published with their consent.
# (title, expert reflections published with consent?)
ARCHIVE_DEMO = (
    ("Van een kolkende dorpshuisavond naar 60 keukentafels: het azc-plan in Boekweitveen", True),
    ("Windpark Biezendijk: de opbrengst delen om vertrouwen te winnen", True),
    ("Straatcoaches, jongeren en ouderen in het Bieskensplantsoen", True),
    ("Het energieloket dat niemand vertrouwde: energiearmoede in Zuidervliet-West", True),
    ("Nieuwe buren, oude bewoners: spanning in de Spoorwijk na de renovatie", True),
    ("Voorleesuur met een dragartiest in de bibliotheek en de online storm daarna", True),
    ("Noodopvang in sporthal De Kamp: een informatieavond die uit de hand liep", True),
    ("Statushouders en de wachtlijst: het verhaal van 'die ene woning' in de Eikenlaan", True),
    ("Een TikTok-filmpje en twee jongerengroepen: Havenkwartier tegen De Kreek", True),
    ("Windpark Hesselinger Esch: een dorp in tweeën", True),
    ("Stikstof en de omgekeerde vlag: boerenboosheid aan de deur van het gemeentehuis", True),
    (
        "Genderneutrale toiletten in het nieuwe zwembad: van raadsdebat naar straatprotest",
        True,
    ),
    ("Recreatiewoningen, arbeidsmigranten en de wachtlijst in Kreekzande", False),
)
# Proposed and consented, waiting for the organiser's review.
ARCHIVE_DEMO_WAITING = (
    "Een burgerberaad over woningbouw in polder De Weerd: wie zit er aan tafel?",
)
# Shared cases whose duo asked the experts for a view and got none yet.
EXPERT_VIEW_DEMO = (
    "Hangjongeren bij winkelcentrum De Hoeve: camera's of gesprek?",
    "De buurtsuper die verdween: verdringing en vervreemding in Lekstede-Noord",
    "Statushouders in de kleine kernen: de dorpsraad als bondgenoot?",
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
    # Cases, comments and reflections are written on working days, during office hours.
    today = clock.today()
    seed = len(data["title"])
    created = office_hours(today - timedelta(days=data["days_ago"]), seed)
    visibility = Visibility(data["visibility"])
    case = Case(
        title=data["title"],
        municipality=municipality,
        author=users[data["author"]],
        polarisation_kind=PolarisationKind(data["polarisation_kind"]),
        status=CaseStatus(data["status"]),
        visibility=visibility,
        expert_view_requested=data["title"] in EXPERT_VIEW_DEMO,
        created_at=created,
        updated_at=created,
        shared_at=created if visibility != Visibility.DRAFT else None,
        themes=list(db.session.scalars(sa.select(Theme).where(Theme.slug.in_(data["themes"])))),
        dilemmas=list(
            db.session.scalars(sa.select(Dilemma).where(Dilemma.number.in_(data["dilemmas"])))
        ),
        **{field: data.get(field, "") for field in SECTION_FIELDS},
    )
    # Reactions come spread over the case's life, the last ones recent, never in the future.
    reactions = sum(1 + len(c.get("replies", [])) for c in data.get("comments", []))
    reactions += len(data.get("reflections", []))
    step = max(1, (today - created.date()).days // (reactions + 1))
    day = created.date()

    def next_moment() -> datetime:
        nonlocal day, seed
        seed += 3
        day = min(day + timedelta(days=step), today)
        return min(max(office_hours(day, seed), created), utcnow())

    moment = created
    for comment_data in data.get("comments", []):
        moment = next_moment()
        comment = Comment(
            author=users[comment_data["author"]], body=comment_data["body"], created_at=moment
        )
        for reply_data in comment_data.get("replies", []):
            moment = next_moment()
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
        moment = next_moment()
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
    _publish_demo(users[data["organiser"]["email"]])
    if added:
        demo_notifications(users)
    # The cases were loaded without the services' events, and the publications were dated
    # back afterwards, so the index is built in one go from the database.
    rebuild.rebuild()
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
    for number, (title, publish, reflection_consent) in enumerate(wanted):
        case = db.session.scalar(sa.select(Case).where(Case.title == title))
        if case is None or archive_services.publication_for(case) is not None:
            continue
        if reflection_consent:
            for reflection in case.reflections:
                archive_services.set_reflection_consent(reflection, reflection.author, True)
        publication = _propose_with_consent(case)
        if publish:
            archive_services.publish(publication, organiser, ticked)
        # Published over the past weeks, one after the other, not all today.
        backdate_publication(publication, days_ago=3 + 4 * (len(wanted) - number))
