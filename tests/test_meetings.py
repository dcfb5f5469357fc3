"""Sessions: planning, attendance, reports, calendar files and the case link."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from icalendar import Calendar

from app.extensions import db
from app.models import Attendance, Meeting, Role, Rsvp, Visibility
from tests.factories_network import today_plus


@pytest.fixture
def organiser(make_user):
    return make_user(Role.ORGANISER)


def test_organiser_plans_a_session_with_cases(client, login, organiser, make_case):
    case = make_case()
    draft = make_case(visibility=Visibility.DRAFT)
    login(organiser)
    response = client.post(
        "/meetings/new",
        data={
            "title": "Leer- en reflectiesessie 1",
            "date": "2030-06-20",
            "start_time": "10:00",
            "end_time": "14:00",
            "city": "Utrecht",
            "venue": "",
            "agenda": "- Kennismaking\n- <script>alert(1)</script>",
            "cases": [str(case.id)],
        },
    )
    assert response.status_code == 303
    meeting = db.session.scalar(sa.select(Meeting))
    assert [c.id for c in meeting.cases] == [case.id]
    # Drafts are not offered, and posting one anyway is refused.
    assert draft.title not in client.get(f"/meetings/{meeting.id}/edit").get_data(as_text=True)
    refused = client.post(
        f"/meetings/{meeting.id}/edit",
        data={"title": "x", "date": "2030-06-20", "start_time": "10:00", "end_time": "14:00",
              "city": "Utrecht", "cases": [str(draft.id)]},
    )  # fmt: skip
    assert refused.status_code == 422
    page = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert "locatie volgt nog" in page and "donderdag 20 juni 2030" in page
    assert "<script>alert(1)</script>" not in page
    assert case.title in page
    # The case page shows where it is discussed.
    assert "Besproken in bijeenkomsten" in client.get(f"/cases/{case.id}").get_data(as_text=True)


def test_session_form_errors_are_dutch_and_kept(client, login, organiser):
    login(organiser)
    response = client.post(
        "/meetings/new",
        data={
            "title": "Sessie X",
            "date": "2030-06-22",
            "start_time": "14:00",
            "end_time": "10:00",
            "city": "Utrecht",
        },
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "De eindtijd ligt na de begintijd." in page and 'value="Sessie X"' in page


@pytest.mark.parametrize(
    ("role", "status"), [(Role.PARTICIPANT, 403), (Role.EXPERT, 403), (Role.READER, 404)]
)
def test_only_organisers_plan_sessions(app, login, make_user, make_meeting, role, status):
    meeting = make_meeting()
    client = login(make_user(role), app.test_client())
    assert client.get("/meetings/new").status_code == status
    assert client.post(f"/meetings/{meeting.id}/edit", data={"title": "x"}).status_code == status
    assert client.get(f"/meetings/{meeting.id}/attendance").status_code == status


def test_readers_and_anonymous_see_no_sessions(app, login, make_user, make_meeting):
    meeting = make_meeting()
    assert app.test_client().get(f"/meetings/{meeting.id}").status_code == 302
    reader = login(make_user(Role.READER), app.test_client())
    assert reader.get(f"/meetings/{meeting.id}").status_code == 404
    assert reader.get(f"/meetings/{meeting.id}.ics").status_code == 404


def test_attendance_per_municipality(
    app, login, organiser, make_user, make_municipality, make_meeting
):
    meeting = make_meeting()
    both = make_municipality(name="Tweekom")
    half = make_municipality(name="Halfkom")
    a1, a2 = make_user(municipality=both), make_user(municipality=both)
    b1, b2 = make_user(municipality=half), make_user(municipality=half)
    for user, answer in ((a1, "yes"), (a2, "yes"), (b1, "yes"), (b2, "no")):
        client = login(user, app.test_client())
        response = client.post(
            f"/meetings/{meeting.id}/rsvp", data={"rsvp": answer}, headers={"HX-Request": "true"}
        )
        assert response.status_code == 200
        assert 'id="rsvp"' in response.get_data(as_text=True)
    # Changing your answer updates the same record.
    login(b2, app.test_client()).post(f"/meetings/{meeting.id}/rsvp", data={"rsvp": "no"})
    assert db.session.scalar(sa.select(sa.func.count(Attendance.id))) == 4
    boss = login(organiser, app.test_client())
    page = boss.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    overview = page.split('id="attendance-overview"', 1)[1]
    tweekom = overview.split("Tweekom", 1)[1].split("</tr>", 1)[0]
    halfkom = overview.split("Halfkom", 1)[1].split("</tr>", 1)[0]
    assert "beiden komen" in tweekom and "1 van 2" in halfkom
    # Afterwards the organiser records who actually came.
    assert (
        boss.post(
            f"/meetings/{meeting.id}/attendance", data={"attended": [str(a1.id), str(b1.id)]}
        ).status_code
        == 303
    )
    attended = dict(db.session.execute(sa.select(Attendance.user_id, Attendance.attended)).all())
    assert attended[a1.id] is True and attended[a2.id] is False and attended[b1.id] is True


def test_rsvp_rejects_unknown_answer(client, login, make_user, make_meeting):
    meeting = make_meeting()
    login(make_user())
    assert (
        client.post(f"/meetings/{meeting.id}/rsvp", data={"rsvp": "misschien"}).status_code == 400
    )


def test_report_by_expert_not_participant(app, login, make_user, make_meeting):
    meeting = make_meeting()
    participant = login(make_user(), app.test_client())
    assert (
        participant.post(f"/meetings/{meeting.id}/report", data={"report": "x"}).status_code == 403
    )
    expert = login(make_user(Role.EXPERT), app.test_client())
    response = expert.post(
        f"/meetings/{meeting.id}/report",
        data={"report": "We bespraken de **Spoorwijk**.", "key_insights": "- Kleine kring werkt"},
    )
    assert response.status_code == 303
    page = expert.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert "<strong>Spoorwijk</strong>" in page and "Kleine kring werkt" in page


def _parse(data: bytes) -> Calendar:
    calendar = Calendar.from_ical(data)
    assert calendar["VERSION"] == "2.0" and calendar["PRODID"]
    return calendar


def test_ics_per_session_is_valid(client, login, make_user, make_meeting):
    meeting = make_meeting(
        title="Sessie in Utrecht", date=date(2030, 6, 20), start_time=time(10), end_time=time(14)
    )
    login(make_user())
    response = client.get(f"/meetings/{meeting.id}.ics")
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    calendar = _parse(response.data)
    events = calendar.walk("VEVENT")
    assert len(events) == 1
    event = events[0]
    amsterdam = ZoneInfo("Europe/Amsterdam")
    assert event.decoded("DTSTART") == datetime(2030, 6, 20, 10, 0, tzinfo=amsterdam)
    assert event.decoded("DTEND") == datetime(2030, 6, 20, 14, 0, tzinfo=amsterdam)
    assert str(event["SUMMARY"]) == "Sessie in Utrecht"
    assert "Utrecht" in str(event["LOCATION"]) and event["UID"]
    assert calendar.walk("VTIMEZONE")  # the TZID is defined in the file itself


def test_personal_feed_uses_secret_token(app, client, login, make_user, make_meeting):
    make_meeting(title="Eerste"), make_meeting(title="Tweede")
    user = make_user()
    login(user)
    # Looking at the page changes nothing (F15): the link is made on a POST.
    assert "Maak mijn agenda-link" in client.get("/meetings/calendar").get_data(as_text=True)
    db.session.refresh(user)
    assert user.calendar_token is None
    page = client.post("/meetings/calendar/reset", follow_redirects=True).get_data(as_text=True)
    db.session.refresh(user)
    token = user.calendar_token
    assert token and f"/meetings/feed/{token}.ics" in page
    feed = app.test_client().get(f"/meetings/feed/{token}.ics")  # no cookies, like a calendar app
    assert feed.status_code == 200
    assert sorted(str(e["SUMMARY"]) for e in _parse(feed.data).walk("VEVENT")) == [
        "Eerste",
        "Tweede",
    ]
    assert app.test_client().get("/meetings/feed/verkeerd.ics").status_code == 404
    # Resetting the link invalidates the old one.
    client.post("/meetings/calendar/reset")
    assert app.test_client().get(f"/meetings/feed/{token}.ics").status_code == 404
    user.active = False
    db.session.commit()
    db.session.refresh(user)
    assert app.test_client().get(f"/meetings/feed/{user.calendar_token}.ics").status_code == 404


def test_list_splits_upcoming_and_past(client, login, make_user, make_meeting):
    make_meeting(title="Straks", date=today_plus(5))
    make_meeting(title="Vorig jaar", date=today_plus(-300))
    login(make_user())
    page = client.get("/meetings").get_data(as_text=True)
    assert page.index("Straks") < page.index("Geweest") < page.index("Vorig jaar")


def test_rsvp_record_unique_per_person(make_meeting, make_user):
    meeting = make_meeting()
    user = make_user()
    db.session.add(Attendance(meeting=meeting, user=user, rsvp=Rsvp.YES))
    db.session.commit()
    db.session.add(Attendance(meeting=meeting, user=user, rsvp=Rsvp.NO))
    with pytest.raises(sa.exc.IntegrityError):
        db.session.commit()
    db.session.rollback()
