import re
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Case, CaseStatus, Dilemma, PolarisationKind, Role, Theme, Visibility

HTMX = {"HX-Request": "true"}


def _theme(slug: str) -> Theme:
    return db.session.scalar(sa.select(Theme).where(Theme.slug == slug))


def _case_form(**overrides):
    data = {
        "title": "Spanningen rond de nieuwe azc-locatie",
        "themes": [_theme("vluchtelingenopvang").id],
        "polarisation_kind": "both",
        "dilemmas": [db.session.scalar(sa.select(Dilemma.id).where(Dilemma.number == 1))],
        "status": "in_progress",
        "summary": "Een **informatieavond** liep uit de hand.",
        "situation": "De gemeente kondigde een azc aan.",
        "stakeholders": "- omwonenden\n- COA",
        "approach": "Keukentafelgesprekken.",
        "question": "Hoe herstel je het gesprek?",
        "outcome": "",
        "action": "draft",
    }
    data.update(overrides)
    return data


@pytest.fixture
def participant(make_user, make_municipality):
    return make_user(municipality=make_municipality(name="Veenhoven"))


def test_new_case_saved_as_draft(client, login, participant):
    login(participant)
    response = client.post("/cases/new", data=_case_form())
    assert response.status_code == 303
    case = db.session.scalar(sa.select(Case))
    assert case.visibility == Visibility.DRAFT
    assert case.municipality_id == participant.municipality_id
    assert case.author_id == participant.id
    assert case.polarisation_kind == PolarisationKind.BOTH
    assert case.status == CaseStatus.IN_PROGRESS
    assert [t.slug for t in case.themes] == ["vluchtelingenopvang"]
    assert [d.number for d in case.dilemmas] == [1]
    assert case.shared_at is None
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "opgeslagen als concept" in page
    assert "<strong>informatieavond</strong>" in page


def test_new_case_shared_with_network(client, login, participant):
    login(participant)
    client.post("/cases/new", data=_case_form(action="share"))
    case = db.session.scalar(sa.select(Case))
    assert case.visibility == Visibility.NETWORK
    assert case.shared_at is not None


def test_sharing_a_draft_later(client, login, participant, make_case):
    case = make_case(author=participant, visibility=Visibility.DRAFT)
    login(participant)
    response = client.post(f"/cases/{case.id}/edit", data=_case_form(action="share"))
    assert response.status_code == 303
    db.session.refresh(case)
    assert case.visibility == Visibility.NETWORK


