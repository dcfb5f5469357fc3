"""Two-factor sign-in: enrolment, the half-signed-in state, codes, recovery codes, reset."""

import time

import pyotp
import pytest
import sqlalchemy as sa

from app.extensions import db
from app.mfa import services as mfa
from app.models import AuditEvent, Role, User
from tests.factories import PASSWORD


@pytest.fixture
def required(app):
    app.config["MFA_REQUIRED_ROLES"] = ("organiser", "expert", "participant")
    return app


def _code(secret: str, steps_ahead: int = 0) -> str:
    totp = pyotp.TOTP(secret)
    return totp.generate_otp(int(time.time()) // 30 + steps_ahead)


def _password_step(client, user):
    return client.post("/login", data={"email": user.email, "password": PASSWORD})


@pytest.fixture
def enrolled(make_user):
    def _make(role=Role.PARTICIPANT) -> tuple[User, list[str]]:
        user = make_user(role)
        codes = mfa.enrol(user, pyotp.random_base32())
        return user, codes

    return _make


def test_required_role_must_enrol_before_anything_else(required, client, make_user):
    user = make_user()
    response = _password_step(client, user)
    assert response.headers["Location"] == "/login/enrol"
    # Half signed in: nothing else is reachable.
    for path in ("/cases", "/account/data", "/admin/users", "/account/security"):
        assert client.get(path).status_code == 302
    page = client.get("/login/enrol").get_data(as_text=True)
    assert "<svg" in page and 'role="img"' in page
    db.session.expire_all()
    secret = mfa.pending_secret(db.session.get(User, user.id))
    assert secret in page  # also as text, for who cannot scan
    wrong = client.post("/login/enrol", data={"code": "123456"})
    assert wrong.status_code == 422
    done = client.post("/login/enrol", data={"code": _code(secret)})
    page = done.get_data(as_text=True)
    assert "Je herstelcodes" in page and page.count("<li><code>") == 10
    assert client.get("/cases").status_code == 200
    db.session.expire_all()
    stored = db.session.get(User, user.id)
    assert mfa.secret_of(stored) == secret
    assert secret not in stored.totp_secret  # sealed, not in the clear


def test_optional_role_signs_in_with_password_only(required, client, make_user):
    required.config["MFA_REQUIRED_ROLES"] = ("organiser",)
    assert _password_step(client, make_user()).headers["Location"] == "/"


def test_enrolled_user_is_asked_for_a_code_even_when_not_required(client, enrolled):
    user, _ = enrolled()
    assert _password_step(client, user).headers["Location"] == "/login/code"
    assert client.get("/cases").status_code == 302
    response = client.post("/login/code", data={"code": _code(mfa.secret_of(user))})
    assert response.status_code == 303
    assert client.get("/cases").status_code == 200


def test_a_code_cannot_be_used_twice(app, client, enrolled):
    user, _ = enrolled()
    code = _code(mfa.secret_of(user))
    _password_step(client, user)
    assert client.post("/login/code", data={"code": code}).status_code == 303
    second = app.test_client()
    _password_step(second, user)
    response = second.post("/login/code", data={"code": code})
    assert response.status_code == 422
    assert "al gebruikt" in response.get_data(as_text=True)


def test_wrong_codes_are_throttled_and_audited(app, client, enrolled):
    app.config.update(LOGIN_FREE_FAILURES=2)
    user, _ = enrolled()
    _password_step(client, user)
    for _ in range(3):
        assert client.post("/login/code", data={"code": "000000"}).status_code == 422
    response = client.post("/login/code", data={"code": _code(mfa.secret_of(user))})
    assert response.status_code == 429
    actions = db.session.scalars(sa.select(AuditEvent.action)).all()
    assert actions.count("mfa.failed") == 3


def test_recovery_code_works_once(app, client, enrolled):
    user, codes = enrolled()
    _password_step(client, user)
    assert client.post("/login/recovery", data={"recovery_code": codes[0]}).status_code == 303
    again = app.test_client()
    _password_step(again, user)
    assert again.post("/login/recovery", data={"recovery_code": codes[0]}).status_code == 422
    assert mfa.remaining_recovery_codes(user) == 9


def test_recovery_codes_are_stored_hashed(enrolled):
    _user, codes = enrolled()
    stored = db.session.execute(sa.text("select code_hash from recovery_codes")).scalars().all()
    assert len(stored) == 10 and not set(codes) & set(stored)


def test_second_step_expires(client, enrolled):
    user, _ = enrolled()
    _password_step(client, user)
    with client.session_transaction() as session:
        session["mfa_since"] -= 600
    response = client.post("/login/code", data={"code": _code(mfa.secret_of(user))})
    assert response.headers["Location"] == "/login"


def test_organiser_reset_is_audited_and_signs_the_person_out(
    app, client, login, make_user, enrolled
):
    user, _ = enrolled()
    their_client = app.test_client()
    login(user, their_client)
    organiser = make_user(Role.ORGANISER)
    login(organiser)
    assert "Tweestapsverificatie resetten" in client.get(f"/admin/users/{user.id}/edit").get_data(
        as_text=True
    )
    response = client.post(f"/admin/users/{user.id}/mfa/reset")
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(User, user.id).totp_secret is None
    assert mfa.remaining_recovery_codes(user) == 0
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "mfa.reset"))
    assert (event.actor_id, event.target_id) == (organiser.id, user.id)
    assert their_client.get("/cases").status_code == 302


