"""Writing notifications and delivering their e-mail. Notifications are written inside the
transaction of the change that caused them (see receivers.py); mail goes out after commit."""

from collections.abc import Iterable

import sqlalchemy as sa
from flask import current_app, g

from app import mail
from app.extensions import db
from app.models import (
    MailPreference,
    MailState,
    Notification,
    NotificationKind,
    Role,
    User,
)
from app.models.base import utcnow
from app.urls import path_for

LIST_LIMIT = 100

_STATE_FOR = {
    MailPreference.IMMEDIATE: MailState.QUEUED,
    MailPreference.DIGEST: MailState.DIGEST,
    MailPreference.OFF: MailState.SKIPPED,
}


def notify(
    user: User, kind: NotificationKind, title: str, url: str, body: str = "", mail_it: bool = True
) -> Notification:
    """Add one notification (no commit: the caller's transaction carries it)."""
    state = _STATE_FOR[user.mail_preference] if mail_it else MailState.SKIPPED
    notification = Notification(
        user_id=user.id, kind=kind, title=title[:300], body=body, url=url, mail_state=state
    )
    db.session.add(notification)
    if state == MailState.QUEUED:
        g.notification_mail_queued = True
    return notification


def notify_all(users: Iterable[User], kind: NotificationKind, title: str, url: str, body: str = ""):
    for user in users:
        notify(user, kind, title, url, body)


def participants_of(municipality_id: int, exclude: Iterable[int] = ()) -> list[User]:
    excluded = set(exclude)
    users = db.session.scalars(
        sa.select(User).where(
            User.municipality_id == municipality_id,
            User.role == Role.PARTICIPANT,
            User.active.is_(True),
        )
    )
    return [user for user in users if user.id not in excluded]


def all_participants() -> list[User]:
    return list(
        db.session.scalars(
            sa.select(User).where(User.role == Role.PARTICIPANT, User.active.is_(True))
        )
    )


def for_user(user: User) -> list[Notification]:
    return list(
        db.session.scalars(
            sa.select(Notification)
            .where(Notification.user_id == user.id)
            .order_by(Notification.created_at.desc(), Notification.id.desc())
            .limit(LIST_LIMIT)
        )
    )


def unread_count(user: User) -> int:
    return db.session.scalar(
        sa.select(sa.func.count(Notification.id)).where(
            Notification.user_id == user.id, Notification.read_at.is_(None)
        )
    )


def get_own(user: User, notification_id: int) -> Notification | None:
    notification = db.session.get(Notification, notification_id)
    return notification if notification is not None and notification.user_id == user.id else None


def mark_read(notification: Notification) -> None:
    if notification.read_at is None:
        notification.read_at = utcnow()
        db.session.commit()


def mark_all_read(user: User) -> None:
    db.session.execute(
        sa.update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
    db.session.commit()


def set_preference(user: User, preference: MailPreference) -> None:
    user.mail_preference = preference
    db.session.commit()


def _claim(notification_id: int, from_state: MailState) -> bool:
    """Move a notification to SENDING unless another process got there first."""
    claimed = db.session.execute(
        sa.update(Notification)
        .where(Notification.id == notification_id, Notification.mail_state == from_state)
        .values(mail_state=MailState.SENDING)
    ).rowcount
    db.session.commit()
    return claimed == 1


def mark(ids: list[int], state: MailState) -> None:
    values = {"mail_state": state}
    if state == MailState.SENT:
        values["mailed_at"] = utcnow()
    db.session.execute(sa.update(Notification).where(Notification.id.in_(ids)).values(**values))
    db.session.commit()


def send_queued() -> int:
    """Mail every notification of users who want mail immediately; returns how many went out."""
    ids = list(
        db.session.scalars(
            sa.select(Notification.id).where(Notification.mail_state == MailState.QUEUED)
        )
    )
    sent = 0
    for notification_id in ids:
        if not _claim(notification_id, MailState.QUEUED):
            continue
        notification = db.session.get(Notification, notification_id)
        user = db.session.get(User, notification.user_id)
        try:
            mail.send(
                mail.build_message(
                    user.email,
                    f"Casusplein: {notification.title}",
                    "mail/notification",
                    user=user,
                    notification=notification,
                    preferences_path=path_for("notifications.preferences"),
                )
            )
        except OSError:
            current_app.logger.exception("Mail for notification %s failed", notification_id)
            mark([notification_id], MailState.QUEUED)
            continue
        mark([notification_id], MailState.SENT)
        sent += 1
    return sent
