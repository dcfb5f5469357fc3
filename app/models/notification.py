from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import LabelledEnum, enum_column, utcnow


class NotificationKind(LabelledEnum):
    CASE_COMMENT = ("case_comment", "reactie op jullie casus")
    COMMENT_REPLY = ("comment_reply", "antwoord op je reactie")
    CASE_REFLECTION = ("case_reflection", "reflectie op jullie casus")
    NEW_ASSIGNMENT = ("new_assignment", "nieuwe opdracht")
    ASSIGNMENT_DUE = ("assignment_due", "opdracht bijna verlopen")
    MEETING_SOON = ("meeting_soon", "bijeenkomst komt eraan")
    PUBLICATION = ("publication", "publicatiebesluit")
    INVITATION = ("invitation", "uitnodiging")


class MailPreference(LabelledEnum):
    IMMEDIATE = ("immediate", "direct per e-mail")
    DIGEST = ("digest", "dagelijks overzicht")
    OFF = ("off", "geen e-mail")


class MailState(LabelledEnum):
    QUEUED = ("queued", "wacht op verzending")
    SENDING = ("sending", "wordt verzonden")
    DIGEST = ("digest", "voor het dagoverzicht")
    SENT = ("sent", "verzonden")
    SKIPPED = ("skipped", "geen e-mail")


class Notification(db.Model):
    """One in-app notification; its mail_state says what the e-mail side still has to do."""

    __tablename__ = "notifications"
    __table_args__ = (sa.Index("ix_notifications_user_id_read_at", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[NotificationKind] = mapped_column(enum_column(NotificationKind))
    title: Mapped[str] = mapped_column(sa.String(300))
    body: Mapped[str] = mapped_column(sa.Text, default="")
    url: Mapped[str] = mapped_column(sa.String(500))  # a path on this site
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]
    mail_state: Mapped[MailState] = mapped_column(enum_column(MailState), index=True)
    mailed_at: Mapped[datetime | None]


class SentReminder(db.Model):
    """What the scheduled job already did, so running it twice never sends anything twice."""

    __tablename__ = "sent_reminders"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(120), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
