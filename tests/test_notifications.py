"""Notifications: every event gives exactly one in-app notification per person, and the
right mail (immediately or in the digest); the scheduled job is idempotent."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from app import events
from app.archive import services as archive_services
from app.extensions import db
from app.models import (
    AssignmentResponse,
    MailPreference,
    MailState,
    Notification,
    NotificationKind,
    Role,
)
from app.models.base import utcnow
from app.notifications import scheduled
from tests.factories_network import body_text, today_plus

CHECKLIST = [key for key, _label in archive_services.CHECKLIST]


def _notifications(user=None, kind=None) -> list[Notification]:
    query = sa.select(Notification).order_by(Notification.id)
    if user is not None:
        query = query.where(Notification.user_id == user.id)
    if kind is not None:
        query = query.where(Notification.kind == kind)
    return list(db.session.scalars(query))


@pytest.fixture
def town(make_municipality, make_user):
    """A duo: one member wants mail immediately, the other the (default) digest."""
    municipality = make_municipality(name="Meldingdorp")
    quick = make_user(municipality=municipality, mail_preference=MailPreference.IMMEDIATE)
    slow = make_user(municipality=municipality)
    return municipality, quick, slow


@pytest.fixture(autouse=True)
def _digest_any_hour(app):
    app.config["NOTIFY_DIGEST_HOUR"] = 0


def test_default_preference_is_digest(make_user):
    assert make_user().mail_preference == MailPreference.DIGEST


def test_comment_on_our_case(app, login, town, make_user, make_case, outbox):
    _municipality, quick, slow = town
    case = make_case(author=quick, title="Onze casus")
    commenter = login(make_user(), app.test_client())
    assert (
        commenter.post(f"/cases/{case.id}/comments", data={"body": "Herkenbaar!"}).status_code
        == 303
    )
    assert [n.kind for n in _notifications(quick)] == [NotificationKind.CASE_COMMENT]
    assert [n.kind for n in _notifications(slow)] == [NotificationKind.CASE_COMMENT]
    assert len(_notifications()) == 2  # not the commenter
    mails = outbox()
    assert [m["To"] for m in mails] == [quick.email]  # slow waits for the digest
    text = body_text(mails[0])
    assert "Onze casus" in mails[0]["Subject"]
    assert f"http://127.0.0.1:5000/cases/{case.id}#comment-" in text
    assert "http://127.0.0.1:5000/notifications/preferences" in text
    html = mails[0].get_body(preferencelist=("html",)).get_content()
    assert "Wijzig je e-mailvoorkeur" in html
    assert _notifications(quick)[0].mail_state == MailState.SENT
    assert _notifications(slow)[0].mail_state == MailState.DIGEST


def test_reply_to_my_comment_once(app, login, town, make_user, make_case, make_comment, outbox):
    _municipality, quick, slow = town
    case = make_case(author=quick)
    # slow's own comment on their own case: the reply notifies slow once, as a reply.
    parent = make_comment(case, author=slow)
    outsider = make_user(mail_preference=MailPreference.IMMEDIATE)
    other_parent = make_comment(case, author=outsider)
    replier = login(make_user(), app.test_client())
    replier.post(f"/cases/{case.id}/comments", data={"body": "Eens", "parent_id": str(parent.id)})
    assert [n.kind for n in _notifications(slow)] == [NotificationKind.COMMENT_REPLY]
    assert [n.kind for n in _notifications(quick)] == [NotificationKind.CASE_COMMENT]
    replier.post(
        f"/cases/{case.id}/comments", data={"body": "Ook eens", "parent_id": str(other_parent.id)}
    )
    assert [n.kind for n in _notifications(outsider)] == [NotificationKind.COMMENT_REPLY]
    assert sorted(m["To"] for m in outbox()) == sorted([quick.email, quick.email, outsider.email])


def test_no_notification_for_own_reply(app, login, town, make_case, make_comment):
    _municipality, quick, _slow = town
    case = make_case(author=quick)
    parent = make_comment(case, author=quick)
    login(quick, app.test_client()).post(
        f"/cases/{case.id}/comments", data={"body": "Aanvulling", "parent_id": str(parent.id)}
    )
    assert _notifications(quick) == []


def test_reflection_on_our_case(app, login, town, make_user, make_case, outbox):
    _municipality, quick, slow = town
    case = make_case(author=slow)
    expert = login(make_user(Role.EXPERT), app.test_client())
    expert.post(f"/cases/{case.id}/reflections", data={"body": "Een reflectie."})
    for user in (quick, slow):
        assert [n.kind for n in _notifications(user)] == [NotificationKind.CASE_REFLECTION]
    assert len(_notifications()) == 2
    assert [m["To"] for m in outbox()] == [quick.email]


def test_new_assignment_reaches_every_participant(app, login, town, make_user, outbox):
    _municipality, quick, slow = town
    elsewhere = make_user()
    expert = make_user(Role.EXPERT)
    organiser = login(make_user(Role.ORGANISER), app.test_client())
    organiser.post(
        "/assignments/new",
        data={
            "title": "Kaart",
            "instructions": "Doen.",
            "meeting": "",
            "due_date": today_plus(20).isoformat(),
        },
    )
    for user in (quick, slow, elsewhere):
        assert [n.kind for n in _notifications(user)] == [NotificationKind.NEW_ASSIGNMENT]
    assert _notifications(expert) == []
    assert [m["To"] for m in outbox()] == [quick.email]


def test_publication_decisions_on_our_case(app, town, make_case, make_user, outbox):
    """Published and sent back: one notification each for the duo, none for the other steps."""
    _municipality, quick, slow = town
    organiser = make_user(Role.ORGANISER)
    returned_case = make_case(author=quick, title="Teruggestuurde casus")
    publication = archive_services.propose(returned_case, quick)
    archive_services.record_consent(publication, slow, "wethouder")
    archive_services.send_back(publication, organiser, "Haal de straatnaam weg.")
    published_case = make_case(author=quick, title="Gepubliceerde casus")
    publication = archive_services.propose(published_case, quick)
    archive_services.record_consent(publication, quick, "wethouder")
    archive_services.publish(publication, organiser, CHECKLIST, "Goed geanonimiseerd.")
    for user in (quick, slow):
        notes = _notifications(user)
        assert [n.kind for n in notes] == [NotificationKind.PUBLICATION] * 2
        assert "'Teruggestuurde casus' is teruggestuurd" in notes[0].title
        assert notes[0].body == "Haal de straatnaam weg."
        assert "'Gepubliceerde casus' staat nu in het openbare archief" in notes[1].title
    assert _notifications(organiser) == []
    # Outside a request the immediate mail goes out with the next scheduled run.
    result = scheduled.run()
    assert (result.immediate, result.digests) == (2, 1)
    assert sorted(m["To"] for m in outbox()) == sorted([quick.email, quick.email, slow.email])


def test_assignment_due_in_three_days(
    app, town, make_municipality, make_user, make_assignment, outbox
):
    _municipality, quick, slow = town
    done = make_municipality(name="Klaardorp")
    finished = make_user(municipality=done)
    assignment = make_assignment(title="Bijna verlopen", due_date=today_plus(3))
    db.session.add(
        AssignmentResponse(assignment=assignment, municipality=done, body="Af", updated_by=finished)
    )
    db.session.commit()
    make_assignment(title="Nog ver weg", due_date=today_plus(10))
    result = scheduled.run()
    for user in (quick, slow):
        notes = _notifications(user, NotificationKind.ASSIGNMENT_DUE)
        assert (
            len(notes) == 1
            and "Bijna verlopen" in notes[0].title
            and "over 3 dagen" in notes[0].title
        )
    assert _notifications(finished, NotificationKind.ASSIGNMENT_DUE) == []
    assert result.reminders == 2
    assert result.immediate == 1 and result.digests == 1
    again = scheduled.run()
    assert (again.reminders, again.immediate, again.digests) == (0, 0, 0)
    assert len(_notifications(kind=NotificationKind.ASSIGNMENT_DUE)) == 2


def test_session_in_seven_days_and_in_one_day(app, login, town, make_user, make_meeting, outbox):
    _municipality, quick, slow = town
    declined = make_user()
    meeting = make_meeting(title="Sessie 2", date=today_plus(7))
    login(declined, app.test_client()).post(f"/meetings/{meeting.id}/rsvp", data={"rsvp": "no"})
    scheduled.run()
    first = _notifications(quick, NotificationKind.MEETING_SOON)
    assert len(first) == 1 and "over 7 dagen" in first[0].title
    assert _notifications(declined) == []
    scheduled.run(utcnow() + timedelta(days=2))  # five days before: nothing new
    assert len(_notifications(quick, NotificationKind.MEETING_SOON)) == 1
    scheduled.run(utcnow() + timedelta(days=6))
    scheduled.run(utcnow() + timedelta(days=6))
    notes = _notifications(slow, NotificationKind.MEETING_SOON)
    assert [n.title.rsplit(" is ", 1)[1] for n in notes] == ["over 7 dagen", "morgen"]
    assert [m["To"] for m in outbox()].count(quick.email) == 2


def test_digest_collects_and_is_sent_once_a_day(app, login, town, make_user, make_case, outbox):
    _municipality, quick, slow = town
    case = make_case(author=quick, title="Digestcasus")
    commenter = login(make_user(), app.test_client())
    commenter.post(f"/cases/{case.id}/comments", data={"body": "Een"})
    commenter.post(f"/cases/{case.id}/comments", data={"body": "Twee"})
    before = len(outbox())
    assert scheduled.run().digests == 1
    digest = outbox()[before:]
    assert [m["To"] for m in digest] == [slow.email]
    assert "2 meldingen" in digest[0]["Subject"]
    text = body_text(digest[0])
    assert text.count("Digestcasus") == 2 and "/notifications/preferences" in text
    assert all(n.mail_state == MailState.SENT for n in _notifications(slow))
    # A new notification the same day waits for tomorrow's digest.
    commenter.post(f"/cases/{case.id}/comments", data={"body": "Drie"})
    assert scheduled.run().digests == 0
    assert scheduled.run(utcnow() + timedelta(days=1)).digests == 1


def test_digest_hour_is_respected(app, town, make_case, make_user, login, outbox):
    app.config["NOTIFY_DIGEST_HOUR"] = 24  # never reached
    _municipality, quick, _slow = town
    case = make_case(author=quick)
    login(make_user(), app.test_client()).post(f"/cases/{case.id}/comments", data={"body": "Hoi"})
    assert scheduled.run().digests == 0


def test_preference_off_means_no_mail(app, login, town, make_user, make_case, outbox):
    _municipality, quick, slow = town
    client = login(quick, app.test_client())
    assert (
        client.post("/notifications/preferences", data={"mail_preference": "off"}).status_code
        == 303
    )
    db.session.refresh(quick)
    assert quick.mail_preference == MailPreference.OFF
    case = make_case(author=slow)
    login(make_user(), app.test_client()).post(f"/cases/{case.id}/comments", data={"body": "Hoi"})
    assert len(_notifications(quick)) == 1  # still in the app
    assert outbox() == []
    scheduled.run()
    assert [m["To"] for m in outbox()] == [slow.email]


def test_notify_run_cli_is_idempotent(runner, town, make_assignment, outbox):
    make_assignment(due_date=today_plus(1))
    first = runner.invoke(args=["notify", "run"])
    assert first.exit_code == 0, first.output
    assert "Reminders: 2, immediate mails: 1, digests: 1" in first.output
    sent = len(outbox())
    second = runner.invoke(args=["notify", "run"])
    assert "Reminders: 0, immediate mails: 0, digests: 0" in second.output
    assert len(outbox()) == sent


def test_badge_list_open_and_read_all(app, login, town, make_user, make_case):
    _municipality, quick, slow = town
    case = make_case(author=quick)
    other = make_user()
    login(other, app.test_client()).post(f"/cases/{case.id}/comments", data={"body": "Een"})
    login(other, app.test_client()).post(f"/cases/{case.id}/comments", data={"body": "Twee"})
    client = login(slow, app.test_client())
    assert 'aria-label="2 ongelezen"' in client.get("/notifications/badge").get_data(as_text=True)
    assert 'aria-label="2 ongelezen"' in client.get("/").get_data(as_text=True)  # in the header
    first = _notifications(slow)[0]
    response = client.post(f"/notifications/{first.id}/open")
    assert response.status_code == 303 and f"/cases/{case.id}" in response.headers["Location"]
    assert 'aria-label="1 ongelezen"' in client.get("/notifications/badge").get_data(as_text=True)
    response = client.post("/notifications/read-all", headers={"HX-Request": "true"})
    assert response.headers["HX-Trigger"] == "notifications-changed"
    assert "ongelezen" not in client.get("/notifications/badge").get_data(as_text=True)
    # Someone else's notification cannot be opened.
    assert (
        login(quick, app.test_client()).post(f"/notifications/{first.id}/open").status_code == 404
    )


def test_notification_pages_need_login(client):
    assert client.get("/notifications").status_code == 302
    assert client.get("/notifications/badge").status_code == 302
    assert client.post("/notifications/read-all").status_code == 302


def test_each_notification_written_in_the_senders_transaction(app, town, make_case):
    """A rolled-back change leaves no notification behind."""
    _municipality, quick, _slow = town
    case = make_case(author=quick)
    publication = archive_services.propose(case, quick)
    events.publication_changed.send(publication, action="returned")
    db.session.rollback()
    assert _notifications() == []
