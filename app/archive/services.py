"""The publication workflow: the only code that writes archive publications and their log."""

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import selectinload

from app import events
from app.archive import snapshots
from app.audit.services import record
from app.extensions import db
from app.history import services as history
from app.models import (
    CASE_SECTIONS,
    ArchiveEvent,
    ArchivePublication,
    Case,
    CaseVersion,
    NetworkClosure,
    PublicationStatus,
    PublishedReflection,
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
    "update-published": "update gepubliceerd in het archief",
    "update-returned": "update teruggestuurd met opmerkingen",
    "unpublished": "uit het archief gehaald",
    "consent-withdrawn": "toestemming ingetrokken door de gemeente, uit het archief gehaald",
    "reflection-consent": "toestemming voor een reflectie gewijzigd",
}


class ArchiveError(Exception):
    """A workflow step that is not possible now; the message is Dutch and shown to the user."""


class ReviewOutdated(ArchiveError):
    """The case or an included reflection changed after the organiser opened the review page.

    `reviewed` is the state the organiser saw (None when the form carried no valid token).
    """

    def __init__(self, reviewed: snapshots.ReviewState | None) -> None:
        super().__init__(
            "De casus of een reflectie is gewijzigd sinds je deze pagina opende. Er is niets "
            "gepubliceerd. Bekijk hieronder wat er veranderde, controleer de tekst opnieuw en "
            "vink de controle opnieuw aan."
        )
        self.reviewed = reviewed


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


# Built once, the case id bound when it runs.
_PUBLICATION_FOR = (
    sa.select(ArchivePublication)
    .where(ArchivePublication.case_id == sa.bindparam("case_id"))
    .options(selectinload(ArchivePublication.events).selectinload(ArchiveEvent.actor))
)


def publication_for(case: Case) -> ArchivePublication | None:
    return db.session.scalar(_PUBLICATION_FOR, {"case_id": case.id})


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
    publication.consent_version = None
    # The text as proposed is a version of its own, whoever wrote it and however.
    history.keep_baseline(case)
    _log(publication, "proposed", user)
    db.session.commit()
    return publication


def consent_wanted(publication: ArchivePublication | None) -> bool:
    """A first proposal, or a case whose text changed after the municipality consented."""
    if publication is None:
        return False
    if publication.status == PublicationStatus.PROPOSED:
        return True
    if publication.status not in (PublicationStatus.CONSENTED, PublicationStatus.PUBLISHED):
        return False
    return not snapshots.consent_is_current(publication, snapshots.current_state(publication))


def record_consent(publication: ArchivePublication, user: User, on_behalf_of: str) -> None:
    """The municipality's consent, for the case version it reads now."""
    if not consent_wanted(publication):
        raise ArchiveError("Er wordt nu geen toestemming gevraagd voor deze casus.")
    if publication.status == PublicationStatus.PROPOSED:
        publication.status = PublicationStatus.CONSENTED
    publication.consent_version = history.keep_baseline(publication.case)
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
    publication: ArchivePublication,
    organiser: User,
    ticked: list[str],
    remarks: str = "",
    reviewed: str | None = None,
) -> None:
    """Publish the case, or approve the pending update of a published one.

    What goes public is the state of `reviewed`, the token of the review page the organiser
    read (`snapshots.ReviewState.token`); publishing is refused when the case or an included
    reflection changed since. Without a token (the demo seed, scripts) the current state is
    taken as reviewed.
    """
    update = publication.status == PublicationStatus.PUBLISHED
    if not update and publication.status != PublicationStatus.CONSENTED:
        raise ArchiveError("Publiceren kan pas na toestemming van de gemeente.")
    missing = [label for key, label in CHECKLIST if key not in ticked]
    if missing:
        raise ArchiveError("Vink eerst alle punten van de anonimiseringscontrole aan.")
    case = publication.case
    history.keep_baseline(case)
    for reflection in snapshots.included_reflections(publication):
        history.keep_baseline(reflection)
    state = snapshots.current_state(publication)
    if reviewed is not None and reviewed != state.token:
        raise ReviewOutdated(snapshots.ReviewState.parse(reviewed))
    if not snapshots.consent_is_current(publication, state):
        raise ArchiveError(
            "De gemeente gaf toestemming voor een eerdere versie van de casus. Er is niets "
            "gepubliceerd: de gemeente legt eerst toestemming vast voor de tekst van nu."
        )
    if update and not snapshots.changes_between(snapshots.public_state(publication), state):
        raise ArchiveError("De gepubliceerde tekst is al gelijk aan de tekst van nu.")
    _take_copy(publication, state)
    publication.checklist = ",".join(key for key, _label in CHECKLIST)
    publication.status = PublicationStatus.PUBLISHED
    publication.published_at = publication.published_at if update else utcnow()
    publication.remarks = remarks.strip()
    case.visibility = Visibility.ARCHIVE
    record("archive.published", organiser, case, {"case_id": case.id, "update": update})
    _log(publication, "update-published" if update else "published", organiser, remarks.strip())
    db.session.commit()


def _take_copy(publication: ArchivePublication, state: snapshots.ReviewState) -> None:
    """The public copy becomes exactly the versions of this state."""
    version = db.session.get(CaseVersion, state.case_version)
    publication.published_version = version
    for name, text in version.texts.items():
        setattr(publication, name, text)
    publication.published_reflections = [
        PublishedReflection(reflection_id=reflection_id, version_id=version_id)
        for reflection_id, version_id in state.reflections
    ]


