"""Delivering the outgoing mail queue: claim, send over one connection, retry with back-off.

Run by `flask notify worker` (every few seconds) and `flask notify run` (cron). Any number of
them may run at once: a run claims due rows by writing its own claim into them with a single
conditional UPDATE (`state = queued`), so each row is sent by exactly one run. A sent row is
deleted in its own commit straight after the server accepted it.

A run that dies between the server's acceptance and that commit leaves its row claimed; after
MAIL_CLAIM_TIMEOUT_SECONDS (longer than any live run keeps a claim) the row is queued again and
may then arrive twice, with the same Message-ID. That is the only way to send a mail twice.
"""

import secrets
import smtplib
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from app import mail
from app.extensions import db
from app.models import OutgoingMail, OutgoingState
from app.models.base import utcnow

# The server answered about this message (refused a recipient or the content): the
# connection is fine, the next message can go. Any other OSError means the connection is not.
_MESSAGE_ERRORS = (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError)


@dataclass
class Delivery:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    released: int = 0


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min ... up to an hour (MAIL_RETRY_BASE/MAX_SECONDS)."""
    config = current_app.config
    seconds = config["MAIL_RETRY_BASE_SECONDS"] * 2 ** max(attempts - 1, 0)
    return timedelta(seconds=min(seconds, config["MAIL_RETRY_MAX_SECONDS"]))


def waiting() -> int:
    """Mail not yet delivered (queued or being sent), for the CLI and /healthz-like checks."""
    return db.session.scalar(
        sa.select(sa.func.count(OutgoingMail.id)).where(OutgoingMail.state != OutgoingState.FAILED)
    )


def _release_stale(now: datetime) -> int:
    """Claims older than any live run keeps one: that run died; queue its rows again."""
    cutoff = now - timedelta(seconds=current_app.config["MAIL_CLAIM_TIMEOUT_SECONDS"])
    stale = (OutgoingMail.state == OutgoingState.SENDING, OutgoingMail.claimed_at < cutoff)
    # Looked for first: an idle worker polling every few seconds must not write (on SQLite
    # even an UPDATE of no rows takes the write lock).
    if db.session.scalar(sa.select(OutgoingMail.id).where(*stale).limit(1)) is None:
        return 0
    released = db.session.execute(
        sa.update(OutgoingMail)
        .where(*stale)
        .values(state=OutgoingState.QUEUED, claim=None, claimed_at=None)
    ).rowcount
    db.session.commit()
    if released:
        current_app.logger.warning("Mail: %s stale claim(s) queued again", released)
    return released


def _claim(now: datetime) -> list[OutgoingMail]:
    claim = secrets.token_hex(16)
    due = (
        sa.select(OutgoingMail.id)
        .where(OutgoingMail.state == OutgoingState.QUEUED, OutgoingMail.next_attempt_at <= now)
        .order_by(OutgoingMail.id)
        .limit(current_app.config["MAIL_BATCH"])
    )
    ids = list(db.session.scalars(due))
    if not ids:
        return []
    # The state in the WHERE is what makes this safe against another run claiming the same ids.
    db.session.execute(
        sa.update(OutgoingMail)
        .where(OutgoingMail.id.in_(ids), OutgoingMail.state == OutgoingState.QUEUED)
        .values(state=OutgoingState.SENDING, claim=claim, claimed_at=now)
    )
    db.session.commit()
    return list(
        db.session.scalars(
            sa.select(OutgoingMail).where(OutgoingMail.claim == claim).order_by(OutgoingMail.id)
        )
    )


def _retry_later(row: OutgoingMail, error: Exception, now: datetime, result: Delivery) -> None:
    row.attempts += 1
    row.last_error = f"{type(error).__name__}: {error}"[:300]
    row.claim = row.claimed_at = None
    if row.attempts >= current_app.config["MAIL_MAX_ATTEMPTS"]:
        row.state = OutgoingState.FAILED
        result.failed += 1
        current_app.logger.error(
            "Mail %s given up after %s attempts: %s", row.id, row.attempts, error
        )
    else:
        row.state = OutgoingState.QUEUED
        row.next_attempt_at = now + backoff(row.attempts)
        result.retried += 1
        current_app.logger.warning(
            "Mail %s not delivered (attempt %s): %s", row.id, row.attempts, error
        )


def _release(rows: list[OutgoingMail], until: datetime) -> None:
    """Rows not tried because the connection failed: back in the queue, no attempt counted."""
    for row in rows:
        row.state, row.claim, row.claimed_at = OutgoingState.QUEUED, None, None
        row.next_attempt_at = until


def deliver_due(now: datetime | None = None) -> Delivery:
    """Send the mail that is due, one batch over one connection; returns what happened."""
    now = now or utcnow()
    result = Delivery(released=_release_stale(now))
    rows = _claim(now)
    with mail.Transport() as transport:
        for position, row in enumerate(rows):
            try:
                transport.deliver(row.recipient, row.message)
            except _MESSAGE_ERRORS as error:
                _retry_later(row, error, now, result)
                db.session.commit()
                continue
            except OSError as error:
                # No connection (refused, timed out, dropped): the rest would fail the same way.
                _retry_later(row, error, now, result)
                _release(rows[position + 1 :], now + backoff(row.attempts))
                db.session.commit()
                break
            db.session.delete(row)
            db.session.commit()
            result.sent += 1
    return result
