"""The privacyverklaring: public, linked from every page, and about what Casusplein stores."""

import pytest

from app.models import Role


def test_anonymous_visitors_read_the_privacy_statement(client):
    response = client.get("/privacy")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<h1>Privacyverklaring</h1>" in html
    for topic in (
        "Zoekfunctie",
        "Grondslag",
        "logboek",
        "Cookies",
        "Back-ups",
        "register",
        "Hoe lang",
    ):
        assert topic in html
    assert "30 minuten zonder activiteit" in html  # the configured idle timeout


@pytest.mark.parametrize("role", [None, Role.PARTICIPANT, Role.READER])
def test_footer_links_the_privacy_statement(client, login, make_user, role):
    if role is not None:
        login(make_user(role))
    page = client.get("/archive").get_data(as_text=True)
    footer = page[page.index("<footer") :]
    assert 'href="/privacy"' in footer
