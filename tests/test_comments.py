import pytest
import sqlalchemy as sa

from app.comments.services import add_comment, delete_comment, edit_comment
from app.extensions import db
from app.models import Comment, Role

HTMX = {"HX-Request": "true"}


@pytest.fixture
def case(make_case):
    return make_case(title="Spanning rond de jongerenontmoetingsplek")


@pytest.fixture
def commenter(make_user):
    return make_user(display_name="Karin van Oudewater")


def test_htmx_comment_returns_updated_thread_fragment(client, login, case, commenter):
    login(commenter)
    response = client.post(
        f"/cases/{case.id}/comments",
        data={"body": "Bij ons hielp een *buurtgesprek*."},
        headers=HTMX,
    )
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" not in text
    assert text.lstrip().startswith('<section id="comments"')
    assert "<em>buurtgesprek</em>" in text
    assert "Karin van Oudewater" in text
    assert 'Reacties <span class="count">(1)</span>' in text
    # The form comes back empty for the next comment.
    assert "Bij ons hielp" not in text.split('id="comment-form"')[1]


def test_plain_post_redirects_to_the_comment(client, login, case, commenter):
    login(commenter)
    response = client.post(f"/cases/{case.id}/comments", data={"body": "Zonder JavaScript."})
    comment = db.session.scalar(sa.select(Comment))
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/cases/{case.id}#comment-{comment.id}")


def test_empty_comment_is_refused_in_place(client, login, case, commenter):
    login(commenter)
    response = client.post(f"/cases/{case.id}/comments", data={"body": "  "}, headers=HTMX)
    assert response.status_code == 422
    assert "Schrijf eerst je reactie." in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Comment.id))) == 0


def test_too_long_comment_without_js_comes_back_filled_in(client, login, case, commenter):
    login(commenter)
    body = "Lang verhaal. " * 800
    response = client.post(f"/cases/{case.id}/comments", data={"body": body})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "<html" in page
    assert "maximaal 10.000 tekens" in page
    assert "Lang verhaal. Lang verhaal." in page


def test_reply_is_attached_to_the_thread(client, login, case, commenter, make_comment, make_user):
    top = make_comment(case)
    login(commenter)
    client.post(f"/cases/{case.id}/comments", data={"body": "Antwoord", "parent_id": top.id})
    reply = db.session.scalar(sa.select(Comment).where(Comment.body == "Antwoord"))
    assert reply.parent_id == top.id
    # A reply to a reply joins the same thread: replies are one level deep.
    client.post(f"/cases/{case.id}/comments", data={"body": "Nog een", "parent_id": reply.id})
    second = db.session.scalar(sa.select(Comment).where(Comment.body == "Nog een"))
    assert second.parent_id == top.id


def test_reply_to_comment_of_another_case_becomes_top_level(
    client, login, case, commenter, make_case, make_comment
):
    elsewhere = make_comment(make_case())
    login(commenter)
    client.post(f"/cases/{case.id}/comments", data={"body": "Hier", "parent_id": elsewhere.id})
    comment = db.session.scalar(sa.select(Comment).where(Comment.body == "Hier"))
    assert comment.parent_id is None
    assert comment.case_id == case.id


def test_failed_reply_keeps_text_and_opens_its_form(client, login, case, commenter, make_comment):
    top = make_comment(case)
    login(commenter)
    response = client.post(
        f"/cases/{case.id}/comments",
        data={"body": "x" * 10_001, "parent_id": top.id},
        headers=HTMX,
    )
    text = response.get_data(as_text=True)
    assert response.status_code == 422
    assert '<details class="reply" open>' in text
    assert f'id="reply-body-{top.id}-errors"' in text


