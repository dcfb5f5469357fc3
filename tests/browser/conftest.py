"""A live Casusplein server (CSRF on) per test, and a headless Chromium to drive it.

Every test gets a freshly migrated database (SQLite or PostgreSQL, see tests/conftest.py), its
own people and cases, and its own server on a free port of 127.0.0.1, so tests never see each
other's data. The browser is shared
by the whole session; each test opens its own browser contexts (one per person), which are
closed again at teardown.
"""

import logging
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import sqlalchemy as sa
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, expect, sync_playwright
from werkzeug.serving import make_server

from app.admin.services import create_user, save_municipality
from app.cases.services import create_case
from app.comments.services import add_comment
from app.extensions import db
from app.models import Case, Role, SizeClass, Theme
from tests.conftest import _app_for

PASSWORD = "browser-wachtwoord-123"  # at least 10 characters, like every real password

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

# Auto-waiting assertions: generous enough for a loaded CI machine, short enough to fail fast.
expect.set_options(timeout=10_000)


@dataclass(frozen=True)
class Person:
    email: str
    name: str
    organisation: str | None = None


@dataclass
class LiveServer:
    url: str
    people: dict[str, Person]
    # Cases created up front, by key: their id and title.
    cases: dict[str, tuple[int, str]] = field(default_factory=dict)

    def case_url(self, key: str) -> str:
        return f"{self.url}/cases/{self.cases[key][0]}"


PEOPLE = {
    # Two colleagues of one municipality, one participant of another municipality.
    "alice": ("alice@amersfoort.example.nl", "Alice de Vries", Role.PARTICIPANT, "Amersfoort"),
    "anne": ("anne@amersfoort.example.nl", "Anne Bakker", Role.PARTICIPANT, "Amersfoort"),
    "bram": ("bram@zwolle.example.nl", "Bram Jansen", Role.PARTICIPANT, "Zwolle"),
    "eva": ("eva@movisie.example.nl", "Eva Expert", Role.EXPERT, None),
    "rob": ("rob@elders.example.nl", "Rob Lezer", Role.READER, None),
    "olga": ("olga@leernetwerk.example.nl", "Olga Organisator", Role.ORGANISER, None),
}
ORGANISATIONS = {"eva": "Movisie"}


def _theme_id(slug: str) -> int:
    return db.session.scalar(sa.select(Theme.id).where(Theme.slug == slug))


def _seed(server: LiveServer) -> None:
    """People of two municipalities, an expert and a reader, plus two shared cases."""
    municipalities = {
        "Amersfoort": save_municipality(
            None, name="Amersfoort", size_class=SizeClass.LARGE, province="Utrecht"
        ),
        "Zwolle": save_municipality(
            None, name="Zwolle", size_class=SizeClass.MEDIUM, province="Overijssel"
        ),
    }
    users = {}
    for key, (email, name, role, municipality) in PEOPLE.items():
        users[key] = create_user(
            email=email,
            display_name=name,
            role=role,
            password=PASSWORD,
            municipality=municipalities.get(municipality),
            organisation=ORGANISATIONS.get(key),
        )
        server.people[key] = Person(email, name, ORGANISATIONS.get(key))

    def _case(key: str, author: str, title: str, theme: str, kind: str) -> Case:
        case = create_case(
            users[author],
            {
                "title": title,
                "polarisation_kind": kind,
                "status": "open",
                "themes": [_theme_id(theme)],
                "dilemmas": [],
                "summary": f"Samenvatting van {title.lower()}.",
                "situation": "Wat er speelt in de wijk.",
                "question": "Hoe pakken andere gemeenten dit aan?",
            },
            share=True,
        )
        server.cases[key] = (case.id, case.title)
        return case

    _case("opvang", "alice", "Noodopvang in de sporthal", "vluchtelingenopvang", "vertical")
    youth = _case(
        "jongeren", "bram", "Hangjongeren bij het station", "jongerengroepen", "horizontal"
    )
    add_comment(youth, users["alice"], "Bij ons hielp een **wijkgesprek** met de jongeren zelf.")


@pytest.fixture(scope="session")
def playwright_instance() -> Iterator[Playwright]:
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(playwright_instance: Playwright) -> Iterator[Browser]:
    # Debian's Chromium; never a downloaded browser.
    browser = playwright_instance.chromium.launch(
        executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS, headless=True
    )
    yield browser
    browser.close()


@pytest.fixture
def live_server(tmp_path: Path, database_uri: str) -> Iterator[LiveServer]:
    """The app with CSRF switched on, seeded, served from a thread on 127.0.0.1:<free port>."""
    app = _app_for(tmp_path, SQLALCHEMY_DATABASE_URI=database_uri, WTF_CSRF_ENABLED=True)
    server_info = LiveServer(url="", people={})
    with app.app_context():
        _seed(server_info)

    # The request log of werkzeug would only clutter a failing test's output.
    werkzeug_logger = logging.getLogger("werkzeug")
    previous_level = werkzeug_logger.level
    werkzeug_logger.setLevel(logging.WARNING)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    server_info.url = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield server_info
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        werkzeug_logger.setLevel(previous_level)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def new_page(browser: Browser, live_server: LiveServer) -> Iterator[Callable[[], Page]]:
    """Open a page in a fresh browser context: a separate person with their own cookies."""
    contexts: list[BrowserContext] = []

    def _new_page() -> Page:
        context = browser.new_context(base_url=live_server.url, locale="nl-NL")
        contexts.append(context)
        return context.new_page()

    yield _new_page
    for context in contexts:
        context.close()


@pytest.fixture
def login_as(new_page, live_server: LiveServer) -> Callable[[str], Page]:
    """A page of a new browser context, signed in through the real login form."""

    def _login_as(key: str) -> Page:
        person = live_server.people[key]
        page = new_page()
        page.goto("/login")
        page.get_by_label("E-mailadres").fill(person.email)
        page.get_by_label("Wachtwoord").fill(PASSWORD)
        page.get_by_role("button", name="Inloggen").click()
        expect(page.get_by_text(f"Welkom, {person.name}.")).to_be_visible()
        expect(page.get_by_role("button", name="Uitloggen")).to_be_visible()
        return page

    return _login_as
