"""What a publication's public copy holds, what it would hold now, and what changed in between.

A state names versions: the case version and, per included reflection (one whose expert
consented), its version. The public state is what the archive serves; the current state is
what publishing now would send. The review page carries the current state's token, so that
publishing can refuse when anything changed after the organiser opened the page.
"""

import enum
import re
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.history import services as history
from app.history.diff import FieldDiff, field_diffs
from app.models import (
    ArchiveEvent,
    ArchivePublication,
    CaseVersion,
    PublicationStatus,
    Reflection,
    ReflectionConsent,
    ReflectionVersion,
)

_TOKEN = re.compile(r"^(\d+);((?:\d+:\d+)(?:,\d+:\d+)*)?$")


@dataclass(frozen=True)
class ReviewState:
    case_version: int | None
    reflections: tuple[tuple[int, int], ...] = ()  # (reflection id, version id), by id

    @property
    def token(self) -> str:
        included = ",".join(f"{reflection}:{version}" for reflection, version in self.reflections)
        return f"{self.case_version or 0};{included}"

    @classmethod
    def parse(cls, token: str | None) -> "ReviewState | None":
        """The state a token names; None for anything that is not a token."""
        match = _TOKEN.match(token or "")
        if match is None:
            return None
        pairs = [pair.split(":") for pair in match.group(2).split(",")] if match.group(2) else []
        return cls(
            int(match.group(1)) or None,
            tuple(sorted((int(reflection), int(version)) for reflection, version in pairs)),
        )


def included_reflections(publication: ArchivePublication) -> list[Reflection]:
    """The case's reflections whose expert consented to publication, oldest first."""
    return list(
        db.session.scalars(
            sa.select(Reflection)
            .join(ReflectionConsent, ReflectionConsent.reflection_id == Reflection.id)
            .where(Reflection.case_id == publication.case_id)
            .order_by(Reflection.created_at, Reflection.id)
            .options(selectinload(Reflection.author))
        )
    )


def current_state(publication: ArchivePublication) -> ReviewState:
    """What publishing now would send: the latest case version and included reflections."""
    case_version = history.latest(publication.case)
    reflections = []
    for reflection in included_reflections(publication):
        version = history.latest(reflection)
        if version is not None:
            reflections.append((reflection.id, version.id))
    return ReviewState(case_version.id if case_version else None, tuple(sorted(reflections)))


def public_state(publication: ArchivePublication) -> ReviewState:
    if publication.status != PublicationStatus.PUBLISHED:
        return ReviewState(None)
    return ReviewState(
        publication.published_version_id,
        tuple(sorted((r.reflection_id, r.version_id) for r in publication.published_reflections)),
    )


@dataclass(frozen=True)
class Change:
    """One item that differs between two states: the case, or one reflection."""

    label: str
    status: str  # "changed" | "added" | "removed"
    diffs: list[FieldDiff]


def case_version(version_id: int | None) -> CaseVersion | None:
    return db.session.get(CaseVersion, version_id) if version_id else None


def _case_texts(version_id: int | None) -> dict[str, str] | None:
    version = case_version(version_id)
    return version.texts if version is not None else None


@dataclass(frozen=True)
class ReflectionText:
    """A reflection as a state would publish it: its reviewed text and the expert's organisation."""

    reflection_id: int
    organisation: str
    body: str
    key_lessons: str


def reflection_versions(state: ReviewState) -> list[ReflectionText]:
    """The reflections of a state, in the order the public page shows them."""
    versions = _reflection_versions({version for _reflection, version in state.reflections})
    found = []
    for reflection_id, version_id in state.reflections:
        version = versions.get(version_id)
        reflection = db.session.get(Reflection, reflection_id)
        if version is not None and reflection is not None:
            organisation = reflection.author.organisation or ""
            found.append(
                ReflectionText(reflection_id, organisation, version.body, version.key_lessons)
            )
    return found


def _reflection_versions(ids: set[int]) -> dict[int, ReflectionVersion]:
    if not ids:
        return {}
    rows = db.session.scalars(
        sa.select(ReflectionVersion)
        .where(ReflectionVersion.id.in_(ids))
        .options(selectinload(ReflectionVersion.author))
    )
    return {version.id: version for version in rows}


def _reflection_label(reflection_id: int) -> str:
    reflection = db.session.get(Reflection, reflection_id)
    organisation = reflection.author.organisation if reflection is not None else ""
    return f"Reflectie{f' ({organisation})' if organisation else ''}"


