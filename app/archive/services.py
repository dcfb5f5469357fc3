"""The publication workflow: the only code that writes archive publications and their log."""

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import selectinload

from app import events
from app.audit.services import record, record_now
from app.extensions import db
from app.models import (
    CASE_SECTIONS,
    ArchiveEvent,
    ArchivePublication,
    Case,
    NetworkClosure,
    PublicationStatus,
    Reflection,
    ReflectionConsent,
    User,
    Visibility,
)
from app.models.base import utcnow

SECTION_FIELDS = tuple(name for name, _label in CASE_SECTIONS)

# The anonymisation checklist: every item must be ticked before publication.
CHECKLIST = (
    ("people", "Namen van inwoners en ambtenaren zijn verwijderd of vervangen"),
    ("addresses", "Adressen en straatnamen zijn verwijderd"),
    ("shelters", "Locaties van opvang zijn niet te herleiden"),
    ("youth", "Jongerengroepen zijn niet herkenbaar beschreven"),
    ("screenshots", "Er staan geen screenshots of herleidbare afbeeldingen in"),
    ("contact", "Er staan geen e-mailadressen, telefoonnummers of postcodes in"),
)

EVENT_LABELS = {
    "proposed": "voorgesteld voor het archief",
    "consented": "toestemming van de gemeente vastgelegd",
    "resubmitted": "opnieuw aangeboden na aanpassing",
    "returned": "teruggestuurd met opmerkingen",
    "published": "gepubliceerd in het archief",
    "unpublished": "uit het archief gehaald",
    "consent-withdrawn": "toestemming ingetrokken door de gemeente, uit het archief gehaald",
    "reflection-consent": "toestemming voor een reflectie gewijzigd",
}


class ArchiveError(Exception):
    """A workflow step that is not possible now; the message is Dutch and shown to the user."""


def consent_text(case: Case) -> str:
    """The consent statement shown to, and stored with, the person who gives consent."""
    licence = current_app.config["ARCHIVE_LICENCE"]
    return (
        f"Namens gemeente {case.municipality.name} geef ik toestemming om de casus "
        f"“{case.title}” te publiceren in het openbare archief van Casusplein, nadat de "
        f"organisatie de tekst heeft gecontroleerd op anonimisering. De gepubliceerde tekst "
        f"valt onder de licentie {licence}. Namen van schrijvers en de reacties van het "
        f"netwerk worden niet gepubliceerd."
    )


def publication_for(case: Case) -> ArchivePublication | None:
    return db.session.scalar(
        sa.select(ArchivePublication)
        .where(ArchivePublication.case_id == case.id)
        .options(selectinload(ArchivePublication.events).selectinload(ArchiveEvent.actor))
    )


def get_publication(publication_id: int) -> ArchivePublication | None:
    return db.session.get(ArchivePublication, publication_id)


def _log(publication: ArchivePublication, action: str, actor: User, remarks: str = "") -> None:
    publication.events.append(ArchiveEvent(action=action, actor=actor, remarks=remarks))
    db.session.flush()
    events.publication_changed.send(publication, action=action)


def propose(case: Case, user: User) -> ArchivePublication:
    publication = publication_for(case)
    if case.is_draft:
        raise ArchiveError("Deel de casus eerst met het netwerk.")
    if publication is None:
        publication = ArchivePublication(case=case, status=PublicationStatus.PROPOSED)
        db.session.add(publication)
    elif publication.status not in (PublicationStatus.RETURNED, PublicationStatus.UNPUBLISHED):
        raise ArchiveError("Deze casus is al voorgesteld voor het archief.")
    publication.status = PublicationStatus.PROPOSED
    publication.proposed_by = user
    publication.proposed_at = utcnow()
    publication.consent_by, publication.consent_at = None, None
    _log(publication, "proposed", user)
    db.session.commit()
    return publication


def record_consent(publication: ArchivePublication, user: User, on_behalf_of: str) -> None:
    if publication.status != PublicationStatus.PROPOSED:
        raise ArchiveError("Er wordt nu geen toestemming gevraagd voor deze casus.")
    publication.status = PublicationStatus.CONSENTED
    publication.consent_by = user
    publication.consent_at = utcnow()
    publication.consent_text = consent_text(publication.case)
    publication.consent_on_behalf_of = on_behalf_of.strip()
    _log(publication, "consented", user, on_behalf_of.strip())
    db.session.commit()


def resubmit(publication: ArchivePublication, user: User) -> None:
    """After changes asked for by the organiser: back to review, the consent still stands."""
    if publication.status != PublicationStatus.RETURNED:
        raise ArchiveError("Deze casus is niet teruggestuurd.")
    publication.status = (
        PublicationStatus.CONSENTED if publication.consent_at else PublicationStatus.PROPOSED
    )
    _log(publication, "resubmitted", user)
    db.session.commit()


