"""The page cache: repeat views are cheap, and never stale, shared or kept past a change."""

import time

import pytest
import sqlalchemy as sa

from app.content_version import current_token
from app.extensions import db
from app.models import Case, User
from app.search import storage, writer
from tests.test_query_counts import counted_queries


@pytest.fixture
def login(login):
    """Signed in as a browser is: with the CSRF secret the login form already put in the session.

    (A first page that creates that secret changes the session, and is therefore not stored.)
    """

    def _login(user, test_client=None):
        target = login(user, test_client)
        target.get("/privacy")
        return target

    return _login


def _view(client, path: str, **headers) -> tuple[str, int]:
    with counted_queries() as statements:
        response = client.get(path, headers=headers)
    assert response.status_code == 200
    return response.get_data(as_text=True), len(statements)


def test_a_repeat_view_is_served_with_one_query(client, login, make_user, make_case):
    case = make_case(title="Een gesprek in de sporthal")
    login(make_user())
    first, first_queries = _view(client, f"/cases/{case.id}")
    again, again_queries = _view(client, f"/cases/{case.id}")
    assert "Een gesprek in de sporthal" in first
    assert again == first
    assert first_queries > 5
    assert again_queries == 1  # only the content version


def test_reading_pages_leaves_the_content_version_alone(client, login, make_user, make_case):
    case = make_case()
    login(make_user())
    before = current_token()
    for path in ("/", "/cases", f"/cases/{case.id}"):
        client.get(path)
    assert current_token() == before


def test_a_comment_posted_by_someone_else_shows_at_once(app, client, login, make_user, make_case):
    case = make_case()
    login(make_user(municipality=case.municipality))
    _view(client, f"/cases/{case.id}")
    colleague = app.test_client()
    login(make_user(), colleague)
    posted = colleague.post(f"/cases/{case.id}/comments", data={"body": "Herkenbaar verhaal!"})
    assert posted.status_code in (200, 303)
    page, queries = _view(client, f"/cases/{case.id}")
    assert "Herkenbaar verhaal!" in page
    assert queries > 1


def test_a_bulk_update_outside_the_views_shows_at_once(client, login, make_user, make_case):
    case = make_case(title="Oude titel")
    login(make_user())
    assert "Oude titel" in _view(client, "/cases")[0]
    db.session.execute(sa.update(Case).where(Case.id == case.id).values(title="Nieuwe titel"))
    db.session.commit()
    page = _view(client, "/cases")[0]
    assert "Nieuwe titel" in page
    assert "Oude titel" not in page


def test_a_rolled_back_write_keeps_the_version(make_case):
    make_case()
    before = current_token()
    db.session.execute(sa.update(Case).values(title="Nooit bewaard"))
    db.session.rollback()
    db.session.commit()
    assert current_token() == before


def test_another_person_never_gets_a_stored_page(app, client, login, make_user):
    anna, bram = make_user(display_name="Anna Eerste"), make_user(display_name="Bram Tweede")
    other = app.test_client()
    login(anna)
    login(bram, other)
    assert "Anna Eerste" in _view(client, "/cases")[0]
    assert _view(client, "/cases")[1] == 1  # stored, and nothing changed since
    page = _view(other, "/cases")[0]
    assert "Bram Tweede" in page
    assert "Anna Eerste" not in page


def test_a_deactivated_account_gets_no_stored_page(client, login, make_user, make_case):
    case = make_case(title="Alleen voor het netwerk")
    user = make_user()
    login(user)
    assert "Alleen voor het netwerk" in _view(client, f"/cases/{case.id}")[0]
    db.session.execute(sa.update(User).where(User.id == user.id).values(active=False))
    db.session.commit()
    response = client.get(f"/cases/{case.id}")
    assert response.status_code != 200
    assert "Alleen voor het netwerk" not in response.get_data(as_text=True)


def test_an_old_cookie_after_logout_gets_no_stored_page(client, login, make_user, make_case):
    case = make_case(title="Na het uitloggen niet meer")
    login(make_user())
    _view(client, f"/cases/{case.id}")
    with client.session_transaction() as session:
        old_session = dict(session)
    client.post("/logout")
    with client.session_transaction() as session:
        session.update(old_session)
    response = client.get(f"/cases/{case.id}")
    assert response.status_code != 200
    assert "Na het uitloggen niet meer" not in response.get_data(as_text=True)


def test_a_flashed_message_is_shown_once(client, login, make_user, make_case):
    login(make_user())
    with client.session_transaction() as session:
        session["_flashes"] = [("success", "Eenmalige melding.")]
    assert "Eenmalige melding." in _view(client, "/cases")[0]
    assert "Eenmalige melding." not in _view(client, "/cases")[0]


def test_fragment_and_page_are_kept_apart(client, login, make_user, make_case):
    make_case()
    login(make_user())
    page = _view(client, "/cases")[0]
    fragment = _view(client, "/cases", **{"HX-Request": "true"})[0]
    assert "<html" in page
    assert "<html" not in fragment
    assert "<html" in _view(client, "/cases")[0]


def test_entries_expire(app, client, login, make_user, monkeypatch):
    login(make_user())
    _view(client, "/cases")
    clock = time.monotonic()
    monkeypatch.setattr("app.page_cache.time.monotonic", lambda: clock + 3600)
    assert _view(client, "/cases")[1] > 1


def test_switched_off_by_configuration(app, client, login, make_user):
    app.config["PAGE_CACHE_SECONDS"] = 0
    login(make_user())
    _view(client, "/cases")
    assert _view(client, "/cases")[1] > 1


def test_search_results_follow_a_new_case_at_once(client, login, make_user, write_case):
    write_case(title="Eerste casus over de windmolens", situation="windmolens")
    login(make_user())
    assert "Eerste casus" in _view(client, "/search?q=windmolens")[0]
    assert _view(client, "/search?q=windmolens")[1] == 1
    write_case(title="Tweede casus over de windmolens", situation="windmolens")
    page = _view(client, "/search?q=windmolens")[0]
    assert "Eerste casus" in page
    assert "Tweede casus" in page


def test_search_results_are_not_stored_while_the_index_lags(
    client, login, make_user, write_case, monkeypatch
):
    login(make_user())
    monkeypatch.setattr(writer, "apply_pending", lambda *args, **kwargs: 0)
    write_case(title="Nog niet in de index", situation="zonnepanelen")
    monkeypatch.undo()
    # Another process holds the index: this instance's catch-up cannot apply the new case yet.
    client.application.config["SEARCH_CATCH_UP_TIMEOUT"] = 0.05
    with storage.store().write_lock(timeout=1):
        assert "Nog niet in de index" not in _view(client, "/search?q=zonnepanelen")[0]
    assert "Nog niet in de index" in _view(client, "/search?q=zonnepanelen")[0]
