"""What Casusplein stores about a person, and erasing it while the knowledge stays.

Erasure keeps the account row (so cases and comments keep an author) but empties everything
personal in it: the name becomes "voormalig deelnemer", the e-mail address a placeholder. The
erasure register (user id and time, nothing else) is kept twice: in the database, and appended
to a file outside it, so that `flask privacy reapply-erasures` can redo erasures after a restore
from a backup taken before them.
"""

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import current_app

from app import events, mail
from app.audit.services import events_by, forget_addresses_of, record
from app.auth.services import revoke_sessions
from app.extensions import db
from app.intake.services import forget_person
from app.models import Case, Comment, Erasure, Notification, RecoveryCode, Reflection, User
from app.models.base import utcnow
from app.security.services import forget_account

ERASED_NAME = "voormalig deelnemer"


class PrivacyError(ValueError):
    """A request that breaks a rule; the message is Dutch and meant for the user."""


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() + "Z" if value else None


def export(user: User) -> dict[str, Any]:
    """Everything stored about this person, for the "Mijn gegevens" download."""
    cases = db.session.scalars(sa.select(Case).where(Case.author_id == user.id).order_by(Case.id))
    comments = db.session.scalars(
        sa.select(Comment).where(Comment.author_id == user.id).order_by(Comment.id)
    )
    reflections = db.session.scalars(
        sa.select(Reflection).where(Reflection.author_id == user.id).order_by(Reflection.id)
    )
    return {
        "account": {
            "id": user.id,
            "email": user.email,
            "display_name": user.display_name,
            "role": user.role.value,
            "municipality": user.municipality.name if user.municipality else None,
            "job_title": user.job_title,
            "organisation": user.organisation,
            "active": user.active,
            "created_at": _iso(user.created_at),
            "last_login_at": _iso(user.last_login_at),
            "two_factor_enabled": user.mfa_enabled,
            "erasure_requested_at": _iso(user.erasure_requested_at),
        },
        "cases": [
            {
                "id": case.id,
                "title": case.title,
                "visibility": case.visibility.value,
                "created_at": _iso(case.created_at),
                "updated_at": _iso(case.updated_at),
                "summary": case.summary,
                "situation": case.situation,
                "stakeholders": case.stakeholders,
                "approach": case.approach,
                "question": case.question,
                "outcome": case.outcome,
            }
            for case in cases
        ],
        "comments": [
            {
                "id": comment.id,
                "case_id": comment.case_id,
                "body": comment.body,
                "created_at": _iso(comment.created_at),
                "deleted_at": _iso(comment.deleted_at),
            }
            for comment in comments
        ],
        "reflections": [
            {
                "id": reflection.id,
                "case_id": reflection.case_id,
                "body": reflection.body,
                "key_lessons": reflection.key_lessons,
                "created_at": _iso(reflection.created_at),
            }
            for reflection in reflections
        ],
        "activity_log": [
            {"action": event.action, "at": _iso(event.created_at), "address": event.address}
            for event in events_by(user)
        ],
    }


def record_export(user: User) -> None:
    record("privacy.exported", user, user)
    db.session.commit()


def request_erasure(user: User) -> None:
    if user.erasure_requested_at is None:
        user.erasure_requested_at = utcnow()
        record("privacy.erasure_requested", user, user)
        db.session.commit()


def pending_requests() -> list[User]:
    return list(
        db.session.scalars(
            sa.select(User)
            .where(User.erasure_requested_at.is_not(None), User.erased_at.is_(None))
            .order_by(User.erasure_requested_at)
        )
    )


def _forget_name_in_notifications(name: str) -> None:
    """Other people's notifications quote who commented or reflected: quote nobody any more."""
    for column in (Notification.title, Notification.body):
        db.session.execute(
            sa.update(Notification)
            .where(column.contains(name, autoescape=True))
            .values({column.key: sa.func.replace(column, name, ERASED_NAME)})
        )


def _anonymise(user: User) -> set[str]:
    """Everything personal about the user goes; returns the names and addresses it held."""
    if user.display_name and user.display_name != ERASED_NAME:
        _forget_name_in_notifications(user.display_name)
    forget_account(user.email)
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    placeholder = f"verwijderd-{user.id}@casusplein.invalid"
    held = {user.email, user.display_name} | forget_person(
        user.id, user.email.lower(), placeholder, ERASED_NAME
    )
    user.display_name = ERASED_NAME
    user.email = placeholder
    user.job_title = None
    user.organisation = None
    user.active = False
    user.password_hash = "!erased"  # not a hash: no password can ever match it
    user.totp_secret = None
    user.totp_last_step = None
    user.last_login_at = None
    user.erased_at = user.erased_at or utcnow()
    revoke_sessions(user)
    forget_addresses_of(user)
    return {text for text in held if text and text != ERASED_NAME}


def _register_path() -> Path:
    return Path(current_app.config["ERASURE_REGISTER_PATH"])


def _append_to_register(user_id: int, erased_at: datetime) -> None:
    path = _register_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as register:
        register.write(json.dumps({"user_id": user_id, "erased_at": _iso(erased_at)}) + "\n")


def _without(text: str, held: set[str]) -> str:
    for needle in sorted(held, key=len, reverse=True):
        text = text.replace(needle, ERASED_NAME)
    return text


def erase(user: User, organiser: User, reason: str = "") -> None:
    """Carry out an erasure: personal data gone, cases and comments kept under ERASED_NAME."""
    if user.id == organiser.id:
        raise PrivacyError(
            "Je kunt je eigen account niet zelf verwijderen; vraag een andere organisator."
        )
    if user.is_erased:
        raise PrivacyError("Dit account is al verwijderd.")
    held = _anonymise(user)
    db.session.add(Erasure(user_id=user.id, erased_at=user.erased_at))
    # The organiser's reason may name the person; the log keeps the reason, not the name.
    record("privacy.erased", organiser, user, {"reason": _without(reason.strip(), held)})
    db.session.flush()
    events.user_erased.send(user)
    db.session.commit()
    # Written after the commit: the file never names an erasure that did not happen.
    _append_to_register(user.id, user.erased_at)
    mail.forget_in_outbox(*held)
    current_app.logger.info("Erased personal data of user %s", user.id)


def _registered_erasures() -> dict[int, datetime | None]:
    found: dict[int, datetime | None] = {
        row.user_id: row.erased_at for row in db.session.scalars(sa.select(Erasure))
    }
    path = _register_path()
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                entry = json.loads(line)
                erased_at = datetime.fromisoformat(entry["erased_at"].rstrip("Z"))
                found.setdefault(int(entry["user_id"]), erased_at)
    return found


def reapply_erasures() -> int:
    """After a restore: erase again whoever the register says was erased; returns how many."""
    reapplied = 0
    for user_id, erased_at in sorted(_registered_erasures().items()):
        if db.session.scalar(sa.select(Erasure).where(Erasure.user_id == user_id)) is None:
            db.session.add(Erasure(user_id=user_id, erased_at=erased_at or utcnow()))
        user = db.session.get(User, user_id)
        if user is None or (user.is_erased and user.display_name == ERASED_NAME):
            continue
        user.erased_at = erased_at
        _anonymise(user)
        db.session.flush()
        events.user_erased.send(user)
        reapplied += 1
    db.session.commit()
    return reapplied