def test_edit_comment_in_place(client, login, case, commenter, make_comment):
    comment = make_comment(case, author=commenter)
    login(commenter)
    form = client.get(f"/comments/{comment.id}/edit", headers=HTMX).get_data(as_text=True)
    assert form.lstrip().startswith(f'<article id="comment-{comment.id}"')
    assert "<html" not in form
    response = client.post(
        f"/comments/{comment.id}/edit",
        data={f"comment-{comment.id}-body": "Aangepaste tekst"},
        headers=HTMX,
    )
    text = response.get_data(as_text=True)
    assert "Aangepaste tekst" in text and "bewerkt" in text
    db.session.refresh(comment)
    assert comment.edited_at is not None


def test_edit_comment_without_js_is_a_full_page(client, login, case, commenter, make_comment):
    comment = make_comment(case, author=commenter)
    login(commenter)
    assert "<html" in client.get(f"/comments/{comment.id}/edit").get_data(as_text=True)
    response = client.post(f"/comments/{comment.id}/edit", data={f"comment-{comment.id}-body": ""})
    assert response.status_code == 422
    assert "Schrijf eerst je reactie." in response.get_data(as_text=True)


def test_cancel_edit_returns_the_comment(client, login, case, commenter, make_comment):
    comment = make_comment(case, author=commenter)
    login(commenter)
    fragment = client.get(f"/comments/{comment.id}", headers=HTMX).get_data(as_text=True)
    assert fragment.lstrip().startswith(f'<article id="comment-{comment.id}"')
    assert client.get(f"/comments/{comment.id}").status_code == 303


def _article(html: str, comment_id: int) -> str:
    start = html.index(f'<article id="comment-{comment_id}"')
    return html[start : html.index("</article>", start)]


@pytest.mark.parametrize("viewer", ["author", "organiser", "colleague"])
def test_a_comment_on_its_own_is_the_same_as_in_the_thread(
    client, login, case, commenter, make_comment, make_user, viewer
):
    # The fragment after an edit (or its cancel) must not drift from the thread's comment:
    # the same actions for the same people, the same "bewerkt" and moderation links.
    edited = add_comment(case, commenter, "Eerst zo")
    edit_comment(edited, "Toch anders", editor=commenter)
    deleted = make_comment(case, author=commenter, body="Weg ermee")
    reply = make_comment(case, author=commenter, parent=deleted, body="Een antwoord")
    delete_comment(deleted, commenter)
    people = {"author": commenter, "organiser": make_user(Role.ORGANISER), "colleague": make_user()}
    login(people[viewer])
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    for comment in (edited, deleted, reply):
        alone = client.get(f"/comments/{comment.id}", headers=HTMX).get_data(as_text=True)
        assert _article(alone, comment.id) == _article(page, comment.id)
    assert ("Bewerken" in _article(page, edited.id)) == (viewer != "colleague")
    assert ("geschiedenis" in _article(page, deleted.id)) == (viewer == "organiser")


def test_soft_delete_keeps_replies(client, login, case, commenter, make_comment):
    top = make_comment(case, author=commenter, body="Eerste bericht")
    make_comment(case, parent=top, body="Een antwoord dat blijft")
    login(commenter)
    response = client.post(f"/comments/{top.id}/delete", headers=HTMX)
    text = response.get_data(as_text=True)
    assert "Verwijderde reactie" in text
    assert "Eerste bericht" not in text
    assert "Een antwoord dat blijft" in text
    db.session.refresh(top)
    assert top.is_deleted and top.body == ""
    # A deleted comment can no longer be edited or deleted again.
    assert client.post(f"/comments/{top.id}/delete").status_code == 403


def test_organiser_moderates_any_comment_with_a_reason(
    client, login, case, make_comment, make_user
):
    comment = make_comment(case)
    login(make_user(Role.ORGANISER))
    refused = client.post(f"/comments/{comment.id}/delete")
    assert refused.status_code == 422 and "Geef een reden op" in refused.get_data(as_text=True)
    response = client.post(f"/comments/{comment.id}/delete", data={"reason": "Persoonsgegevens"})
    assert response.status_code == 303


def test_comment_on_missing_case_is_404(client, login, commenter):
    login(commenter)
    assert client.post("/cases/999/comments", data={"body": "Hallo"}).status_code == 404
    assert client.get("/comments/999/edit").status_code == 404
