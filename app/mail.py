"""Sending e-mail: SMTP when MAIL_SERVER is set, otherwise .eml files in instance/outbox/."""

import smtplib
import ssl
import uuid
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import formatdate, make_msgid
from pathlib import Path

from flask import current_app, render_template


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


def send(message: EmailMessage) -> None:
    """Deliver one message; raises on SMTP failure so the caller can leave it queued."""
    config = current_app.config
    if not config["MAIL_SERVER"]:
        folder = outbox_path()
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{uuid.uuid4().hex}.eml").write_bytes(bytes(message))
        return
    if config["MAIL_USE_SSL"]:
        smtp = smtplib.SMTP_SSL(
            config["MAIL_SERVER"], config["MAIL_PORT"], context=ssl.create_default_context()
        )
    else:
        smtp = smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=30)
    with smtp:
        if config["MAIL_USE_TLS"] and not config["MAIL_USE_SSL"]:
            smtp.starttls(context=ssl.create_default_context())
        if config["MAIL_USERNAME"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        smtp.send_message(message)


def forget_in_outbox(*needles: str) -> int:
    """Delete the outbox's mails to or about someone (an erasure); returns how many.

    The outbox holds development copies of sent mail; the text is decoded before it is
    searched, since a Dutch name in a mail body is usually quoted-printable or base64.
    """
    folder = outbox_path()
    needles = tuple(needle.lower() for needle in needles if needle)
    if not needles or not folder.is_dir():
        return 0
    removed = 0
    for path in folder.glob("*.eml"):
        message = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
        text = " ".join(f"{name}: {value}" for name, value in message.items())
        for part in message.walk():
            if part.get_content_maintype() == "text":
                text += " " + part.get_content()
        if any(needle in text.lower() for needle in needles):
            path.unlink(missing_ok=True)
            removed += 1
    return removed


def absolute_url(path: str) -> str:
    return f"{current_app.config['BASE_URL']}{path}"
