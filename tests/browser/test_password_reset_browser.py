"""In a real browser: a new user who forgot their password gets back in by themselves.

Its own live server (one account that never signed in) with the mail worker beside it, as
`make run` has; the link is read from the outbox the worker writes.
"""

import re
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect
from werkzeug.serving import make_server

from app.admin.services import create_user
from app.extensions import db
from app.models import Role
from tests.conftest import _app_for
from tests.factories_network import body_text, mail_worker, wait_for_mail

EMAIL = "nieuw@waddenstad.example.nl"
OLD_PASSWORD = "vergeten-wachtwoord-42"
NEW_PASSWORD = "Zonnebloem-Regen-73"


@pytest.fixture
def live(tmp_path, database_uri) -> Iterator[tuple[str, Path]]:
    server_app = _app_for(tmp_path, SQLALCHEMY_DATABASE_URI=database_uri, WTF_CSRF_ENABLED=True)
    with server_app.app_context():
        create_user(email=EMAIL, display_name="Wies Nieuw", role=Role.EXPERT, password=OLD_PASSWORD)
        db.session.remove()
    server = make_server("127.0.0.1", 0, server_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with mail_worker(server_app):
            yield f"http://127.0.0.1:{server.server_port}", tmp_path
    finally:
        server.shutdown()
        thread.join(timeout=5)
        with server_app.app_context():
            db.engine.dispose()


def test_a_forgotten_password_is_replaced_through_the_mailed_link(live, browser: Browser):
    url, instance = live
    context = browser.new_context(base_url=url, locale="nl-NL")
    try:
        page = context.new_page()
        page.goto("/login")
        page.get_by_role("link", name="Wachtwoord vergeten?").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Wachtwoord vergeten?")
        page.get_by_label("E-mailadres").fill(EMAIL)
        page.get_by_role("button", name="Stuur mij een link").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Kijk in je e-mail")
        expect(page.locator("#reset-requested")).to_contain_text("Als er een account")

        message = wait_for_mail(instance, EMAIL, "nieuw wachtwoord")
        link = re.search(r"http://\S+(/login/reset/[\w-]+)", body_text(message)).group(1)
        page.goto(link)
        expect(page.get_by_role("heading", level=1)).to_have_text("Kies een nieuw wachtwoord")
        page.get_by_label("Nieuw wachtwoord", exact=True).fill("wachtwoord123")
        page.get_by_label("Herhaal nieuw wachtwoord").fill("wachtwoord123")
        page.get_by_role("button", name="Wachtwoord opslaan").click()
        expect(page.locator(".field-errors")).to_contain_text("veelgebruikte of uitgelekte")

        page.get_by_label("Nieuw wachtwoord", exact=True).fill(NEW_PASSWORD)
        page.get_by_label("Herhaal nieuw wachtwoord").fill(NEW_PASSWORD)
        page.get_by_role("button", name="Wachtwoord opslaan").click()
        expect(page.get_by_text("Je nieuwe wachtwoord is ingesteld")).to_be_visible()
        expect(page.get_by_role("button", name="Uitloggen")).to_be_visible()
        notice = wait_for_mail(instance, EMAIL, "gewijzigd")
        assert "uitgelogd" in body_text(notice)

        # The link is dead now; the new password works, the old one does not.
        page.goto(link)
        expect(page.locator("#reset-problem")).to_contain_text("werkt niet")
        page.goto("/")
        page.get_by_role("button", name="Uitloggen").click()
        for password, welcome in ((OLD_PASSWORD, False), (NEW_PASSWORD, True)):
            page.goto("/login")
            page.get_by_label("E-mailadres").fill(EMAIL)
            page.get_by_label("Wachtwoord").fill(password)
            page.get_by_role("button", name="Inloggen").click()
            if welcome:
                expect(page.get_by_text("Welkom, Wies Nieuw.")).to_be_visible()
            else:
                expect(page.locator(".field-errors")).to_contain_text("Onjuist e-mailadres")
    finally:
        context.close()
