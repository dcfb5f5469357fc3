"""Applications from municipalities, the intake board and admission to the network."""

import hashlib
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import selectinload

from app import mail
from app.audit.services import record
from app.directory.services import taking_part
from app.extensions import db
from app.invitations import services as invitation_services
from app.models import (
    Application,
    ApplicationStatus,
    IntakeAttempt,
    Invitation,
    Municipality,
    SizeClass,
    Theme,
    User,
)
from app.models.base import utcnow

RATE_WINDOW = timedelta(hours=1)


class IntakeError(ValueError):
    """A rule the organiser's request breaks; the message is Dutch and meant for them."""


def _client_hash(address: str) -> str:
    # Keyed hash: the rate limit works without storing anyone's IP address.
    secret = current_app.config["SECRET_KEY"]
    return hashlib.sha256(f"{secret}:{address}".encode()).hexdigest()


def rate_limited(address: str) -> bool:
    """True when this client address used up its submissions for the past hour."""
    since = utcnow() - RATE_WINDOW
    count = db.session.scalar(
        sa.select(sa.func.count(IntakeAttempt.id)).where(
            IntakeAttempt.client_hash == _client_hash(address), IntakeAttempt.created_at >= since
        )
    )
    return count >= current_app.config["INTAKE_RATE_LIMIT"]


def record_attempt(address: str) -> None:
    """Count one submission; attempts older than a day are forgotten."""
    db.session.execute(
        sa.delete(IntakeAttempt).where(IntakeAttempt.created_at < utcnow() - timedelta(days=1))
    )
    db.session.add(IntakeAttempt(client_hash=_client_hash(address)))
    db.session.commit()


def submit_application(data: dict[str, Any]) -> Application:
    """Store an aanmelding and mail both duo members a confirmation."""
    application = Application(
        municipality_name=data["municipality_name"].strip(),
        size_class=SizeClass(data["size_class"]),
        province=data["province"],
        first_name=data["first_name"].strip(),
        first_function=data["first_function"].strip(),
        first_email=data["first_email"].strip().lower(),
        second_name=data["second_name"].strip(),
        second_function=data["second_function"].strip(),
        second_email=data["second_email"].strip().lower(),
        learning_questions=data["learning_questions"].strip(),
        expectations=(data.get("expectations") or "").strip(),
        local_issues=(data.get("local_issues") or "").strip(),
        wants_maatwerk=bool(data.get("wants_maatwerk")),
        themes=list(
            db.session.scalars(sa.select(Theme).where(Theme.id.in_(data.get("themes") or [])))
        ),
    )
    db.session.add(application)
    db.session.flush()
    for name, _function, email in application.duo:
        mail.send(
            mail.build_message(
                email,
                "Aanmelding ontvangen: Leernetwerk Lokale Polarisatie en Vertrouwen",
                "mail/application_received",
                name=name,
                application=application,
            )
        )
    db.session.commit()  # the application and its queued mails together
    return application


def get_application(application_id: int) -> Application | None:
    return db.session.get(Application, application_id)


def board() -> dict[ApplicationStatus, list[Application]]:
    """All applications grouped by status, in the board's column order."""
    grouped: dict[ApplicationStatus, list[Application]] = {
        status: [] for status in ApplicationStatus
    }
    query = (
        sa.select(Application)
        .order_by(Application.created_at)
        .options(selectinload(Application.themes))
    )
    for application in db.session.scalars(query):
        grouped[application.status].append(application)
    return grouped


def status_counts() -> dict[ApplicationStatus, int]:
    rows = dict(
        db.session.execute(
            sa.select(Application.status, sa.func.count()).group_by(Application.status)
        ).all()
    )
    return {status: rows.get(status, 0) for status in ApplicationStatus}


@dataclass(frozen=True)
class Mix:
    total: int
    maximum: int
    by_size: list[tuple[str, int]]
    by_province: list[tuple[str, int]]


def network_mix() -> Mix:
    """The municipalities in the network by size class and province."""
    municipalities = list(db.session.scalars(sa.select(Municipality).where(taking_part())))
    sizes = Counter(m.size_class for m in municipalities)
    provinces = Counter(m.province for m in municipalities)
    return Mix(
        total=len(municipalities),
        maximum=current_app.config["NETWORK_MAX_MUNICIPALITIES"],
        by_size=[(size.label, sizes.get(size, 0)) for size in SizeClass],
        by_province=sorted(provinces.items()),
    )


def plan_intake(application: Application, intake_at: datetime, meeting_url: str) -> None:
    """intake_at is UTC."""
    application.intake_at = intake_at
    application.meeting_url = meeting_url.strip()
    if application.status == ApplicationStatus.NEW:
        application.status = ApplicationStatus.PLANNED
    db.session.commit()


def save_notes(application: Application, notes: str) -> None:
    application.notes = (notes or "").strip()
    db.session.commit()


_GEMEENTE = re.compile(r"^gemeente\s+")


def comparable_name(name: str) -> str:
    """A municipality name as people mean it: case, accents, spacing and "Gemeente" aside."""
    folded = "".join(
        char
        for char in unicodedata.normalize("NFKD", name or "")
        if not unicodedata.combining(char)
    )
    return _GEMEENTE.sub("", " ".join(folded.casefold().split()))


