"""Common, breached and guessable passwords are refused wherever a password is set (F11)."""

import pytest
import sqlalchemy as sa

from app.auth import passwords
from app.extensions import db
from app.invitations.services import create_invitation
from app.models import Role, User
from tests.factories import PASSWORD

# The review's two examples, and the kinds of guessable password the rule names.
REFUSED = [
    "123456789012",  # a run of digits
    "passwordpassword",  # a listed password, twice
    "Wachtwoord2024!",  # a listed word with a year and a sign
    "p4ssw0rd1234",  # l33t
    "qwertyuiop",  # a keyboard row
    "aaaaaaaaaaaa",  # one character
    "Casusplein2026",  # the site's name
    "iloveyou1234",
]
ACCEPTED = ["correct paard batterij nietje", "Zonnebloem-Regen-73", "x9k2m4p7q1", PASSWORD]
MARKER = "veelgebruikte of uitgelekte wachtwoorden"


def test_the_shipped_list_holds_at_least_ten_thousand_passwords():
    listed = passwords.common_passwords()
    assert len(listed) >= 10_000
    assert {"123456", "password", "wachtwoord", "welkom01", "qwerty123"} <= listed


@pytest.mark.parametrize("password", REFUSED)
def test_guessable_passwords_are_refused(password):
    assert passwords.problem(password) is not None


@pytest.mark.parametrize("password", ACCEPTED)
def test_strong_passwords_are_accepted(password):
    assert passwords.problem(password) is None


def test_the_persons_own_name_and_address_are_refused():
    context = {"email": "sanne.verhoeven@dorrestad.example.nl", "name": "Sanne Verhoeven"}
    for password in ("SanneVerhoeven1", "verhoeven2024!", "sanne.verhoeven@dorrestad.example.nl"):
        assert passwords.problem(password, **context) == passwords.PERSONAL
    assert passwords.problem("sanne.verhoeven", **context) == passwords.PERSONAL
    assert passwords.problem("Zonnebloem-Regen-73", **context) is None


def _page(response) -> str:
    return response.get_data(as_text=True)


@pytest.mark.parametrize("password", ["123456789012", "passwordpassword"])
def test_change_password_refuses_a_common_password(client, login, make_user, password):
    user = make_user()
    login(user)
    before = user.password_hash
    response = client.post(
        "/account/password",
        data={
            "current_password": PASSWORD,
            "new_password": password,
            "confirm_password": password,
        },
    )
    assert response.status_code == 422
    assert "veelgebruikte" in _page(response) or "reeks of herhaling" in _page(response)
    db.session.refresh(user)
    assert user.password_hash == before


def test_invitation_acceptance_refuses_a_common_password(client, make_municipality):
    invitation, token = create_invitation(
        email="nieuw@rivierstad.example.nl",
        display_name="Nieuwe Deelnemer",
        job_title="Beleidsadviseur",
        municipality=make_municipality(),
    )
    db.session.commit()
    form = {"display_name": "Nieuwe Deelnemer", "confirm_password": "iloveyou1234"}
    response = client.post(f"/invitation/{token}", data={**form, "password": "iloveyou1234"})
    assert response.status_code == 422
    assert MARKER in _page(response)
    assert 'value="Nieuwe Deelnemer"' in _page(response)  # the form comes back filled in
    assert db.session.scalar(sa.select(User).where(User.email == invitation.email)) is None


def test_an_organiser_cannot_give_a_common_password(client, login, make_user):
    login(make_user(Role.ORGANISER))
    response = client.post(
        "/admin/users/new",
        data={
            "email": "expert@kis.example.nl",
            "display_name": "Nieuwe Expert",
            "role": "expert",
            "password": "welkom123456",
        },
    )
    assert response.status_code == 422
    assert MARKER in _page(response)


def test_the_cli_refuses_a_common_password(runner):
    result = runner.invoke(
        args=[
            "users", "create", "--email", "beheer@example.nl", "--name", "Beheer",
            "--role", "organiser", "--password", "passwordpassword",
        ]
    )  # fmt: skip
    assert result.exit_code != 0
    assert MARKER in result.output
    assert db.session.scalar(sa.select(User).where(User.email == "beheer@example.nl")) is None
