from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import LabelledEnum, enum_column, utcnow


class OutgoingState(LabelledEnum):
    QUEUED = ("queued", "wacht op verzending")
    SENDING = ("sending", "wordt verzonden")
    FAILED = ("failed", "niet te bezorgen")


class OutgoingMail(db.Model):
    """A mail waiting for the mail worker; requests only add these, they never speak SMTP.

    The message is stored as sent (its Message-ID included), so a retry is the same mail. A
    worker claims rows by writing its claim into them with one conditional UPDATE, so two
    workers never send the same row; a sent row is deleted, which keeps no copy of its text.
    """

    __tablename__ = "outgoing_mails"
    __table_args__ = (sa.Index("ix_outgoing_mails_state_due", "state", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient: Mapped[str] = mapped_column(sa.String(254))
    message: Mapped[bytes] = mapped_column(sa.LargeBinary)
    state: Mapped[OutgoingState] = mapped_column(
        enum_column(OutgoingState), default=OutgoingState.QUEUED
    )
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    claim: Mapped[str | None] = mapped_column(sa.String(32), index=True)
    claimed_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(sa.String(300))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
