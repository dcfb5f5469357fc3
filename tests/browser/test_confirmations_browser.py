"""In a real browser: unpublishing and closing the network go through a confirmation that asks
for a reason, as a dialog with JavaScript and as a page of its own without it."""

import logging
import threading
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from playwright.sync_api import Browser, expect
from werkzeug.serving import make_server

from app.admin.services import create_user, save_municipality
from app.archive import services as archive_services
from app.cases.services import create_case
from app.extensions import db
from app.models import ArchivePublication, NetworkClosure, PublicationStatus, Role, SizeClass, Theme
from tests.conftest import _app_for

PASSWORD = "browser-wachtwoord-123"
ORGANISER = "olga@leernetwerk.example.nl"
TITLE = "Windmolens in de polder"


@pytest.fixture
def archive_server(tmp_path, database_uri) -> Iterator[tuple[str, object]]:
    """A server (CSRF on) with an organiser and one published case: (url, app)."""
    app = _app_for(tmp_path, SQLALCHEMY_DATABASE_URI=database_uri, WTF_CSRF_ENABLED=True)
    with app.app_context():
        town = save_municipality(
            None, name="Polderdam", size_class=SizeClass.SMALL, province="Zeeland"
        )
        author = create_user(
            email="piet@polderdam.example.nl", display_name="Piet Polder",
            role=Role.PARTICIPANT, password=PASSWORD, municipality=town,
        )  # fmt: skip
        organiser = create_user(
            email=ORGANISER, display_name="Olga Organisator", role=Role.ORGANISER,
            password=PASSWORD,
        )  # fmt: skip
        theme = db.session.scalar(sa.select(Theme.id).where(Theme.slug == "windmolens"))
        case = create_case(
            author,
            {"title": TITLE, "polarisation_kind": "horizontal", "status": "open",
             "themes": [theme], "dilemmas": [], "summary": "Een dorp in tweeën.",
             "situation": "Er komt een windpark.", "question": "Hoe praat je met elkaar?"},
            share=True,
        )  # fmt: skip
        publication = archive_services.propose(case, author)
        archive_services.record_consent(publication, author, "wethouder")
        ticked = [key for key, _label in archive_services.CHECKLIST]
        archive_services.publish(publication, organiser, ticked)
        db.session.remove()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", app
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def _organiser_page(browser: Browser, url: str, javascript: bool):
    context = browser.new_context(base_url=url, locale="nl-NL", java_script_enabled=javascript)
    page = context.new_page()
    page.goto("/login")
    page.get_by_label("E-mailadres").fill(ORGANISER)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    expect(page.get_by_role("button", name="Uitloggen")).to_be_visible()
    page.goto("/archive/review")
    return context, page


def _state(app) -> tuple[PublicationStatus, bool]:
    with app.app_context():
        status = db.session.scalar(sa.select(ArchivePublication.status))
        closed = db.session.scalar(
            sa.select(NetworkClosure.closed).order_by(NetworkClosure.id.desc()).limit(1)
        )
        db.session.remove()
        return status, bool(closed)


def test_unpublish_and_close_are_confirmed_with_a_reason_with_and_without_javascript(
    archive_server, browser: Browser
):
    url, app = archive_server
    contexts = []
    try:
        # With JavaScript: the confirmation opens as a dialog over the queue.
        context, page = _organiser_page(browser, url, javascript=True)
        contexts.append(context)
        published = page.locator("#queue-published")
        published.get_by_role("link", name="Uit het archief halen…").click()
        dialog = page.get_by_role("dialog")
        expect(dialog).to_be_visible()
        expect(dialog).to_contain_text("verdwijnen meteen uit het openbare archief")
        expect(page).to_have_url(f"{url}/archive/review")  # still on the queue
        dialog.get_by_role("link", name="Annuleren").click()
        expect(dialog).to_be_hidden()
        assert _state(app) == (PublicationStatus.PUBLISHED, False)

        published.get_by_role("link", name="Uit het archief halen…").click()
        dialog.get_by_role("button", name="Uit het archief halen").click()
        expect(page.get_by_text("Geef een reden op; die komt in het logboek.")).to_be_visible()
        assert _state(app) == (PublicationStatus.PUBLISHED, False)
        page.get_by_label("Reden").fill("Op verzoek van de gemeente")
        page.get_by_role("button", name="Uit het archief halen").click()
        expect(page.get_by_text("De casus is uit het archief gehaald.")).to_be_visible()
        assert _state(app) == (PublicationStatus.UNPUBLISHED, False)

        # Without JavaScript: the same link opens the confirmation as a page of its own.
        context, page = _organiser_page(browser, url, javascript=False)
        contexts.append(context)
        page.get_by_role("link", name="Netwerk afsluiten…").click()
        expect(page).to_have_url(f"{url}/archive/network")
        expect(page.get_by_role("heading", name="Het netwerk afsluiten?")).to_be_visible()
        expect(page.get_by_text("kunnen daarna alleen nog lezen")).to_be_visible()
        page.get_by_role("button", name="Netwerk afsluiten").click()
        expect(page.get_by_text("Geef een reden op; die komt in het logboek.")).to_be_visible()
        assert _state(app) == (PublicationStatus.UNPUBLISHED, False)
        page.get_by_label("Reden").fill("Het leernetwerk is afgerond")
        page.get_by_role("button", name="Netwerk afsluiten").click()
        expect(page.locator(".flash-success")).to_contain_text("Het netwerk is gesloten")
        assert _state(app) == (PublicationStatus.UNPUBLISHED, True)
    finally:
        for context in contexts:
            context.close()
