"""Maatwerk tracks and their werksessies; visible to the municipality, experts and organisers."""

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import MaatwerkStatus, MaatwerkTrack, Municipality, Role, User, WorkSession

SESSIONS_PER_TRACK = 2


class MaatwerkError(ValueError):
    """A rule the organiser's request breaks; the message is Dutch."""


def visible_tracks(user: User) -> list[MaatwerkTrack]:
    query = (
        sa.select(MaatwerkTrack)
        .join(MaatwerkTrack.municipality)
        .order_by(Municipality.name)
        .options(
            selectinload(MaatwerkTrack.municipality), selectinload(MaatwerkTrack.work_sessions)
        )
    )
    if user.role == Role.PARTICIPANT:
        query = query.where(MaatwerkTrack.municipality_id == user.municipality_id)
    elif user.role not in (Role.EXPERT, Role.ORGANISER):
        return []
    return list(db.session.scalars(query))


def get_track(track_id: int) -> MaatwerkTrack | None:
    return db.session.get(MaatwerkTrack, track_id)


def get_work_session(session_id: int) -> WorkSession | None:
    return db.session.get(WorkSession, session_id)


def candidates() -> list[Municipality]:
    """Network municipalities that are not yet in the maatwerk intake."""
    return list(
        db.session.scalars(
            sa.select(Municipality)
            .where(~sa.exists().where(MaatwerkTrack.municipality_id == Municipality.id))
            .order_by(Municipality.name)
        )
    )


def add_candidate(municipality: Municipality) -> MaatwerkTrack:
    if db.session.scalar(
        sa.select(MaatwerkTrack.id).where(MaatwerkTrack.municipality_id == municipality.id)
    ):
        raise MaatwerkError(f"{municipality.name} staat al in de maatwerk-intake.")
    track = MaatwerkTrack(municipality=municipality)
    db.session.add(track)
    db.session.commit()
    return track


def selected_count() -> int:
    return db.session.scalar(
        sa.select(sa.func.count(MaatwerkTrack.id)).where(
            MaatwerkTrack.status == MaatwerkStatus.SELECTED
        )
    )


def update_track(
    track: MaatwerkTrack, status: MaatwerkStatus, intake_at: datetime | None, notes: str
) -> None:
    """intake_at is UTC. Selecting respects the maximum and creates the two werksessies."""
    maximum = current_app.config["MAATWERK_MAX_MUNICIPALITIES"]
    if (
        status == MaatwerkStatus.SELECTED
        and track.status != MaatwerkStatus.SELECTED
        and selected_count() >= maximum
    ):
        raise MaatwerkError(
            f"Er zijn al {maximum} gemeenten geselecteerd voor maatwerk; meer is niet mogelijk."
        )
    track.status = status
    track.intake_at = intake_at
    track.notes = (notes or "").strip()
    if status == MaatwerkStatus.SELECTED:
        existing = {session.number for session in track.work_sessions}
        for number in range(1, SESSIONS_PER_TRACK + 1):
            if number not in existing:
                track.work_sessions.append(WorkSession(number=number))
    db.session.commit()


def save_work_session(work_session: WorkSession, data: dict[str, Any]) -> None:
    work_session.date = data.get("date")
    work_session.place = (data.get("place") or "").strip()
    work_session.partners = (data.get("partners") or "").strip()
    work_session.aims = (data.get("aims") or "").strip()
    work_session.report = (data.get("report") or "").strip()
    db.session.commit()


def get_municipality(municipality_id: int) -> Municipality | None:
    return db.session.get(Municipality, municipality_id)
