"""The case list's filter lists are kept per worker a while, and never outlive a change long."""

import time

import sqlalchemy as sa

from app.admin.services import save_municipality
from app.extensions import db
from app.models import Dilemma, Municipality, SizeClass
from app.reference import dilemma_choices


def _filter_page(client) -> str:
    return client.get("/cases").get_data(as_text=True)


def test_a_new_municipality_is_in_the_filter_at_once_on_the_worker_that_added_it(
    client, login, make_user
):
    login(make_user())
    assert "Nieuwdorp" not in _filter_page(client)
    save_municipality(None, name="Nieuwdorp", size_class=SizeClass.SMALL, province="Zeeland")
    assert "Nieuwdorp" in _filter_page(client)


def test_a_change_made_elsewhere_shows_within_the_cache_time(
    app, client, login, make_user, monkeypatch
):
    user = make_user()
    login(user)
    old_name = user.municipality.name
    assert old_name in _filter_page(client)
    # As another worker would: committed to the database, unseen by this worker's sessions.
    with db.engine.begin() as connection:
        connection.execute(
            sa.update(Municipality)
            .where(Municipality.id == user.municipality_id)
            .values(name="Hernoemd")
        )
    assert old_name in _filter_page(client)  # kept a while: the point of the cache
    later = app.config["REFERENCE_CACHE_SECONDS"] + 1
    real = time.monotonic
    monkeypatch.setattr("app.reference.time.monotonic", lambda: real() + later)
    page = _filter_page(client)
    assert "Hernoemd" in page and f">{old_name}<" not in page


def test_a_renamed_dilemma_is_labelled_anew_at_once_on_the_worker_that_renamed_it(app):
    """Search facets label dilemmas from these lists too."""
    dilemma = db.session.scalars(sa.select(Dilemma).order_by(Dilemma.number)).first()
    assert (str(dilemma.number), f"{dilemma.number}. {dilemma.title}") in dilemma_choices()
    dilemma.title = "Een nieuwe titel"
    db.session.commit()
    assert (str(dilemma.number), f"{dilemma.number}. Een nieuwe titel") in dilemma_choices()
