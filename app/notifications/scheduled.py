"""The scheduled job (`flask notify run`): reminders, queued mail and daily digests.

Every step records what it did (SentReminder keys, mail states), so the job is idempotent:
running it twice, or every few minutes from cron, never sends the same thing twice.
"""

import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError

from app import clock, mail, mail_queue
from app.auth import reset
from app.extensions import db
from app.models import (
    Assignment,
    AssignmentResponse,
    Attendance,
    MailPreference,
    MailState,
    Meeting,
    Notification,
    NotificationKind,
    Role,
    Rsvp,
    SentReminder,
    User,
)
from app.models.base import utcnow
from app.notifications import services
from app.urls import path_for

ASSIGNMENT_REMINDER_DAYS = 3
MEETING_REMINDER_DAYS = (7, 1)


@dataclass
class RunResult:
    reminders: int = 0
    immediate: int = 0
    digests: int = 0
    delivery: mail_queue.Delivery = field(default_factory=mail_queue.Delivery)


def _first_time(key: str) -> bool:
    """Record a reminder key; False when it was recorded before (by this or another run)."""
    if db.session.scalar(sa.select(SentReminder.id).where(SentReminder.key == key)):
        return False
    try:
        with db.session.begin_nested():
            db.session.add(SentReminder(key=key))
    except IntegrityError:
        return False
    return True


def _days(count: int) -> str:
    if count == 0:
        return "vandaag"
    return "morgen" if count == 1 else f"over {count} dagen"


def assignment_reminders(now: datetime) -> int:
    """Participants whose municipality has not handed in, three days before the due date."""
    today = clock.today(now)
    horizon = today + timedelta(days=ASSIGNMENT_REMINDER_DAYS)
    count = 0
    assignments = db.session.scalars(
        sa.select(Assignment).where(Assignment.due_date >= today, Assignment.due_date <= horizon)
    )
    for assignment in assignments:
        handed_in = set(
            db.session.scalars(
                sa.select(AssignmentResponse.municipality_id).where(
                    AssignmentResponse.assignment_id == assignment.id
                )
            )
        )
        days = (assignment.due_date - today).days
        for user in services.all_participants():
            if user.municipality_id in handed_in:
                continue
            if not _first_time(f"assignment-due:{assignment.id}:{user.id}"):
                continue
            services.notify(
                user,
                NotificationKind.ASSIGNMENT_DUE,
                f"Opdracht '{assignment.title}' moet {_days(days)} binnen zijn",
                path_for("assignments.detail", assignment_id=assignment.id),
                "Jullie gemeente heeft nog geen antwoord ingeleverd.",
            )
            count += 1
    return count


def _network_members() -> list[User]:
    return list(
        db.session.scalars(
            sa.select(User).where(
                User.role.in_((Role.PARTICIPANT, Role.EXPERT, Role.ORGANISER)),
                User.active.is_(True),
            )
        )
    )


def meeting_reminders(now: datetime) -> int:
    """Seven days and one day before a session, to everyone who has not said they won't come."""
    today = clock.today(now)
    count = 0
    meetings = db.session.scalars(
        sa.select(Meeting).where(
            Meeting.date >= today,
            Meeting.date <= today + timedelta(days=max(MEETING_REMINDER_DAYS)),
        )
    )
    for meeting in meetings:
        days = (meeting.date - today).days
        stage = min(stage for stage in MEETING_REMINDER_DAYS if days <= stage)
        declined = set(
            db.session.scalars(
                sa.select(Attendance.user_id).where(
                    Attendance.meeting_id == meeting.id, Attendance.rsvp == Rsvp.NO
                )
            )
        )
        for user in _network_members():
            if user.id in declined or not _first_time(f"meeting-{stage}:{meeting.id}:{user.id}"):
                continue
            services.notify(
                user,
                NotificationKind.MEETING_SOON,
                f"{meeting.title} is {_days(days)}",
                path_for("meetings.detail", meeting_id=meeting.id),
                f"{meeting.start_time:%H:%M} tot {meeting.end_time:%H:%M}, {meeting.place}.",
            )
            count += 1
    return count


def send_digests(now: datetime) -> int:
    """One mail per user per day with everything collected for the digest."""
    local_now = clock.utc_to_local(now)
    if local_now.hour < current_app.config["NOTIFY_DIGEST_HOUR"]:
        return 0
    user_ids = list(
        db.session.scalars(
            sa.select(Notification.user_id)
            .where(Notification.mail_state == MailState.DIGEST)
            .distinct()
        )
    )
    sent = 0
    for user_id in user_ids:
        user = db.session.get(User, user_id)
        pending = list(
            db.session.scalars(
                sa.select(Notification)
                .where(Notification.user_id == user_id, Notification.mail_state == MailState.DIGEST)
                .order_by(Notification.created_at)
            )
        )
        ids = [notification.id for notification in pending]
        if user.mail_preference == MailPreference.OFF or not user.active:
            services.mark(ids, MailState.SKIPPED)
            continue
        if not _first_time(f"digest:{user_id}:{local_now.date().isoformat()}"):
            continue  # today's digest went out; these wait for tomorrow's
        # The day's key, the notifications' state and the queued mail commit together.
        message = mail.build_message(
            user.email,
            f"Casusplein: je dagoverzicht ({len(pending)} "
            f"{'melding' if len(pending) == 1 else 'meldingen'})",
            "mail/digest",
            user=user,
            notifications=pending,
            list_path=path_for("notifications.index"),
            preferences_path=path_for("notifications.preferences"),
        )
        mail.send(message)
        services.mark(ids, MailState.SENT)
        sent += 1
    return sent


def send_waiting_mail() -> mail_queue.Delivery:
    """The worker's step: queue reset links and immediate notifications, deliver what is due."""
    reset.issue_links()
    services.queue_immediate()
    return mail_queue.deliver_due()


def run(now: datetime | None = None) -> RunResult:
    """Everything the scheduled job does, in order; safe to call as often as you like."""
    now = now or utcnow()
    result = RunResult()
    result.reminders = assignment_reminders(now) + meeting_reminders(now)
    db.session.commit()
    reset.issue_links()
    result.immediate = services.queue_immediate()
    result.digests = send_digests(now)
    result.delivery = mail_queue.deliver_due()
    return result


# The worker runs the whole job (reminders, digests) this often, and only mail in between.
SCHEDULE_EVERY_SECONDS = 60


def work(stop: threading.Event, poll_seconds: float) -> None:
    """`flask notify worker`: send waiting mail every poll_seconds until `stop` is set."""
    next_run = 0.0
    while not stop.is_set():
        try:
            if time.monotonic() >= next_run:
                run()
                next_run = time.monotonic() + SCHEDULE_EVERY_SECONDS
            else:
                send_waiting_mail()
        except Exception:  # a database or template hiccup must not end the worker
            current_app.logger.exception("Mail worker: this round failed; trying again")
            db.session.rollback()
        finally:
            db.session.remove()
        stop.wait(poll_seconds)
