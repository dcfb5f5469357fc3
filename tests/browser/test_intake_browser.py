"""In a real browser: an organiser admits a municipality, a duo member accepts the invitation.

It has its own live server (an organiser and one application, no cases) and uses the shared
Debian Chromium of tests/browser/conftest.py.
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
from app.models import Application, Role, SizeClass
from tests.conftest import _app_for
from tests.factories_network import body_text, mail_worker, wait_for_mail

PASSWORD = "browser-wachtwoord-123"


@pytest.fixture
def live(tmp_path, database_uri) -> Iterator[tuple[str, Path, int]]:
    """A server with CSRF on, an organiser and one new application: (url, instance, id)."""
    server_app = _app_for(tmp_path, SQLALCHEMY_DATABASE_URI=database_uri, WTF_CSRF_ENABLED=True)
    with server_app.app_context():
        create_user(
            email="organisator@example.nl",
            display_name="Olga Organisator",
            role=Role.ORGANISER,
            password=PASSWORD,
        )
        application = Application(
            municipality_name="Browserdam",
            size_class=SizeClass.MEDIUM,
            province="Friesland",
            first_name="Fenna Bakker",
            first_function="Beleidsmedewerker",
            first_email="fenna@browserdam.example.nl",
            second_name="Sjoerd Hoekstra",
            second_function="Wijkprofessional",
            second_email="sjoerd@browserdam.example.nl",
            learning_questions="Hoe bereiken we de stille middengroep?",
        )
        db.session.add(application)
        db.session.commit()
        application_id = application.id
        db.session.remove()
    server = make_server("127.0.0.1", 0, server_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with mail_worker(server_app):  # requests only queue mail; the worker writes the outbox
            yield f"http://127.0.0.1:{server.server_port}", tmp_path, application_id
    finally:
        server.shutdown()
        thread.join(timeout=5)
        with server_app.app_context():
            db.engine.dispose()


def test_organiser_admits_and_participant_accepts_invitation(live, browser: Browser):
    url, instance, application_id = live
    contexts = []

    def new_page():
        context = browser.new_context()
        contexts.append(context)
        return context.new_page()

    try:
        organiser = new_page()
        organiser.goto(f"{url}/login")
        organiser.get_by_label("E-mailadres").fill("organisator@example.nl")
        organiser.get_by_label("Wachtwoord").fill(PASSWORD)
        organiser.get_by_role("button", name="Inloggen").click()
        organiser.get_by_role("navigation", name="Hoofdmenu").get_by_role(
            "link", name="Intake", exact=True
        ).click()
        organiser.get_by_role("link", name="Browserdam").click()
        expect(organiser.locator("#application-status")).to_have_text("nieuw")
        organiser.get_by_role("combobox", name="Besluit").select_option("admitted")
        organiser.get_by_role("button", name="Besluit vastleggen").click()
        expect(organiser.locator("#messages")).to_contain_text("Browserdam is toegelaten")
        expect(organiser.locator("#application-status")).to_have_text("toegelaten")
        expect(organiser.locator("#invitations")).to_contain_text("fenna@browserdam.example.nl")

        mail = wait_for_mail(instance, "fenna@browserdam.example.nl", "Uitnodiging")
        link = re.search(r"http://\S+/invitation/[\w-]+", body_text(mail)).group(0)
        path = link.split("127.0.0.1:5000", 1)[1]

        invitee = new_page()
        invitee.goto(f"{url}{path}")
        expect(invitee.get_by_role("heading", level=1)).to_have_text("Welkom bij Casusplein")
        expect(invitee.get_by_label("Je naam")).to_have_value("Fenna Bakker")
        invitee.get_by_label("Kies een wachtwoord").fill(PASSWORD)
        invitee.get_by_label("Herhaal het wachtwoord").fill(PASSWORD)
        invitee.get_by_role("button", name="Account aanmaken").click()
        expect(invitee.get_by_role("heading", level=1)).to_have_text("Hallo Fenna")
        expect(invitee.locator("#notification-badge")).to_contain_text("1")

        # The link is single use: opening it again explains what to do instead.
        again = new_page()
        again.goto(f"{url}{path}")
        expect(again.locator("#invitation-problem")).to_contain_text("al gebruikt")

        organiser.reload()
        expect(organiser.locator("#invitations")).to_contain_text("geaccepteerd")
    finally:
        for context in contexts:
            context.close()
    assert application_id
