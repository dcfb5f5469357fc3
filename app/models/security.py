from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import utcnow


class LoginThrottle(db.Model):
    """Failed sign-ins per account or per address, shared by every worker through the database.

    The key is a keyed hash, so the table holds neither e-mail addresses nor IP addresses.
    """

    __tablename__ = "login_throttles"
    __table_args__ = (sa.UniqueConstraint("kind", "key_hash", name="uq_login_throttles_kind_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(10))  # "account" | "address"
    key_hash: Mapped[str] = mapped_column(sa.String(64))
    failures: Mapped[int] = mapped_column(default=0)
    last_failure_at: Mapped[datetime] = mapped_column(default=utcnow)
    locked_until: Mapped[datetime | None]


class PasswordReset(db.Model):
    """A "Wachtwoord vergeten?" link: single use, expiring, and only a hash of its token."""

    __tablename__ = "password_resets"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class PasswordResetRequest(db.Model):
    """An address someone typed on "Wachtwoord vergeten?", until the mail worker handles it.

    The request only stores this row, whatever the address, so its work and timing are the
    same for every address; the worker looks the account up and mails a link, within seconds,
    and deletes the row.
    """

    __tablename__ = "password_reset_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class RecoveryCode(db.Model):
    """A single-use code to sign in without the authenticator app; only its hash is stored."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(sa.String(64))
    used_at: Mapped[datetime | None]


class Erasure(db.Model):
    """The erasure register: which account was erased and when, and nothing personal."""

    __tablename__ = "erasures"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(unique=True)
    erased_at: Mapped[datetime] = mapped_column(default=utcnow)


class EndedSession(db.Model):
    """A signed-in browser session that was logged out; its cookie is refused from then on.

    Logging out ends only that browser's session (the key is in its cookie); a new password,
    deactivation or erasure ends all of a person's sessions through User.session_token instead.
    Rows older than the absolute session timeout can go: such cookies have expired anyway.
    """

    __tablename__ = "ended_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(32), unique=True)
    ended_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