def publish(
    publication: ArchivePublication, organiser: User, ticked: list[str], remarks: str = ""
) -> None:
    if publication.status != PublicationStatus.CONSENTED:
        raise ArchiveError("Publiceren kan pas na toestemming van de gemeente.")
    missing = [label for key, label in CHECKLIST if key not in ticked]
    if missing:
        raise ArchiveError("Vink eerst alle punten van de anonimiseringscontrole aan.")
    case = publication.case
    publication.title = case.title
    for name in SECTION_FIELDS:
        setattr(publication, name, getattr(case, name))
    publication.checklist = ",".join(key for key, _label in CHECKLIST)
    publication.status = PublicationStatus.PUBLISHED
    publication.published_at = utcnow()
    publication.remarks = remarks.strip()
    case.visibility = Visibility.ARCHIVE
    record("archive.published", organiser, case, {"case_id": case.id})
    _log(publication, "published", organiser, remarks.strip())
    db.session.commit()


def send_back(publication: ArchivePublication, organiser: User, remarks: str) -> None:
    if publication.status not in (PublicationStatus.PROPOSED, PublicationStatus.CONSENTED):
        raise ArchiveError("Alleen een voorstel dat wacht op controle kan terug.")
    if not remarks.strip():
        raise ArchiveError("Schrijf bij het terugsturen wat er moet veranderen.")
    publication.status = PublicationStatus.RETURNED
    publication.remarks = remarks.strip()
    _log(publication, "returned", organiser, remarks.strip())
    db.session.commit()


def unpublish(publication: ArchivePublication, organiser: User, remarks: str = "") -> None:
    """Out of the archive, its search, feeds and exports at once (all read the status)."""
    if publication.status != PublicationStatus.PUBLISHED:
        raise ArchiveError("Deze casus staat niet in het archief.")
    _take_out(publication, organiser, "unpublished", "organiser", remarks)
    db.session.commit()


def withdraw_consent(publication: ArchivePublication, user: User, remarks: str = "") -> None:
    """The municipality withdraws its consent: out of the archive at once, like unpublishing.

    A new proposal needs fresh consent (`propose` clears it).
    """
    if publication.status != PublicationStatus.PUBLISHED:
        raise ArchiveError("Deze casus staat niet in het archief.")
    publication.consent_by, publication.consent_at = None, None
    _take_out(publication, user, "consent-withdrawn", "consent_withdrawn", remarks)
    db.session.commit()


def _take_out(
    publication: ArchivePublication, actor: User, action: str, reason: str, remarks: str
) -> None:
    # Archive pages, feeds and exports read the status; the change log updates the index.
    publication.status = PublicationStatus.UNPUBLISHED
    publication.case.visibility = Visibility.NETWORK
    record("archive.unpublished", actor, publication.case, {"reason": reason})
    _log(publication, action, actor, remarks.strip())


def consented_reflection_ids(case: Case) -> set[int]:
    return set(
        db.session.scalars(
            sa.select(ReflectionConsent.reflection_id)
            .join(Reflection)
            .where(Reflection.case_id == case.id)
        )
    )


def set_reflection_consent(reflection: Reflection, expert: User, consent: bool) -> None:
    """The expert's own choice; a published case shows the change at once."""
    existing = db.session.get(ReflectionConsent, reflection.id)
    if consent and existing is None:
        db.session.add(ReflectionConsent(reflection=reflection, given_by_id=expert.id))
    elif not consent and existing is not None:
        db.session.delete(existing)
    else:
        return
    db.session.flush()
    publication = publication_for(reflection.case)
    if publication is not None:
        remark = "gegeven" if consent else "ingetrokken"
        # The log is read by people: name the reflection by its expert, not by an internal id.
        whose = expert.display_name + (f" ({expert.organisation})" if expert.organisation else "")
        _log(publication, "reflection-consent", expert, f"reflectie van {whose}: {remark}")
    db.session.commit()


def review_queue() -> list[ArchivePublication]:
    """Every publication not yet settled, oldest proposal first, then the published ones."""
    order = sa.case(
        (ArchivePublication.status == PublicationStatus.CONSENTED, 0),
        (ArchivePublication.status == PublicationStatus.PROPOSED, 1),
        (ArchivePublication.status == PublicationStatus.RETURNED, 2),
        else_=3,
    )
    return list(
        db.session.scalars(
            sa.select(ArchivePublication)
            .order_by(order, ArchivePublication.proposed_at)
            .options(selectinload(ArchivePublication.case).selectinload(Case.municipality))
        )
    )


def awaiting_review(limit: int) -> list[ArchivePublication]:
    """Consented proposals waiting for the organiser's check, the longest waiting first."""
    return list(
        db.session.scalars(
            sa.select(ArchivePublication)
            .where(ArchivePublication.status == PublicationStatus.CONSENTED)
            .order_by(ArchivePublication.consent_at, ArchivePublication.id)
            .limit(limit)
            .options(selectinload(ArchivePublication.case).selectinload(Case.municipality))
        )
    )


def record_export(user: User | None, export_format: str, count: int) -> None:
    """Open-data exports are logged (who, when, how many); anonymous downloads too."""
    record_now("archive.exported", user, None, format=export_format, count=count)


def set_network_closed(organiser: User, closed: bool, note: str = "") -> None:
    db.session.add(NetworkClosure(closed=closed, by=organiser, note=note.strip()))
    db.session.commit()


def closure_history() -> list[NetworkClosure]:
    return list(
        db.session.scalars(
            sa.select(NetworkClosure)
            .order_by(NetworkClosure.id.desc())
            .options(selectinload(NetworkClosure.by))
        )
    )
