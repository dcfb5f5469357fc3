"""Assignments: one response per municipality, conflict detection, visibility after the due date."""

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import AssignmentResponse, Role, Visibility
from tests.factories_network import today_plus


@pytest.fixture
def duo(make_municipality, make_user):
    municipality = make_municipality(name="Duodorp")
    return make_user(municipality=municipality), make_user(municipality=municipality)


def _page(client, assignment) -> str:
    return client.get(f"/assignments/{assignment.id}").get_data(as_text=True)


def test_organiser_sets_assignment(client, login, make_user, make_meeting):
    meeting = make_meeting()
    login(make_user(Role.ORGANISER))
    response = client.post(
        "/assignments/new",
        data={
            "title": "Stakeholderkaart",
            "instructions": "Maak een **kaart**.",
            "meeting": str(meeting.id),
            "due_date": today_plus(14).isoformat(),
        },
    )
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "<strong>kaart</strong>" in page and meeting.title in page


@pytest.mark.parametrize(
    ("role", "status"), [(Role.PARTICIPANT, 403), (Role.EXPERT, 403), (Role.READER, 404)]
)
def test_only_organisers_set_assignments(app, login, make_user, make_assignment, role, status):
    assignment = make_assignment()
    client = login(make_user(role), app.test_client())
    assert client.get("/assignments/new").status_code == status
    assert (
        client.post(f"/assignments/{assignment.id}/edit", data={"title": "x"}).status_code == status
    )


def test_both_duo_members_edit_one_response(app, login, duo, make_assignment, make_case):
    assignment = make_assignment()
    first, second = duo
    case = make_case(author=first)
    one = login(first, app.test_client())
    response = one.post(
        f"/assignments/{assignment.id}/response",
        data={"body": "Eerste versie", "case": str(case.id), "version": "0"},
    )
    assert response.status_code == 303
    two = login(second, app.test_client())
    assert "Eerste versie" in _page(two, assignment)
    two.post(
        f"/assignments/{assignment.id}/response", data={"body": "Tweede versie", "version": "1"}
    )
    responses = db.session.scalars(sa.select(AssignmentResponse)).all()
    assert len(responses) == 1
    assert responses[0].body == "Tweede versie" and responses[0].version == 2


def test_concurrent_edit_is_detected_not_overwritten(app, login, duo, make_assignment):
    assignment = make_assignment()
    first, second = duo
    one, two = login(first, app.test_client()), login(second, app.test_client())
    one.post(f"/assignments/{assignment.id}/response", data={"body": "Basis", "version": "0"})
    # Both open the form at version 1; the first saves, then the second.
    assert (
        one.post(
            f"/assignments/{assignment.id}/response",
            data={"body": "Tekst van lid een", "version": "1"},
        ).status_code
        == 303
    )
    conflict = two.post(
        f"/assignments/{assignment.id}/response",
        data={"body": "Tekst van lid twee", "version": "1"},
    )
    assert conflict.status_code == 409
    page = conflict.get_data(as_text=True)
    assert "intussen ook bewerkt" in page
    assert "Tekst van lid een" in page and "Tekst van lid twee" in page  # both texts are shown
    assert 'name="version" type="hidden" value="2"' in page or 'value="2"' in page
    saved = db.session.scalar(sa.select(AssignmentResponse))
    db.session.refresh(saved)
    assert saved.body == "Tekst van lid een"  # nothing was silently overwritten
    # Resolving: the second member saves a merged text on top of the current version.
    resolved = two.post(
        f"/assignments/{assignment.id}/response", data={"body": "Samengevoegd", "version": "2"}
    )
    assert resolved.status_code == 303
    db.session.refresh(saved)
    assert saved.body == "Samengevoegd" and saved.version == 3


def test_simultaneous_first_save_is_a_conflict(app, login, duo, make_assignment):
    assignment = make_assignment()
    first, second = duo
    login(first, app.test_client()).post(
        f"/assignments/{assignment.id}/response", data={"body": "Ik was eerst", "version": "0"}
    )
    late = login(second, app.test_client()).post(
        f"/assignments/{assignment.id}/response", data={"body": "Ik ook", "version": "0"}
    )
    assert late.status_code == 409 and "Ik was eerst" in late.get_data(as_text=True)


