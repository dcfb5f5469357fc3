"""The publication workflow, the public archive, exports, feeds and closing the network."""

import csv
import io
import json
from xml.etree import ElementTree as ET

import pytest
import sqlalchemy as sa

from app.archive import detection
from app.archive import services as archive_services
from app.cases.services import update_case
from app.extensions import db
from app.models import ArchiveEvent, PublicationStatus, Role, Visibility
from app.reflections.services import add_reflection
from tests.search_factories import reviewed_token, titles

ATOM = "{http://www.w3.org/2005/Atom}"
CHECKLIST = [key for key, _label in archive_services.CHECKLIST]


@pytest.fixture
def people(make_user, make_municipality):
    town = make_municipality(name="Rivierstad")
    return {
        "author": make_user(municipality=town, display_name="Petra Schrijver"),
        "colleague": make_user(municipality=town),
        "outsider": make_user(),
        "expert": make_user(Role.EXPERT, organisation="KIS", display_name="Eline Expert"),
        "organiser": make_user(Role.ORGANISER),
        "reader": make_user(Role.READER),
    }


@pytest.fixture
def case(people, write_case, make_comment):
    case = write_case(
        author=people["author"],
        title="Ophef over de noodopvang",
        summary="Bel 06-12345678 of mail jan@example.nl; Jan Jansen woont op 1234 AB.",
        themes=["vluchtelingenopvang"],
    )
    make_comment(case, body="Geheime reactie uit het netwerk.")
    return case


def test_whole_workflow_through_the_web(client, login, people, case, find):
    login(people["author"])
    html = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Voorstellen voor het archief" in html
    assert client.post(f"/cases/{case.id}/archive/propose").status_code == 303
    login(people["colleague"])
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Namens gemeente Rivierstad geef ik toestemming" in page
    failed = client.post(f"/cases/{case.id}/archive/consent", data={"on_behalf_of": "wethouder"})
    assert failed.status_code == 422
    assert 'value="wethouder"' in failed.get_data(as_text=True)
    consent = client.post(
        f"/cases/{case.id}/archive/consent", data={"on_behalf_of": "wethouder", "confirm": "y"}
    )
    assert consent.status_code == 303
    publication = archive_services.publication_for(case)
    assert publication.status == PublicationStatus.CONSENTED
    assert publication.consent_by_id == people["colleague"].id
    assert "Rivierstad" in publication.consent_text and publication.consent_at

    login(people["organiser"])
    review = client.get(f"/archive/review/{publication.id}").get_data(as_text=True)
    for found in ("06-12345678", "jan@example.nl", "1234 AB", "Jan Jansen"):
        assert f">{found}</mark>" in review
    incomplete = client.post(
        f"/archive/review/{publication.id}", data={"action": "publish", "checklist": CHECKLIST[:2]}
    )
    assert incomplete.status_code == 422
    assert "Vink eerst alle punten" in incomplete.get_data(as_text=True)
    done = client.post(
        f"/archive/review/{publication.id}",
        data={"action": "publish", "checklist": CHECKLIST, "reviewed": reviewed_token(review)},
    )
    assert done.status_code == 303
    db.session.expire_all()
    assert case.visibility == Visibility.ARCHIVE
    log = db.session.scalars(sa.select(ArchiveEvent).order_by(ArchiveEvent.id)).all()
    assert [(e.action, e.actor_id) for e in log] == [
        ("proposed", people["author"].id),
        ("consented", people["colleague"].id),
        ("published", people["organiser"].id),
    ]
    assert all(event.at for event in log)

    anonymous = client.application.test_client()
    public = anonymous.get(f"/archive/{publication.id}").get_data(as_text=True)
    assert "Ophef over de noodopvang" in public and "Rivierstad" in public
    assert "Petra Schrijver" not in public and "Geheime reactie" not in public
    assert titles(find(people["reader"], "noodopvang")) == ["Ophef over de noodopvang"]
    assert find(people["reader"], "geheime reactie").total == 0


def test_send_back_with_remarks_and_resubmit(people, case):
    publication = archive_services.propose(case, people["author"])
    with pytest.raises(archive_services.ArchiveError):
        archive_services.send_back(publication, people["organiser"], "  ")
    archive_services.send_back(publication, people["organiser"], "Haal de namen weg.")
    assert publication.status == PublicationStatus.RETURNED
    assert publication.remarks == "Haal de namen weg."
    archive_services.resubmit(publication, people["author"])
    assert publication.status == PublicationStatus.PROPOSED  # no consent was recorded yet
    actions = [event.action for event in publication.events]
    assert actions == ["proposed", "returned", "resubmitted"]
    assert publication.events[1].remarks == "Haal de namen weg."


