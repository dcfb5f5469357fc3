"""Login throttling in the database, per account and per address; posting limits."""

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import AuditEvent, LoginThrottle
from app.security import services as throttle
from tests.factories import PASSWORD


@pytest.fixture
def strict(app):
    app.config.update(
        LOGIN_FREE_FAILURES=3, LOGIN_ADDRESS_FREE_FAILURES=3, LOGIN_LOCKOUT_BASE_SECONDS=60
    )
    return app


def _attempt(client, email, password="fout-wachtwoord-000", address="10.0.0.1", **headers):
    return client.post(
        "/login",
        data={"email": email, "password": password},
        environ_base={"REMOTE_ADDR": address},
        headers=headers,
    )


def test_account_is_locked_after_repeated_failures_with_dutch_429(strict, client, make_user):
    user = make_user()
    for _ in range(4):
        assert _attempt(client, user.email).status_code == 422
    # Even the right password is refused while locked, without being checked.
    response = _attempt(client, user.email, PASSWORD)
    assert response.status_code == 429
    page = response.get_data(as_text=True)
    assert "Te veel mislukte inlogpogingen" in page
    assert "Probeer het over 1 minuut opnieuw" in page
    assert 'value="' + user.email + '"' in page  # the form comes back filled in


def test_lockout_doubles_with_each_further_failure(strict):
    assert [throttle._lock_for(n) for n in range(1, 8)] == [0, 0, 0, 60, 120, 240, 480]
    strict.config["LOGIN_LOCKOUT_MAX_SECONDS"] = 300
    assert throttle._lock_for(20) == 300


def test_spoofed_forwarded_for_does_not_reset_the_count(strict, client, make_user):
    user = make_user()
    for number in range(4):
        _attempt(client, user.email, **{"X-Forwarded-For": f"203.0.113.{number}"})
    response = _attempt(client, "someone-else@example.nl", **{"X-Forwarded-For": "198.51.100.9"})
    assert response.status_code == 429  # the real address (10.0.0.1) is locked too


def test_address_is_locked_across_accounts(strict, client):
    for number in range(4):
        _attempt(client, f"gok{number}@example.nl", address="192.0.2.7")
    assert _attempt(client, "nog-een@example.nl", address="192.0.2.7").status_code == 429
    assert _attempt(client, "nog-een@example.nl", address="192.0.2.8").status_code == 422


def test_counts_live_in_the_database_without_personal_data(strict, client, make_user):
    user = make_user()
    _attempt(client, user.email)
    rows = db.session.scalars(sa.select(LoginThrottle)).all()
    assert {row.kind for row in rows} == {"account", "address", "pair"}
    assert all(row.failures == 1 for row in rows)
    stored = " ".join(row.key_hash for row in rows)
    assert user.email not in stored and "10.0.0.1" not in stored


def test_success_forgives_the_account_but_not_the_address(strict, client, make_user):
    user = make_user()
    for _ in range(2):
        _attempt(client, user.email)
    assert _attempt(client, user.email, PASSWORD).status_code == 303
    kinds = {row.kind for row in db.session.scalars(sa.select(LoginThrottle))}
    assert kinds == {"address"}


def test_failed_logins_are_audited_without_the_password(strict, client, make_user):
    user = make_user()
    _attempt(client, user.email, "geheim-dat-niet-in-de-log-mag")
    _attempt(client, "onbekend@example.nl")
    events = db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id)).all()
    assert [e.action for e in events] == ["login.failed", "login.failed"]
    assert events[0].target_id == user.id and events[0].address == "10.0.0.1"
    assert events[1].target_id is None
    dump = repr([(e.details, e.target_type) for e in events])
    assert "geheim-dat-niet" not in dump and "onbekend@" not in dump


def test_comment_posting_is_rate_limited(app, client, login, make_user, make_case):
    app.config["COMMENT_RATE_LIMIT"] = (3, 1)
    case = make_case()
    login(make_user())
    for number in range(3):
        response = client.post(f"/cases/{case.id}/comments", data={"body": f"Reactie {number}"})
        assert response.status_code == 303
    response = client.post(
        f"/cases/{case.id}/comments", data={"body": "Nog een"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 429
    assert "Je hebt in korte tijd veel geplaatst" in response.get_data(as_text=True)


def test_case_posting_is_rate_limited(app, client, login, make_user, make_case):
    app.config["CASE_RATE_LIMIT"] = (2, 60)
    author = make_user()
    make_case(author=author)
    make_case(author=author)
    login(author)
    assert client.post("/cases/new", data={"title": "Een derde casus"}).status_code == 429
