"""Writing notifications and queueing their e-mail. Notifications are written inside the
transaction of the change that caused them (see receivers.py); the mail worker turns the
immediate ones into mail (queue_immediate) and delivers it (app/mail_queue.py)."""

from collections.abc import Iterable

import sqlalchemy as sa

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
    return notification


def notify_all(users: Iterable[User], kind: NotificationKind, title: str, url: str, body: str = ""):
    """The same notification for each of `users`, as one INSERT (not one per person: a
    comment in a municipality of twenty participants was twenty statements)."""
    rows = [
        {
            "user_id": user.id,
            "kind": kind,
            "title": title[:300],
            "body": body,
            "url": url,
            "mail_state": _STATE_FOR[user.mail_preference],
        }
        for user in users
    ]
    if rows:
        db.session.execute(sa.insert(Notification), rows)


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


# Built once: the header of every page asks for it.
_UNREAD_COUNT = sa.select(sa.func.count(Notification.id)).where(
    Notification.user_id == sa.bindparam("user_id"), Notification.read_at.is_(None)
)


def unread_count(user: User) -> int:
    return db.session.scalar(_UNREAD_COUNT, {"user_id": user.id})


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


def mark(ids: list[int], state: MailState) -> None:
    values = {"mail_state": state}
    if state == MailState.SENT:
        values["mailed_at"] = utcnow()
    db.session.execute(sa.update(Notification).where(Notification.id.in_(ids)).values(**values))
    db.session.commit()


def queue_immediate() -> int:
    """Queue the mail of every notification whose person wants it at once; returns how many.

    Each is handed on in one transaction: its state moves from QUEUED to SENT only where it
    is still QUEUED (so two workers never both take it) together with the queued mail.
    """
    ids = list(
        db.session.scalars(
            sa.select(Notification.id).where(Notification.mail_state == MailState.QUEUED)
        )
    )
    queued = 0
    for notification_id in ids:
        taken = db.session.execute(
            sa.update(Notification)
            .where(Notification.id == notification_id, Notification.mail_state == MailState.QUEUED)
            .values(mail_state=MailState.SENT, mailed_at=utcnow())
        ).rowcount
        if taken != 1:
            db.session.rollback()
            continue
        notification = db.session.get(Notification, notification_id)
        user = db.session.get(User, notification.user_id)
        if not user.active:
            notification.mail_state = MailState.SKIPPED
        else:
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
            queued += 1
        db.session.commit()
    return queued
