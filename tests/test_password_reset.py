"""'Wachtwoord vergeten?': the same answer for every address, a single-use expiring link,
the password rule, every session ended, a notice, the audit log, throttles, and 2FA after."""

import hashlib
import re
from datetime import timedelta

import pyotp
import pytest
import sqlalchemy as sa

from app.extensions import db
from app.mfa import services as mfa
from app.models import AuditEvent, PasswordReset, PasswordResetRequest, Role, User
from app.models.base import utcnow
from app.privacy import services as privacy
from tests.factories import PASSWORD
from tests.factories_network import body_text

NEW_PASSWORD = "Zonnebloem-Regen-73"
LINK = re.compile(r"http://[^\s\"<>]+/login/reset/([A-Za-z0-9_-]+)")


def _ask(client, email: str, address: str = "10.0.0.1"):
    return client.post(
        "/login/forgot", data={"email": email}, environ_base={"REMOTE_ADDR": address}
    )


def _reset_mails(outbox, to: str):
    return [m for m in outbox() if m["To"] == to and "nieuw wachtwoord" in m["Subject"]]


def _token(message) -> str:
    return LINK.search(body_text(message)).group(1)


def _choose(client, token: str, password: str = NEW_PASSWORD):
    return client.post(
        f"/login/reset/{token}", data={"new_password": password, "confirm_password": password}
    )


def _signs_in(app, email: str, password: str) -> bool:
    return (
        app.test_client().post("/login", data={"email": email, "password": password}).status_code
        == 303
    )


@pytest.fixture
def person(make_user):
    return make_user(email="anne@veenhoven.example.nl", display_name="Anne de Vries")


def test_the_login_page_links_to_it(client):
    page = client.get("/login").get_data(as_text=True)
    assert 'href="/login/forgot"' in page and "Wachtwoord vergeten?" in page
    assert client.get("/login/forgot").status_code == 200


def test_the_answer_is_the_same_whether_or_not_the_address_has_an_account(
    app, person, outbox, write_statements
):
    known = _ask(app.test_client(), person.email, "10.0.0.1")
    known_writes = list(write_statements)
    write_statements.clear()
    unknown = _ask(app.test_client(), "niemand@example.nl", "10.0.0.2")
    assert known.status_code == unknown.status_code == 303
    assert known.headers["Location"] == unknown.headers["Location"] == "/login/forgot/sent"
    # The same work either way, so the same time: the request stores the typed address and
    # counts the request of its client address, nothing else; the worker does the rest.
    assert known_writes == write_statements
    written = [s.split()[:3] for s in write_statements]
    assert written == [
        ["INSERT", "INTO", "login_throttles"],
        ["UPDATE", "login_throttles", "SET"],
        ["INSERT", "INTO", "password_reset_requests"],
    ]
    page = app.test_client().get("/login/forgot/sent").get_data(as_text=True)
    assert "Als er een account bij dit e-mailadres hoort" in page
    assert [m["To"] for m in outbox()] == [person.email]
    assert db.session.scalar(sa.select(sa.func.count(PasswordResetRequest.id))) == 0


def test_the_mail_is_dutch_plain_and_html_with_a_link_stored_only_as_a_hash(client, person, outbox):
    _ask(client, person.email)
    [message] = _reset_mails(outbox, person.email)
    text = body_text(message)
    assert "Beste Anne de Vries" in text and "een uur en één keer" in text
    html = message.get_body(preferencelist=("html",)).get_content()
    token = _token(message)
    assert f"/login/reset/{token}" in html
    [stored] = db.session.scalars(sa.select(PasswordReset))
    assert stored.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in repr(db.session.execute(sa.select(PasswordReset.__table__)).all())
    lifetime = stored.expires_at - stored.created_at
    assert timedelta(minutes=59) < lifetime <= timedelta(hours=1)