def existing_municipality(name: str) -> Municipality | None:
    """The municipality in the network that goes by this name, however it is written."""
    wanted = comparable_name(name)
    for municipality in db.session.scalars(sa.select(Municipality).order_by(Municipality.id)):
        if comparable_name(municipality.name) == wanted:
            return municipality
    return None


def decide(
    application: Application,
    status: ApplicationStatus,
    organiser: User | None = None,
    new_name: str = "",
) -> list[Invitation]:
    """Record the decision; admitting creates a new municipality and invites the duo.

    Admitting never joins a municipality that already takes part (that is `join_existing`,
    after its own confirmation): with a name that matches one, it needs `new_name`, a name
    that matches none.
    """
    if status != ApplicationStatus.ADMITTED:
        if application.status == ApplicationStatus.ADMITTED:
            raise IntakeError(
                "Deze gemeente is al toegelaten. Beheer de deelname onder Beheer, Gemeenten."
            )
        application.status = status
        db.session.commit()
        return []
    if application.status == ApplicationStatus.ADMITTED:
        raise IntakeError("Deze gemeente is al toegelaten.")
    name = (new_name or "").strip() or application.municipality_name
    existing = existing_municipality(name)
    if existing is not None:
        raise IntakeError(
            f"Er doet al een gemeente mee die “{existing.name}” heet. Er is niemand "
            "toegelaten. Laat de aanmelding toe onder een andere naam, of voeg de mensen na "
            "bevestiging toe aan de bestaande gemeente."
        )
    maximum = current_app.config["NETWORK_MAX_MUNICIPALITIES"]
    count = db.session.scalar(sa.select(sa.func.count(Municipality.id)).where(taking_part()))
    if count >= maximum:
        raise IntakeError(
            f"Het netwerk is vol: er doen al {count} van de maximaal {maximum} gemeenten "
            f"mee. {application.municipality_name} is niet toegelaten; zet de aanmelding "
            "op de wachtlijst."
        )
    municipality = Municipality(
        name=name, size_class=application.size_class, province=application.province
    )
    db.session.add(municipality)
    db.session.flush()
    # ("name" is a word the audit log never stores, so the flag says it the other way.)
    details = {
        "application_id": application.id,
        "as_applied": name == application.municipality_name,
    }
    record("intake.admitted", organiser, municipality, details)
    return _admit(application, municipality)


def join_existing(
    application: Application, municipality: Municipality, organiser: User, reason: str
) -> list[Invitation]:
    """Add the applicants to the municipality their application names, which already takes
    part: they get its drafts and edit rights, so this is a confirmed, audited choice."""
    if application.status == ApplicationStatus.ADMITTED:
        raise IntakeError("Deze aanmelding is al toegelaten.")
    if existing_municipality(application.municipality_name) is not municipality:
        raise IntakeError("Deze aanmelding hoort niet bij deze gemeente.")
    details = {"application_id": application.id, "reason": reason.strip()}
    record("intake.joined_existing", organiser, municipality, details)
    return _admit(application, municipality)


def _admit(application: Application, municipality: Municipality) -> list[Invitation]:
    application.municipality = municipality
    application.status = ApplicationStatus.ADMITTED
    db.session.flush()
    pending = [
        invitation_services.create_invitation(
            email=email,
            display_name=name,
            job_title=function,
            municipality=municipality,
            application=application,
        )
        for name, function, email in application.duo
        if not invitation_services.has_account(email)
    ]
    for invitation, token in pending:
        invitation_services.send_invitation_mail(invitation, token)
    db.session.commit()  # the admission and its queued invitation mails together
    return [invitation for invitation, _token in pending]


def forget_person(user_id: int, email: str, placeholder: str, erased_name: str) -> set[str]:
    """Erasure: the person's name, function and e-mail leave their invitations and the duo
    fields of the applications that named them. Returns the names and addresses that were
    there, so that the caller can clear them from elsewhere (the mail outbox)."""
    invitations = list(
        db.session.scalars(
            sa.select(Invitation).where(
                sa.or_(Invitation.user_id == user_id, sa.func.lower(Invitation.email) == email)
            )
        )
    )
    emails = {email.lower()} | {invitation.email.lower() for invitation in invitations}
    found = set(emails) | {invitation.display_name for invitation in invitations}
    for invitation in invitations:
        invitation.email, invitation.display_name, invitation.job_title = (
            placeholder,
            erased_name,
            "",
        )
    applications = db.session.scalars(
        sa.select(Application).where(
            sa.or_(
                Application.id.in_([i.application_id for i in invitations if i.application_id]),
                sa.func.lower(Application.first_email).in_(emails),
                sa.func.lower(Application.second_email).in_(emails),
            )
        )
    )
    for application in applications:
        for slot in ("first", "second"):
            if getattr(application, f"{slot}_email").lower() in emails:
                found.add(getattr(application, f"{slot}_name"))
                setattr(application, f"{slot}_name", erased_name)
                setattr(application, f"{slot}_function", "")
                setattr(application, f"{slot}_email", placeholder)
    return found


def invitations_for(application: Application) -> list[Invitation]:
    return list(
        db.session.scalars(
            sa.select(Invitation)
            .where(Invitation.application_id == application.id)
            .order_by(Invitation.id)
        )
    )