def changes_between(old: ReviewState, new: ReviewState) -> list[Change]:
    """What differs in text from the old state to the new one, word by word per field."""
    found = []
    if old.case_version != new.case_version:
        before, after = _case_texts(old.case_version), _case_texts(new.case_version)
        if after is not None and before != after:
            diffs = [d for d in field_diffs(CaseVersion.FIELDS, before, after) if d.changed]
            found.append(Change("Casus", "changed" if before else "added", diffs))
    old_reflections, new_reflections = dict(old.reflections), dict(new.reflections)
    versions = _reflection_versions(set(old_reflections.values()) | set(new_reflections.values()))
    for reflection_id in sorted(old_reflections.keys() | new_reflections.keys()):
        before = versions.get(old_reflections.get(reflection_id))
        after = versions.get(new_reflections.get(reflection_id))
        before_texts = before.texts if before else None
        after_texts = after.texts if after else {}
        if before_texts == after_texts:
            continue
        status = "removed" if after is None else "added" if before is None else "changed"
        diffs = field_diffs(ReflectionVersion.FIELDS, before_texts, after_texts)
        changed = [diff for diff in diffs if diff.changed]
        found.append(Change(_reflection_label(reflection_id), status, changed))
    return found


def consent_is_current(publication: ArchivePublication, state: ReviewState) -> bool:
    """Whether the municipality consented to the text of the state's case version."""
    if publication.consent_version_id is None or state.case_version is None:
        return False
    if publication.consent_version_id == state.case_version:
        return True
    return _case_texts(publication.consent_version_id) == _case_texts(state.case_version)


class Phase(enum.StrEnum):
    """Where a publication stands, as the review queue groups and labels it."""

    WAITING_FOR_CONSENT = "waiting-for-consent"
    READY = "ready"
    CONSENT_OUTDATED = "consent-outdated"
    RETURNED = "returned"
    PUBLISHED = "published"
    UPDATE_WAITING_FOR_CONSENT = "update-waiting-for-consent"
    UPDATE_READY = "update-ready"
    UPDATE_RETURNED = "update-returned"
    UNPUBLISHED = "unpublished"

    @property
    def is_update(self) -> bool:
        return self.value.startswith("update-")

    @property
    def needs_organiser(self) -> bool:
        return self in (Phase.READY, Phase.UPDATE_READY)


PHASE_LABELS = {
    Phase.WAITING_FOR_CONSENT: "voorgesteld, wacht op toestemming van de gemeente",
    Phase.READY: "toestemming gegeven, klaar voor controle",
    Phase.CONSENT_OUTDATED: "gewijzigd na de toestemming, wacht op nieuwe toestemming",
    Phase.RETURNED: "teruggestuurd met opmerkingen",
    Phase.PUBLISHED: "gepubliceerd",
    Phase.UPDATE_WAITING_FOR_CONSENT: "update, wacht op toestemming voor de nieuwe tekst",
    Phase.UPDATE_READY: "update, klaar voor controle",
    Phase.UPDATE_RETURNED: "update teruggestuurd met opmerkingen",
    Phase.UNPUBLISHED: "uit het archief gehaald",
}


def _last_change_at(state: ReviewState) -> datetime | None:
    """When the newest of the state's texts was saved, or an included reflection consented."""
    saved = case_version(state.case_version)
    moments = [saved.created_at] if saved else []
    reflection_ids = [reflection for reflection, _version in state.reflections]
    versions = _reflection_versions({version for _reflection, version in state.reflections})
    moments += [version.created_at for version in versions.values()]
    if reflection_ids:
        moments += db.session.scalars(
            sa.select(ReflectionConsent.given_at).where(
                ReflectionConsent.reflection_id.in_(reflection_ids)
            )
        )
    return max(moments, default=None)


def _update_returned(publication: ArchivePublication, state: ReviewState) -> bool:
    """The organiser sent this very update back, and nothing changed since."""
    returned_at = db.session.scalar(
        sa.select(sa.func.max(ArchiveEvent.at)).where(
            ArchiveEvent.publication_id == publication.id,
            ArchiveEvent.action == "update-returned",
        )
    )
    changed_at = _last_change_at(state)
    return returned_at is not None and (changed_at is None or returned_at >= changed_at)


def phase(publication: ArchivePublication, state: ReviewState | None = None) -> Phase:
    status = publication.status
    if status == PublicationStatus.PROPOSED:
        return Phase.WAITING_FOR_CONSENT
    if status == PublicationStatus.RETURNED:
        return Phase.RETURNED
    if status == PublicationStatus.UNPUBLISHED:
        return Phase.UNPUBLISHED
    state = state or current_state(publication)
    consented = consent_is_current(publication, state)
    if status == PublicationStatus.CONSENTED:
        return Phase.READY if consented else Phase.CONSENT_OUTDATED
    if not changes_between(public_state(publication), state):
        return Phase.PUBLISHED
    if _update_returned(publication, state):
        return Phase.UPDATE_RETURNED
    return Phase.UPDATE_READY if consented else Phase.UPDATE_WAITING_FOR_CONSENT
