"""Invitations: single use, expiring, and stored only as a hash of the secret token."""

import hashlib
import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from app import events, mail
from app.auth.services import find_user_by_email, hash_password
from app.extensions import db
from app.models import Application, Invitation, Municipality, Role, User
from app.models.base import utcnow
from app.urls import path_for


class InvitationError(ValueError):
    """Why an invitation cannot be used or changed; Dutch, for the person in front of it."""


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _new_token(invitation: Invitation) -> str:
    token = secrets.token_urlsafe(32)
    now = utcnow()
    invitation.token_hash = _hash(token)
    invitation.sent_at = now
    invitation.expires_at = now + timedelta(days=current_app.config["INVITATION_VALID_DAYS"])
    return token


def has_account(email: str) -> bool:
    return find_user_by_email(email) is not None


def create_invitation(
    *,
    email: str,
    display_name: str,
    job_title: str,
    municipality: Municipality,
    application: Application | None = None,
) -> tuple[Invitation, str]:
    """A new invitation (added, not committed) and its token, which only the mail carries."""
    invitation = Invitation(
        email=email.strip().lower(),
        display_name=display_name.strip(),
        job_title=job_title.strip(),
        municipality=municipality,
        application_id=application.id if application is not None else None,
    )
    token = _new_token(invitation)
    db.session.add(invitation)
    return invitation, token


def send_invitation_mail(invitation: Invitation, token: str) -> None:
    """Queue the invitation mail (no commit: the caller's transaction carries it)."""
    link = mail.absolute_url(path_for("invitations.accept", token=token))
    mail.send(
        mail.build_message(
            invitation.email,
            "Uitnodiging: je account op Casusplein",
            "mail/invitation",
            invitation=invitation,
            link=link,
        )
    )


def get_invitation(invitation_id: int) -> Invitation | None:
    return db.session.get(Invitation, invitation_id)


def by_token(token: str) -> Invitation | None:
    return db.session.scalar(sa.select(Invitation).where(Invitation.token_hash == _hash(token)))


def usable(token: str) -> Invitation:
    """The invitation behind this token, or an InvitationError saying why it cannot be used."""
    invitation = by_token(token)
    if invitation is None:
        raise InvitationError(
            "Deze uitnodigingslink is niet (meer) geldig. Misschien is er intussen een nieuwe "
            "link gestuurd; vraag anders de organisatie om een nieuwe uitnodiging."
        )
    state = invitation.state(utcnow())
    if state == "accepted":
        raise InvitationError(
            "Deze uitnodiging is al gebruikt. Log in met je e-mailadres en wachtwoord."
        )
    if state == "revoked":
        raise InvitationError("Deze uitnodiging is ingetrokken door de organisatie.")
    if state == "expired":
        raise InvitationError(
            "Deze uitnodiging is verlopen. Vraag de organisatie om een nieuwe uitnodiging."
        )
    return invitation


def accept(token: str, display_name: str, password: str) -> User:
    """Turn a usable invitation into a participant account; a second use is refused."""
    invitation = usable(token)
    if has_account(invitation.email):
        raise InvitationError(
            "Er bestaat al een account met dit e-mailadres. Log in met je wachtwoord."
        )
    now = utcnow()
    # The conditional update makes "single use" hold even when the form is sent twice at once.
    claimed = db.session.execute(
        sa.update(Invitation)
        .where(
            Invitation.id == invitation.id,
            Invitation.accepted_at.is_(None),
            Invitation.revoked_at.is_(None),
        )
        .values(accepted_at=now)
    ).rowcount
    if claimed != 1:
        db.session.rollback()
        raise InvitationError("Deze uitnodiging is al gebruikt.")
    user = User(
        email=invitation.email,
        display_name=display_name.strip(),
        role=Role.PARTICIPANT,
        municipality_id=invitation.municipality_id,
        job_title=invitation.job_title or None,
        password_hash=hash_password(password),
        last_login_at=now,
    )
    db.session.add(user)
    db.session.flush()
    invitation.user_id = user.id
    events.invitation_accepted.send(user, invitation=invitation)
    db.session.commit()
    return user


def resend(invitation: Invitation) -> None:
    """A fresh link and expiry; the old link stops working."""
    if invitation.accepted_at is not None:
        raise InvitationError("Deze uitnodiging is al geaccepteerd.")
    invitation.revoked_at = None
    token = _new_token(invitation)
    send_invitation_mail(invitation, token)
    db.session.commit()


def revoke(invitation: Invitation) -> None:
    if invitation.accepted_at is not None:
        raise InvitationError(
            "Deze uitnodiging is al geaccepteerd en kan niet meer worden ingetrokken."
        )
    invitation.revoked_at = utcnow()
    db.session.commit()
