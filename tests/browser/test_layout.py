"""Every main page on a phone and a desktop, on the demo data (issue 14).

- WCAG 1.4.10 reflow: at 320 CSS px no page scrolls sideways.
- axe-core (bundled in axe-playwright-python) at 390 and 1280 px: zero violations.
- The menu folds on a phone and works with and without JavaScript; it marks the page.
- The demo's participant dashboard shows the next session.
Set SCREENSHOTS=screenshots to keep a picture of every page at both widths.
"""

import re
from collections.abc import Iterator

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect

from tests.browser.demo_server import DemoServer, demo_server, new_context, screenshot, sign_in
from tests.browser.test_case_flow import HTMX_IDLE

AXE = Axe()
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "resultTypes": ["violations"],
}
PHONE, NARROWEST, DESKTOP = 390, 320, 1280


@pytest.fixture(scope="module")
def demo(tmp_path_factory, migrated_database) -> Iterator[DemoServer]:
    instance = tmp_path_factory.mktemp("demo")
    yield from demo_server(instance, migrated_database.fresh(instance))


def main_pages(role: str, ids: dict[str, int]) -> list[str]:
    """The pages each kind of visitor reaches from the menu, plus a detail page of each."""
    account = ["/account/security", "/account/data", "/account/password"]
    return {
        "anonymous": [
            "/",
            "/login",
            "/intake/apply",
            "/archive",
            "/archive/search?q=opvang",
            f"/archive/{ids['publication']}",
            f"/archive/methods/{ids['method']}",
            "/toegankelijkheid",
            "/privacy",
            "/bestaat-niet",
        ],
        "lezer": ["/", "/archive", "/archive/search?q=jongeren", *account],
        "sanne": [
            "/",
            "/cases",
            f"/cases/{ids['long_case']}",
            "/cases/new",
            "/themes",
            "/municipalities",
            f"/municipalities/{ids['municipality']}",
            "/meetings",
            f"/meetings/{ids['past_meeting']}",
            f"/meetings/{ids['next_meeting']}",
            "/meetings/calendar",
            "/assignments",
            f"/assignments/{ids['open_assignment']}",
            "/methods",
            f"/methods/{ids['method']}",
            "/maatwerk",
            "/search?q=jongeren",
            "/notifications",
            "/notifications/preferences",
            *account,
        ],
        "floor": ["/", f"/cases/{ids['reflected_case']}", "/search?q=%22online+polarisatie%22"],
        "org": [
            "/",
            "/intake",
            f"/intake/{ids['application']}",
            "/admin/users",
            "/admin/users/new",
            "/admin/municipalities",
            "/admin/themes",
            "/admin/audit",
            "/admin/erasures",
            "/archive/review",
            f"/archive/review/{ids['waiting_publication']}",
            f"/meetings/{ids['past_meeting']}",
            f"/meetings/{ids['past_meeting']}/attendance",
            "/meetings/new",
            "/assignments/new",
            f"/maatwerk/{ids['track']}",
            "/search/synonyms",
        ],
    }[role]


def _resize(page: Page, width: int, height: int) -> None:
    """Resize and let the page handle it (layout, then its resize listeners) before looking."""
    page.set_viewport_size({"width": width, "height": height})
    page.evaluate(
        "() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))"
    )


def _sideways(page: Page) -> int:
    """How many CSS px the page scrolls sideways (0 when it reflows)."""
    return page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )


def _axe(page: Page) -> list[str]:
    results = AXE.run(page, options=AXE_OPTIONS)
    return [
        f"{violation['id']} ({violation['impact']}): "
        + ", ".join(str(node["target"]) for node in violation["nodes"][:3])
        for violation in results.response["violations"]
    ]


def _page(browser: Browser, demo: DemoServer, role: str) -> Page:
    context = new_context(browser, demo)
    if role == "anonymous":
        return context.new_page()
    return sign_in(context, role)


@pytest.mark.parametrize("role", ["anonymous", "lezer", "sanne", "floor", "org"])
def test_every_main_page_reflows_and_passes_axe(browser: Browser, demo: DemoServer, role: str):
    page = _page(browser, demo, role)
    problems: dict[str, list[str]] = {}
    try:
        for path in main_pages(role, demo.ids):
            _resize(page, DESKTOP, 900)
            page.goto(path)
            expect(page.locator("h1")).to_have_count(1)
            found = [f"{DESKTOP}px: {v}" for v in _axe(page)]
            screenshot(page, f"{role}_d_{path}")
            _resize(page, PHONE, 844)
            found += [f"{PHONE}px: {v}" for v in _axe(page)]
            screenshot(page, f"{role}_m_{path}")
            _resize(page, NARROWEST, 800)
            if overflow := _sideways(page):
                found.append(f"{NARROWEST}px: scrolls {overflow}px sideways")
            if found:
                problems[path] = found
    finally:
        page.context.close()
    assert problems == {}


