"""Signing in without giving anything away: timing (F7) and lockouts aimed at someone (F10)."""

import pytest
from argon2 import PasswordHasher

from app.models import Role
from tests.factories import PASSWORD


@pytest.fixture
def argon2_calls(monkeypatch):
    """How often a password was hashed and verified (the expensive Argon2 runs)."""
    calls = {"hash": 0, "verify": 0}
    real_hash, real_verify = PasswordHasher.hash, PasswordHasher.verify

    def _hash(self, *args, **kwargs):
        calls["hash"] += 1
        return real_hash(self, *args, **kwargs)

    def _verify(self, *args, **kwargs):
        calls["verify"] += 1
        return real_verify(self, *args, **kwargs)

    monkeypatch.setattr(PasswordHasher, "hash", _hash)
    monkeypatch.setattr(PasswordHasher, "verify", _verify)
    return calls


def _failed_login(client, email: str):
    response = client.post("/login", data={"email": email, "password": "niet-het-wachtwoord"})
    assert response.status_code == 422
    return response


def test_unknown_address_costs_one_argon2_run_like_a_wrong_password(
    client, make_user, argon2_calls
):
    make_user(email="bekend@example.nl")
    _failed_login(client, "niemand@example.nl")  # the first also makes the dummy hash
    argon2_calls.update(hash=0, verify=0)

    _failed_login(client, "bekend@example.nl")
    known = dict(argon2_calls)
    argon2_calls.update(hash=0, verify=0)
    _failed_login(client, "niemand@example.nl")
    assert argon2_calls == known == {"hash": 0, "verify": 1}


def test_correct_password_still_signs_in(client, make_user):
    make_user(email="bekend@example.nl")
    response = client.post("/login", data={"email": "bekend@example.nl", "password": PASSWORD})
    assert response.status_code == 303


@pytest.fixture
def lockable(app):
    app.config.update(LOGIN_FREE_FAILURES=3, LOGIN_LOCKOUT_BASE_SECONDS=60)
    return app


def _from(client, address: str, email: str, password: str = "niet-het-wachtwoord"):
    return client.post(
        "/login", data={"email": email, "password": password}, environ_base={"REMOTE_ADDR": address}
    )


def _lock_from_many_addresses(app, email: str) -> None:
    """The review's F10 attack: failing on purpose from address after address."""
    attacker = app.test_client()
    for number in range(8):
        _from(attacker, f"198.51.100.{number}", email)


def test_nobody_can_lock_the_owner_out_of_a_browser_that_signed_in_before(lockable, make_user):
    organiser = make_user(Role.ORGANISER, email="organisator@example.nl")
    owner = lockable.test_client()
    assert _from(owner, "10.1.1.1", organiser.email, PASSWORD).status_code == 303
    owner.post("/logout")
    _lock_from_many_addresses(lockable, organiser.email)

    # A browser that never signed in to this account is held by the account-wide lock...
    stranger = lockable.test_client()
    assert _from(stranger, "10.2.2.2", organiser.email, PASSWORD).status_code == 429
    # ...but the owner's own browser (its device cookie) gets in, from a new address too.
    assert _from(owner, "10.9.9.9", organiser.email, PASSWORD).status_code == 303


def test_a_known_device_is_still_held_by_its_own_failures(lockable, make_user):
    user = make_user(email="deelnemer@example.nl")
    browser = lockable.test_client()
    assert _from(browser, "10.1.1.1", user.email, PASSWORD).status_code == 303
    browser.post("/logout")
    # Guessing from that browser and address: the (account, address) pair locks.
    for _ in range(4):
        _from(browser, "10.1.1.1", user.email)
    assert _from(browser, "10.1.1.1", user.email, PASSWORD).status_code == 429


def test_the_device_cookie_cannot_be_made_up(lockable, make_user):
    user = make_user(email="deelnemer@example.nl")
    _lock_from_many_addresses(lockable, user.email)
    forger = lockable.test_client()
    forger.set_cookie("casusplein_device", "WyJhYmMiXQ.forged.signature")
    assert _from(forger, "10.3.3.3", user.email, PASSWORD).status_code == 429


def test_a_pair_lock_leaves_the_same_account_open_from_elsewhere(lockable, make_user):
    user = make_user(email="deelnemer@example.nl")
    guesser = lockable.test_client()
    for _ in range(3):
        _from(guesser, "10.4.4.4", user.email)
    elsewhere = lockable.test_client()
    assert _from(elsewhere, "10.5.5.5", user.email, PASSWORD).status_code == 303
