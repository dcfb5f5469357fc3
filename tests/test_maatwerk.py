"""Maatwerk: the separate intake, the maximum of three, and who may see the werksessies."""

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import MaatwerkStatus, MaatwerkTrack, Role, WorkSession


@pytest.fixture
def organiser(make_user):
    return make_user(Role.ORGANISER)


def _select(client, track, status="selected"):
    return client.post(
        f"/maatwerk/{track.id}", data={"status": status, "intake_at": "", "notes": "Goede match."}
    )


def test_intake_selection_creates_two_work_sessions(client, login, organiser, make_municipality):
    municipality = make_municipality(name="Maatdorp")
    login(organiser)
    assert (
        client.post("/maatwerk/add", data={"municipality": str(municipality.id)}).status_code == 303
    )
    track = db.session.scalar(sa.select(MaatwerkTrack))
    assert track.status == MaatwerkStatus.NEW
    assert (
        client.post(
            f"/maatwerk/{track.id}",
            data={"status": "planned", "intake_at": "2030-03-01T09:00", "notes": ""},
        ).status_code
        == 303
    )
    assert _select(client, track).status_code == 303
    db.session.refresh(track)
    assert track.status == MaatwerkStatus.SELECTED
    assert [s.number for s in track.work_sessions] == [1, 2]
    session = track.work_sessions[0]
    response = client.post(
        f"/maatwerk/sessions/{session.id}/edit",
        data={
            "date": "2030-04-01",
            "place": "Dorpshuis",
            "partners": "Wijkteam, politie",
            "aims": "Samen kijken",
            "report": "",
        },
    )
    assert response.status_code == 303
    page = client.get(f"/maatwerk/{track.id}").get_data(as_text=True)
    assert "Wijkteam, politie" in page and "Dorpshuis" in page


def test_at_most_three_selected(app, client, login, organiser, make_municipality):
    login(organiser)
    tracks = []
    for _ in range(4):
        track = MaatwerkTrack(municipality=make_municipality())
        db.session.add(track)
        tracks.append(track)
    db.session.commit()
    for track in tracks[:3]:
        assert _select(client, track).status_code == 303
    refused = _select(client, tracks[3])
    assert refused.status_code == 422
    assert "al 3 gemeenten geselecteerd" in refused.get_data(as_text=True)
    db.session.refresh(tracks[3])
    assert tracks[3].status == MaatwerkStatus.NEW
    assert db.session.scalar(sa.select(sa.func.count(WorkSession.id))) == 6


def test_visible_to_own_municipality_experts_and_organisers_only(
    app, login, make_user, make_municipality
):
    own = make_municipality(name="Eigen")
    track = MaatwerkTrack(municipality=own, status=MaatwerkStatus.SELECTED, notes="Interne notitie")
    track.work_sessions.append(WorkSession(number=1, aims="Geheim doel"))
    db.session.add(track)
    db.session.commit()
    session_id = track.work_sessions[0].id
    expected = {
        make_user(municipality=own): 200,
        make_user(): 404,
        make_user(Role.EXPERT): 200,
        make_user(Role.ORGANISER): 200,
        make_user(Role.READER): 404,
    }
    for user, status in expected.items():
        client = login(user, app.test_client())
        response = client.get(f"/maatwerk/{track.id}")
        assert response.status_code == status, user.role
        listing = client.get("/maatwerk").get_data(as_text=True)
        assert ("Eigen" in listing) == (status == 200 and user.role != Role.READER)
        if status == 200:
            assert "Geheim doel" in response.get_data(as_text=True)
            # Intake notes are for organisers only.
            assert ("Interne notitie" in response.get_data(as_text=True)) == (
                user.role == Role.ORGANISER
            )
    assert app.test_client().get(f"/maatwerk/{track.id}").status_code == 302
    participant = login(make_user(municipality=own), app.test_client())
    assert participant.get(f"/maatwerk/sessions/{session_id}/edit").status_code == 403
    assert participant.post(f"/maatwerk/{track.id}", data={"status": "selected"}).status_code == 403
    outsider = login(make_user(), app.test_client())
    assert outsider.get(f"/maatwerk/sessions/{session_id}/edit").status_code == 404


def test_maximum_is_configurable(app, client, login, organiser, make_municipality):
    app.config["MAATWERK_MAX_MUNICIPALITIES"] = 1
    login(organiser)
    first, second = (
        MaatwerkTrack(municipality=make_municipality()),
        MaatwerkTrack(municipality=make_municipality()),
    )
    db.session.add_all([first, second])
    db.session.commit()
    assert _select(client, first).status_code == 303
    assert _select(client, second).status_code == 422
