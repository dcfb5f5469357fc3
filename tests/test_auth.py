import pytest

from app.extensions import db
from app.models import Role
from tests.factories import PASSWORD


def test_login_with_valid_credentials_redirects_home(client, make_user):
    user = make_user(email="anne@veenhoven.example.nl")
    response = client.post(
        "/login", data={"email": "Anne@Veenhoven.example.nl ", "password": PASSWORD}
    )
    assert response.status_code == 303
    assert response.headers["Location"] == "/"
    page = client.get("/").get_data(as_text=True)
    assert user.display_name in page


def test_wrong_password_shows_dutch_error_and_keeps_email(client, make_user):
    make_user(email="anne@veenhoven.example.nl")
    response = client.post(
        "/login", data={"email": "anne@veenhoven.example.nl", "password": "verkeerd-wachtwoord"}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Onjuist e-mailadres of wachtwoord" in page
    assert 'value="anne@veenhoven.example.nl"' in page


def test_unknown_email_gets_the_same_message(client):
    response = client.post("/login", data={"email": "niemand@example.nl", "password": PASSWORD})
    assert response.status_code == 422
    assert "Onjuist e-mailadres of wachtwoord" in response.get_data(as_text=True)


def test_inactive_user_cannot_log_in(client, make_user):
    make_user(email="oud@example.nl", active=False)
    response = client.post("/login", data={"email": "oud@example.nl", "password": PASSWORD})
    assert response.status_code == 422


def test_deactivated_user_with_old_cookie_is_signed_out(client, login, make_user, app):
    user = make_user()
    login(user)
    assert client.get("/cases").status_code == 200
    user.active = False
    db.session.commit()
    response = client.get("/cases")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example.com/",
        "//evil.example.com/",
        "/\\evil.example.com",
        "http:/evil.example.com",
        "javascript:alert(1)",
        "/\x0d//evil.example.com",
    ],
)
def test_next_parameter_refuses_other_sites(client, make_user, target):
    make_user(email="anne@veenhoven.example.nl")
    response = client.post(
        "/login",
        data={"email": "anne@veenhoven.example.nl", "password": PASSWORD, "next": target},
    )
    assert response.status_code == 303
    assert response.headers["Location"] == "/"


def test_next_parameter_allows_local_path(client, make_user):
    make_user(email="anne@veenhoven.example.nl")
    response = client.post(
        "/login",
        data={"email": "anne@veenhoven.example.nl", "password": PASSWORD, "next": "/cases?theme=x"},
    )
    assert response.headers["Location"] == "/cases?theme=x"


def test_login_page_carries_next_from_query(client):
    page = client.get("/login?next=/cases").get_data(as_text=True)
    assert 'value="/cases"' in page


def test_protected_page_redirects_anonymous_to_login_with_next(client):
    response = client.get("/cases")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_logout_is_a_post(client, login, make_user):
    login(make_user())
    assert client.get("/logout").status_code == 405
    response = client.post("/logout")
    assert response.status_code == 303
    assert client.get("/cases").status_code == 302


def test_change_password(client, login, make_user):
    user = make_user(email="wissel@example.nl")
    login(user)
    response = client.post(
        "/account/password",
        data={
            "current_password": PASSWORD,
            "new_password": "een-nieuw-wachtwoord",
            "confirm_password": "een-nieuw-wachtwoord",
        },
    )
    assert response.status_code == 303
    client.post("/logout")
    ok = client.post(
        "/login", data={"email": "wissel@example.nl", "password": "een-nieuw-wachtwoord"}
    )
    assert ok.status_code == 303


def test_change_password_rejects_wrong_current_password(client, login, make_user):
    login(make_user())
    response = client.post(
        "/account/password",
        data={
            "current_password": "niet-het-goede",
            "new_password": "een-nieuw-wachtwoord",
            "confirm_password": "een-nieuw-wachtwoord",
        },
    )
    assert response.status_code == 422
    assert "Je huidige wachtwoord klopt niet." in response.get_data(as_text=True)


def test_passwords_are_stored_with_argon2(make_user):
    user = make_user(role=Role.EXPERT)
    assert user.password_hash.startswith("$argon2id$")
