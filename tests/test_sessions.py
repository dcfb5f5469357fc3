"""Session cookies, a fresh session at sign-in, revocation on the server, and timeouts."""

import time
from datetime import datetime

import pytest
import sqlalchemy as sa

from app import create_app
from app.extensions import db
from app.models import EndedSession, User
from tests.factories import PASSWORD


def _sign_in(client, user):
    return client.post("/login", data={"email": user.email, "password": PASSWORD})


def _cookie(client) -> str:
    return client.get_cookie("session").value


def test_session_cookie_is_httponly_and_samesite_lax(client, make_user):
    response = _sign_in(client, make_user())
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # development over http; production turns it on


def test_production_config_sets_secure_cookies_and_requires_mfa(tmp_path, monkeypatch):
    monkeypatch.setenv("CASUSPLEIN_ENV", "production")
    monkeypatch.delenv("SESSION_COOKIE_SECURE", raising=False)
    monkeypatch.delenv("MFA_REQUIRED_ROLES", raising=False)
    app = create_app({"INSTANCE_PATH": str(tmp_path)})
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert set(app.config["MFA_REQUIRED_ROLES"]) == {"organiser", "expert", "participant"}


def test_sign_in_starts_a_fresh_session(client, make_user):
    user = make_user()
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    _sign_in(client, user)
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["_user_id"] == user.get_id()


def test_logout_revokes_a_copied_cookie(client, app, make_user):
    user = make_user()
    _sign_in(client, user)
    stolen = _cookie(client)
    assert client.get("/cases").status_code == 200
    client.post("/logout")
    other = app.test_client()
    other.set_cookie("session", stolen)
    response = other.get("/cases")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_logout_ends_this_browser_only(app, make_user):
    user = make_user()
    laptop, phone = app.test_client(), app.test_client()
    _sign_in(laptop, user)
    _sign_in(phone, user)
    stolen = _cookie(laptop)
    laptop.post("/logout")
    assert phone.get("/cases").status_code == 200
    replayed = app.test_client()
    replayed.set_cookie("session", stolen)
    assert replayed.get("/cases").status_code == 302


def test_ended_sessions_are_forgotten_after_the_absolute_timeout(app, make_user):
    user = make_user()
    first, second = app.test_client(), app.test_client()
    _sign_in(first, user)
    first.post("/logout")
    db.session.execute(sa.update(EndedSession).values(ended_at=datetime(2020, 1, 1)))
    db.session.commit()
    _sign_in(second, user)
    second.post("/logout")
    assert db.session.scalar(sa.select(sa.func.count(EndedSession.id))) == 1


def test_password_change_ends_other_sessions_but_keeps_this_one(app, make_user):
    user = make_user()
    laptop, phone = app.test_client(), app.test_client()
    _sign_in(laptop, user)
    _sign_in(phone, user)
    response = laptop.post(
        "/account/password",
        data={
            "current_password": PASSWORD,
            "new_password": "nieuw-wachtwoord-456",
            "confirm_password": "nieuw-wachtwoord-456",
        },
    )
    assert response.status_code == 303
    assert laptop.get("/cases").status_code == 200
    assert phone.get("/cases").status_code == 302


def test_an_id_without_the_session_token_is_not_accepted(client, make_user):
    user = make_user()
    with client.session_transaction() as session:
        session["_user_id"] = str(user.id)  # the format before session tokens
        session["auth_at"] = session["seen_at"] = int(time.time())
    assert client.get("/cases").status_code == 302


@pytest.mark.parametrize(
    ("auth_ago", "seen_ago"),
    [(60, 31 * 60), (13 * 3600, 60)],
    ids=["idle", "absolute"],
)
def test_expired_sessions_end_with_a_dutch_message(client, login, make_user, auth_ago, seen_ago):
    login(make_user())
    now = int(time.time())
    with client.session_transaction() as session:
        session["auth_at"], session["seen_at"] = now - auth_ago, now - seen_ago
    response = client.get("/cases")
    assert response.status_code == 303
    assert response.headers["Location"].startswith("/login?next=/cases")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Je sessie is verlopen" in page
    with client.session_transaction() as session:
        assert "_user_id" not in session


def test_an_active_session_stays_valid(client, login, make_user):
    login(make_user())
    now = int(time.time())
    with client.session_transaction() as session:
        session["auth_at"], session["seen_at"] = now - 3600, now - 29 * 60
    assert client.get("/cases").status_code == 200


def test_expired_htmx_request_is_redirected_by_htmx(client, login, make_user):
    login(make_user())
    with client.session_transaction() as session:
        session["seen_at"] = int(time.time()) - 3600
    response = client.get("/cases", headers={"HX-Request": "true"})
    assert response.status_code == 204
    assert response.headers["HX-Redirect"].startswith("/login")


def test_organiser_deactivating_an_account_ends_its_sessions(app, login, make_user):
    from app.admin.services import update_user

    user = make_user()
    victim_client = app.test_client()
    login(user, victim_client)
    token = user.session_token
    update_user(
        user,
        email=user.email,
        display_name=user.display_name,
        role=user.role,
        municipality=user.municipality,
        job_title=None,
        organisation=None,
        active=False,
    )
    assert db.session.get(User, user.id).session_token != token
    assert victim_client.get("/cases").status_code == 302
