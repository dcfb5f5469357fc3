"""Writing and reading the audit log.

`record()` adds the event to the current transaction and does not commit: the caller's service
commits it together with the change it describes, so the log never claims what did not happen.
Use `record_now()` where nothing else is written (a failed login).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import has_request_context, request
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import AuditEvent, User

# Human-readable Dutch labels of the actions, also the filter choices on the audit page.
ACTIONS = {
    "login.succeeded": "ingelogd",
    "login.failed": "inloggen mislukt",
    "login.throttled": "inloggen geblokkeerd (te veel pogingen)",
    "mfa.failed": "tweede stap mislukt",
    "mfa.enrolled": "tweestapsverificatie ingesteld",
    "mfa.recovery_used": "herstelcode gebruikt",
    "mfa.reset": "tweestapsverificatie gereset",
    "logout": "uitgelogd",
    "password.changed": "wachtwoord gewijzigd",
    "password.reset_requested": "link voor nieuw wachtwoord gemaild",
    "password.reset": "nieuw wachtwoord ingesteld via e-maillink",
    "user.created": "account aangemaakt",
    "user.role_changed": "rol gewijzigd",
    "user.activated": "account geactiveerd",
    "user.deactivated": "account gedeactiveerd",
    "user.password_reset": "wachtwoord ingesteld door organisator",
    "comment.moderated": "reactie verwijderd door organisator",
    "reflection.moderated": "reflectie verwijderd door organisator",
    "method.deleted": "methodiek verwijderd",
    "case.deleted": "casus verwijderd door organisator",
    "network.closed": "netwerk afgesloten",
    "network.reopened": "netwerk heropend",
    "history.restored": "eerdere versie teruggezet",
    "intake.admitted": "aanmelding toegelaten als nieuwe gemeente",
    "intake.joined_existing": "aanmelding toegevoegd aan een bestaande gemeente",
    "privacy.exported": "eigen gegevens gedownload",
    "privacy.erasure_requested": "verwijdering aangevraagd",
    "privacy.erased": "persoonsgegevens verwijderd",
    # Sent by the archive branch (publication decisions, exports).
    "archive.published": "gepubliceerd in het archief",
    "archive.unpublished": "uit het archief gehaald",
    "archive.exported": "export gemaakt",
}

# Never stored, whatever a caller passes: the log must not become a place secrets leak to.
_FORBIDDEN_KEYS = ("password", "token", "secret", "code", "otp", "email", "name")


def _clean(details: dict[str, Any] | None) -> dict[str, Any]:
    return {
        key: value
        for key, value in (details or {}).items()
        if not any(word in key.lower() for word in _FORBIDDEN_KEYS)
    }


def client_address() -> str | None:
    """The client's address as the WSGI server (or a configured trusted proxy) reports it."""
    return request.remote_addr if has_request_context() else None


def record(
    action: str,
    actor: User | None = None,
    target: Any = None,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Add an audit event to the session; the caller commits it with its own change."""
    event = AuditEvent(
        action=action,
        actor_id=getattr(actor, "id", None),
        target_type=type(target).__name__.lower() if target is not None else None,
        target_id=getattr(target, "id", None),
        address=client_address(),
        details=_clean(details),
    )
    db.session.add(event)
    return event


def record_now(action: str, actor: User | None = None, target: Any = None, **details) -> None:
    """Record and commit at once, for events that change nothing else."""
    record(action, actor, target, details)
    db.session.commit()


@dataclass
class AuditFilters:
    action: str = ""
    user_id: int | None = None
    since: datetime | None = None
    until: datetime | None = None


def list_events(filters: AuditFilters, page: int, per_page: int = 50):
    query = sa.select(AuditEvent).options(selectinload(AuditEvent.actor))
    if filters.action:
        query = query.where(AuditEvent.action == filters.action)
    if filters.user_id is not None:
        query = query.where(
            sa.or_(
                AuditEvent.actor_id == filters.user_id,
                sa.and_(AuditEvent.target_type == "user", AuditEvent.target_id == filters.user_id),
            )
        )
    if filters.since is not None:
        query = query.where(AuditEvent.created_at >= filters.since)
    if filters.until is not None:
        query = query.where(AuditEvent.created_at < filters.until + timedelta(days=1))
    query = query.order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def events_by(user: User) -> list[AuditEvent]:
    return list(
        db.session.scalars(
            sa.select(AuditEvent)
            .where(AuditEvent.actor_id == user.id)
            .order_by(AuditEvent.created_at)
        )
    )


def forget_addresses_of(user: User) -> None:
    """Erasure: the addresses a person acted from are personal data too."""
    db.session.execute(
        sa.update(AuditEvent).where(AuditEvent.actor_id == user.id).values(address=None)
    )
