"""Aanmelden and intake: the public form, the board, admission, the cap and invitations."""

import re
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import (
    Application,
    ApplicationStatus,
    Invitation,
    Municipality,
    Notification,
    NotificationKind,
    Role,
    User,
)
from app.models.base import utcnow
from tests.factories_network import body_text


def _form(**overrides) -> dict:
    data = {
        "municipality_name": "Heuvelrade",
        "size_class": "small",
        "province": "Limburg",
        "first_name": "Noor Claassen",
        "first_function": "Beleidsmedewerker Samenleven",
        "first_email": "noor@heuvelrade.example.nl",
        "second_name": "Bram Geurts",
        "second_function": "Wijkprofessional",
        "second_email": "bram@heuvelrade.example.nl",
        "learning_questions": "Hoe herstellen we vertrouwen na het stikstofprotest?",
        "expectations": "Uitwisseling met andere kleine gemeenten.",
        "local_issues": "Boerenprotest en een verdeeld dorp.",
        "wants_maatwerk": "y",
        "website": "",
    }
    data.update(overrides)
    return data


def _invitation_link(message) -> str:
    return re.search(r"http://[^\s]+/invitation/[\w-]+", body_text(message)).group(0)


@pytest.fixture
def organiser(make_user):
    return make_user(Role.ORGANISER)


def test_intake_flow_end_to_end(app, client, login, organiser, outbox):
    # 1. The municipality applies on the public form, without an account.
    response = client.post("/intake/apply", data=_form())
    assert response.status_code == 303
    assert client.get(response.headers["Location"]).status_code == 200
    application = db.session.scalar(sa.select(Application))
    assert application.status == ApplicationStatus.NEW and application.wants_maatwerk
    confirmations = outbox()
    assert sorted(m["To"] for m in confirmations) == [
        "bram@heuvelrade.example.nl",
        "noor@heuvelrade.example.nl",
    ]
    assert "Aanmelding ontvangen" in confirmations[0]["Subject"]
    assert confirmations[0].get_body(preferencelist=("html",)) is not None

    # 2. The organiser plans the intake on the board.
    board = app.test_client()
    login(organiser, board)
    assert "Heuvelrade" in board.get("/intake").get_data(as_text=True)
    response = board.post(
        f"/intake/{application.id}/plan",
        data={"intake_at": "2030-05-02T10:30", "meeting_url": "https://meet.example.nl/abc"},
    )
    assert response.status_code == 303
    db.session.refresh(application)
    assert application.status == ApplicationStatus.PLANNED
    assert application.intake_at == datetime(2030, 5, 2, 8, 30)  # stored in UTC (CEST = +2)
    board.post(f"/intake/{application.id}/notes", data={"notes": "Sterke leervraag."})

    # 3. Admitted: the municipality exists and both duo members get a personal invitation.
    response = board.post(f"/intake/{application.id}/decide", data={"status": "admitted"})
    assert response.status_code == 303
    db.session.refresh(application)
    assert application.status == ApplicationStatus.ADMITTED
    municipality = db.session.scalar(
        sa.select(Municipality).where(Municipality.name == "Heuvelrade")
    )
    assert municipality.size_class.value == "small" and application.notes == "Sterke leervraag."
    invitations = [m for m in outbox() if "Uitnodiging" in m["Subject"]]
    assert len(invitations) == 2
    link = _invitation_link(next(m for m in invitations if m["To"] == "noor@heuvelrade.example.nl"))
    token = link.rsplit("/", 1)[1]
    stored = db.session.scalar(
        sa.select(Invitation).where(Invitation.email == "noor@heuvelrade.example.nl")
    )
    assert token not in stored.token_hash and len(stored.token_hash) == 64  # only a hash is kept

    # 4. The invitee sets a password and is signed in as a participant of Heuvelrade.
    invitee = app.test_client()
    path = link.split("127.0.0.1:5000", 1)[1]
    assert "Heuvelrade" in invitee.get(path).get_data(as_text=True)
    response = invitee.post(
        path,
        data={
            "display_name": "Noor Claassen",
            "password": "lang-genoeg-1",
            "confirm_password": "lang-genoeg-1",
        },
    )
    assert response.status_code == 303
    user = db.session.scalar(sa.select(User).where(User.email == "noor@heuvelrade.example.nl"))
    assert user.role == Role.PARTICIPANT and user.municipality_id == municipality.id
    assert "Hallo Noor" in invitee.get("/").get_data(as_text=True)
    welcome = db.session.scalars(
        sa.select(Notification).where(Notification.user_id == user.id)
    ).all()
    assert [n.kind for n in welcome] == [NotificationKind.INVITATION]

    # 5. Later, the participant logs in with the chosen password.
    fresh = app.test_client()
    response = fresh.post(
        "/login", data={"email": "noor@heuvelrade.example.nl", "password": "lang-genoeg-1"}
    )
    assert response.status_code == 303


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"second_email": "NOOR@heuvelrade.example.nl"}, "twee verschillende e-mailadressen"),
        ({"first_email": "geen-adres"}, "geen geldig e-mailadres"),
        ({"municipality_name": ""}, "Vul de naam van de gemeente in."),
        ({"learning_questions": ""}, "Beschrijf jullie leervragen."),
        ({"size_class": "reusachtig"}, "Kies"),
    ],
)
def test_application_validation_keeps_input(client, outbox, overrides, message):
    response = client.post("/intake/apply", data=_form(**overrides))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page
    assert "Boerenprotest en een verdeeld dorp." in page  # filled in again
    assert db.session.scalar(sa.select(sa.func.count(Application.id))) == 0
    assert outbox() == []


