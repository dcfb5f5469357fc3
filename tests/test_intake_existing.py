"""Intake of a municipality whose name is already in the network (security review F3).

Admitting never joins an existing municipality silently: the organiser chooses a new name, or
adds the people to the existing municipality after a confirmation naming its duo.
"""

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.intake.services import comparable_name
from app.models import ApplicationStatus, AuditEvent, Invitation, Municipality, Role, User


@pytest.fixture
def organiser(make_user):
    return make_user(Role.ORGANISER)


@pytest.fixture
def dorrestad(make_municipality, make_user):
    town = make_municipality(name="Dorrestad")
    make_user(municipality=town, display_name="Sanne Verhoeven")
    make_user(municipality=town, display_name="Youssef El Amrani")
    return town


def _audit(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)))


@pytest.mark.parametrize(
    "written",
    ["Dorrestad", "dorrestad", "Gemeente Dorrestad", "  gemeente  DÖRRESTAD ", "Dörréstad"],
)
def test_f3_admitting_a_matching_name_never_joins_the_existing_municipality(
    client, login, organiser, dorrestad, make_application, outbox, written
):
    application = make_application(municipality_name=written)
    login(organiser)
    page = client.get(f"/intake/{application.id}").get_data(as_text=True)
    warning = page.split('id="existing-municipality"')[1].split("</div>")[0]
    assert "Dorrestad doet al mee" in warning
    assert "Sanne Verhoeven" in warning and "Youssef El Amrani" in warning

    response = client.post(f"/intake/{application.id}/decide", data={"status": "admitted"})
    assert response.status_code == 303  # back to the page, not left on the POST address
    followed = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Er doet al een gemeente mee" in followed and "niemand toegelaten" in followed
    db.session.refresh(application)
    assert application.status != ApplicationStatus.ADMITTED
    assert application.municipality_id is None
    assert db.session.scalar(sa.select(sa.func.count(Invitation.id))) == 0
    assert outbox() == []


def test_comparable_names():
    assert comparable_name("Gemeente 's-Hertogenbosch") == "'s-hertogenbosch"
    assert comparable_name("Súdwest-Fryslân") == comparable_name("sudwest-fryslan")
    assert comparable_name("Gemeentestad") == "gemeentestad"  # a word, not the prefix


def test_admitting_under_another_name_creates_a_new_municipality_and_is_audited(
    client, login, organiser, dorrestad, make_application, outbox
):
    application = make_application(municipality_name="Dorrestad")
    login(organiser)
    taken = client.post(
        f"/intake/{application.id}/decide",
        data={"status": "admitted", "new_name": "gemeente dorrestad"},
    )
    assert taken.status_code == 303 and "new_name=gemeente" in taken.headers["Location"]
    again = client.get(taken.headers["Location"]).get_data(as_text=True)
    assert 'value="gemeente dorrestad"' in again  # the typed name comes back
    response = client.post(
        f"/intake/{application.id}/decide",
        data={"status": "admitted", "new_name": "Dorrestad-Noord"},
    )
    assert response.status_code == 303
    db.session.refresh(application)
    assert application.status == ApplicationStatus.ADMITTED
    assert application.municipality.name == "Dorrestad-Noord"
    assert application.municipality_id != dorrestad.id
    [event] = _audit("intake.admitted")
    assert (event.actor_id, event.target_id) == (organiser.id, application.municipality_id)
    assert event.details == {"application_id": application.id, "as_applied": False}
    invited = db.session.scalars(sa.select(Invitation.municipality_id)).all()
    assert invited == [application.municipality_id] * 2


def test_adding_to_the_existing_municipality_needs_a_confirmation_naming_its_duo(
    client, login, organiser, dorrestad, make_application, outbox
):
    application = make_application(municipality_name="Gemeente Dorrestad")
    login(organiser)
    confirmation = client.get(f"/intake/{application.id}/join").get_data(as_text=True)
    assert "Sanne Verhoeven" in confirmation and "Youssef El Amrani" in confirmation
    assert "concepten" in confirmation and "Reden" in confirmation
    refused = client.post(f"/intake/{application.id}/join", data={})
    assert refused.status_code == 422
    db.session.refresh(application)
    assert application.municipality_id is None

    done = client.post(f"/intake/{application.id}/join", data={"reason": "Nagevraagd bij Sanne"})
    assert done.status_code == 303
    db.session.refresh(application)
    assert application.municipality_id == dorrestad.id
    assert application.status == ApplicationStatus.ADMITTED
    [event] = _audit("intake.joined_existing")
    assert (event.actor_id, event.target_id) == (organiser.id, dorrestad.id)
    assert event.details == {"application_id": application.id, "reason": "Nagevraagd bij Sanne"}
    assert len(outbox()) == 2
    assert db.session.scalar(sa.select(sa.func.count(Municipality.id))) == 1


def test_join_is_only_for_a_matching_name_and_for_organisers(
    client, login, organiser, dorrestad, make_application, make_user
):
    unrelated = make_application(municipality_name="Heuvelrade")
    login(organiser)
    response = client.post(f"/intake/{unrelated.id}/join", data={"reason": "x"})
    assert response.status_code == 303
    db.session.refresh(unrelated)
    assert unrelated.municipality_id is None
    matching = make_application(municipality_name="Dorrestad")
    login(make_user(municipality=dorrestad))
    assert client.post(f"/intake/{matching.id}/join", data={"reason": "x"}).status_code == 403
    assert (
        db.session.scalar(
            sa.select(sa.func.count(User.id)).where(User.municipality_id == dorrestad.id)
        )
        == 3
    )
