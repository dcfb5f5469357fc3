"""Publication bound to versions: consent for a version, the reviewed copy is what the public
reads, pending updates, the publish race, and the review page as the public will see it.

Security review F1 (reflections reach the archive unreviewed) and F2 (publishing what the case
says at the click) are the first tests here.
"""

from xml.etree import ElementTree as ET

import pytest
import sqlalchemy as sa

from app.archive import services as archive_services
from app.archive import snapshots
from app.extensions import db
from app.history import services as history
from app.models import PublicationStatus, Reflection, Role
from app.reflections.services import add_reflection
from tests.search_factories import reviewed_token

CHECKLIST = [key for key, _label in archive_services.CHECKLIST]
PERSONAL = "Bewoner Jan Jansen (Dorpsstraat 12, 06-12345678) zat in de opvang aan de Kerklaan 4."
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def people(make_user, make_municipality):
    town = make_municipality(name="Dorrestad")
    return {
        "sanne": make_user(municipality=town, display_name="Sanne Schrijver"),
        "youssef": make_user(municipality=town, display_name="Youssef Collega"),
        "floor": make_user(Role.EXPERT, organisation="Movisie", display_name="Floor Expert"),
        "naima": make_user(Role.EXPERT, organisation="KIS", display_name="Naima Expert"),
        "organiser": make_user(Role.ORGANISER),
        "reader": make_user(Role.READER),
    }


@pytest.fixture
def case(people, write_case):
    return write_case(
        author=people["sanne"],
        title="Onrust rond de noodopvang",
        summary="Een **informatieavond** liep uit de hand.",
        situation="De gemeente opende een opvang in de sporthal.",
        themes=["vluchtelingenopvang"],
    )


def _case_form(case, **changes) -> dict:
    data = {
        "title": case.title,
        "polarisation_kind": case.polarisation_kind.value,
        "status": case.status.value,
        "themes": [theme.id for theme in case.themes],
        **{name: getattr(case, name) for name in ("summary", "situation", "question")},
    }
    data.update(changes)
    return data


def _consent(client, login, people, case) -> None:
    login(people["youssef"])
    response = client.post(
        f"/cases/{case.id}/archive/consent", data={"on_behalf_of": "wethouder", "confirm": "y"}
    )
    assert response.status_code == 303


def _review(client, login, people, publication) -> tuple[str, str]:
    login(people["organiser"])
    page = client.get(f"/archive/review/{publication.id}").get_data(as_text=True)
    return page, reviewed_token(page)


def _publish(client, publication, token: str):
    return client.post(
        f"/archive/review/{publication.id}",
        data={"action": "publish", "checklist": CHECKLIST, "reviewed": token},
    )


@pytest.fixture
def published(client, login, people, case):
    """The case with Floor's consented reflection, published through the web."""
    login(people["floor"])
    client.post(f"/cases/{case.id}/reflections", data={"body": "Reflectie zonder namen."})
    reflection = case.reflections[0]
    client.post(f"/reflections/{reflection.id}/archive-consent", data={"consent": "y"})
    login(people["sanne"])
    client.post(f"/cases/{case.id}/archive/propose")
    _consent(client, login, people, case)
    publication = archive_services.publication_for(case)
    _page, token = _review(client, login, people, publication)
    assert _publish(client, publication, token).status_code == 303
    db.session.expire_all()
    return publication, reflection


def _public(app, publication) -> dict[str, str]:
    anonymous = app.test_client()
    return {
        "page": anonymous.get(f"/archive/{publication.id}").get_data(as_text=True),
        "json": anonymous.get("/archive/export.json").get_data(as_text=True),
        "csv": anonymous.get("/archive/export.csv").get_data(as_text=True),
        "feed": anonymous.get("/archive/feed.atom").get_data(as_text=True),
    }


def _assert_not_public(app, publication, word: str) -> None:
    for where, text in _public(app, publication).items():
        assert word not in text, f"{word} reached the public {where}"


def test_f1_an_edited_reflection_stays_out_of_the_archive_until_reviewed(
    app, client, login, people, published, find
):
    publication, reflection = published
    login(people["floor"])
    response = client.post(
        f"/reflections/{reflection.id}/edit", data={f"reflection-{reflection.id}-body": PERSONAL}
    )
    assert response.status_code == 303
    _assert_not_public(app, publication, "Jansen")
    assert "Reflectie zonder namen." in _public(app, publication)["page"]
    assert find(people["reader"], "Jansen", archive=True).total == 0
    # The network reads the edit, and the queue has the update waiting.
    assert find(people["sanne"], "Jansen").total == 1
    login(people["organiser"])
    queue = client.get("/archive/review").get_data(as_text=True)
    updates = queue.split('id="queue-update"')[1].split("</section>")[0]
    assert "Onrust rond de noodopvang" in updates and "update, klaar voor controle" in updates

    # Approved after review: now (and only now) the public copy follows.
    page, token = _review(client, login, people, publication)
    assert "Wat verandert ten opzichte van het archief" in page
    assert "<ins>" in page and ">Jan Jansen</mark>" in page
    assert _publish(client, publication, token).status_code == 303
    assert "Jansen" in _public(app, publication)["page"]
    assert find(people["reader"], "Jansen", archive=True).total == 1


