"""The archive as a knowledge portal: browse by theme with what the network learned, by
dilemma and by kind; an archived case shows its public methods. Published content only."""

import pytest

from app.archive import services as archive_services
from app.extensions import db
from app.models import Method, Role
from app.reflections.services import add_reflection


@pytest.fixture
def town(make_user, make_municipality):
    municipality = make_municipality(name="Rivierstad")
    return make_user(municipality=municipality), make_user(municipality=municipality)


@pytest.fixture
def expert(make_user):
    return make_user(Role.EXPERT, organisation="Movisie")


@pytest.fixture
def published(town, expert, write_case, publish):
    author, _ = town
    case = write_case(
        author=author,
        title="Ophef over de noodopvang",
        themes=["vluchtelingenopvang"],
        outcome="- Kleine tafels in plaats van een zaal met een panel.\n- Eerlijk zijn.",
    )
    consented = add_reflection(
        case, expert, "Een reflectie.", "- Maak je eigen handelingsruimte zichtbaar.\n- Nog iets."
    )
    add_reflection(case, expert, "Tweede reflectie.", "- Een les zonder toestemming.")
    archive_services.set_reflection_consent(consented, expert, True)
    public = Method(name="Dialoogtafel", summary="Gesprek in kleine kring.", author=expert)
    public.is_public = True
    internal = Method(name="Intern draaiboek", summary="Alleen voor het netwerk.", author=expert)
    case.methods = [public, internal]
    db.session.commit()
    return publish(case)


def test_landing_explains_itself_and_puts_search_first(client, published):
    html = client.get("/archive").get_data(as_text=True)
    assert html.index('role="search"') < html.index('id="browse-theme"')
    assert "vrij te gebruiken" in html


def test_theme_shows_its_description_and_what_the_network_learned(client, published):
    html = client.get("/archive").get_data(as_text=True)
    theme_part = html[html.index('id="browse-theme"') : html.index('id="browse-dilemma"')]
    assert "Vluchtelingenopvang" in theme_part
    assert "statushouders" in theme_part.lower()  # the theme's description
    assert "Maak je eigen handelingsruimte zichtbaar." in theme_part
    assert "Kleine tafels in plaats van een zaal met een panel." in theme_part
    # A reflection whose expert did not consent never reaches the public page.
    assert "Een les zonder toestemming." not in html
    assert "Volg dit thema via RSS/Atom" in theme_part


def test_kinds_and_dilemma_questions_are_explained(client, published):
    html = client.get("/archive").get_data(as_text=True)
    kind_part = html[html.index('id="browse-kind"') :]
    assert "Wij-zij-denken" in kind_part or "Wantrouwen" in kind_part


def test_archived_case_lists_only_its_public_methods(client, published):
    html = client.get(f"/archive/{published.id}").get_data(as_text=True)
    assert "Gebruikte methodieken en interventies" in html
    assert "Dialoogtafel" in html
    assert "Intern draaiboek" not in html


def test_anonymous_home_leads_to_the_archive(client, published):
    html = client.get("/").get_data(as_text=True)
    assert 'action="/archive/search"' in html
    assert 'href="/archive#browse-theme"' in html
    assert "Vluchtelingenopvang" in html


def test_home_without_a_public_archive_offers_no_archive_search(app, client):
    app.config["ARCHIVE_PUBLIC"] = False
    html = client.get("/").get_data(as_text=True)
    assert 'action="/archive/search"' not in html
