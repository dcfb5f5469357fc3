"""One live server on the demo data (seed-demo), shared by a whole test module.

The demo is the realistic data set: long cases, full admin tables, a past session with a
report, the archive. Loading it takes a while, so a module seeds it once and its tests only
read, except those that say otherwise and run last.
"""

import logging
import os
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from playwright.sync_api import Browser, BrowserContext, Page, expect
from werkzeug.serving import make_server

from app import clock, seed
from app.extensions import db
from app.models import (
    Application,
    ApplicationStatus,
    ArchivePublication,
    Assignment,
    Case,
    MaatwerkTrack,
    Meeting,
    Method,
    Municipality,
    Reflection,
)
from app.search.storage import close_thread_searchers
from tests.conftest import _app_for

DEMO_PASSWORD = seed.DEMO_PASSWORD
ACCOUNTS = {
    "sanne": "sanne.verhoeven@dorrestad.example.nl",
    "floor": "floor.aalbersberg@movisie.example.nl",
    "org": "organisator@casusplein.example.nl",
    "lezer": "lezer@casusplein.example.nl",
}
SCREENSHOTS = os.environ.get("SCREENSHOTS", "")


@dataclass
class DemoServer:
    url: str
    ids: dict[str, int]


def _ids() -> dict[str, int]:
    """Ids of demo records the pages need: the longest case, a past session, ..."""
    today = clock.today()
    body = sa.func.length(Case.situation) + sa.func.length(Case.approach)
    first = sa.func.min
    return {
        "long_case": db.session.scalar(
            sa.select(Case.id).where(Case.reflections.any()).order_by(body.desc()).limit(1)
        ),
        "past_meeting": db.session.scalar(sa.select(first(Meeting.id)).where(Meeting.date < today)),
        "next_meeting": db.session.scalar(
            sa.select(Meeting.id).where(Meeting.date >= today).order_by(Meeting.date).limit(1)
        ),
        "open_assignment": db.session.scalar(
            sa.select(Assignment.id)
            .where(Assignment.due_date >= today)
            .order_by(Assignment.due_date)
            .limit(1)
        ),
        "method": db.session.scalar(sa.select(first(Method.id)).where(Method.is_public.is_(True))),
        "publication": db.session.scalar(
            sa.select(first(ArchivePublication.id)).where(
                ArchivePublication.published_at.is_not(None)
            )
        ),
        "waiting_publication": db.session.scalar(
            sa.select(first(ArchivePublication.id)).where(ArchivePublication.published_at.is_(None))
        ),
        "application": db.session.scalar(
            sa.select(first(Application.id)).where(Application.status == ApplicationStatus.NEW)
        ),
        "municipality": db.session.scalar(sa.select(first(Municipality.id))),
        "track": db.session.scalar(sa.select(first(MaatwerkTrack.id))),
        "reflected_case": db.session.scalar(sa.select(first(Reflection.case_id))),
    }


def demo_server(instance: Path, database_uri: str) -> Iterator[DemoServer]:
    app = _app_for(instance, SQLALCHEMY_DATABASE_URI=database_uri, WTF_CSRF_ENABLED=True)
    with app.app_context():
        seed.load_demo()
        ids = _ids()
        close_thread_searchers()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="demo-server", daemon=True)
    thread.start()
    try:
        yield DemoServer(f"http://127.0.0.1:{server.server_port}", ids)
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        with app.app_context():
            close_thread_searchers()
            db.session.remove()
            db.engine.dispose()


def new_context(browser: Browser, server: DemoServer, **options) -> BrowserContext:
    return browser.new_context(base_url=server.url, locale="nl-NL", **options)


def sign_in(context: BrowserContext, who: str) -> Page:
    page = context.new_page()
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto("/login")
    page.get_by_label("E-mailadres").fill(ACCOUNTS[who])
    page.get_by_label("Wachtwoord").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    expect(page.get_by_role("button", name="Uitloggen")).to_be_visible()
    return page


def screenshot(page: Page, name: str) -> None:
    """With SCREENSHOTS=dir set, keep a full-page picture to look at (dir is git-ignored)."""
    if not SCREENSHOTS:
        return
    folder = Path(SCREENSHOTS)
    folder.mkdir(parents=True, exist_ok=True)
    safe = re.sub(r"[^a-zA-Z0-9]+", "_", name).strip("_") or "home"
    page.screenshot(path=str(folder / f"{safe}.png"), full_page=True)
