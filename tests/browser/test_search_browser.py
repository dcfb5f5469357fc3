"""Live search in a real browser: typing updates the results in place and the URL follows.

It has its own live server (three cases to search); the browser is the shared Debian Chromium
of tests/browser/conftest.py.
"""

import logging
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from playwright.sync_api import Browser, Page, expect
from werkzeug.serving import make_server

from app.admin.services import create_user, save_municipality
from app.cases.services import create_case
from app.extensions import db
from app.models import Role, SizeClass, Theme
from app.search.storage import close_thread_searchers
from tests.conftest import _app_for

PASSWORD = "browser-wachtwoord-123"
EMAIL = "zoeker@amersfoort.example.nl"
expect.set_options(timeout=10_000)


def _seed() -> None:
    town = save_municipality(
        None, name="Amersfoort", size_class=SizeClass.LARGE, province="Utrecht"
    )
    author = create_user(
        email=EMAIL,
        display_name="Zoe Zoeker",
        role=Role.PARTICIPANT,
        password=PASSWORD,
        municipality=town,
    )
    for title, theme, summary in (
        ("Noodopvang in de sporthal", "vluchtelingenopvang", "Onrust over de opvang."),
        ("Opvang in het oude klooster", "woningkrapte", "Gesprekken over opvang."),
        ("Windpark in de polder", "windmolens", "Zorgen over geluid."),
    ):
        theme_id = db.session.scalar(sa.select(Theme.id).where(Theme.slug == theme))
        create_case(
            author,
            {
                "title": title,
                "polarisation_kind": "horizontal",
                "status": "open",
                "themes": [theme_id],
                "summary": summary,
                "situation": "s",
                "question": "q",
            },
            share=True,
        )


@pytest.fixture
def server_url(tmp_path: Path, database_uri: str) -> Iterator[str]:
    app = _app_for(tmp_path, SQLALCHEMY_DATABASE_URI=database_uri, WTF_CSRF_ENABLED=True)
    with app.app_context():
        _seed()
        close_thread_searchers()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def _login(page: Page) -> None:
    page.goto("/login")
    page.get_by_label("E-mailadres").fill(EMAIL)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    expect(page.get_by_role("button", name="Uitloggen")).to_be_visible()


def test_typing_updates_results_without_reload(browser: Browser, server_url: str):
    context = browser.new_context(base_url=server_url, locale="nl-NL")
    try:
        page = context.new_page()
        _login(page)
        page.goto("/search")
        page.evaluate("window.__noReload = 1")
        box = page.get_by_label("Zoekwoorden")
        box.press_sequentially("opvang", delay=40)
        results = page.locator("#search-results")
        expect(results.get_by_role("heading", name="2 resultaten voor “opvang”")).to_be_visible()
        expect(results.get_by_role("link", name="Noodopvang in de sporthal")).to_be_visible()
        expect(page).to_have_url(f"{server_url}/search?q=opvang")
        expect(box).to_be_focused()
        # A facet narrows in place, and the URL carries it.
        results.get_by_role("link", name="Woningkrapte (1)").click()
        expect(results.get_by_role("heading", name="1 resultaat voor “opvang”")).to_be_visible()
        expect(page).to_have_url(f"{server_url}/search?q=opvang&theme=woningkrapte")
        box.fill("windpark")
        expect(results.get_by_role("heading", name="0 resultaten voor “windpark”")).to_be_visible()
        assert page.evaluate("window.__noReload") == 1, "the page was reloaded"
    finally:
        context.close()

    # The same URL without JavaScript renders the same results.
    plain = browser.new_context(base_url=server_url, locale="nl-NL", java_script_enabled=False)
    try:
        page = plain.new_page()
        _login(page)
        page.goto("/search?q=opvang&theme=woningkrapte")
        results = page.locator("#search-results")
        expect(results.get_by_role("link", name="Opvang in het oude klooster")).to_be_visible()
        expect(results.get_by_role("heading", name="1 resultaat voor “opvang”")).to_be_visible()
    finally:
        plain.close()
