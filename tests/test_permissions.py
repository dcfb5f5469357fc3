"""Who may see and change what: role x action x case visibility, through the app."""

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Comment, Reflection, Role, Visibility

ACTORS = ("author", "colleague", "other", "expert", "organiser", "reader", "anonymous")


@pytest.fixture
def world(make_municipality, make_user, make_case):
    """Two municipalities, every kind of user, and one draft and one shared case of A."""
    a, b = make_municipality(name="Veenhoven"), make_municipality(name="Lindewaard")
    people = {
        "author": make_user(municipality=a),
        "colleague": make_user(municipality=a),
        "other": make_user(municipality=b),
        "expert": make_user(Role.EXPERT, organisation="KIS"),
        "organiser": make_user(Role.ORGANISER),
        "reader": make_user(Role.READER),
        "anonymous": None,
    }
    cases = {
        "draft": make_case(author=people["author"], visibility=Visibility.DRAFT),
        "network": make_case(author=people["author"], visibility=Visibility.NETWORK),
    }
    return people, cases


@pytest.fixture
def as_actor(app, login, world):
    people, _cases = world

    def _client(actor: str):
        test_client = app.test_client()
        if people[actor] is not None:
            login(people[actor], test_client)
        return test_client

    return _client


def _expect(status: int, response) -> None:
    if status == 302:  # anonymous: sent to the login page, nothing disclosed
        assert response.status_code == 302
        assert "/login" in response.headers["Location"]
    else:
        assert response.status_code == status


VIEW = {
    "draft": dict(zip(ACTORS, (200, 200, 404, 404, 200, 404, 302), strict=True)),
    "network": dict(zip(ACTORS, (200, 200, 200, 200, 200, 404, 302), strict=True)),
}


@pytest.mark.parametrize("visibility", ["draft", "network"])
@pytest.mark.parametrize("actor", ACTORS)
def test_view_case(world, as_actor, visibility, actor):
    case = world[1][visibility]
    response = as_actor(actor).get(f"/cases/{case.id}")
    _expect(VIEW[visibility][actor], response)
    if response.status_code == 200:
        assert case.title in response.get_data(as_text=True)
    else:
        assert case.title not in response.get_data(as_text=True)


EDIT = {
    "draft": dict(zip(ACTORS, (200, 200, 404, 404, 200, 404, 302), strict=True)),
    "network": dict(zip(ACTORS, (200, 200, 403, 403, 200, 404, 302), strict=True)),
}


@pytest.mark.parametrize("visibility", ["draft", "network"])
@pytest.mark.parametrize("actor", ACTORS)
def test_edit_case_page(world, as_actor, visibility, actor):
    case = world[1][visibility]
    _expect(EDIT[visibility][actor], as_actor(actor).get(f"/cases/{case.id}/edit"))


@pytest.mark.parametrize("visibility", ["draft", "network"])
@pytest.mark.parametrize("actor", ACTORS)
def test_edit_case_post_changes_only_when_allowed(world, as_actor, visibility, actor):
    case = world[1][visibility]
    original = case.title
    theme_id = case.themes[0].id
    response = as_actor(actor).post(
        f"/cases/{case.id}/edit",
        data={
            "title": "Overgenomen titel",
            "themes": [theme_id],
            "polarisation_kind": "both",
            "status": "open",
            "summary": "x",
            "situation": "x",
            "question": "x",
            "action": "save",
        },
    )
    db.session.refresh(case)
    if EDIT[visibility][actor] == 200:
        assert response.status_code == 303
        assert case.title == "Overgenomen titel"
    else:
        _expect(EDIT[visibility][actor], response)
        assert case.title == original


COMMENT = {
    "draft": dict(zip(ACTORS, (303, 303, 404, 404, 303, 404, 302), strict=True)),
    "network": dict(zip(ACTORS, (303, 303, 303, 303, 303, 404, 302), strict=True)),
}


@pytest.mark.parametrize("visibility", ["draft", "network"])
@pytest.mark.parametrize("actor", ACTORS)
def test_comment_on_case(world, as_actor, visibility, actor):
    case = world[1][visibility]
    response = as_actor(actor).post(f"/cases/{case.id}/comments", data={"body": "Mijn reactie"})
    _expect(COMMENT[visibility][actor], response)
    stored = db.session.scalar(
        sa.select(sa.func.count(Comment.id)).where(Comment.case_id == case.id)
    )
    assert stored == (1 if COMMENT[visibility][actor] == 303 else 0)


REFLECT = {
    "draft": dict(zip(ACTORS, (403, 403, 404, 404, 403, 404, 302), strict=True)),
    "network": dict(zip(ACTORS, (403, 403, 403, 303, 403, 404, 302), strict=True)),
}


@pytest.mark.parametrize("visibility", ["draft", "network"])
@pytest.mark.parametrize("actor", ACTORS)
def test_reflect_on_case(world, as_actor, visibility, actor):
    case = world[1][visibility]
    response = as_actor(actor).post(
        f"/cases/{case.id}/reflections", data={"body": "Een reflectie", "key_lessons": ""}
    )
    _expect(REFLECT[visibility][actor], response)
    stored = db.session.scalar(
        sa.select(sa.func.count(Reflection.id)).where(Reflection.case_id == case.id)
    )
    assert stored == (1 if REFLECT[visibility][actor] == 303 else 0)


DELETE = {
    "draft": dict(zip(ACTORS, (303, 303, 404, 404, 303, 404, 302), strict=True)),
    "network": dict(zip(ACTORS, (403, 403, 403, 403, 303, 404, 302), strict=True)),
}


