"""Erasure also removes the person's name from notifications and development mail copies."""

from email.message import EmailMessage

import sqlalchemy as sa

from app import mail
from app.comments.services import add_comment
from app.extensions import db
from app.models import Notification, OutgoingMail, Role
from app.privacy import services as privacy
from tests.factories_network import deliver_waiting_mail


def test_erased_name_disappears_from_other_peoples_notifications(
    make_user, make_case, make_municipality
):
    town = make_municipality()
    author = make_user(municipality=town)
    make_user(municipality=town)  # a colleague, who is notified too
    commenter = make_user(display_name="Gerrit Genoemd")
    organiser = make_user(Role.ORGANISER)
    case = make_case(author=author)
    add_comment(case, commenter, "Bij ons werkte een buurtgesprek.")
    texts = db.session.execute(sa.select(Notification.title, Notification.body)).all()
    assert any("Gerrit Genoemd" in f"{title} {body}" for title, body in texts)

    privacy.erase(commenter, organiser)

    texts = db.session.execute(sa.select(Notification.title, Notification.body)).all()
    assert texts, "the notifications themselves stay"
    assert not any("Gerrit Genoemd" in f"{title} {body}" for title, body in texts)
    assert any(privacy.ERASED_NAME in f"{title} {body}" for title, body in texts)


def test_erasure_deletes_the_outbox_mails_to_or_about_the_person(app, make_user):
    person = make_user(display_name="Hélène Genoemd", email="helene@voorbeeld.nl")
    organiser = make_user(Role.ORGANISER)
    # One mail to the person, one quoting her name, one unrelated: delivered to the
    # development outbox, and the same three still waiting in the queue.
    for round_number in range(2):
        for to, body in (
            ("helene@voorbeeld.nl", "Welkom bij Casusplein."),
            ("collega@voorbeeld.nl", "Hélène Genoemd reageerde op je casus."),
            ("collega@voorbeeld.nl", "Er is een nieuwe bijeenkomst gepland."),
        ):
            message = EmailMessage()
            message["To"], message["Subject"] = to, "Casusplein"
            message.set_content(body)  # non-ASCII: stored quoted-printable or base64
            mail.send(message)
        db.session.commit()
        if round_number == 0:
            deliver_waiting_mail(app)
    assert len(list(mail.outbox_path().glob("*.eml"))) == 3
    assert db.session.scalar(sa.select(sa.func.count(OutgoingMail.id))) == 3

    privacy.erase(person, organiser)

    left = [path.read_bytes() for path in mail.outbox_path().glob("*.eml")]
    assert len(left) == 1
    assert b"bijeenkomst" in left[0]
    [waiting] = db.session.scalars(sa.select(OutgoingMail))
    assert b"bijeenkomst" in waiting.message