def test_no_publication_without_consent(people, case):
    publication = archive_services.propose(case, people["author"])
    with pytest.raises(archive_services.ArchiveError):
        archive_services.publish(publication, people["organiser"], CHECKLIST)


# The outsider and the expert may read the case but not propose it; a reader cannot read it.
@pytest.mark.parametrize(("who", "status"), [("outsider", 403), ("expert", 403), ("reader", 404)])
def test_only_the_municipality_proposes(client, login, people, case, who, status):
    login(people[who])
    response = client.post(f"/cases/{case.id}/archive/propose")
    assert response.status_code == status


@pytest.mark.parametrize("who", ["author", "expert", "reader"])
def test_only_organisers_review(client, login, people, case, who):
    publication = archive_services.propose(case, people["author"])
    login(people[who])
    assert client.get(f"/archive/review/{publication.id}").status_code == 403
    assert client.get("/archive/review").status_code == 403


def test_reflections_need_the_experts_consent(client, login, people, case, publish):
    with_consent = add_reflection(case, people["expert"], "Een reflectie over vertrouwen.", "")
    add_reflection(case, people["expert"], "Interne reflectie over de burgemeester.", "")
    login(people["expert"])
    response = client.post(f"/reflections/{with_consent.id}/archive-consent", data={"consent": "y"})
    assert response.status_code == 303
    publication = publish(case)
    public = (
        client.application.test_client().get(f"/archive/{publication.id}").get_data(as_text=True)
    )
    assert "reflectie over vertrouwen" in public and "burgemeester" not in public
    assert "KIS" in public and "Eline Expert" not in public
    login(people["outsider"])
    forbidden = client.post(f"/reflections/{with_consent.id}/archive-consent", data={})
    assert forbidden.status_code == 403


def test_edits_after_publication_stay_out_of_the_archive(people, case, publish, client, find):
    publication = publish(case)
    update_case(
        case,
        {
            "title": case.title,
            "polarisation_kind": "vertical",
            "status": "open",
            "themes": [theme.id for theme in case.themes],
            "summary": "Nieuwe tekst met Piet Pietersen.",
            "situation": "s",
            "question": "q",
        },
        share=False,
    )
    public = client.get(f"/archive/{publication.id}").get_data(as_text=True)
    assert "Pietersen" not in public
    assert find(people["reader"], "Pietersen").total == 0


def test_unpublish_removes_everything_at_once(people, case, publish, client, find):
    publication = publish(case)
    assert client.get("/archive/export.json").get_json()["cases"]
    archive_services.unpublish(publication, people["organiser"], "Op verzoek van de gemeente")
    assert client.get(f"/archive/{publication.id}").status_code == 404
    assert find(people["reader"], "noodopvang").total == 0
    assert client.get("/archive/export.json").get_json()["cases"] == []
    assert "noodopvang" not in client.get("/archive/export.csv").get_data(as_text=True)
    feed = ET.fromstring(client.get("/archive/feed.atom").data)
    assert feed.findall(f"{ATOM}entry") == []
    assert "Ophef" not in client.get("/archive").get_data(as_text=True)
    # Still readable in the network.
    assert case.visibility == Visibility.NETWORK
    assert titles(find(people["outsider"], "noodopvang")) == ["Ophef over de noodopvang"]


def test_exports_and_feeds_contain_only_published_content(
    people, case, write_case, publish, client
):
    other = write_case(title="Windpark zonder draagvlak", themes=["windmolens"])
    write_case(title="Niet gepubliceerd", themes=["windmolens"])
    publish(case)
    publish(other)
    data = client.get("/archive/export.json").get_json()
    assert data["licence"] == "CC BY 4.0"
    assert {record["title"] for record in data["cases"]} == {
        "Ophef over de noodopvang",
        "Windpark zonder draagvlak",
    }
    assert all(record["licence"] == "CC BY 4.0" for record in data["cases"])
    assert "Petra Schrijver" not in json.dumps(data) and "Geheime reactie" not in json.dumps(data)
    rows = list(
        csv.DictReader(io.StringIO(client.get("/archive/export.csv").get_data(as_text=True)))
    )
    assert {row["title"] for row in rows} == {
        "Ophef over de noodopvang",
        "Windpark zonder draagvlak",
    }
    assert all(row["licence"] == "CC BY 4.0" for row in rows)
    feed = ET.fromstring(client.get("/archive/feed.atom").data)
    assert feed.tag == f"{ATOM}feed"
    entries = [entry.find(f"{ATOM}title").text for entry in feed.findall(f"{ATOM}entry")]
    assert set(entries) == {"Ophef over de noodopvang", "Windpark zonder draagvlak"}
    for entry in feed.findall(f"{ATOM}entry"):
        assert entry.find(f"{ATOM}id").text and entry.find(f"{ATOM}updated").text
    theme_feed = ET.fromstring(client.get("/archive/themes/windmolens/feed.atom").data)
    assert [e.find(f"{ATOM}title").text for e in theme_feed.findall(f"{ATOM}entry")] == [
        "Windpark zonder draagvlak"
    ]
    assert client.get("/archive/themes/bestaat-niet/feed.atom").status_code == 404


