"""Erasure also removes the person's name from the notifications it appeared in."""

import sqlalchemy as sa

from app.comments.services import add_comment
from app.extensions import db
from app.models import Notification, Role
from app.privacy import services as privacy


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
