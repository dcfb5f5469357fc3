"""The Markdown sanitiser's second fence, and forms that must ignore fields they do not offer."""

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.markdown import render_markdown, sanitise
from app.models import Case, Comment, Reflection, Role, User, Visibility


@pytest.mark.parametrize(
    "html",
    [
        '<p hx-get="/logout" hx-trigger="load">x</p>',
        '<p data-hx-post="/cases/1/delete" data-x="1">x</p>',
        '<a href="/x" hx-boost="true" data-confirm="no">x</a>',
        '<p style="color:red" onclick="alert(1)" class="admin">x</p>',
    ],
)
def test_sanitiser_strips_htmx_data_event_and_style_attributes(html):
    clean = sanitise(html)
    for attribute in ("hx-", "data-", "onclick", "style", "class"):
        assert attribute not in clean
    assert ">x<" in clean  # the text survives


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        "java\tscript:alert(1)",
        "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
        "vbscript:msgbox(1)",
        "file:///etc/passwd",
    ],
)
def test_sanitiser_drops_unsafe_url_schemes(url):
    clean = sanitise(f'<a href="{url}">link</a>')
    assert "href" not in clean
    assert "link" in clean


@pytest.mark.parametrize("url", ["https://example.nl/a", "http://example.nl", "mailto:a@b.nl"])
def test_sanitiser_keeps_safe_links(url):
    assert f'href="{url}"' in sanitise(f'<a href="{url}">link</a>')


@pytest.mark.parametrize(
    "source",
    ["[x](javascript:alert(1))", "<javascript:alert(1)>", "[x](data:text/html,hi)"],
)
def test_markdown_links_with_unsafe_schemes_are_not_links(source):
    assert "href" not in str(render_markdown(source))


def test_change_password_ignores_role_and_municipality(client, login, make_user, make_municipality):
    user = make_user(Role.PARTICIPANT)
    own = user.municipality_id
    other = make_municipality()
    login(user)
    response = client.post(
        "/account/password",
        data={
            "current_password": "geheim-wachtwoord-123",
            "new_password": "een-nieuw-wachtwoord",
            "confirm_password": "een-nieuw-wachtwoord",
            "role": "organiser",
            "municipality_id": other.id,
            "active": "y",
        },
    )
    assert response.status_code == 303
    db.session.expire_all()
    user = db.session.get(User, user.id)
    assert user.role == Role.PARTICIPANT
    assert user.municipality_id == own


def test_case_edit_ignores_visibility_municipality_and_author(
    client, login, make_user, make_case, make_municipality
):
    author = make_user()
    case = make_case(author=author, visibility=Visibility.DRAFT)
    other = make_municipality()
    stranger = make_user()
    login(author)
    client.post(
        f"/cases/{case.id}/edit",
        data={
            "title": "Een nieuwe titel voor de casus",
            "polarisation_kind": "vertical",
            "status": "open",
            "themes": [t.id for t in case.themes],
            "summary": "s",
            "situation": "s",
            "question": "q",
            "visibility": "archive",
            "municipality_id": other.id,
            "author_id": stranger.id,
        },
    )
    db.session.expire_all()
    case = db.session.get(Case, case.id)
    assert case.title == "Een nieuwe titel voor de casus"  # the edit itself went through
    assert case.visibility == Visibility.DRAFT
    assert case.municipality_id == author.municipality_id
    assert case.author_id == author.id


def test_comment_ignores_author_and_case_fields(client, login, make_user, make_case):
    case = make_case()
    writer, impersonated = make_user(), make_user()
    other_case = make_case()
    login(writer)
    client.post(
        f"/cases/{case.id}/comments",
        data={"body": "Mijn reactie", "author_id": impersonated.id, "case_id": other_case.id},
    )
    comment = db.session.scalar(sa.select(Comment))
    assert (comment.author_id, comment.case_id) == (writer.id, case.id)


def test_reflection_ignores_author_field(client, login, make_user, make_case):
    case = make_case()
    expert, other_expert = make_user(Role.EXPERT), make_user(Role.EXPERT)
    login(expert)
    client.post(
        f"/cases/{case.id}/reflections",
        data={"body": "Een reflectie", "key_lessons": "", "author_id": other_expert.id},
    )
    assert db.session.scalar(sa.select(Reflection)).author_id == expert.id


def test_mfa_enrolment_ignores_a_posted_secret(client, login, make_user):
    user = make_user()
    login(user)
    client.get("/account/security/enrol")
    client.post("/account/security/enrol", data={"code": "000000", "secret": "A" * 32})
    db.session.expire_all()
    assert db.session.get(User, user.id).totp_secret is None


def test_erasure_request_cannot_target_someone_else(client, login, make_user):
    user, other = make_user(), make_user()
    login(user)
    client.post("/account/data/erasure-request", data={"user_id": other.id})
    db.session.expire_all()
    assert db.session.get(User, other.id).erasure_requested_at is None
    assert db.session.get(User, user.id).erasure_requested_at is not None
