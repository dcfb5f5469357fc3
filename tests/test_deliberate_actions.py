"""Deliberate actions: a confirmation page that states the consequence and asks a reason, which
lands in the audit log; it works without JavaScript, and answers htmx with a fragment.

Also security review F13: only a method's author or an organiser deletes it, audited.
"""

import pytest
import sqlalchemy as sa

from app.archive import services as archive_services
from app.comments.services import add_comment
from app.extensions import db
from app.methods import services as method_services
from app.models import (
    ArchiveEvent,
    AuditEvent,
    Comment,
    Method,
    NetworkClosure,
    PublicationStatus,
    Role,
)
from app.permissions import network_is_closed

HTMX = {"HX-Request": "true"}


@pytest.fixture
def people(make_user, make_municipality):
    town = make_municipality(name="Rivierstad")
    return {
        "author": make_user(municipality=town),
        "floor": make_user(Role.EXPERT, organisation="Movisie"),
        "naima": make_user(Role.EXPERT, organisation="KIS"),
        "organiser": make_user(Role.ORGANISER),
        "victim": make_user(display_name="Piet Persoon", email="piet@example.nl"),
    }


def _audit(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)))


@pytest.fixture
def method(people):
    data = {"name": "Dialoogtafel", "summary": "Een gesprek.", "themes": [], "dilemmas": []}
    return method_services.save_method(None, people["floor"], data)


def test_f13_an_expert_cannot_delete_another_experts_method(client, login, people, method):
    login(people["naima"])
    assert "Verwijderen" not in client.get(f"/methods/{method.id}").get_data(as_text=True)
    assert client.get(f"/methods/{method.id}/delete").status_code == 403
    response = client.post(f"/methods/{method.id}/delete", data={"reason": "Weg ermee"})
    assert response.status_code == 403
    assert db.session.get(Method, method.id) is not None
    assert _audit("method.deleted") == []


@pytest.mark.parametrize("who", ["floor", "organiser"])
def test_f13_the_author_or_an_organiser_deletes_a_method_with_a_reason_audited(
    client, login, people, method, who
):
    method_id = method.id
    login(people[who])
    page = client.get(f"/methods/{method_id}").get_data(as_text=True)
    assert f'href="/methods/{method_id}/delete"' in page and "danger" in page
    confirmation = client.get(f"/methods/{method_id}/delete").get_data(as_text=True)
    assert "kan niet ongedaan worden gemaakt" in confirmation and "Reden" in confirmation
    refused = client.post(f"/methods/{method_id}/delete", data={})
    assert refused.status_code == 422 and db.session.get(Method, method_id) is not None
    done = client.post(f"/methods/{method_id}/delete", data={"reason": "Dubbel met een andere"})
    assert done.status_code == 303
    db.session.expire_all()
    assert db.session.get(Method, method_id) is None
    [event] = _audit("method.deleted")
    assert (event.actor_id, event.target_type, event.target_id) == (
        people[who].id,
        "method",
        method_id,
    )
    assert event.details == {"author_id": people["floor"].id, "reason": "Dubbel met een andere"}


@pytest.fixture
def published(people, write_case, publish):
    case = write_case(author=people["author"], title="Ophef over de windmolens")
    return publish(case)


def test_unpublishing_asks_for_a_reason_on_a_page_of_its_own(client, login, people, published):
    login(people["organiser"])
    queue = client.get("/archive/review").get_data(as_text=True)
    unpublish_url = f"/archive/review/{published.id}/unpublish"
    # The queue links to the confirmation; nothing in it unpublishes with one click.
    assert f'href="{unpublish_url}"' in queue and f'action="{unpublish_url}"' not in queue
    page = client.get(unpublish_url).get_data(as_text=True)
    assert "verdwijnen meteen uit het openbare archief" in page and "feeds" in page
    assert 'class="button-danger danger"' in page
    refused = client.post(unpublish_url, data={})
    assert refused.status_code == 422 and "Geef een reden op" in refused.get_data(as_text=True)
    db.session.expire_all()
    assert published.status == PublicationStatus.PUBLISHED
    assert client.post(unpublish_url, data={"reason": "Op verzoek"}).status_code == 303
    db.session.expire_all()
    assert published.status == PublicationStatus.UNPUBLISHED
    last = db.session.scalar(sa.select(ArchiveEvent).order_by(ArchiveEvent.id.desc()).limit(1))
    assert (last.action, last.remarks) == ("unpublished", "Op verzoek")
    [event] = _audit("archive.unpublished")
    assert event.details["remarks"] == "Op verzoek"


def test_closing_the_network_asks_for_a_reason_and_cannot_undo_a_newer_choice(
    client, login, people
):
    login(people["organiser"])
    queue = client.get("/archive/review").get_data(as_text=True)
    assert 'href="/archive/network"' in queue and 'action="/archive/network"' not in queue
    page = client.get("/archive/network").get_data(as_text=True)
    assert "alleen nog lezen" in page and 'name="action" value="close"' in page
    refused = client.post("/archive/network", data={"action": "close"})
    assert refused.status_code == 422 and not network_is_closed()
    done = client.post("/archive/network", data={"action": "close", "reason": "Einde netwerk"})
    assert done.status_code == 303
    assert db.session.scalar(sa.select(NetworkClosure.note)) == "Einde netwerk"
    assert _audit("network.closed")[0].details == {"reason": "Einde netwerk"}
    # A page opened before the close must not reopen it.
    stale = client.post("/archive/network", data={"action": "close", "reason": "nog eens"})
    assert stale.status_code == 422 and "al gesloten" in stale.get_data(as_text=True)
    reopened = client.post("/archive/network", data={"action": "reopen"})
    assert reopened.status_code == 303  # opening again needs no reason