def test_choosing_a_new_password_through_the_link(app, client, login, person, outbox):
    elsewhere = login(person, app.test_client())  # signed in on another device
    assert elsewhere.get("/cases").status_code == 200
    _ask(client, person.email)
    token = _token(_reset_mails(outbox, person.email)[0])

    form = client.get(f"/login/reset/{token}")
    assert form.status_code == 200 and "Kies een nieuw wachtwoord" in form.get_data(as_text=True)
    weak = _choose(client, token, "passwordpassword")
    assert weak.status_code == 422
    assert "veelgebruikte of uitgelekte" in weak.get_data(as_text=True)
    done = _choose(client, token)
    assert done.status_code == 303 and done.headers["Location"] == "/"
    assert client.get("/cases").status_code == 200  # signed in here

    assert elsewhere.get("/cases").status_code == 302  # every other session ended
    assert _signs_in(app, person.email, NEW_PASSWORD)
    assert not _signs_in(app, person.email, PASSWORD)
    again = app.test_client().get(f"/login/reset/{token}")
    assert again.status_code == 410 and "werkt niet" in again.get_data(as_text=True)
    assert _choose(app.test_client(), token, "Nog-een-ander-wachtwoord-9").status_code == 410
    [notice] = [m for m in outbox() if "gewijzigd" in m["Subject"]]
    assert notice["To"] == person.email and "uitgelogd" in body_text(notice)
    actions = db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert "password.reset_requested" in actions and "password.reset" in actions


def test_using_one_link_kills_the_others(app, client, person, outbox):
    _ask(client, person.email)
    _ask(client, person.email)
    first, second = (_token(m) for m in _reset_mails(outbox, person.email))
    assert _choose(app.test_client(), second).status_code == 303
    assert app.test_client().get(f"/login/reset/{first}").status_code == 410


def test_an_expired_link_is_refused(app, client, person, outbox):
    app.config["PASSWORD_RESET_VALID_MINUTES"] = 30
    _ask(client, person.email)
    message = _reset_mails(outbox, person.email)[0]
    assert "30 minuten" in body_text(message)
    stored = db.session.scalar(sa.select(PasswordReset))
    stored.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert client.get(f"/login/reset/{_token(message)}").status_code == 410
    assert _choose(client, _token(message)).status_code == 410
    assert _signs_in(app, person.email, PASSWORD)


def test_deactivated_and_erased_accounts_get_no_mail(client, make_user, outbox):
    inactive = make_user(email="oud@example.nl", active=False)
    erased = make_user(email="weg@example.nl")
    privacy.erase(erased, make_user(Role.ORGANISER))
    for email in (inactive.email, "weg@example.nl"):
        assert _ask(client, email).headers["Location"] == "/login/forgot/sent"
    assert outbox() == []


def test_a_link_of_an_account_deactivated_since_is_refused(client, person, outbox):
    _ask(client, person.email)
    token = _token(_reset_mails(outbox, person.email)[0])
    person.active = False
    db.session.commit()
    assert client.get(f"/login/reset/{token}").status_code == 410


def test_requests_are_throttled_per_account_and_per_address(app, person, outbox):
    app.config.update(PASSWORD_RESET_ACCOUNT_LIMIT=2, PASSWORD_RESET_ADDRESS_LIMIT=3)
    for number in range(3):  # from three addresses, so only the account's limit counts
        assert _ask(app.test_client(), person.email, f"10.0.1.{number}").status_code == 303
    assert len(_reset_mails(outbox, person.email)) == 2  # the third is dropped, silently

    client = app.test_client()
    for number in range(3):
        assert _ask(client, f"iemand{number}@example.nl", "10.0.2.1").status_code == 303
    refused = _ask(client, "nog-iemand@example.nl", "10.0.2.1")
    assert refused.status_code == 429
    assert "veel nieuwe wachtwoorden aangevraagd" in refused.get_data(as_text=True)
    assert 'value="nog-iemand@example.nl"' in refused.get_data(as_text=True)
    assert _ask(client, "nog-iemand@example.nl", "10.0.2.2").status_code == 303


def test_two_factor_sign_in_still_applies_after_a_reset(app, client, person, outbox):
    secret = pyotp.random_base32()
    mfa.enrol(person, secret)
    _ask(client, person.email)
    done = _choose(client, _token(_reset_mails(outbox, person.email)[0]))
    assert done.status_code == 303 and done.headers["Location"] == "/login/code"
    assert client.get("/cases").status_code == 302  # not signed in before the code
    code = pyotp.TOTP(secret).now()
    assert client.post("/login/code", data={"code": code}).status_code == 303
    assert client.get("/cases").status_code == 200
    assert db.session.get(User, person.id).mfa_enabled