def test_visibility_before_and_after_due_date(app, login, duo, make_user, make_assignment):
    open_assignment = make_assignment(due_date=today_plus(3))
    closed_assignment = make_assignment(due_date=today_plus(-1))
    first, _second = duo
    for assignment in (open_assignment, closed_assignment):
        db.session.add(
            AssignmentResponse(
                assignment=assignment,
                municipality=first.municipality,
                body=f"Antwoord {assignment.id}",
                updated_by=first,
            )
        )
    db.session.commit()
    other = login(make_user(), app.test_client())
    expert = login(make_user(Role.EXPERT), app.test_client())
    organiser = login(make_user(Role.ORGANISER), app.test_client())
    assert f"Antwoord {open_assignment.id}" not in _page(other, open_assignment)
    assert f"Antwoord {open_assignment.id}" not in _page(expert, open_assignment)
    assert f"Antwoord {open_assignment.id}" in _page(organiser, open_assignment)
    assert f"Antwoord {closed_assignment.id}" in _page(other, closed_assignment)
    assert f"Antwoord {closed_assignment.id}" in _page(expert, closed_assignment)


def test_linked_draft_stays_hidden_after_due_date(
    app, login, duo, make_user, make_assignment, make_case
):
    """A response links one of the town's own cases; a draft's title must not reach others."""
    assignment = make_assignment(due_date=today_plus(-1))
    first, _second = duo
    draft = make_case(author=first, title="Concepttitel van Duodorp", visibility=Visibility.DRAFT)
    db.session.add(
        AssignmentResponse(
            assignment=assignment,
            municipality=first.municipality,
            body="Ons antwoord",
            case=draft,
            updated_by=first,
        )
    )
    db.session.commit()
    other = login(make_user(), app.test_client())
    expert = login(make_user(Role.EXPERT), app.test_client())
    organiser = login(make_user(Role.ORGANISER), app.test_client())
    for client in (other, expert):
        page = _page(client, assignment)
        assert "Ons antwoord" in page and "Concepttitel" not in page
        assert f"/cases/{draft.id}" not in page
    assert "Concepttitel van Duodorp" in _page(organiser, assignment)
    assert "Concepttitel van Duodorp" in _page(login(first, app.test_client()), assignment)
    draft.visibility = Visibility.NETWORK
    db.session.commit()
    assert "Concepttitel van Duodorp" in _page(other, assignment)


def test_no_edits_after_due_date(app, login, duo, make_assignment):
    assignment = make_assignment(due_date=today_plus(-1))
    client = login(duo[0], app.test_client())
    assert 'id="response-form"' not in _page(client, assignment)
    response = client.post(
        f"/assignments/{assignment.id}/response", data={"body": "Te laat", "version": "0"}
    )
    assert response.status_code == 409 and "inleverdatum is voorbij" in response.get_data(
        as_text=True
    )
    assert db.session.scalar(sa.select(sa.func.count(AssignmentResponse.id))) == 0


def test_response_cannot_link_another_municipalitys_case(
    app, login, duo, make_assignment, make_case
):
    assignment = make_assignment()
    foreign = make_case(visibility=Visibility.NETWORK)
    client = login(duo[0], app.test_client())
    response = client.post(
        f"/assignments/{assignment.id}/response",
        data={"body": "Tekst", "case": str(foreign.id), "version": "0"},
    )
    assert response.status_code == 422
    assert db.session.scalar(sa.select(sa.func.count(AssignmentResponse.id))) == 0


@pytest.mark.parametrize("role", [Role.EXPERT, Role.ORGANISER])
def test_only_participants_hand_in(app, login, make_user, make_assignment, role):
    assignment = make_assignment()
    client = login(make_user(role), app.test_client())
    response = client.post(
        f"/assignments/{assignment.id}/response", data={"body": "x", "version": "0"}
    )
    assert response.status_code == 403


def test_overviews(app, login, duo, make_municipality, make_user, make_assignment):
    make_municipality(name="Stilledorp")
    assignment = make_assignment(title="Kaart maken", due_date=today_plus(2))
    make_assignment(title="Verlopen opdracht", due_date=today_plus(-5))
    login(duo[0], app.test_client()).post(
        f"/assignments/{assignment.id}/response", data={"body": "Klaar", "version": "0"}
    )
    organiser = login(make_user(Role.ORGANISER), app.test_client())
    overview = _page(organiser, assignment).split('id="hand-in-overview"', 1)[1]
    assert 'Duodorp: <span class="badge badge-ok">ingeleverd' in overview
    assert 'Stilledorp: <span class="badge badge-warn">nog niet' in overview
    participant = login(make_user(), app.test_client())
    mine = (
        participant.get("/assignments").get_data(as_text=True).split('id="open-assignments"', 1)[1]
    )
    mine = mine.split("</section>", 1)[0]
    assert "Kaart maken" in mine and "binnenkort" in mine and "Verlopen opdracht" not in mine