def test_carrying_out_an_erasure_asks_why_and_keeps_no_name_in_the_log(client, login, people):
    victim = people["victim"]
    login(victim)
    client.post("/account/data/erasure-request")
    login(people["organiser"])
    page = client.get(f"/admin/erasures/{victim.id}").get_data(as_text=True)
    assert "kan niet ongedaan worden gemaakt" in page and "Reden" in page
    refused = client.post(f"/admin/erasures/{victim.id}", data={})
    assert refused.status_code == 422
    db.session.expire_all()
    assert victim.erased_at is None
    reason = "Op verzoek van Piet Persoon (piet@example.nl)"
    assert client.post(f"/admin/erasures/{victim.id}", data={"reason": reason}).status_code == 303
    [event] = _audit("privacy.erased")
    assert event.details == {"reason": "Op verzoek van voormalig deelnemer (voormalig deelnemer)"}


def test_deleting_a_comment_without_javascript_asks_first(client, login, people, write_case):
    case = write_case(author=people["author"])
    comment = add_comment(case, people["author"], "Toch maar niet.")
    login(people["author"])
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    # "Verwijderen" is a link to the confirmation, not a form that deletes at once.
    assert f'href="/comments/{comment.id}/delete"' in page
    assert f'action="/comments/{comment.id}/delete"' not in page
    confirmation = client.get(f"/comments/{comment.id}/delete").get_data(as_text=True)
    assert "Deze reactie verwijderen?" in confirmation
    assert "Reden" not in confirmation  # the author is not asked to justify it
    assert db.session.get(Comment, comment.id).deleted_at is None
    response = client.post(f"/comments/{comment.id}/delete", data={})
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(Comment, comment.id).is_deleted


def test_an_organiser_deleting_someone_elses_reflection_gives_a_reason(
    client, login, people, write_case
):
    case = write_case(author=people["author"])
    login(people["floor"])
    client.post(f"/cases/{case.id}/reflections", data={"body": "Een reflectie."})
    reflection = case.reflections[0]
    login(people["organiser"])
    confirmation = client.get(f"/reflections/{reflection.id}/delete").get_data(as_text=True)
    assert "openbare archief" in confirmation and "Reden" in confirmation
    assert client.post(f"/reflections/{reflection.id}/delete", data={}).status_code == 422
    done = client.post(f"/reflections/{reflection.id}/delete", data={"reason": "Op verzoek"})
    assert done.status_code == 303
    [event] = _audit("reflection.moderated")
    assert event.details == {"case_id": case.id, "reason": "Op verzoek"}


def test_with_htmx_a_confirmation_is_a_fragment_for_the_dialog(client, login, people, published):
    login(people["organiser"])
    response = client.get(f"/archive/review/{published.id}/unpublish", headers=HTMX)
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and body.lstrip().startswith('<section id="confirm"')
    assert "<html" not in body and 'id="confirm-title"' in body
    assert "HX-Request" in response.headers["Vary"]
    # The dialog's form posts like the page's: the action itself is the same POST.
    assert f'action="/archive/review/{published.id}/unpublish"' in body


def test_confirmation_posts_need_a_csrf_token(app, client, login, people, published):
    app.config["WTF_CSRF_ENABLED"] = True
    login(people["organiser"])
    response = client.post(f"/archive/review/{published.id}/unpublish", data={"reason": "x"})
    assert response.status_code == 400
    db.session.expire_all()
    assert published.status == PublicationStatus.PUBLISHED
    assert archive_services.publication_for(published.case).is_published


def test_deleting_a_case_asks_first_and_an_organiser_says_why(client, login, people, write_case):
    draft = write_case(author=people["author"], share=False)
    shared = write_case(author=people["author"])
    login(people["author"])
    page = client.get(f"/cases/{draft.id}").get_data(as_text=True)
    assert f'href="/cases/{draft.id}/delete"' in page
    assert f'action="/cases/{draft.id}/delete"' not in page
    assert "Reden" not in client.get(f"/cases/{draft.id}/delete").get_data(as_text=True)
    assert client.post(f"/cases/{draft.id}/delete", data={}).status_code == 303
    login(people["organiser"])
    assert client.post(f"/cases/{shared.id}/delete", data={}).status_code == 422
    done = client.post(f"/cases/{shared.id}/delete", data={"reason": "Op verzoek van de gemeente"})
    assert done.status_code == 303
    [event] = _audit("case.deleted")
    assert (event.target_id, event.details) == (shared.id, {"reason": "Op verzoek van de gemeente"})
    assert _audit("case.deleted")[0].actor_id == people["organiser"].id