@pytest.mark.parametrize("visibility", ["draft", "network"])
@pytest.mark.parametrize("actor", ACTORS)
def test_delete_case(world, as_actor, visibility, actor):
    case = world[1][visibility]
    case_id = case.id
    # An organiser gives a reason; the municipality's own draft needs none.
    response = as_actor(actor).post(f"/cases/{case_id}/delete", data={"reason": "Dubbel"})
    _expect(DELETE[visibility][actor], response)
    db.session.expire_all()
    exists = db.session.get(type(case), case_id) is not None
    assert exists == (DELETE[visibility][actor] != 303)


@pytest.mark.parametrize("actor", ["other", "expert", "reader"])
def test_guessing_a_draft_id_reveals_nothing(world, as_actor, actor):
    draft = world[1]["draft"]
    test_client = as_actor(actor)
    for url in (f"/cases/{draft.id}", f"/cases/{draft.id}/edit"):
        response = test_client.get(url)
        assert response.status_code == 404
        assert draft.title not in response.get_data(as_text=True)
    for url in ("/cases", "/", "/themes", f"/municipalities/{draft.municipality_id}"):
        response = test_client.get(url)
        assert draft.title not in response.get_data(as_text=True)


def test_theme_counts_only_count_readable_cases(world, as_actor):
    # Both cases of A have the theme "jongerengroepen"; B sees only the shared one.
    page = as_actor("other").get("/themes").get_data(as_text=True)
    section = page.split("Jongerengroepen")[1].split("</li>")[0]
    assert "1 casus" in section
    colleague_page = as_actor("colleague").get("/themes").get_data(as_text=True)
    assert "2 casussen" in colleague_page.split("Jongerengroepen")[1].split("</li>")[0]


# A reader is signed in, so the network is not found; anonymous visitors are sent to log in.
@pytest.mark.parametrize(("actor", "status"), [("reader", 404), ("anonymous", 302)])
def test_readers_and_anonymous_do_not_see_network_pages(as_actor, actor, status):
    test_client = as_actor(actor)
    for url in ("/cases", "/themes", "/municipalities"):
        response = test_client.get(url)
        assert response.status_code == status


@pytest.fixture
def thread(world, make_comment, make_reflection):
    people, cases = world
    comment = make_comment(cases["network"], author=people["other"])
    reflection = make_reflection(cases["network"], author=people["expert"])
    return comment, reflection


CHANGE_COMMENT = dict(
    zip(ACTORS, (403, 403, 303, 403, 303, 404, 302), strict=True)
)  # "other" wrote the comment


@pytest.mark.parametrize("actor", ACTORS)
def test_edit_and_delete_comment(thread, as_actor, actor):
    comment, _reflection = thread
    test_client = as_actor(actor)
    response = test_client.post(
        f"/comments/{comment.id}/edit", data={f"comment-{comment.id}-body": "Gewijzigd"}
    )
    _expect(CHANGE_COMMENT[actor], response)
    db.session.refresh(comment)
    assert (comment.body == "Gewijzigd") == (CHANGE_COMMENT[actor] == 303)
    # An organiser removing someone else's comment gives a reason (the author need not).
    response = test_client.post(f"/comments/{comment.id}/delete", data={"reason": "Moderatie"})
    _expect(CHANGE_COMMENT[actor], response)
    db.session.refresh(comment)
    assert comment.is_deleted == (CHANGE_COMMENT[actor] == 303)


CHANGE_REFLECTION = dict(zip(ACTORS, (403, 403, 403, 303, 303, 404, 302), strict=True))


@pytest.mark.parametrize("actor", ACTORS)
def test_edit_reflection(thread, as_actor, actor):
    _comment, reflection = thread
    response = as_actor(actor).post(
        f"/reflections/{reflection.id}/edit",
        data={f"reflection-{reflection.id}-body": "Nieuwe tekst"},
    )
    _expect(CHANGE_REFLECTION[actor], response)
    db.session.refresh(reflection)
    assert (reflection.body == "Nieuwe tekst") == (CHANGE_REFLECTION[actor] == 303)


def test_other_expert_cannot_change_a_reflection(thread, make_user, login, app):
    _comment, reflection = thread
    second_expert = login(make_user(Role.EXPERT), app.test_client())
    assert second_expert.post(f"/reflections/{reflection.id}/delete").status_code == 403
    db.session.expire_all()
    assert db.session.get(Reflection, reflection.id) is not None


def test_only_participants_create_cases(as_actor):
    assert as_actor("author").get("/cases/new").status_code == 200
    for actor in ("expert", "organiser", "reader"):
        assert as_actor(actor).get("/cases/new").status_code == 403


@pytest.mark.parametrize("actor", ACTORS)
def test_statements_built_once_read_the_same_cases(world, make_case, actor, app):
    """The busiest pages build their statements once per kind of reader (case_read_rule and
    case_read_clause, with the reader's ids bound); they find exactly the cases that
    readable_cases_clause, the rule every other query uses, lets this reader read."""
    from flask_login import AnonymousUserMixin

    from app.models import Case
    from app.permissions import case_read_clause, case_read_rule, readable_cases_clause

    people, _cases = world
    make_case(author=people["other"], visibility=Visibility.DRAFT)
    make_case(author=people["other"], visibility=Visibility.ARCHIVE)
    user = people[actor] or AnonymousUserMixin()
    rule = case_read_rule(user)
    built_once = db.session.scalars(
        sa.select(Case.id).where(case_read_clause(rule.kind)), rule.params
    )
    expected = db.session.scalars(sa.select(Case.id).where(readable_cases_clause(user)))
    assert set(built_once) == set(expected)