def test_honeypot_stores_nothing_but_looks_the_same(client, outbox):
    response = client.post("/intake/apply", data=_form(website="http://spam.example"))
    assert response.status_code == 303 and response.headers["Location"].endswith("/thanks")
    assert db.session.scalar(sa.select(sa.func.count(Application.id))) == 0
    assert outbox() == []


def test_rate_limit_per_client_address(app, outbox):
    app.config["INTAKE_RATE_LIMIT"] = 2
    first, other = app.test_client(), app.test_client()
    for number in range(2):
        data = _form(municipality_name=f"Plaats {number}")
        assert first.post("/intake/apply", data=data).status_code == 303
    refused = first.post("/intake/apply", data=_form(municipality_name="Plaats 3"))
    assert refused.status_code == 429
    assert "te veel aanmeldingen" in refused.get_data(as_text=True)
    assert "Plaats 3" in refused.get_data(as_text=True)  # the form comes back filled in
    # Another address is not affected.
    response = other.post(
        "/intake/apply",
        data=_form(municipality_name="Elders"),
        environ_base={"REMOTE_ADDR": "10.9.9.9"},
    )
    assert response.status_code == 303
    assert db.session.scalar(sa.select(sa.func.count(Application.id))) == 3


def test_public_form_requires_csrf_token(app, client):
    app.config["WTF_CSRF_ENABLED"] = True
    response = client.post("/intake/apply", data=_form())
    assert response.status_code == 400
    assert db.session.scalar(sa.select(sa.func.count(Application.id))) == 0


def test_thirteenth_municipality_is_refused(
    app, client, login, organiser, make_municipality, make_application, outbox
):
    for _ in range(12):
        make_municipality()
    application = make_application(
        municipality_name="Dertiendorp", status=ApplicationStatus.PLANNED
    )
    login(organiser)
    response = client.post(f"/intake/{application.id}/decide", data={"status": "admitted"})
    # Refused, and back on the application's page: a refresh does not post again.
    assert response.status_code == 303
    assert response.headers["Location"].startswith(f"/intake/{application.id}")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Het netwerk is vol" in page and "12 van de maximaal 12" in page
    db.session.refresh(application)
    assert application.status == ApplicationStatus.PLANNED
    assert db.session.scalar(sa.select(sa.func.count(Municipality.id))) == 12
    assert outbox() == []
    # The waiting list is still possible.
    client.post(f"/intake/{application.id}/decide", data={"status": "waitlisted"})
    db.session.refresh(application)
    assert application.status == ApplicationStatus.WAITLISTED


def test_a_municipality_that_left_frees_its_place(
    app, client, login, organiser, make_municipality, make_user, make_application
):
    """When all accounts of a municipality are closed it no longer takes a place; a just
    admitted one, whose duo has no accounts yet, does."""
    app.config["NETWORK_MAX_MUNICIPALITIES"] = 2
    left = make_municipality(name="Vertrokkendorp")
    make_user(municipality=left, active=False)
    make_user(municipality=left, active=False)
    staying = make_municipality(name="Blijfdorp")
    make_user(municipality=staying)
    make_user(municipality=staying, active=False)
    first, second = make_application(), make_application()
    login(organiser)
    assert client.post(f"/intake/{first.id}/decide", data={"status": "admitted"}).status_code == 303
    refused = client.post(f"/intake/{second.id}/decide", data={"status": "admitted"})
    # A refused decision sends the browser back to the application, with the reason.
    assert refused.status_code == 303
    assert "2 van de maximaal 2" in client.get(refused.headers["Location"]).get_data(as_text=True)
    db.session.refresh(second)
    assert second.status != ApplicationStatus.ADMITTED


