import secrets
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from app.extensions import db
from app.models.base import LabelledEnum, enum_column, utcnow
from app.models.notification import MailPreference

if TYPE_CHECKING:
    from app.models.municipality import Municipality


class Role(LabelledEnum):
    PARTICIPANT = ("participant", "deelnemer")
    EXPERT = ("expert", "expert")
    ORGANISER = ("organiser", "organisator")
    READER = ("reader", "archieflezer")


class User(UserMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (
        sa.CheckConstraint(
            "role != 'participant' OR municipality_id IS NOT NULL",
            name="participant_has_municipality",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored lower-cased, which makes the unique constraint case-insensitive on every database.
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    display_name: Mapped[str] = mapped_column(sa.String(120))
    role: Mapped[Role] = mapped_column(enum_column(Role))
    municipality_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("municipalities.id"), index=True
    )
    job_title: Mapped[str | None] = mapped_column(sa.String(120))
    organisation: Mapped[str | None] = mapped_column(sa.String(120))
    active: Mapped[bool] = mapped_column(default=True)
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]
    mail_preference: Mapped[MailPreference] = mapped_column(
        enum_column(MailPreference),
        default=MailPreference.DIGEST,
        server_default=MailPreference.DIGEST.value,
    )
    # Secret in the personal calendar feed URL: calendar apps fetch it without cookies.
    calendar_token: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    # Part of the Flask-Login id: a new token signs out every session (logout, new password).
    session_token: Mapped[str] = mapped_column(sa.String(64), default=lambda: secrets.token_hex(16))
    # Two-factor sign-in: the TOTP secret once enrolment is confirmed, and the last time step
    # used, so that an intercepted code cannot be replayed within its 30 seconds.
    # Sealed with Fernet by app/mfa/services.py ("fernet:..."), never stored in the clear.
    totp_secret: Mapped[str | None] = mapped_column(sa.String(255))
    totp_last_step: Mapped[int | None]
    # The secret shown while enrolling, until a first code confirms it: sealed like the one
    # above and kept here, not in the (signed, not encrypted) session cookie.
    totp_pending_secret: Mapped[str | None] = mapped_column(sa.String(255))
    erasure_requested_at: Mapped[datetime | None]
    erased_at: Mapped[datetime | None]

    municipality: Mapped["Municipality | None"] = relationship(back_populates="members")

    @validates("email")
    def _normalise_email(self, _key: str, value: str) -> str:
        return value.strip().lower()

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def mfa_enabled(self) -> bool:
        return self.totp_secret is not None

    @property
    def is_erased(self) -> bool:
        return self.erased_at is not None

    def get_id(self) -> str:
        """The session's user id carries the session token, so rotating it revokes sessions."""
        return f"{self.id}.{self.session_token}"

    def has_role(self, *roles: Role) -> bool:
        return self.role in roles

    def __repr__(self) -> str:
        return f"<User {self.email}>"