def test_f1_a_reflection_consented_after_publication_waits_for_review(
    app, client, login, people, published
):
    publication, _reflection = published
    login(people["naima"])
    client.post(f"/cases/{publication.case_id}/reflections", data={"body": PERSONAL})
    newest = db.session.scalar(
        sa.select(Reflection).where(Reflection.author_id == people["naima"].id)
    )
    response = client.post(f"/reflections/{newest.id}/archive-consent", data={"consent": "y"})
    assert response.status_code == 303
    _assert_not_public(app, publication, "Jansen")
    db.session.expire_all()
    assert snapshots.phase(publication) == snapshots.Phase.UPDATE_READY
    page, _token = _review(client, login, people, publication)
    assert "Reflectie (KIS) (nieuw)" in page


def test_withdrawing_a_reflections_consent_takes_it_out_at_once(
    app, client, login, people, published, find
):
    publication, reflection = published
    login(people["floor"])
    client.post(f"/reflections/{reflection.id}/archive-consent", data={})
    _assert_not_public(app, publication, "Reflectie zonder namen")
    assert find(people["reader"], "reflectie namen", archive=True).total == 0
    db.session.expire_all()
    assert snapshots.phase(publication) == snapshots.Phase.PUBLISHED


def test_f2_publishing_is_refused_when_the_case_changed_after_the_review_page_opened(
    app, client, login, people, case
):
    login(people["sanne"])
    client.post(f"/cases/{case.id}/archive/propose")
    _consent(client, login, people, case)
    publication = archive_services.publication_for(case)
    page, token = _review(client, login, people, publication)
    assert "Karel" not in page

    # Meanwhile the municipality edits the case.
    login(people["sanne"])
    edited = client.post(
        f"/cases/{case.id}/edit",
        data=_case_form(case, situation="Inwoner Karel Klaassen, Stationsstraat 5, dreigde."),
    )
    assert edited.status_code == 303

    login(people["organiser"])
    response = _publish(client, publication, token)
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "gewijzigd sinds je deze pagina opende" in body and "Er is niets gepubliceerd" in body
    changed = body.split('id="changed-since-opened"')[1].split("</section>")[0]
    assert "<ins>" in changed and "Karel" in changed
    # The ticks were for the old text: they are asked for again.
    assert 'value="people" checked' not in body
    db.session.expire_all()
    assert publication.status == PublicationStatus.CONSENTED
    assert app.test_client().get(f"/archive/{publication.id}").status_code == 404

    # A fresh look is not enough either: the municipality consented to the old text.
    _page, fresh = _review(client, login, people, publication)
    refused = _publish(client, publication, fresh)
    assert refused.status_code == 422
    assert "toestemming voor een eerdere versie" in refused.get_data(as_text=True)


def test_consent_is_recorded_with_the_case_version_and_asked_again_after_an_edit(
    app, client, login, people, case
):
    login(people["sanne"])
    client.post(f"/cases/{case.id}/archive/propose")
    _consent(client, login, people, case)
    publication = archive_services.publication_for(case)
    assert publication.consent_version is not None
    assert publication.consent_version.id == history.latest(case).id
    assert publication.consent_version.summary == case.summary

    login(people["sanne"])
    client.post(f"/cases/{case.id}/edit", data=_case_form(case, summary="Een nieuwe versie."))
    db.session.expire_all()
    assert snapshots.phase(publication) == snapshots.Phase.CONSENT_OUTDATED
    panel = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Jullie gaven toestemming voor een eerdere versie" in panel
    page, _token = _review(client, login, people, publication)
    assert "De casus is gewijzigd na deze toestemming" in page

    _consent(client, login, people, case)
    db.session.expire_all()
    assert publication.consent_version.summary == "Een nieuwe versie."
    page, token = _review(client, login, people, publication)
    assert _publish(client, publication, token).status_code == 303
    assert "Een nieuwe versie." in _public(app, publication)["page"]


