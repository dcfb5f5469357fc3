"""Ids in URLs: a number no id column can hold answers 404 on every <int:...> route, never 500."""

import re

import pytest

from app.models import Role

DATABASE_ID_MAX = 2**31 - 1  # PostgreSQL INTEGER

# Just past PostgreSQL's INTEGER, and past SQLite's 64-bit one (the review's OverflowError).
ABSURD_IDS = [DATABASE_ID_MAX + 1, 99999999999999999999]


def _int_rules(app):
    for rule in app.url_map.iter_rules():
        if "<int:" in rule.rule:
            yield rule


def _url(rule, number: int) -> str:
    return re.sub(r"<int:\w+>", str(number), rule.rule).replace("<token>", "x")


@pytest.mark.parametrize("number", ABSURD_IDS)
@pytest.mark.parametrize("who", ["anonymous", "organiser"])
def test_absurd_ids_are_not_found(app, client, login, make_user, who, number):
    if who != "anonymous":
        login(make_user(Role(who)))
    for rule in _int_rules(app):
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(_url(rule, number), method=method)
            assert response.status_code == 404, (method, rule.rule, response.status_code)


def test_the_largest_id_still_reaches_the_view(client):
    # The bound is the database's, not lower: the view itself answers (here: no such case).
    assert client.get(f"/archive/{DATABASE_ID_MAX}").status_code == 404
    assert client.get("/archive/1").status_code == 404
