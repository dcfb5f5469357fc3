"""A closed network: participants and experts read the learning-network pages but no longer
write there (attendance, assignment responses, methods, reports); organisers keep managing."""

import pytest
import sqlalchemy as sa

from app.archive import services as archive_services
from app.extensions import db
from app.models import AssignmentResponse, Attendance, Method, Role


@pytest.fixture
def world(make_user, make_municipality, make_case, make_meeting, make_assignment, make_method):
    town = make_municipality()
    participant = make_user(municipality=town)
    organiser = make_user(Role.ORGANISER)
    return {
        "participant": participant,
        "expert": make_user(Role.EXPERT),
        "organiser": organiser,
        "case": make_case(author=participant),
        "meeting": make_meeting(),
        "assignment": make_assignment(author=organiser),
        "method": make_method(name="Dialoogtafel"),
    }


@pytest.fixture
def closed(world):
    archive_services.set_network_closed(world["organiser"], True)


def _count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_pages_still_read_but_offer_no_forms(app, login, world, closed):
    client = login(world["participant"], app.test_client())
    meeting = client.get(f"/meetings/{world['meeting'].id}").get_data(as_text=True)
    assert "Ik kom" not in meeting and "aanmelden kan niet meer" in meeting
    assignment = client.get(f"/assignments/{world['assignment'].id}")
    assert assignment.status_code == 200
    assert 'id="response-form"' not in assignment.get_data(as_text=True)
    case_page = client.get(f"/cases/{world['case'].id}").get_data(as_text=True)
    assert "Koppelen" not in case_page
    expert = login(world["expert"], app.test_client())
    method_page = expert.get(f"/methods/{world['method'].id}").get_data(as_text=True)
    assert "Bewerken" not in method_page
    assert "Verslag schrijven" not in expert.get(f"/meetings/{world['meeting'].id}").get_data(
        as_text=True
    )


def test_participant_writes_are_refused(app, login, world, closed):
    client = login(world["participant"], app.test_client())
    meeting, assignment = world["meeting"], world["assignment"]
    case, method = world["case"], world["method"]
    assert client.post(f"/meetings/{meeting.id}/rsvp", data={"rsvp": "yes"}).status_code == 403
    response = client.post(
        f"/assignments/{assignment.id}/response", data={"body": "Ons antwoord", "version": "0"}
    )
    assert response.status_code == 403
    linked = client.post(f"/cases/{case.id}/methods", data={"method": str(method.id)})
    assert linked.status_code == 403
    assert (_count(Attendance), _count(AssignmentResponse)) == (0, 0)
    assert world["case"].methods == []


def test_expert_writes_are_refused(app, login, world, closed):
    client = login(world["expert"], app.test_client())
    assert client.post("/methods/new", data={"name": "Nieuw", "summary": "x"}).status_code == 403
    assert client.post(f"/methods/{world['method'].id}/delete").status_code == 403
    report = client.post(f"/meetings/{world['meeting'].id}/report", data={"report": "Verslag"})
    assert report.status_code == 403
    assert _count(Method) == 1


def test_organisers_keep_managing(app, login, world, closed):
    client = login(world["organiser"], app.test_client())
    case, method = world["case"], world["method"]
    linked = client.post(f"/cases/{case.id}/methods", data={"method": str(method.id)})
    assert linked.status_code == 303  # a plain form post is redirected
    db.session.expire_all()
    assert [m.name for m in world["case"].methods] == ["Dialoogtafel"]
    report = client.post(
        f"/meetings/{world['meeting'].id}/report", data={"report": "Verslag", "key_insights": ""}
    )
    assert report.status_code == 303


def test_reopened_network_accepts_writes_again(app, login, world, closed):
    archive_services.set_network_closed(world["organiser"], False)
    client = login(world["participant"], app.test_client())
    response = client.post(f"/meetings/{world['meeting'].id}/rsvp", data={"rsvp": "yes"})
    assert response.status_code == 303
    assert _count(Attendance) == 1