def test_mass_assignment_of_municipality_and_visibility_is_ignored(
    client, login, participant, make_municipality
):
    other = make_municipality(name="Elders")
    login(participant)
    client.post(
        "/cases/new",
        data=_case_form(municipality_id=other.id, visibility="archive", author_id=999),
    )
    case = db.session.scalar(sa.select(Case))
    assert case.municipality_id == participant.municipality_id
    assert case.visibility == Visibility.DRAFT
    assert case.author_id == participant.id


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"title": ""}, "Geef de casus een titel."),
        ({"title": "abc"}, "Een titel heeft 5 tot 200 tekens."),
        ({"themes": []}, "Kies minstens één thema."),
        ({"themes": [99999]}, "Kies alleen uit de getoonde mogelijkheden."),
        ({"polarisation_kind": ""}, "Kies verticaal, horizontaal of beide."),
        ({"polarisation_kind": "diagonaal"}, "Ongeldige keuze."),
        ({"summary": "   "}, "Vul &#39;Samenvatting&#39; in."),
        ({"question": ""}, "Vul &#39;Leervraag&#39; in."),
        ({"situation": "x" * 20_001}, "Maximaal 20.000 tekens."),
    ],
)
def test_invalid_case_comes_back_filled_in(client, login, participant, overrides, message):
    login(participant)
    data = _case_form(**overrides)
    response = client.post("/cases/new", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in page
    assert "De casus is nog niet opgeslagen" in page
    # What the user typed is still there.
    if overrides.get("title", "x") != "":
        assert data["title"] in page
    assert "Keukentafelgesprekken." in page
    assert db.session.scalar(sa.select(sa.func.count(Case.id))) == 0


def test_invalid_polarisation_kind_does_not_500(client, login, participant):
    login(participant)
    response = client.post("/cases/new", data=_case_form(status="onzin"))
    assert response.status_code == 422


def test_edit_form_is_prefilled(client, login, participant, make_case):
    case = make_case(author=participant, title="Hangjongeren bij het winkelcentrum")
    login(participant)
    page = client.get(f"/cases/{case.id}/edit").get_data(as_text=True)
    assert 'value="Hangjongeren bij het winkelcentrum"' in page
    theme_id = case.themes[0].id
    assert f'value="{theme_id}" checked' in page or 'checked id="themes-' in page


def test_network_case_edit_offers_plain_save(client, login, participant, make_case):
    case = make_case(author=participant, visibility=Visibility.NETWORK)
    login(participant)
    page = client.get(f"/cases/{case.id}/edit").get_data(as_text=True)
    assert "Delen met het netwerk" not in page
    assert 'value="save"' in page


def test_preview_renders_sanitised_markdown(client, login, participant):
    login(participant)
    response = client.post(
        "/cases/preview?field=situation",
        data={"situation": "**vet** <script>alert(1)</script>"},
        headers=HTMX,
    )
    page = response.get_data(as_text=True)
    assert "<strong>vet</strong>" in page
    assert "<script>" not in page


def test_preview_refuses_unknown_field(client, login, participant):
    login(participant)
    response = client.post("/cases/preview?field=password_hash", data={}, headers=HTMX)
    assert response.status_code == 400


def test_case_list_filters_and_fragment(client, login, participant, make_case, make_user):
    other = make_user()
    make_case(author=participant, title="Casus over jongeren in Veenhoven")
    make_case(
        author=other,
        title="Casus over windmolens elders",
        themes=[_theme("windmolens")],
        polarisation_kind=PolarisationKind.VERTICAL,
    )
    login(participant)
    full = client.get("/cases")
    assert "<html" in full.get_data(as_text=True)
    assert "HX-Request" in full.headers["Vary"]

    fragment = client.get("/cases?theme=windmolens", headers=HTMX)
    text = fragment.get_data(as_text=True)
    assert "<html" not in text
    assert 'id="case-results"' in text
    assert "windmolens elders" in text
    assert "jongeren in Veenhoven" not in text

    # The same URL without htmx renders the whole page with the same results.
    page = client.get("/cases?theme=windmolens").get_data(as_text=True)
    assert "<html" in page and "windmolens elders" in page and "jongeren in Veenhoven" not in page

    by_kind = client.get("/cases?kind=vertical", headers=HTMX).get_data(as_text=True)
    assert "windmolens elders" in by_kind and "Veenhoven" not in by_kind
    by_town = client.get(
        f"/cases?municipality={participant.municipality_id}", headers=HTMX
    ).get_data(as_text=True)
    assert "jongeren in Veenhoven" in by_town and "windmolens elders" not in by_town


def test_boosted_and_history_restore_requests_get_the_full_page(client, login, participant):
    login(participant)
    for headers in (
        {"HX-Request": "true", "HX-Boosted": "true"},
        {"HX-Request": "true", "HX-History-Restore-Request": "true"},
    ):
        assert "<html" in client.get("/cases", headers=headers).get_data(as_text=True)


def test_unknown_filter_values_are_reported_not_fatal(client, login, participant):
    login(participant)
    response = client.get("/cases?theme=bestaat-niet&kind=<script>&municipality=abc&page=-4")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Onbekende keuze; dit filter is niet toegepast." in page
    assert "<script>" not in page


def test_case_list_paginates(client, login, participant, make_case, app):
    app.config["CASES_PER_PAGE"] = 5
    for number in range(12):
        make_case(author=participant, title=f"Genummerde casus {number:02d}")
    login(participant)
    first = client.get("/cases").get_data(as_text=True)
    assert "12 casussen" in first and "pagina 1 van 3" in first
    third = client.get("/cases?page=3").get_data(as_text=True)
    assert third.count('class="case-card"') == 2
    beyond = client.get("/cases?page=99")
    assert beyond.status_code == 200


def test_case_list_pages_follow_recent_activity_with_each_cases_counts(
    client, login, participant, make_case, make_comment, app
):
    app.config["CASES_PER_PAGE"] = 3
    start = datetime(2026, 3, 1, 9, 0)
    cases = [make_case(author=participant, title=f"Activiteit {number}") for number in range(7)]
    for number, case in enumerate(cases):
        case.updated_at = start + timedelta(days=(number * 5) % 7)  # a shuffled order
    db.session.commit()
    make_comment(case=cases[4])
    make_comment(case=cases[4])
    login(participant)
    newest_first = [case.title for case in sorted(cases, key=lambda case: case.updated_at)][::-1]
    titles = []
    for page in (1, 2, 3):
        html = client.get(f"/cases?page={page}").get_data(as_text=True)
        titles += re.findall(r"Activiteit \d", html)
        if "Activiteit 4" in html:
            assert (
                html.count("2 reacties") == 1
                and html.count("0 reacties") == html.count('class="case-card"') - 1
            )
    assert titles == newest_first


def test_municipality_page_shows_duo_and_cases(client, login, participant, make_user, make_case):
    colleague = make_user(municipality=participant.municipality, display_name="Tweede Helft")
    case = make_case(author=participant)
    login(colleague)
    page = client.get(f"/municipalities/{participant.municipality_id}").get_data(as_text=True)
    assert participant.display_name in page and "Tweede Helft" in page
    assert case.title in page


def test_home_dashboard(client, login, participant, make_case, make_user, make_reflection):
    shared = make_case(author=make_user(), title="Gedeelde casus elders")
    draft = make_case(author=participant, visibility=Visibility.DRAFT, title="Ons eigen concept")
    make_reflection(shared)
    login(participant)
    page = client.get("/").get_data(as_text=True)
    assert shared.title in page and draft.title in page
    assert "Recente reflecties" in page


@pytest.mark.parametrize("role", [Role.READER, None])
def test_home_for_reader_and_anonymous_shows_no_cases(client, login, make_user, make_case, role):
    case = make_case()
    if role:
        login(make_user(role))
    page = client.get("/").get_data(as_text=True)
    assert case.title not in page
    assert "Welkom bij Casusplein" in page


def test_missing_case_is_404_in_dutch(client, login, participant):
    login(participant)
    response = client.get("/cases/424242")
    assert response.status_code == 404
    assert "Niet gevonden" in response.get_data(as_text=True)