def test_cap_is_configurable(app, client, login, organiser, make_municipality, make_application):
    app.config["NETWORK_MAX_MUNICIPALITIES"] = 2
    make_municipality()
    application = make_application()
    login(organiser)
    assert (
        client.post(f"/intake/{application.id}/decide", data={"status": "admitted"}).status_code
        == 303
    )
    second = make_application()
    refused = client.post(f"/intake/{second.id}/decide", data={"status": "admitted"})
    assert refused.status_code == 303
    db.session.refresh(second)
    assert second.status != ApplicationStatus.ADMITTED


@pytest.fixture
def admitted(client, login, organiser, make_application, outbox):
    """An admitted application; returns (invitation path for the first member, invitation)."""
    application = make_application(municipality_name="Uitnodigstad")
    login(organiser)
    client.post(f"/intake/{application.id}/decide", data={"status": "admitted"})
    message = next(m for m in outbox() if m["To"] == application.first_email)
    path = _invitation_link(message).split("127.0.0.1:5000", 1)[1]
    invitation = db.session.scalar(
        sa.select(Invitation).where(Invitation.email == application.first_email)
    )
    return path, invitation


ACCEPT = {
    "display_name": "Nieuw Lid",
    "password": "lang-genoeg-1",
    "confirm_password": "lang-genoeg-1",
}


def test_invitation_is_single_use(app, admitted):
    path, _invitation = admitted
    assert app.test_client().post(path, data=ACCEPT).status_code == 303
    again = app.test_client().post(
        path,
        data={**ACCEPT, "password": "ander-wachtwoord", "confirm_password": "ander-wachtwoord"},
    )
    assert again.status_code == 410
    assert "al gebruikt" in again.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(User.id)).where(User.email.like("een%"))) == 1


def test_invitation_expires(app, admitted):
    path, invitation = admitted
    invitation.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    response = app.test_client().get(path)
    assert response.status_code == 410 and "verlopen" in response.get_data(as_text=True)
    assert app.test_client().post(path, data=ACCEPT).status_code == 410


def test_resend_replaces_link_and_revoke_blocks_it(app, client, admitted, outbox):
    path, invitation = admitted
    before = len(outbox())
    assert client.post(f"/invitations/{invitation.id}/resend").status_code == 303
    assert len(outbox()) == before + 1
    assert app.test_client().get(path).status_code == 410  # the old link no longer works
    new_path = _invitation_link(outbox()[-1]).split("127.0.0.1:5000", 1)[1]
    assert app.test_client().get(new_path).status_code == 200
    assert client.post(f"/invitations/{invitation.id}/revoke").status_code == 303
    response = app.test_client().get(new_path)
    assert response.status_code == 410 and "ingetrokken" in response.get_data(as_text=True)


def test_password_rules_on_accept(app, admitted):
    path, _invitation = admitted
    response = app.test_client().post(path, data={**ACCEPT, "confirm_password": "iets-anders-1"})
    assert response.status_code == 422 and "niet gelijk" in response.get_data(as_text=True)


@pytest.mark.parametrize("role", [Role.PARTICIPANT, Role.EXPERT, Role.READER])
def test_board_and_actions_are_for_organisers_only(app, login, make_user, make_application, role):
    application = make_application()
    client = login(make_user(role), app.test_client())
    assert client.get("/intake").status_code == 403
    assert client.get(f"/intake/{application.id}").status_code == 403
    assert (
        client.post(f"/intake/{application.id}/decide", data={"status": "admitted"}).status_code
        == 403
    )
    assert client.post(f"/intake/{application.id}/notes", data={"notes": "x"}).status_code == 403
    db.session.refresh(application)
    assert application.status == ApplicationStatus.NEW


def test_board_needs_login_and_invitation_actions_need_organiser(app, login, make_user, admitted):
    _path, invitation = admitted
    anonymous = app.test_client()
    assert anonymous.get("/intake").status_code == 302
    assert anonymous.post(f"/invitations/{invitation.id}/revoke").status_code == 302
    participant = login(make_user(), app.test_client())
    assert participant.post(f"/invitations/{invitation.id}/revoke").status_code == 403
    assert participant.post(f"/invitations/{invitation.id}/resend").status_code == 403


def test_unknown_token_is_refused_politely(client):
    response = client.get("/invitation/onzin-token")
    assert response.status_code == 410
    assert "niet (meer) geldig" in response.get_data(as_text=True)


def test_board_shows_mix(client, login, organiser, make_municipality):
    make_municipality(name="Grootstad", size_class="large", province="Groningen")
    login(organiser)
    page = client.get("/intake").get_data(as_text=True)
    assert "1 van maximaal 12" in page and "Groningen" in page
