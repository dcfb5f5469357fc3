"""E-mail: build a message, and queue it; the mail worker delivers (app/mail_queue.py).

No request speaks SMTP: `send` adds the message to the outgoing_mails table inside the
caller's transaction, so a mail exists exactly when the change it tells about was committed,
and a slow mail server delays nobody. The worker (`flask notify worker`, or `notify run` from
cron) delivers over SMTP when MAIL_SERVER is set, otherwise as .eml files in instance/outbox/.
"""

import smtplib
import ssl
import uuid
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import formatdate, make_msgid
from pathlib import Path

import sqlalchemy as sa
from flask import current_app, render_template

from app.extensions import db
from app.models import OutgoingMail


def outbox_path() -> Path:
    return Path(current_app.instance_path) / "outbox"


def build_message(to: str, subject: str, template: str, **context) -> EmailMessage:
    """A Dutch mail from `<template>.txt` and `<template>.html`: plain text plus an HTML part."""
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_SENDER"]
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain="casusplein")
    context = {"base_url": current_app.config["BASE_URL"], **context}
    message.set_content(render_template(f"{template}.txt", **context))
    message.add_alternative(render_template(f"{template}.html", **context), subtype="html")
    return message


def send(message: EmailMessage) -> OutgoingMail:
    """Queue one message for the mail worker (no commit: the caller's transaction carries it)."""
    # SMTP's line endings, so the stored bytes go on the wire as they are.
    raw = message.as_bytes(policy=policy.SMTP)
    queued = OutgoingMail(recipient=message["To"], message=raw)
    db.session.add(queued)
    return queued


class Transport:
    """One delivery run: a single SMTP connection for a batch, opened at the first message.

    Raises OSError (smtplib's errors are OSErrors) when a message cannot be delivered; after a
    failure the next message opens a fresh connection.
    """

    def __init__(self) -> None:
        self.config = current_app.config
        self._smtp: smtplib.SMTP | None = None

    def __enter__(self) -> "Transport":
        return self

    def __exit__(self, *_exc) -> None:
        self.close()

    def deliver(self, recipient: str, message: bytes) -> None:
        if not self.config["MAIL_SERVER"]:
            folder = outbox_path()
            folder.mkdir(parents=True, exist_ok=True)
            (folder / f"{uuid.uuid4().hex}.eml").write_bytes(message)
            return
        try:
            smtp = self._smtp or self._connect()
            smtp.sendmail(_envelope_sender(self.config["MAIL_SENDER"]), [recipient], message)
        except OSError:
            self.close()
            raise

    def _connect(self) -> smtplib.SMTP:
        config, timeout = self.config, self.config["MAIL_TIMEOUT"]
        if config["MAIL_USE_SSL"]:
            smtp = smtplib.SMTP_SSL(
                config["MAIL_SERVER"],
                config["MAIL_PORT"],
                timeout=timeout,
                context=ssl.create_default_context(),
            )
        else:
            smtp = smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=timeout)
        self._smtp = smtp
        if config["MAIL_USE_TLS"] and not config["MAIL_USE_SSL"]:
            smtp.starttls(context=ssl.create_default_context())
        if config["MAIL_USERNAME"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        return smtp

    def close(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is None:
            return
        try:
            smtp.quit()
        except OSError:
            smtp.close()


def _envelope_sender(sender: str) -> str:
    """'Casusplein <noreply@x>' -> 'noreply@x', the address SMTP's MAIL FROM takes."""
    return sender.rsplit("<", 1)[-1].rstrip(">").strip()


def _parse(raw: bytes) -> str:
    """Headers and text parts of a message, decoded (a Dutch name is often encoded)."""
    message = BytesParser(policy=policy.default).parsebytes(raw)
    text = " ".join(f"{name}: {value}" for name, value in message.items())
    for part in message.walk():
        if part.get_content_maintype() == "text":
            text += " " + part.get_content()
    return text.lower()


def forget_in_outbox(*needles: str) -> int:
    """Delete the mails to or about someone (an erasure): queued ones and the outbox's copies.

    Returns how many; commits the deletion of queued mail itself. The outbox holds
    development copies of sent mail; mail already sent over SMTP is not kept anywhere.
    """
    needles = tuple(needle.lower() for needle in needles if needle)
    if not needles:
        return 0
    removed = 0
    for queued in db.session.scalars(sa.select(OutgoingMail)):
        if any(needle in _parse(queued.message) for needle in needles):
            db.session.delete(queued)
            removed += 1
    db.session.commit()
    folder = outbox_path()
    if folder.is_dir():
        for path in folder.glob("*.eml"):
            if any(needle in _parse(path.read_bytes()) for needle in needles):
                path.unlink(missing_ok=True)
                removed += 1
    return removed


def absolute_url(path: str) -> str:
    return f"{current_app.config['BASE_URL']}{path}"