def send_back(publication: ArchivePublication, organiser: User, remarks: str) -> None:
    """Back to the municipality with remarks; for an update, the public copy stays as it is."""
    update = publication.status == PublicationStatus.PUBLISHED
    if update and not snapshots.phase(publication).is_update:
        raise ArchiveError("Er wacht geen update van deze casus op controle.")
    if not update and publication.status not in (
        PublicationStatus.PROPOSED,
        PublicationStatus.CONSENTED,
    ):
        raise ArchiveError("Alleen een voorstel dat wacht op controle kan terug.")
    if not remarks.strip():
        raise ArchiveError("Schrijf bij het terugsturen wat er moet veranderen.")
    if not update:
        publication.status = PublicationStatus.RETURNED
    publication.remarks = remarks.strip()
    _log(publication, "update-returned" if update else "returned", organiser, remarks.strip())
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
    publication.consent_version = None
    _take_out(publication, user, "consent-withdrawn", "consent_withdrawn", remarks)
    db.session.commit()


def _take_out(
    publication: ArchivePublication, actor: User, action: str, reason: str, remarks: str
) -> None:
    # Archive pages, feeds and exports read the status; the change log updates the index.
    publication.status = PublicationStatus.UNPUBLISHED
    publication.case.visibility = Visibility.NETWORK
    details = {"reason": reason, **({"remarks": remarks.strip()} if remarks.strip() else {})}
    record("archive.unpublished", actor, publication.case, details)
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
    """The expert's own choice. Withdrawn: out of the public copy at once. Given for a
    published case: a pending update, which the public copy only follows once reviewed."""
    existing = db.session.get(ReflectionConsent, reflection.id)
    if consent and existing is None:
        history.keep_baseline(reflection)
        db.session.add(ReflectionConsent(reflection=reflection, given_by_id=expert.id))
    elif not consent and existing is not None:
        db.session.delete(existing)
        db.session.execute(
            sa.delete(PublishedReflection).where(PublishedReflection.reflection_id == reflection.id)
        )
    else:
        return
    db.session.flush()
    publication = publication_for(reflection.case)
    if publication is not None:
        db.session.expire(publication, ["published_reflections"])
        remark = "gegeven" if consent else "ingetrokken"
        if consent and publication.is_published:
            remark += ", wacht op controle"
        label = reflection.author.organisation or "expert"
        _log(publication, "reflection-consent", expert, f"reflectie ({label}): {remark}")
    db.session.commit()


QUEUE_GROUPS = (
    ("new", "Nieuwe publicaties"),
    ("update", "Updates van gepubliceerde casussen"),
    ("published", "Gepubliceerd"),
    ("unpublished", "Uit het archief gehaald"),
)


def _group(phase: snapshots.Phase) -> str:
    if phase.is_update:
        return "update"
    if phase in (snapshots.Phase.PUBLISHED, snapshots.Phase.UNPUBLISHED):
        return phase.value
    return "new"


def review_queue() -> dict[str, list[tuple[ArchivePublication, snapshots.Phase]]]:
    """Every publication by group (QUEUE_GROUPS): new ones apart from updates of published
    cases; within a group what waits for the organiser first, then the oldest proposal."""
    groups: dict[str, list[tuple[ArchivePublication, snapshots.Phase]]] = {
        key: [] for key, _label in QUEUE_GROUPS
    }
    publications = list(
        db.session.scalars(
            sa.select(ArchivePublication)
            .order_by(ArchivePublication.proposed_at, ArchivePublication.id)
            .options(
                selectinload(ArchivePublication.case).selectinload(Case.municipality),
                selectinload(ArchivePublication.published_reflections),
            )
        )
    )
    # All phases at once: told one by one, each publication cost the dashboard five statements.
    phases = snapshots.phases(publications)
    for publication in publications:
        phase = phases[publication.id]
        groups[_group(phase)].append((publication, phase))
    for rows in groups.values():
        rows.sort(key=lambda row: not row[1].needs_organiser)
    return groups


def awaiting_review(limit: int) -> list[ArchivePublication]:
    """Publications and updates waiting for the organiser's check, the longest waiting first."""
    queue = review_queue()
    waiting = [p for rows in queue.values() for p, phase in rows if phase.needs_organiser]
    return waiting[:limit]


def log_export(export_format: str, count: int) -> None:
    """Open-data downloads are counted from the log (and the web server's access log).

    Not in the audit table: every anonymous GET would add a row, an unbounded table anyone can
    grow, and a write transaction on a public, read-only URL.
    """
    current_app.logger.info("archive export: format=%s cases=%s", export_format, count)


def set_network_closed(organiser: User, closed: bool, note: str = "") -> None:
    db.session.add(NetworkClosure(closed=closed, by=organiser, note=note.strip()))
    record(
        "network.closed" if closed else "network.reopened",
        organiser,
        None,
        {"reason": note.strip()},
    )
    db.session.commit()


def closure_history() -> list[NetworkClosure]:
    return list(
        db.session.scalars(
            sa.select(NetworkClosure)
            .order_by(NetworkClosure.id.desc())
            .options(selectinload(NetworkClosure.by))
        )
    )
