import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Municipality, Role, Theme, User


@pytest.fixture
def organiser(make_user, login):
    user = make_user(Role.ORGANISER, email="organisator@example.nl")
    login(user)
    return user


@pytest.mark.parametrize("role", [Role.PARTICIPANT, Role.EXPERT, Role.READER])
def test_admin_is_for_organisers_only(client, login, make_user, role):
    login(make_user(role))
    for url in ("/admin/users", "/admin/municipalities", "/admin/themes", "/admin/users/new"):
        assert client.get(url).status_code == 403


def test_admin_requires_login(client):
    assert client.get("/admin/users").status_code == 302


def test_organiser_creates_a_participant(client, organiser, make_municipality):
    town = make_municipality(name="Kreekzande")
    response = client.post(
        "/admin/users/new",
        data={
            "email": "Nieuw@Kreekzande.example.nl",
            "display_name": "Nieuwe Deelnemer",
            "role": "participant",
            "municipality": str(town.id),
            "job_title": "Beleidsmedewerker",
            "password": "eerste-wachtwoord",
        },
    )
    assert response.status_code == 303
    user = db.session.scalar(sa.select(User).where(User.email == "nieuw@kreekzande.example.nl"))
    assert user.municipality_id == town.id and user.role == Role.PARTICIPANT


def test_participant_without_municipality_is_refused(client, organiser):
    response = client.post(
        "/admin/users/new",
        data={
            "email": "los@example.nl",
            "display_name": "Zonder Gemeente",
            "role": "participant",
            "municipality": "",
            "password": "eerste-wachtwoord",
        },
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Een deelnemer hoort bij een gemeente." in page
    assert 'value="Zonder Gemeente"' in page


def test_duplicate_email_is_refused_case_insensitively(client, organiser, make_user):
    make_user(email="dubbel@example.nl")
    response = client.post(
        "/admin/users/new",
        data={
            "email": "DUBBEL@example.nl",
            "display_name": "Tweede",
            "role": "expert",
            "municipality": "",
            "password": "eerste-wachtwoord",
        },
    )
    assert response.status_code == 422
    assert "Er bestaat al een account met dit e-mailadres." in response.get_data(as_text=True)


def test_invalid_email_and_short_password(client, organiser):
    response = client.post(
        "/admin/users/new",
        data={"email": "geen-adres", "display_name": "X", "role": "expert", "password": "kort"},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Dit is geen geldig e-mailadres." in page
    assert "Een wachtwoord heeft minstens 10 tekens." in page


def test_organiser_deactivates_a_user(client, organiser, make_user):
    user = make_user()
    response = client.post(
        f"/admin/users/{user.id}/edit",
        data={
            "email": user.email,
            "display_name": user.display_name,
            "role": "participant",
            "municipality": str(user.municipality_id),
            "password": "",
        },
    )
    assert response.status_code == 303
    db.session.refresh(user)
    assert user.active is False


def test_organiser_cannot_demote_themselves(client, organiser):
    response = client.post(
        f"/admin/users/{organiser.id}/edit",
        data={
            "email": organiser.email,
            "display_name": organiser.display_name,
            "role": "expert",
            "municipality": "",
            "active": "y",
        },
    )
    assert response.status_code == 422
    db.session.refresh(organiser)
    assert organiser.role == Role.ORGANISER


def test_user_list_shows_everyone(client, organiser, make_user):
    make_user(display_name="Iemand Anders")
    page = client.get("/admin/users").get_data(as_text=True)
    assert "Iemand Anders" in page and "organisator@example.nl" in page


def test_organiser_manages_municipalities(client, organiser):
    response = client.post(
        "/admin/municipalities/new",
        data={"name": "Wolderum", "size_class": "small", "province": "Groningen"},
    )
    assert response.status_code == 303
    town = db.session.scalar(sa.select(Municipality).where(Municipality.name == "Wolderum"))
    response = client.post(
        f"/admin/municipalities/{town.id}/edit",
        data={"name": "Wolderum", "size_class": "medium", "province": "Groningen"},
    )
    db.session.refresh(town)
    assert town.size_class.value == "medium"
    duplicate = client.post(
        "/admin/municipalities/new",
        data={"name": "Wolderum", "size_class": "small", "province": "Groningen"},
    )
    assert duplicate.status_code == 422
    assert "Er bestaat al een gemeente met deze naam." in duplicate.get_data(as_text=True)
    bad = client.post(
        "/admin/municipalities/new",
        data={"name": "X", "size_class": "reus", "province": "Atlantis"},
    )
    assert bad.status_code == 422


def test_organiser_adds_and_edits_themes(client, organiser):
    response = client.post(
        "/admin/themes/new",
        data={"name": "Boerenprotest & platteland", "slug": "", "description": "Nieuw thema"},
    )
    assert response.status_code == 303
    theme = db.session.scalar(sa.select(Theme).where(Theme.slug == "boerenprotest-platteland"))
    assert theme is not None
    client.post(
        f"/admin/themes/{theme.id}/edit",
        data={"name": "Platteland", "slug": "platteland", "description": ""},
    )
    db.session.refresh(theme)
    assert theme.slug == "platteland"
    clash = client.post(
        "/admin/themes/new", data={"name": "Stikstof 2", "slug": "stikstof", "description": ""}
    )
    assert clash.status_code == 422
    assert "Er bestaat al een thema met deze korte naam." in clash.get_data(as_text=True)


def test_new_theme_appears_in_case_form_and_overview(client, organiser, make_user, login):
    client.post("/admin/themes/new", data={"name": "Energiearmoede", "slug": "", "description": ""})
    login(make_user())
    assert "Energiearmoede" in client.get("/cases/new").get_data(as_text=True)
    assert "Energiearmoede" in client.get("/themes").get_data(as_text=True)
