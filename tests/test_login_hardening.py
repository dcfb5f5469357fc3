"""Signing in without giving anything away: timing (F7) and lockouts aimed at someone (F10)."""

import pytest
from argon2 import PasswordHasher

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
