"""'Wachtwoord vergeten?': a single-use, expiring link by e-mail to choose a new password.

The request answers the same, and does the same work (it only stores the typed address),
whether or not the address has an account, so neither the page nor its timing tells who has
one; the mail worker looks the account up and mails the link within seconds. Only a hash of
the link's token is stored. Using it ends every session of the person, kills their other
links, mails a notice and is audited; two-factor sign-in still follows (auth/signin.py).
"""

import hashlib
import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from app import mail
from app.audit.services import record
from app.auth.services import find_user_by_email, hash_password, revoke_sessions
from app.extensions import db
from app.models import PasswordReset, PasswordResetRequest, User
from app.models.base import utcnow
from app.security import services as throttle
from app.urls import path_for

UNUSABLE = (
    "Deze link om een nieuw wachtwoord te kiezen werkt niet (meer): hij is al gebruikt, "
    "verlopen of vervangen door een nieuwere. Vraag hieronder een nieuwe link aan."
)


class ResetError(ValueError):
    """Why a reset link cannot be used; Dutch, for the person in front of it."""


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def valid_for() -> str:
    """'een uur', '2 uur' or '30 minuten': how long a link works, for the mail."""
    minutes = current_app.config["PASSWORD_RESET_VALID_MINUTES"]
    if minutes % 60:
        return f"{minutes} minuten"
    return "een uur" if minutes == 60 else f"{minutes // 60} uur"


def _can_reset(user: User | None) -> bool:
    return user is not None and user.active and not user.is_erased


def _links_this_hour(user: User) -> int:
    return db.session.scalar(
        sa.select(sa.func.count(PasswordReset.id)).where(
            PasswordReset.user_id == user.id,
            PasswordReset.created_at >= utcnow() - timedelta(hours=1),
        )
    )


def _reset_mail(email: str, name: str, token: str):
    link = mail.absolute_url(path_for("auth.reset_password", token=token))
    return mail.build_message(
        email,
        "Casusplein: kies een nieuw wachtwoord",
        "mail/password_reset",
        name=name,
        link=link,
        valid_for=valid_for(),
        forgot_path=path_for("auth.forgot_password"),
    )


def request_link(email: str) -> None:
    """Note that someone asked for a link for this address; the mail worker does the rest.

    Only this row is written, whatever the address, so the request takes the same time for
    an address with an account as for one without (issue_links, in the worker, finds out).
    """
    db.session.add(PasswordResetRequest(email=email.strip().lower()[:254]))
    db.session.commit()


def issue_links() -> int:
    """The worker's step: turn waiting requests into mailed links; returns how many mailed.

    Each request is deleted in the transaction that handles it, with a conditional DELETE,
    so two workers never both handle one. An address without an active account gets no mail;
    an account gets at most PASSWORD_RESET_ACCOUNT_LIMIT links an hour, further requests are
    dropped silently (telling would say the account exists).
    """
    mailed = 0
    requests = db.session.execute(
        sa.select(PasswordResetRequest.id, PasswordResetRequest.email).order_by(
            PasswordResetRequest.id
        )
    ).all()
    for request_id, email in requests:
        taken = db.session.execute(
            sa.delete(PasswordResetRequest).where(PasswordResetRequest.id == request_id)
        ).rowcount
        if taken != 1:
            db.session.rollback()
            continue
        user = find_user_by_email(email)
        limit = current_app.config["PASSWORD_RESET_ACCOUNT_LIMIT"]
        if _can_reset(user) and _links_this_hour(user) < limit:
            token = secrets.token_urlsafe(32)
            minutes = current_app.config["PASSWORD_RESET_VALID_MINUTES"]
            db.session.add(
                PasswordReset(
                    user_id=user.id,
                    token_hash=_hash(token),
                    expires_at=utcnow() + timedelta(minutes=minutes),
                )
            )
            mail.send(_reset_mail(user.email, user.display_name, token))
            record("password.reset_requested", None, user)
            mailed += 1
        db.session.commit()
    return mailed


def usable(token: str) -> PasswordReset:
    """The unused, unexpired link behind this token of an active account, or a ResetError."""
    found = db.session.scalar(
        sa.select(PasswordReset).where(PasswordReset.token_hash == _hash(token))
    )
    if found is None or found.used_at is not None or found.expires_at <= utcnow():
        raise ResetError(UNUSABLE)
    if not _can_reset(db.session.get(User, found.user_id)):
        raise ResetError(UNUSABLE)
    return found


def user_of(link: PasswordReset) -> User:
    return db.session.get(User, link.user_id)


def choose_password(token: str, new_password: str) -> User:
    """Set the new password; the link and the person's other links die, sessions end."""
    link = usable(token)
    now = utcnow()
    # Conditional, so that the link works once even when the form is sent twice at once.
    claimed = db.session.execute(
        sa.update(PasswordReset)
        .where(
            PasswordReset.id == link.id,
            PasswordReset.used_at.is_(None),
            PasswordReset.expires_at > now,
        )
        .values(used_at=now)
    ).rowcount
    if claimed != 1:
        db.session.rollback()
        raise ResetError(UNUSABLE)
    user = user_of(link)
    db.session.execute(
        sa.update(PasswordReset)
        .where(PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None))
        .values(used_at=now)
    )
    user.password_hash = hash_password(new_password)
    revoke_sessions(user)
    # Proving the mailbox is as good as a sign-in: the account's failed attempts are forgiven.
    throttle.forget_account(user.email)
    record("password.reset", user, user)
    mail.send(
        mail.build_message(
            user.email,
            "Casusplein: je wachtwoord is gewijzigd",
            "mail/password_changed",
            user=user,
            forgot_path=path_for("auth.forgot_password"),
        )
    )
    db.session.commit()
    return user
