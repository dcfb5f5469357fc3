"""The busiest pages run a fixed number of queries, however many cases and comments there are."""

from contextlib import contextmanager

import pytest
from sqlalchemy import event

from app.archive.snapshots import Phase
from app.extensions import db
from app.models import AssignmentResponse, Comment, Reflection, Role
from app.search import freshness


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
    client.get(quiet_url)  # the first look at the index asks the search change log too
    assert _queries_for(client, busy_url) == _queries_for(client, quiet_url)


def test_case_list_queries_do_not_grow_with_cases(client, reader, make_case, make_user):
    make_case()
    few = _queries_for(client, "/cases")
    for _ in range(15):
        make_case(author=make_user())
    db.session.remove()
    assert _queries_for(client, "/cases") == few


# The statements each page may send, at most. These are what the pages send today: a test that
# fails here means a page got a query more (a lazy load in a template, a helper that queries
# per item, a context nobody uses); bring it back down rather than raising the number.
BUDGETS = {
    # user, case (+ themes, dilemmas, municipality, author, whether it was edited, its
    # publication), reflections (+ which were edited, their methods), thread (+ which were
    # edited), linked methods, meetings, unread count, network closure. The similar cases ask
    # the change log nothing when nothing was logged since the last look (app/search/
    # freshness.py; on PostgreSQL they do, see _change_log_check); their municipality names
    # come from app/reference.py. A published case adds its publication's log (+ actors).
    "case page": 8,
    # user, count, cases with their counts and municipality, themes, unread, network closure.
    "case list": 6,
    # user, unread (the facet labels come from app/reference.py; the change log is not asked
    # when nothing was logged since the last look, app/search/freshness.py; on PostgreSQL it
    # is, see _change_log_check); and since this reader finds nothing, the themes offered
    # instead (with their descriptions).
    "search page": 3,
    # publication with its case, themes, dilemmas, reviewed reflections (+ versions, authors),
    # the public methods used, and the similar cases' change-log check.
    "archive case page": 8,
    # user, posting limit, case, network closure; the comment, its version, its change-log
    # row, the participants to notify and their notifications (one statement for all); the
    # index applying the change (tests index in the request: the change log, the case's
    # document with its parts, marking the row applied); then the case and the signed-in user
    # (both expired by the commit; the thread is plain rows, so it no longer reloads the
    # user as the new comment's author), the thread with which of it was edited. No unread
    # count: a fragment has no header.
    "comment posted": 24,
    Role.PARTICIPANT: 12,
    Role.EXPERT: 8,
    Role.ORGANISER: 13,
}


def _change_log_check() -> int:
    """On a database other than SQLite a read asks the search change log every time: no
    folder that every instance shares to mark changes in (app/search/freshness.py)."""
    return 0 if freshness.marker() else 1


@pytest.fixture
def busy_network(make_case, make_user, make_comment, make_reflection, make_municipality):
    """Several municipalities with cases, threads with replies and reflections."""
    expert = make_user(role=Role.EXPERT)
    cases = []
    for _ in range(3):
        municipality = make_municipality()
        for _ in range(3):
            case = make_case(author=make_user(municipality=municipality))
            _add_activity(case, make_user, expert, 2)
            cases.append(case)
    return cases


def test_case_page_stays_within_its_statements(client, reader, busy_network):
    url = f"/cases/{busy_network[0].id}"
    client.get(f"/cases/{busy_network[1].id}")  # another case: the worker's reference lists
    db.session.remove()
    assert _queries_for(client, url) <= BUDGETS["case page"] + _change_log_check()


@pytest.mark.parametrize(
    "path", ["/cases", "/cases?page=2", "/cases?theme=jongerengroepen&status=open"]
)
def test_case_list_stays_within_its_statements(app, client, reader, busy_network, path):
    app.config["CASES_PER_PAGE"] = 4
    client.get("/cases")  # the filter lists are kept a while per worker (app/reference.py)
    db.session.remove()
    assert _queries_for(client, path) <= BUDGETS["case list"]