def test_archive_landing_browses_published_cases(people, case, publish, client):
    publish(case)
    html = client.get("/archive").get_data(as_text=True)
    assert "Ophef over de noodopvang" in html
    assert "/archive/search?theme=vluchtelingenopvang" in html
    assert "/archive/search?kind=horizontal" in html
    assert client.get("/archive/search?theme=vluchtelingenopvang").status_code == 200


@pytest.mark.parametrize(
    "url",
    ["/archive", "/archive/search?q=x", "/archive/export.json", "/archive/export.csv",
     "/archive/feed.atom", "/search?q=x"],
)  # fmt: skip
def test_archive_public_setting(app, client, login, people, url):
    assert client.get(url).status_code == 200
    app.config["ARCHIVE_PUBLIC"] = False
    response = client.get(url)
    assert response.status_code == 303 and "/login" in response.headers["Location"]
    login(people["reader"])
    assert client.get(url).status_code == 200


def test_closing_the_network_stops_writing_but_not_reading(
    client, login, people, case, find, publish
):
    login(people["organiser"])
    assert (
        client.post(
            "/archive/network", data={"action": "close", "reason": "Het netwerk is klaar"}
        ).status_code
        == 303
    )
    login(people["author"])
    assert client.get("/cases/new").status_code == 403
    assert client.post(f"/cases/{case.id}/comments", data={"body": "Nog iets"}).status_code == 403
    assert client.get(f"/cases/{case.id}/edit").status_code == 403
    assert client.post(f"/cases/{case.id}/archive/propose").status_code == 403
    assert client.get(f"/cases/{case.id}").status_code == 200
    assert client.get("/search?q=noodopvang").status_code == 200
    login(people["expert"])
    response = client.post(f"/cases/{case.id}/reflections", data={"body": "Reflectie"})
    assert response.status_code == 403
    # Organisers still publish; the archive lives on.
    publish(case)
    assert find(people["reader"], "noodopvang").total == 1
    login(people["organiser"])
    client.post("/archive/network", data={"action": "reopen"})
    login(people["author"])
    assert client.get("/cases/new").status_code == 200


def test_workflow_posts_need_a_csrf_token(app, client, login, people, case):
    app.config["WTF_CSRF_ENABLED"] = True
    login(people["author"])
    assert client.post(f"/cases/{case.id}/archive/propose").status_code == 400
    assert archive_services.publication_for(case) is None


def test_htmx_workflow_answers_with_the_panel(client, login, people, case):
    login(people["author"])
    response = client.post(f"/cases/{case.id}/archive/propose", headers={"HX-Request": "true"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert body.lstrip().startswith('<section id="archive-panel"')
    again = client.post(
        f"/cases/{case.id}/archive/consent", data={}, headers={"HX-Request": "true"}
    )
    assert again.status_code == 422 and "Vul in wie namens de gemeente" in again.get_data(
        as_text=True
    )


def test_detection_of_personal_data():
    text = "Mail a.b@gemeente.nl, bel +31 6 1234 5678 of 030-1234567; post 3511 AB; Henk de Vries."
    kinds = {(finding.kind, finding.text) for finding in detection.findings(text)}
    assert ("e-mailadres", "a.b@gemeente.nl") in kinds
    assert ("postcode", "3511 AB") in kinds
    assert ("naam", "Henk de Vries") in kinds
    assert sum(kind == "telefoonnummer" for kind, _text in kinds) == 2
    marked = detection.marked("<b>Henk de Vries</b>")
    assert "&lt;b&gt;" in marked and '<mark class="pii" title="naam">Henk de Vries</mark>' in marked
