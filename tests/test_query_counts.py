"""The busiest pages run a fixed number of queries, however many cases and comments there are."""

from contextlib import contextmanager

import pytest
from sqlalchemy import event

from app.extensions import db
from app.models import Comment, Reflection, Role


@contextmanager
def counted_queries():
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def _queries_for(client, path: str) -> int:
    with counted_queries() as statements:
        assert client.get(path).status_code == 200
    return len(statements)


@pytest.fixture
def reader(login, make_user, make_municipality):
    user = make_user(municipality=make_municipality())
    login(user)
    return user


def _add_activity(case, make_user, expert, comments: int) -> None:
    authors = [(make_user(municipality=case.municipality), make_user()) for _ in range(comments)]
    for number, (author, replier) in enumerate(authors):
        comment = Comment(case=case, author=author, body=f"Reactie {number}")
        db.session.add(comment)
        db.session.add(Comment(case=case, author=replier, body="Antwoord", parent=comment))
        db.session.add(Reflection(case=case, author=expert, body="Reflectie", key_lessons=""))
    db.session.commit()


def test_case_page_queries_do_not_grow_with_comments(client, reader, make_case, make_user):
    expert = make_user(role=Role.EXPERT)
    quiet, busy = make_case(), make_case()
    _add_activity(quiet, make_user, expert, 1)
    _add_activity(busy, make_user, expert, 8)
    busy_url, quiet_url = f"/cases/{busy.id}", f"/cases/{quiet.id}"
    db.session.remove()
    assert _queries_for(client, busy_url) == _queries_for(client, quiet_url)


def test_case_list_queries_do_not_grow_with_cases(client, reader, make_case, make_user):
    make_case()
    few = _queries_for(client, "/cases")
    for _ in range(15):
        make_case(author=make_user())
    db.session.remove()
    assert _queries_for(client, "/cases") == few