def test_only_organisers_may_reset(client, login, make_user, enrolled):
    user, _ = enrolled()
    login(make_user(Role.EXPERT))
    assert client.post(f"/admin/users/{user.id}/mfa/reset").status_code == 403
    assert db.session.get(User, user.id).totp_secret is not None


def test_qr_code_is_inline_svg_without_style_attributes(make_user):
    svg = str(mfa.qr_svg(mfa.provisioning_uri(make_user(), pyotp.random_base32())))
    assert svg.startswith("<svg") and "style=" not in svg and "<script" not in svg


def test_a_secret_stored_in_the_clear_still_works_and_is_then_sealed(client, make_user):
    user = make_user()
    secret = pyotp.random_base32()
    user.totp_secret = secret  # enrolled before secrets were sealed
    db.session.commit()
    _password_step(client, user)
    assert client.post("/login/code", data={"code": _code(secret)}).status_code == 303
    db.session.expire_all()
    stored = db.session.get(User, user.id).totp_secret
    assert stored.startswith(mfa.SEALED_PREFIX) and secret not in stored
    assert mfa.secret_of(db.session.get(User, user.id)) == secret


def test_a_secret_sealed_with_another_key_is_refused_not_an_error(app, client, enrolled):
    user, _ = enrolled()
    secret = mfa.secret_of(user)
    app.config["MFA_SECRET_KEY"] = "een-andere-sleutel"
    _password_step(client, user)
    response = client.post("/login/code", data={"code": _code(secret)})
    assert response.status_code == 422


def _enrol_through_the_web(client, user) -> str:
    """Password, then enrolment with a first code; returns that code."""
    _password_step(client, user)
    page = client.get("/login/enrol").get_data(as_text=True)
    db.session.expire_all()
    secret = mfa.pending_secret(db.session.get(User, user.id))
    assert secret in page
    code = _code(secret)
    assert client.post("/login/enrol", data={"code": code}).status_code == 200
    client.post("/logout")
    return code


def test_the_enrolment_code_cannot_sign_in_again(required, client, make_user):
    # F8: the step of the enrolment code is spent, like that of any code used to sign in.
    user = make_user()
    code = _enrol_through_the_web(client, user)
    assert _password_step(client, user).headers["Location"] == "/login/code"
    replay = client.post("/login/code", data={"code": code})
    assert replay.status_code == 422
    assert "al gebruikt" in replay.get_data(as_text=True)
    assert client.get("/cases").status_code == 302


def test_the_enrolment_secret_stays_on_the_server(required, client, make_user):
    # F14: the session cookie is signed, not encrypted; the secret must not be in it.
    user = make_user()
    _password_step(client, user)
    page = client.get("/login/enrol").get_data(as_text=True)
    with client.session_transaction() as session:
        cookie_values = " ".join(str(value) for value in session.values())
    db.session.expire_all()
    stored = db.session.get(User, user.id)
    secret = mfa.pending_secret(stored)
    assert secret in page
    assert secret not in cookie_values
    assert secret not in stored.totp_pending_secret  # sealed, like an enrolled secret
    # Reloading shows the same secret, so a QR code scanned a moment ago stays valid.
    assert secret in client.get("/login/enrol").get_data(as_text=True)