def test_an_edit_of_a_published_case_is_a_pending_update_until_approved(
    app, client, login, people, published
):
    publication, _reflection = published
    case = publication.case
    first_published = publication.published_at
    login(people["sanne"])
    client.post(f"/cases/{case.id}/edit", data=_case_form(case, summary=PERSONAL))
    _assert_not_public(app, publication, "Jansen")
    feed = ET.fromstring(app.test_client().get("/archive/feed.atom").data)
    [summary] = [entry.find(f"{ATOM}summary").text for entry in feed.findall(f"{ATOM}entry")]
    assert summary == "Een **informatieavond** liep uit de hand."
    db.session.expire_all()
    assert snapshots.phase(publication) == snapshots.Phase.UPDATE_WAITING_FOR_CONSENT

    # Sent back: the public copy stays, and the queue says so until the case changes again.
    login(people["organiser"])
    returned = client.post(
        f"/archive/review/{publication.id}",
        data={"action": "return", "remarks": "Haal de naam en het adres weg."},
    )
    assert returned.status_code == 303
    db.session.expire_all()
    assert publication.status == PublicationStatus.PUBLISHED
    assert snapshots.phase(publication) == snapshots.Phase.UPDATE_RETURNED
    login(people["sanne"])
    client.post(f"/cases/{case.id}/edit", data=_case_form(case, summary="Zonder namen nu."))
    db.session.expire_all()
    assert snapshots.phase(publication) == snapshots.Phase.UPDATE_WAITING_FOR_CONSENT
    _consent(client, login, people, case)
    page, token = _review(client, login, people, publication)
    public_changes = page.split('id="public-changes"')[1].split("</section>")[0]
    assert "<del>Een</del><ins>Zonder</ins>" in public_changes
    assert "Update publiceren" in page
    assert _publish(client, publication, token).status_code == 303
    db.session.expire_all()
    assert "Zonder namen nu." in _public(app, publication)["page"]
    assert publication.published_at == first_published
    assert [e.action for e in publication.events][-1] == "update-published"


def test_the_queue_tells_new_publications_from_updates(client, login, people, write_case, publish):
    waiting = write_case(author=people["sanne"], title="Nog niet gepubliceerd")
    archive_services.propose(waiting, people["sanne"])
    updated = write_case(author=people["sanne"], title="Gepubliceerd en bijgewerkt")
    publication = publish(updated)
    reflection = add_reflection(updated, people["floor"], "Later toegevoegd.", "")
    archive_services.set_reflection_consent(reflection, people["floor"], True)
    assert snapshots.phase(publication) == snapshots.Phase.UPDATE_READY
    login(people["organiser"])
    queue = client.get("/archive/review").get_data(as_text=True)
    new = queue.split('id="queue-new"')[1].split("</section>")[0]
    updates = queue.split('id="queue-update"')[1].split("</section>")[0]
    assert "Nog niet gepubliceerd" in new and "Gepubliceerd en bijgewerkt" not in new
    assert "Gepubliceerd en bijgewerkt" in updates and "Nog niet gepubliceerd" not in updates
    home = client.get("/").get_data(as_text=True)
    assert "Gepubliceerd en bijgewerkt" in home


def test_the_review_page_shows_the_text_as_the_public_reads_it(client, login, people, write_case):
    case = write_case(
        author=people["sanne"],
        title="Woningbouw in polder De Weerd",
        summary="Polder De Weerd ligt bij het dorp Weerdhuizen. Bel **Jan** Jansen: 06-12345678.",
        situation="In Weerdhuizen ontstond een actiegroep. De Weerd blijft groen, zegt De Weerd.",
        stakeholders="- Bewoners van Weerdhuizen\n- [het raadsvoorstel](https://example.nl/rv)",
    )
    publication = archive_services.propose(case, people["sanne"])
    page, _token = _review(client, login, people, publication)
    text = page.split('id="text-heading"')[1]
    # Rendered and sanitised, not raw Markdown.
    assert "<strong>" in text and "**" not in text and "[het raadsvoorstel]" not in text
    assert '<a href="https://example.nl/rv" rel="noopener noreferrer nofollow ugc">' in text
    # The name split by emphasis is found in the rendered text; each finding once.
    assert '<strong><mark class="pii" title="naam">Jan</mark></strong>' in text
    findings = page.split('id="findings"')[1].split("</ul>")[0]
    assert "Jan Jansen" in findings and "06-12345678" in findings
    # Place names are not reported as people (UX review, defect 17).
    assert "Weerd" not in findings and "Bewoners" not in findings
    assert "De Weerd" in page.split('id="places"')[1].split("</p>")[0]
