"""The archive workflow wired to the rest: audit log, consent withdrawal, organiser dashboard."""

import json

import pytest
import sqlalchemy as sa

from app.archive import services as archive_services
from app.extensions import db
from app.models import AuditEvent, PublicationStatus, Role, Visibility

CHECKLIST = [key for key, _label in archive_services.CHECKLIST]


@pytest.fixture
def town(make_municipality, make_user):
    municipality = make_municipality(name="Beekdal")
    return make_user(municipality=municipality), make_user(municipality=municipality)


@pytest.fixture
def published(town, write_case, publish):
    author, _colleague = town
    case = write_case(author=author, title="Windmolens en wantrouwen", summary="Windturbines.")
    return case, publish(case)


def _audit(action: str) -> list[AuditEvent]:
    return list(
        db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        )
    )


def test_publication_decisions_are_audited_and_exports_are_not(client, login, organiser, published):
    case, publication = published
    [event] = _audit("archive.published")
    assert (event.actor_id, event.target_type, event.target_id) == (organiser.id, "case", case.id)
    assert event.details == {"case_id": case.id, "update": False}

    # Open-data downloads are counted from the log (test_archive_exports), not audited.
    assert client.get("/archive/export.json").status_code == 200
    login(organiser)
    assert client.get("/archive/export.csv").status_code == 200
    assert _audit("archive.exported") == []

    response = client.post(
        f"/archive/review/{publication.id}/unpublish", data={"reason": "Op verzoek"}
    )
    assert response.status_code == 303
    [event] = _audit("archive.unpublished")
    assert (event.actor_id, event.target_id) == (organiser.id, case.id)
    assert event.details == {"reason": "organiser", "remarks": "Op verzoek"}
    page = client.get("/audit?action=archive.unpublished").get_data(as_text=True)
    assert "uit het archief gehaald" in page


def test_withdrawing_consent_unpublishes_everywhere_at_once(
    app, client, login, town, published, find, make_user
):
    case, publication = published
    _author, colleague = town
    reader = make_user(Role.READER)
    assert find(reader, "windmolens").total == 1
    # Also after the network closed: withdrawing consent stays possible.
    archive_services.set_network_closed(make_user(Role.ORGANISER), True)
    login(colleague)
    panel = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Toestemming intrekken" in panel
    response = client.post(f"/cases/{case.id}/archive/withdraw", headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "uit het archief gehaald" in response.get_data(as_text=True)

    db.session.expire_all()
    assert publication.status == PublicationStatus.UNPUBLISHED
    assert publication.consent_at is None
    assert case.visibility == Visibility.NETWORK
    assert [e.action for e in publication.events][-1] == "consent-withdrawn"
    assert _audit("archive.unpublished")[0].details == {"reason": "consent_withdrawn"}
    anonymous = app.test_client()
    assert anonymous.get(f"/archive/{publication.id}").status_code == 404
    assert "Windmolens" not in anonymous.get("/archive").get_data(as_text=True)
    assert "Windmolens" not in anonymous.get("/archive/feed.atom").get_data(as_text=True)
    assert json.loads(anonymous.get("/archive/export.json").data)["cases"] == []
    assert "Windmolens" not in anonymous.get("/archive/export.csv").get_data(as_text=True)
    assert "Windmolens" not in anonymous.get("/archive/search?q=windmolens").get_data(as_text=True)
    assert find(reader, "windmolens").total == 0
    # Still in the network.
    assert find(colleague, "windmolens").total == 1


def test_only_the_municipality_withdraws_consent(client, login, published, make_user):
    case, publication = published
    # Another municipality's participant and an expert may read the case but not do this;
    # a reader may not even read it, so for them it does not exist.
    for user, status in (
        (make_user(), 403),
        (make_user(Role.EXPERT), 403),
        (make_user(Role.READER), 404),
    ):
        login(user)
        assert client.post(f"/cases/{case.id}/archive/withdraw").status_code == status
    db.session.expire_all()
    assert publication.status == PublicationStatus.PUBLISHED


def test_organiser_dashboard_shows_the_review_queue(client, login, organiser, town, make_case):
    author, colleague = town
    waiting = []
    for title in ("Eerst toegestemd", "Later toegestemd"):
        case = make_case(author=author, title=title)
        publication = archive_services.propose(case, author)
        archive_services.record_consent(publication, colleague, "wethouder")
        waiting.append(publication)
    archive_services.propose(make_case(author=author, title="Nog zonder toestemming"), author)
    login(organiser)
    html = client.get("/").get_data(as_text=True)
    queue = html[html.index('id="dashboard-review-queue"') :]
    queue = queue[: queue.index("</ul>")]
    assert queue.index("Eerst toegestemd") < queue.index("Later toegestemd")
    assert f'href="/archive/review/{waiting[0].id}"' in queue
    assert "Nog zonder toestemming" not in queue