@pytest.mark.parametrize("role", [Role.PARTICIPANT, Role.EXPERT, Role.ORGANISER])
def test_dashboard_stays_within_its_statements(client, login, make_user, busy_network, role):
    fields = {"municipality": busy_network[0].municipality} if role == Role.PARTICIPANT else {}
    login(make_user(role=role, **fields))
    client.get("/")  # the worker's reference lists (the own municipality's name in headings)
    db.session.remove()
    assert _queries_for(client, "/") <= BUDGETS[role]


@pytest.mark.parametrize("role", [Role.PARTICIPANT, Role.ORGANISER])
def test_dashboard_statements_do_not_grow_with_assignments(
    client, login, make_user, make_municipality, make_assignment, role
):
    """Open assignments (participant) and handed-in counts (organiser): one statement for all
    of them, not one per assignment."""
    municipality = make_municipality()
    participant = make_user(municipality=municipality)
    participant_id = participant.id
    login(participant if role == Role.PARTICIPANT else make_user(role=role))

    def add_answered_assignment() -> None:
        response = AssignmentResponse(
            assignment=make_assignment(),
            municipality=municipality,
            body="Antwoord",
            updated_by_id=participant_id,
        )
        db.session.add(response)
        db.session.commit()

    add_answered_assignment()
    client.get("/")  # the worker's reference lists
    db.session.remove()
    few = _queries_for(client, "/")
    for _ in range(3):
        add_answered_assignment()
    db.session.remove()
    assert _queries_for(client, "/") == few


def test_search_page_stays_within_its_statements(client, reader, busy_network):
    client.get("/search?q=buurt")  # another search: the worker's reference lists (labels)
    db.session.remove()
    assert _queries_for(client, "/search?q=wijk") <= BUDGETS["search page"] + _change_log_check()


def test_archive_case_page_stays_within_its_statements(client, write_case, publish, make_user):
    url = f"/archive/{publish(write_case(summary='Een *gepubliceerde* casus.')).id}"
    db.session.remove()
    assert _queries_for(client, url) <= BUDGETS["archive case page"]


def test_posting_a_comment_stays_within_its_statements(client, reader, busy_network):
    # An htmx answer is the thread alone: no header, so no unread count; the new comment's
    # version needs no look-up of an earlier one, nor its id a reload after the commit.
    url = f"/cases/{busy_network[0].id}/comments"
    db.session.remove()
    with counted_queries() as statements:
        response = client.post(url, data={"body": "Een reactie."}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert len(statements) <= BUDGETS["comment posted"]


def test_a_case_page_reads_only_its_own_themes_and_dilemmas(client, reader, busy_network):
    """SQLite's plan for every statement of a case page that touches the link tables looks
    the case's rows up by key: a scan read the themes of every case for each case shown."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("the plan checked is SQLite's")
    executed: list[tuple[str, tuple]] = []

    def keep(_conn, _cursor, statement, parameters, *_args):
        executed.append((statement, parameters))

    url = f"/cases/{busy_network[0].id}"
    db.session.remove()
    event.listen(db.engine, "before_cursor_execute", keep)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", keep)
    linked = [(sql, params) for sql, params in executed if "case_themes" in sql]
    assert linked
    with db.engine.connect() as connection:
        for sql, params in linked:
            plan = " | ".join(
                row[-1] for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", params)
            )
            assert "SCAN case_themes" not in plan and "SCAN case_dilemmas" not in plan, plan
            assert "MATERIALIZE" not in plan, plan


@pytest.mark.parametrize("path", ["/", "/archive/review"])
def test_the_review_queue_costs_the_same_for_one_publication_or_many(
    client, login, organiser, write_case, make_publication, path
):
    # The one publication needs every kind of row a phase is told from: a published case
    # with its reflection, whose edit the organiser sent back. A published case leaves the
    # network's recent cases, so one more case keeps that list from being empty.
    write_case(title="Zonder publicatie")
    make_publication(Phase.UPDATE_RETURNED)
    login(organiser)
    db.session.remove()
    one = _queries_for(client, path)
    for phase in Phase:
        make_publication(phase)
        make_publication(phase, reflection=False)
    db.session.remove()
    assert _queries_for(client, path) == one
