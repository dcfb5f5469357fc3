"""What a publication's public copy holds, what it would hold now, and what changed in between.

A state names versions: the case version and, per included reflection (one whose expert
consented), its version. The public state is what the archive serves; the current state is
what publishing now would send. The review page carries the current state's token, so that
publishing can refuse when anything changed after the organiser opened the page.
"""

import enum
import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property

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
    return included_reflections_by_case([publication.case_id]).get(publication.case_id, [])


def included_reflections_by_case(case_ids: Collection[int]) -> dict[int, list[Reflection]]:
    """`included_reflections` of several cases at once, by case id."""
    found: dict[int, list[Reflection]] = {}
    if not case_ids:
        return found
    for reflection in db.session.scalars(
        sa.select(Reflection)
        .join(ReflectionConsent, ReflectionConsent.reflection_id == Reflection.id)
        .where(Reflection.case_id.in_(case_ids))
        .order_by(Reflection.created_at, Reflection.id)
        .options(selectinload(Reflection.author))
    ):
        found.setdefault(reflection.case_id, []).append(reflection)
    return found


def current_state(publication: ArchivePublication) -> ReviewState:
    """What publishing now would send: the latest case version and included reflections."""
    return current_states([publication])[publication.id]


def current_states(publications: Sequence[ArchivePublication]) -> dict[int, ReviewState]:
    """`current_state` of each publication, by id, in the same few statements for any number."""
    case_ids = [publication.case_id for publication in publications]
    case_versions = history.latest_versions("case", case_ids)
    included = included_reflections_by_case(case_ids)
    reflection_ids = [reflection.id for found in included.values() for reflection in found]
    reflection_versions = history.latest_versions("reflection", reflection_ids)
    states = {}
    for publication in publications:
        case_version = case_versions.get(publication.case_id)
        reflections = [
            (reflection.id, reflection_versions[reflection.id].id)
            for reflection in included.get(publication.case_id, [])
            if reflection.id in reflection_versions
        ]
        states[publication.id] = ReviewState(
            case_version.id if case_version else None, tuple(sorted(reflections))
        )
    return states


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


class Loader:
    """The rows that comparing states and telling phases read, for some states and publications.

    Each kind of row is loaded on first use, for all of them at once: the review queue tells
    the phase of every publication in the same few statements, whether there are one or a
    hundred, and a single comparison loads only the kinds it reads.
    """

    def __init__(
        self, states: Iterable[ReviewState], publications: Iterable[ArchivePublication] = ()
    ) -> None:
        self._states = list(states)
        self._publications = list(publications)
        self._reflection_ids = {
            reflection for state in self._states for reflection, _version in state.reflections
        }

    @cached_property
    def case_versions(self) -> dict[int, CaseVersion]:
        """The states' case versions and the publications' consent versions, by id."""
        ids = {state.case_version for state in self._states}
        ids |= {publication.consent_version_id for publication in self._publications}
        return _by_id(CaseVersion, ids - {None})

    @cached_property
    def reflection_versions(self) -> dict[int, ReflectionVersion]:
        ids = {version for state in self._states for _reflection, version in state.reflections}
        return _by_id(ReflectionVersion, ids)

    @cached_property
    def reflections(self) -> dict[int, Reflection]:
        """The states' reflections with their authors, for the organisation they name."""
        return _by_id(Reflection, self._reflection_ids, selectinload(Reflection.author))

    @cached_property
    def consented_at(self) -> dict[int, datetime]:
        """When the expert consented, by reflection id, for the states' reflections."""
        if not self._reflection_ids:
            return {}
        rows = db.session.execute(
            sa.select(ReflectionConsent.reflection_id, ReflectionConsent.given_at).where(
                ReflectionConsent.reflection_id.in_(self._reflection_ids)
            )
        )
        return {key: at for key, at in rows}

    @cached_property
    def update_returned_at(self) -> dict[int, datetime]:
        """When the organiser last sent an update back, by publication id."""
        ids = {publication.id for publication in self._publications}
        if not ids:
            return {}
        rows = db.session.execute(
            sa.select(ArchiveEvent.publication_id, sa.func.max(ArchiveEvent.at))
            .where(ArchiveEvent.publication_id.in_(ids), ArchiveEvent.action == "update-returned")
            .group_by(ArchiveEvent.publication_id)
        )
        return {key: at for key, at in rows}


def _by_id(model: type, ids: set[int], *options) -> dict:
    if not ids:
        return {}
    return {
        row.id: row
        for row in db.session.scalars(sa.select(model).where(model.id.in_(ids)).options(*options))
    }


def case_version(version_id: int | None) -> CaseVersion | None:
    return db.session.get(CaseVersion, version_id) if version_id else None


