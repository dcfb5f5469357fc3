"""WCAG 2.1 AA: axe-core (bundled in axe-playwright-python, no download) on every main page.

Each role walks its pages; serious and critical violations fail the test, listed per page.
"""

from collections.abc import Callable

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from tests.browser.conftest import LiveServer

AXE = Axe()
# The WCAG 2.0/2.1 A and AA rules, which Dutch public bodies must meet.
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "resultTypes": ["violations"],
}
BLOCKING = {"serious", "critical"}


def blocking_violations(page: Page) -> list[str]:
    results = AXE.run(page, options=AXE_OPTIONS)
    return [
        f"{violation['id']} ({violation['impact']}): "
        + ", ".join(str(node["target"]) for node in violation["nodes"][:3])
        for violation in results.response["violations"]
        if violation["impact"] in BLOCKING
    ]


def check_pages(page: Page, paths: list[str]) -> dict[str, list[str]]:
    found = {}
    for path in paths:
        page.goto(path)
        expect(page.locator("h1")).to_have_count(1)
        if problems := blocking_violations(page):
            found[path] = problems
    return found


def _pages_for(role: str, server: LiveServer) -> list[str]:
    case_id = server.cases["opvang"][0]
    common = ["/", "/account/security", "/account/data", "/account/password", "/toegankelijkheid"]
    return {
        "alice": [
            *common,
            "/cases",
            "/cases?theme=vluchtelingenopvang",
            f"/cases/{case_id}",
            f"/cases/{case_id}/edit",
            "/cases/new",
            "/themes",
            "/municipalities",
            "/account/security/enrol",
        ],
        "eva": [*common, f"/cases/{case_id}"],
        "rob": common,
        "olga": [
            *common,
            "/admin/users",
            "/admin/users/new",
            "/admin/municipalities",
            "/admin/themes",
            "/admin/audit",
            "/admin/erasures",
        ],
    }[role]


def test_pages_without_signing_in(new_page: Callable[[], Page]):
    page = new_page()
    pages = ["/", "/login", "/toegankelijkheid", "/bestaat-niet"]
    reset_pages = ["/login/forgot", "/login/forgot/sent", "/login/reset/onbekend"]
    assert check_pages(page, pages + reset_pages) == {}
    # A login form with errors, as a keyboard or screen-reader user meets it.
    page.goto("/login")
    page.get_by_role("button", name="Inloggen").click()
    expect(page.locator(".field-errors").first).to_be_visible()
    assert blocking_violations(page) == []


@pytest.mark.parametrize("role", ["alice", "eva", "rob", "olga"])
def test_pages_when_signed_in(live_server: LiveServer, login_as, role: str):
    page = login_as(role)
    assert check_pages(page, _pages_for(role, live_server)) == {}


def test_municipality_and_admin_edit_pages(live_server: LiveServer, login_as):
    page = login_as("olga")
    page.goto("/municipalities")
    page.locator("table a").first.click()
    expect(page.locator("h1")).to_have_count(1)
    assert blocking_violations(page) == []
    page.goto("/admin/users")
    page.get_by_role("link", name="Bewerken").first.click()
    expect(page.locator("h1")).to_have_text("Gebruiker bewerken")
    assert blocking_violations(page) == []


def test_posting_a_comment_is_announced_and_reachable_by_keyboard(
    live_server: LiveServer, login_as
):
    page = login_as("bram")
    page.goto(live_server.case_url("jongeren"))
    box = page.locator("#comment-form").get_by_label("Reactie")
    box.focus()
    page.keyboard.type("Via het toetsenbord geplaatst.")
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Reactie plaatsen")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#comments")).to_contain_text("Via het toetsenbord geplaatst.")
    expect(page.locator("#announcer")).to_have_text("Bijgewerkt: Reacties (2)")
    assert blocking_violations(page) == []
