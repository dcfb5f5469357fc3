"""The methods library: curation, linking to cases and reflections, and the method page."""

from contextlib import contextmanager

import pytest
import sqlalchemy as sa

from app import events
from app.extensions import db
from app.models import Method, Role, Visibility


@contextmanager
def recorded(signal):
    seen = []

    def _receiver(sender, action):
        seen.append((sender.name, action, db.session().in_transaction()))

    signal.connect(_receiver)
    try:
        yield seen
    finally:
        signal.disconnect(_receiver)


def _method_data(**overrides) -> dict:
    data = {
        "name": "Dialoogtafel",
        "summary": "Een gesprek in kleine kring.",
        "when_useful": "Als een zaalavond polariseert.",
        "polarisation_kind": "horizontal",
        "how_to": "1. Nodig gericht uit",
        "sources": "https://www.movisie.nl Movisie",
        "is_public": "y",
    }
    data.update(overrides)
    return data


def test_expert_curates_and_event_is_sent(client, login, make_user):
    login(make_user(Role.EXPERT))
    with recorded(events.method_changed) as seen:
        response = client.post("/methods/new", data=_method_data())
        assert response.status_code == 303
        method = db.session.scalar(sa.select(Method))
        client.post(f"/methods/{method.id}/edit", data=_method_data(summary="Anders."))
        client.post(f"/methods/{method.id}/delete", data={"reason": "Dubbel"})
    assert [(name, action) for name, action, _tx in seen] == [
        ("Dialoogtafel", "created"),
        ("Dialoogtafel", "updated"),
        ("Dialoogtafel", "deleted"),
    ]
    assert all(in_tx for _n, _a, in_tx in seen)
    assert db.session.scalar(sa.select(sa.func.count(Method.id))) == 0


def test_method_validation(client, login, make_user, make_method):
    make_method(name="Bestaand")
    login(make_user(Role.ORGANISER))
    bad_source = client.post("/methods/new", data=_method_data(sources="geen link"))
    assert bad_source.status_code == 422 and "begint met een link" in bad_source.get_data(
        as_text=True
    )
    duplicate = client.post("/methods/new", data=_method_data(name="Bestaand"))
    assert duplicate.status_code == 422 and "bestaat al" in duplicate.get_data(as_text=True)


@pytest.mark.parametrize(("role", "status"), [(Role.PARTICIPANT, 403), (Role.READER, 403)])
def test_participants_do_not_curate(app, login, make_user, make_method, role, status):
    method = make_method()
    client = login(make_user(role), app.test_client())
    assert client.get("/methods/new").status_code == status
    assert client.post(f"/methods/{method.id}/delete").status_code == status
    assert db.session.get(Method, method.id) is not None


def test_readers_do_not_see_library(app, login, make_user, make_method):
    method = make_method()
    reader = login(make_user(Role.READER), app.test_client())
    assert reader.get("/methods").status_code == 404
    assert reader.get(f"/methods/{method.id}").status_code == 404


def test_case_links_method_and_method_page_lists_case(
    app, login, make_user, make_case, make_method
):
    author = make_user()
    case = make_case(author=author, title="Spanning in de Spoorwijk")
    method = make_method(name="Sleutelfiguren")
    client = login(author, app.test_client())
    response = client.post(
        f"/cases/{case.id}/methods", data={"method": str(method.id)}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert 'id="case-methods"' in response.get_data(as_text=True)
    assert "Sleutelfiguren" in client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Spanning in de Spoorwijk" in client.get(f"/methods/{method.id}").get_data(as_text=True)
    # Someone from another municipality may read the case but not change its links.
    other = login(make_user(), app.test_client())
    assert other.post(f"/cases/{case.id}/methods/{method.id}/unlink").status_code == 403
    client.post(f"/cases/{case.id}/methods/{method.id}/unlink")
    db.session.refresh(case)
    assert case.methods == []


def test_method_page_hides_unreadable_cases(app, login, make_user, make_case, make_method):
    method = make_method()
    draft = make_case(title="Geheim concept", visibility=Visibility.DRAFT)
    draft.methods.append(method)
    db.session.commit()
    other = login(make_user(), app.test_client())
    assert "Geheim concept" not in other.get(f"/methods/{method.id}").get_data(as_text=True)
    own = login(make_user(municipality=draft.municipality), app.test_client())
    assert "Geheim concept" in own.get(f"/methods/{method.id}").get_data(as_text=True)


def test_reflection_links_methods(app, login, make_user, make_case, make_method):
    case = make_case(title="Noodopvang in de sporthal")
    method = make_method(name="Dialoogtafel")
    expert = login(make_user(Role.EXPERT), app.test_client())
    response = expert.post(
        f"/cases/{case.id}/reflections",
        data={"body": "Probeer kleine tafels.", "methods": [str(method.id)]},
    )
    assert response.status_code == 303
    case_page = expert.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Aangereikte methodieken" in case_page
    method_page = expert.get(f"/methods/{method.id}").get_data(as_text=True)
    assert "Noodopvang in de sporthal" in method_page.split('id="method-reflections"', 1)[1]


def test_filters(client, login, make_user, make_method, make_case):
    theme = make_case().themes[0]
    make_method(name="Jongerenaanpak", themes=[theme])
    make_method(name="Iets anders")
    login(make_user())
    page = client.get(f"/methods?theme={theme.slug}").get_data(as_text=True)
    assert "Jongerenaanpak" in page and "Iets anders" not in page
    assert client.get("/methods?theme=bestaat-niet").status_code == 200