@pytest.mark.parametrize("javascript", [True, False], ids=["with-js", "without-js"])
def test_menu_folds_on_a_phone_and_works(browser: Browser, demo: DemoServer, javascript: bool):
    context = new_context(browser, demo, java_script_enabled=javascript)
    try:
        page = sign_in(context, "sanne")
        page.set_viewport_size({"width": PHONE, "height": 844})
        page.goto("/")
        menu_link = page.get_by_role("navigation", name="Hoofdmenu").get_by_role(
            "link", name="Bijeenkomsten"
        )
        expect(menu_link).to_be_hidden()
        header = page.locator("header").bounding_box()
        assert header is not None and header["height"] < 110  # was 210-257 px
        page.get_by_text("Menu", exact=True).click()
        expect(menu_link).to_be_visible()
        menu_link.click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Bijeenkomsten")
        current = page.locator('nav[aria-label="Hoofdmenu"] a[aria-current="page"]')
        expect(current).to_have_text("Bijeenkomsten")
        # On a desktop the same menu is simply open.
        page.set_viewport_size({"width": DESKTOP, "height": 900})
        page.goto("/")
        expect(menu_link).to_be_visible()
        # ... with no "Menu" button beside it (with or without JavaScript).
        expect(page.locator(".site-menu-toggle")).to_be_hidden()
    finally:
        context.close()


def test_participant_dashboard_shows_the_next_session(browser: Browser, demo: DemoServer):
    context = new_context(browser, demo)
    try:
        page = sign_in(context, "sanne")
        page.goto("/")
        panel = page.locator("#participant-dashboard section").filter(
            has=page.get_by_role("heading", name="Volgende bijeenkomst")
        )
        expect(panel.get_by_role("link", name="Leer- en reflectiesessie 2")).to_be_visible()
        expect(panel).not_to_contain_text("nog geen volgende bijeenkomst")
        expect(page.locator("#participant-dashboard")).to_contain_text("uiterlijk")
        expect(page.locator("#notification-badge .unread-count")).to_be_visible()
    finally:
        context.close()


def test_error_summary_links_each_error_and_takes_focus(browser: Browser, demo: DemoServer):
    context = new_context(browser, demo)
    try:
        page = sign_in(context, "sanne")
        page.goto("/cases/new")
        page.get_by_role("button", name="Delen met het netwerk").click()
        summary = page.locator(".form-summary")
        expect(summary).to_be_focused()
        links = summary.get_by_role("link")
        assert links.count() >= 3
        links.filter(has_text="Titel").first.click()
        expect(page.get_by_label("Titel", exact=True)).to_be_focused()
    finally:
        context.close()


def test_filtering_on_purpose_moves_focus_to_the_results_heading(
    browser: Browser, demo: DemoServer
):
    context = new_context(browser, demo)
    try:
        page = sign_in(context, "sanne")
        page.goto("/cases")
        theme = page.get_by_label("Thema", exact=True)
        theme.focus()
        theme.select_option("jongerengroepen")
        # Choosing a filter updates the list in place, and the focus stays on the choice...
        expect(page).to_have_url(re.compile(r"theme=jongerengroepen"))
        page.wait_for_function(HTMX_IDLE)
        expect(page.locator("#results-heading")).not_to_be_focused()
        # ...asking for the results with the button lands on the heading that counts them.
        page.get_by_role("button", name="Filteren").click()
        expect(page.locator("#results-heading")).to_be_focused()
    finally:
        context.close()


def test_a_case_prints_without_menus_and_with_links_written_out(browser: Browser, demo: DemoServer):
    context = new_context(browser, demo)
    try:
        page = sign_in(context, "sanne")
        page.goto(f"/cases/{demo.ids['long_case']}")
        page.emulate_media(media="print")
        expect(page.locator("header.site-header")).to_be_hidden()
        expect(page.locator("#comment-form")).to_be_hidden()
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        written_out = page.evaluate(
            """() => [...document.querySelectorAll('main a[href^="/"]')].some(
                a => getComputedStyle(a, '::after').content.includes(a.getAttribute('href')))"""
        )
        assert written_out
    finally:
        context.close()


# Writes to the demo; kept last in the module.
def test_focus_lands_on_the_new_comment_after_posting_with_the_keyboard(
    browser: Browser, demo: DemoServer
):
    context = new_context(browser, demo)
    try:
        page = sign_in(context, "sanne")
        page.goto(f"/cases/{demo.ids['long_case']}")
        box = page.locator("#comment-form").get_by_label("Reactie")
        box.focus()
        page.keyboard.type("Met het toetsenbord geplaatst, en de focus volgt.")
        page.keyboard.press("Tab")
        expect(page.get_by_role("button", name="Reactie plaatsen")).to_be_focused()
        page.keyboard.press("Enter")
        new_comment = page.locator("article.comment").filter(
            has_text="Met het toetsenbord geplaatst, en de focus volgt."
        )
        expect(new_comment).to_be_focused()
        assert page.evaluate("document.activeElement.tagName") == "ARTICLE"
    finally:
        context.close()
