"""Sending e-mail: SMTP when MAIL_SERVER is set, otherwise .eml files in instance/outbox/."""

import smtplib
import ssl
import uuid
from email.message import EmailMessage
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


def absolute_url(path: str) -> str:
    return f"{current_app.config['BASE_URL']}{path}"
