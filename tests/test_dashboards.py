"""The start page per role keeps the shared content and adds what is next for that role."""

import sqlalchemy as sa

from app.extensions import db
from app.models import ApplicationStatus, AssignmentResponse, Role, Visibility
from tests.factories_network import today_plus


def test_participant_dashboard(
    app, login, make_user, make_municipality, make_meeting, make_assignment, make_case, make_comment
):
    municipality = make_municipality(name="Startdorp")
    me = make_user(municipality=municipality)
    meeting = make_meeting(title="Volgende sessie", date=today_plus(10))
    make_meeting(title="Latere sessie", date=today_plus(60))
    make_assignment(title="Open opdracht", due_date=today_plus(4))
    own_case = make_case(author=me, title="Onze eigen casus")
    make_comment(own_case, body="Nieuwe reactie")
    waiting = make_case(title="Vraag van elders")
    answered = make_case(title="Al beantwoord")
    make_comment(answered, author=make_user(municipality=municipality))
    make_case(title="Ons concept", author=me, visibility=Visibility.DRAFT)
    client = login(me, app.test_client())
    client.post(f"/meetings/{meeting.id}/rsvp", data={"rsvp": "yes"})
    page = client.get("/").get_data(as_text=True)
    panel = page.split('id="participant-dashboard"', 1)[1].split('<div class="dashboard">', 1)[0]
    assert "Volgende sessie" in panel and "Latere sessie" not in panel and "ik kom" in panel
    assert "Open opdracht" in panel and "nog niet ingeleverd" in panel
    assert "Onze eigen casus" in panel.split('id="own-activity-heading"', 1)[1]
    awaiting = panel.split('id="awaiting-heading"', 1)[1]
    assert "Vraag van elders" in awaiting and "Al beantwoord" not in awaiting
    assert waiting.title in awaiting
    # The original content stays: network cases and own drafts.
    assert "Nieuw in het netwerk" in page and "Ons concept" in page


def test_expert_dashboard(app, login, make_user, make_case, make_reflection):
    expert = make_user(Role.EXPERT)
    make_case(title="Wacht op reflectie")
    asked = make_case(title="Expertblik gevraagd", expert_view_requested=True)
    make_reflection(asked, author=expert)
    page = login(expert, app.test_client()).get("/").get_data(as_text=True)
    panel = page.split('id="expert-dashboard"', 1)[1]
    assert (
        "Expertblik gevraagd"
        in panel.split('id="requested-heading"', 1)[1].split("</section>", 1)[0]
    )
    without = panel.split('id="no-reflection-heading"', 1)[1].split("</section>", 1)[0]
    assert "Wacht op reflectie" in without and "Expertblik gevraagd" not in without
    assert "Expertblik gevraagd" in panel.split('id="my-reflections-heading"', 1)[1]


def test_organiser_dashboard(
    app,
    login,
    make_user,
    make_municipality,
    make_application,
    make_meeting,
    make_assignment,
    make_case,
    make_comment,
):
    municipality = make_municipality(name="Volledig")
    a, b = make_user(municipality=municipality), make_user(municipality=municipality)
    make_application(status=ApplicationStatus.NEW)
    make_application(status=ApplicationStatus.WAITLISTED)
    meeting = make_meeting(title="Eerstvolgende", date=today_plus(5))
    for user in (a, b):
        login(user, app.test_client()).post(f"/meetings/{meeting.id}/rsvp", data={"rsvp": "yes"})
    assignment = make_assignment(title="Lopende opdracht", due_date=today_plus(5))
    db.session.add(
        AssignmentResponse(assignment=assignment, municipality=municipality, body="x", updated_by=a)
    )
    db.session.commit()
    make_comment(make_case(title="Actieve casus"))
    page = login(make_user(Role.ORGANISER), app.test_client()).get("/").get_data(as_text=True)
    panel = page.split('id="organiser-dashboard"', 1)[1]
    assert "Nieuw: <strong>1</strong>" in panel and "Wachtlijst: <strong>1</strong>" in panel
    assert "Eerstvolgende" in panel and "<strong>1 van " in panel
    assert "Lopende opdracht</a>: <strong>1 van" in panel
    assert "Actieve casus" in panel.split('id="recent-activity-heading"', 1)[1]
    assert db.session.scalar(sa.select(sa.func.count(AssignmentResponse.id))) == 1
