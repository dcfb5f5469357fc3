"""What the results page says besides its hits: a corrected search, partial matches, themes
to try when nothing is found, and a heading that quotes the words once."""

import pytest

from app.models import Role


@pytest.fixture
def expert(make_user):
    return make_user(Role.EXPERT)


def _page(client, login, user, query: str) -> str:
    login(user)
    return client.get("/search", query_string=query).get_data(as_text=True)


def test_a_misspelled_search_shows_the_corrected_results_and_the_way_back(
    write_case, client, login, expert
):
    write_case(title="Huisvesting", summary="Woningen voor statushouders in het dorp.")
    html = _page(client, login, expert, {"q": "statushouers"})
    assert "Resultaten voor <em>statushouders</em>." in html
    assert "Zoek in plaats daarvan naar" in html
    assert "Huisvesting" in html
    assert "as_typed=1" in html and "q=statushouers" in html
    # One click away: the words as typed, with the suggestion offered instead.
    html = _page(client, login, expert, {"q": "statushouers", "as_typed": "1"})
    assert "Resultaten voor" not in html and "Huisvesting" not in html
    assert "Bedoelde je" in html and "statushouders" in html


def test_partial_matches_are_announced(write_case, client, login, expert):
    write_case(title="Zwembad", summary="De sluiting van het zwembad.", themes=["inflatie"])
    html = _page(client, login, expert, {"q": "zwembad sluiting"})
    assert "Geen casus bevat alle woorden" not in html
    html = _page(client, login, expert, {"q": "zwembad carbidschieten"})
    assert "Geen casus bevat alle woorden; dit zijn de beste gedeeltelijke treffers" in html
    assert "Zwembad" in html


def test_nothing_found_offers_the_theme_and_no_filter_advice(write_case, client, login, expert):
    write_case(
        title="Opvang", summary="Een sporthal als noodopvang.", themes=["vluchtelingenopvang"]
    )
    # The theme's description speaks of status holders; no case does ("vergunninghouder"
    # is a synonym, "huisvesting" is not in any case), and no filter was set.
    html = _page(client, login, expert, {"q": "huisvesting"})
    assert "Niets gevonden" in html
    assert "haal een filter weg" not in html
    assert "Vluchtelingenopvang" in html and "theme=vluchtelingenopvang" in html
    assert "Alle casussen per thema bekijken" in html
    html = _page(client, login, expert, {"q": "huisvesting", "theme": "stikstof"})
    assert "haal een filter weg" in html


def test_the_archive_points_to_its_own_themes(write_case, publish, client, login, make_user):
    case = write_case(title="Opvang", summary="Een sporthal.", themes=["vluchtelingenopvang"])
    publish(case)
    html = client.get("/archive/search", query_string={"q": "huisvesting"}).get_data(as_text=True)
    assert "Vluchtelingenopvang" in html
    assert "/archive#browse-theme" in html


def test_the_themes_offered_only_count_readable_cases(write_case, client, login, make_user):
    write_case(title="Concept", summary="Geheim.", themes=["vluchtelingenopvang"], share=False)
    html = _page(client, login, make_user(Role.EXPERT), {"q": "huisvesting"})
    assert "Vluchtelingenopvang" not in html


def test_a_phrase_search_is_quoted_once_in_the_heading(write_case, client, login, expert):
    write_case(title="Online", summary="Over online polarisatie in de wijk.")
    html = _page(client, login, expert, {"q": '"online polarisatie"'})
    assert "voor “online polarisatie”" in html
    assert "“&#34;" not in html and '“"' not in html
    html = _page(client, login, expert, {"q": "online"})
    assert "voor “online”" in html