def _case_texts(version_id: int | None, loader: Loader) -> dict[str, str] | None:
    version = loader.case_versions.get(version_id)
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
    loader = Loader([state])
    found = []
    for reflection_id, version_id in state.reflections:
        version = loader.reflection_versions.get(version_id)
        reflection = loader.reflections.get(reflection_id)
        if version is not None and reflection is not None:
            organisation = reflection.author.organisation or ""
            found.append(
                ReflectionText(reflection_id, organisation, version.body, version.key_lessons)
            )
    return found


def _reflection_label(reflection_id: int, loader: Loader) -> str:
    reflection = loader.reflections.get(reflection_id)
    organisation = reflection.author.organisation if reflection is not None else ""
    return f"Reflectie{f' ({organisation})' if organisation else ''}"


def changes_between(
    old: ReviewState, new: ReviewState, loader: Loader | None = None
) -> list[Change]:
    """What differs in text from the old state to the new one, word by word per field.

    `loader` is one made for both states (and others), as `phases` passes for many at once.
    """
    loader = loader or Loader([old, new])
    found = []
    if old.case_version != new.case_version:
        before = _case_texts(old.case_version, loader)
        after = _case_texts(new.case_version, loader)
        if after is not None and before != after:
            diffs = [d for d in field_diffs(CaseVersion.FIELDS, before, after) if d.changed]
            found.append(Change("Casus", "changed" if before else "added", diffs))
    old_reflections, new_reflections = dict(old.reflections), dict(new.reflections)
    versions = loader.reflection_versions
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
        found.append(Change(_reflection_label(reflection_id, loader), status, changed))
    return found


def consent_is_current(
    publication: ArchivePublication, state: ReviewState, loader: Loader | None = None
) -> bool:
    """Whether the municipality consented to the text of the state's case version."""
    if publication.consent_version_id is None or state.case_version is None:
        return False
    if publication.consent_version_id == state.case_version:
        return True
    loader = loader or Loader([state], [publication])
    consented = _case_texts(publication.consent_version_id, loader)
    return consented == _case_texts(state.case_version, loader)


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


def _last_change_at(state: ReviewState, loader: Loader) -> datetime | None:
    """When the newest of the state's texts was saved, or an included reflection consented."""
    saved = loader.case_versions.get(state.case_version)
    moments = [saved.created_at] if saved else []
    for reflection_id, version_id in state.reflections:
        version = loader.reflection_versions.get(version_id)
        if version is not None:
            moments.append(version.created_at)
        if reflection_id in loader.consented_at:
            moments.append(loader.consented_at[reflection_id])
    return max(moments, default=None)


def _update_returned(publication: ArchivePublication, state: ReviewState, loader: Loader) -> bool:
    """The organiser sent this very update back, and nothing changed since."""
    returned_at = loader.update_returned_at.get(publication.id)
    changed_at = _last_change_at(state, loader)
    return returned_at is not None and (changed_at is None or returned_at >= changed_at)


def phase(
    publication: ArchivePublication,
    state: ReviewState | None = None,
    loader: Loader | None = None,
) -> Phase:
    """Where the publication stands; `state` is what publishing now would send (the current
    state unless given), and `loader` one made for that state, as `phases` passes."""
    status = publication.status
    if status == PublicationStatus.PROPOSED:
        return Phase.WAITING_FOR_CONSENT
    if status == PublicationStatus.RETURNED:
        return Phase.RETURNED
    if status == PublicationStatus.UNPUBLISHED:
        return Phase.UNPUBLISHED
    state = state or current_state(publication)
    loader = loader or Loader([state, public_state(publication)], [publication])
    consented = consent_is_current(publication, state, loader)
    if status == PublicationStatus.CONSENTED:
        return Phase.READY if consented else Phase.CONSENT_OUTDATED
    if not changes_between(public_state(publication), state, loader):
        return Phase.PUBLISHED
    if _update_returned(publication, state, loader):
        return Phase.UPDATE_RETURNED
    return Phase.UPDATE_READY if consented else Phase.UPDATE_WAITING_FOR_CONSENT


def phases(publications: Sequence[ArchivePublication]) -> dict[int, Phase]:
    """`phase` of each publication, by id, in a fixed number of statements however many there
    are: their current states at once, then one loader for every state to compare."""
    # The states of every publication, also of those whose status alone tells their phase:
    # a few rows more, and no second list here of which statuses phase() compares texts for.
    states = current_states(publications)
    public = [public_state(publication) for publication in publications]
    loader = Loader([*states.values(), *public], publications)
    return {
        publication.id: phase(publication, states[publication.id], loader)
        for publication in publications
    }
