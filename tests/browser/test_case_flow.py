"""The case flow in a real browser: write, share, discuss and reflect, with htmx and CSRF on.

Every in-place update is checked the way a user would notice a reload: a marker set on `window`
before the action must survive it, and the address must not change.
"""

import re
from collections.abc import Callable

from playwright.sync_api import Page, expect

from tests.browser.conftest import PASSWORD, LiveServer

CASE_URL = re.compile(r"/cases/(\d+)$")

# htmx marks what it is working on with these classes and only wires up new content (hx-*
# attributes) when it settles; clicking a freshly swapped link before that would be a plain
# navigation. Waiting for none of them to be left makes the next click an htmx one.
HTMX_IDLE = """() => window.htmx !== undefined && document.querySelector(
    '.htmx-request, .htmx-swapping, .htmx-settling, .htmx-added') === null"""


def wait_for_htmx(page: Page) -> None:
    page.wait_for_function(HTMX_IDLE)


def mark_page(page: Page) -> str:
    """Remember this page load; a reload or navigation would lose the marker."""
    page.evaluate("window.__noReload = 1")
    return page.url


def assert_not_reloaded(page: Page, url: str | None = None) -> None:
    wait_for_htmx(page)
    assert page.evaluate("window.__noReload") == 1, "the page was reloaded"
    if url is not None:
        expect(page).to_have_url(url)


def fill_case_form(page: Page, title: str, summary: str) -> None:
    page.goto("/cases/new")
    expect(page.get_by_role("heading", name="Nieuwe casus")).to_be_visible()
    page.get_by_label("Titel", exact=True).fill(title)
    page.get_by_label("Windmolens", exact=True).check()
    page.get_by_label("verticaal", exact=True).check()
    page.get_by_label("2. Betrouwbare overheid", exact=True).check()
    page.get_by_label("Stand van zaken").select_option("in_progress")
    page.get_by_label("Samenvatting", exact=True).fill(summary)
    page.get_by_label("Situatie en aanleiding", exact=True).fill(
        "Bij de informatieavond over de windmolens liep de zaal leeg na tien minuten."
    )
    page.get_by_label("Leervraag", exact=True).fill(
        "Hoe herstel je het gesprek als inwoners de gemeente als tegenpartij zien?"
    )


def open_case(page: Page, url: str, title: str) -> None:
    page.goto(url)
    expect(page.get_by_role("heading", level=1, name=title)).to_be_visible()


def assert_not_found(page: Page, url: str, title: str) -> None:
    response = page.goto(url)
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Niet gevonden")
    expect(page.get_by_text(title)).to_have_count(0)


def test_case_is_shared_discussed_and_reflected_on(
    live_server: LiveServer, login_as: Callable[[str], Page], new_page: Callable[[], Page]
):
    people = live_server.people
    title = "Wantrouwen rond de windmolens in de polder"

    # Participant A writes a case, previews a Markdown field and shares the case.
    alice = login_as("alice")
    fill_case_form(alice, title, "Bewoners voelen zich **niet gehoord** door de gemeente.")
    form_url = mark_page(alice)
    summary_field = alice.locator(".markdown-field").filter(has=alice.locator("#summary"))
    summary_field.get_by_role("button", name="Voorbeeld bekijken").click()
    expect(alice.locator("#summary-preview strong")).to_have_text("niet gehoord")
    expect(alice.locator("#summary-preview")).to_contain_text("Voorbeeld")
    assert_not_reloaded(alice, form_url)

    alice.get_by_role("button", name="Delen met het netwerk").click()
    expect(alice).to_have_url(CASE_URL)
    case_url = alice.url
    expect(alice.get_by_text("De casus is gedeeld met het netwerk.")).to_be_visible()
    expect(alice.get_by_role("heading", level=1)).to_have_text(title)
    expect(alice.locator(".case-header")).to_contain_text("Gemeente Amersfoort")
    expect(alice.locator(".case-header")).not_to_contain_text("concept")
    summary = alice.locator("section.case-section").filter(has_text="Samenvatting")
    expect(summary.locator("strong")).to_have_text("niet gehoord")

    # Participant B of another municipality comments, without the page reloading.
    bram = login_as("bram")
    open_case(bram, case_url, title)
    comments = bram.locator("#comments")
    expect(comments).to_contain_text("Nog geen reacties")
    mark_page(bram)
    comment_box = bram.locator("#comment-form").get_by_label("Reactie")
    comment_box.fill("In Zwolle hielp een **bewonersavond** met de ontwikkelaar.")
    bram.get_by_role("button", name="Reactie plaatsen").click()
    comment = comments.locator("article.comment").filter(has_text="bewonersavond")
    expect(comment).to_be_visible()
    expect(comment.locator("strong")).to_have_text("bewonersavond")
    expect(comment).to_contain_text(people["bram"].name)
    expect(comment).to_contain_text("gemeente Zwolle")
    expect(comments.get_by_role("heading", level=2)).to_have_text("Reacties (1)")
    expect(bram.locator("#comment-form").get_by_label("Reactie")).to_have_value("")
    assert_not_reloaded(bram, case_url)
    comment_id = comment.get_attribute("id")
    assert comment_id is not None and comment_id.startswith("comment-")
    top = bram.locator(f"#{comment_id}")

    # B replies in the thread of that comment.
    thread = comments.locator("li.comment-thread").filter(has=top)
    thread.locator("summary").filter(has_text=f"Reageren op {people['bram'].name}").click()
    thread.get_by_label("Je antwoord").fill("Aanvulling: de wethouder was er ook bij.")
    thread.get_by_role("button", name="Antwoord plaatsen").click()
    reply = comments.locator("ol.replies article.comment").filter(has_text="Aanvulling")
    expect(reply).to_be_visible()
    expect(comments.get_by_role("heading", level=2)).to_have_text("Reacties (2)")
    assert_not_reloaded(bram, case_url)

    # B edits the comment in place.
    top.get_by_role("link", name="Bewerken").click()
    editor = bram.locator(f"#{comment_id}.comment-editing")
    expect(editor).to_be_visible()
    wait_for_htmx(bram)  # the swapped-in form only posts through htmx once htmx has settled
    editor.locator("textarea").fill("In Zwolle hielp een *bewonersavond* in het dorpshuis.")
    editor.get_by_role("button", name="Opslaan").click()
    expect(editor).to_have_count(0)
    expect(top).to_contain_text("in het dorpshuis")
    expect(top.locator("em")).to_have_text("bewonersavond")
    expect(top).to_contain_text("bewerkt")
    assert_not_reloaded(bram, case_url)

    # B deletes the comment in place after confirming in a dialog; the thread and its reply
    # stay. (Without JavaScript the same link opens the confirmation as a page.)
    top.get_by_role("link", name="Verwijderen").click()
    dialog = bram.get_by_role("dialog")
    expect(dialog).to_contain_text("Deze reactie verwijderen?")
    wait_for_htmx(bram)
    dialog.get_by_role("button", name="Verwijderen").click()
    expect(dialog).to_be_hidden()
    expect(top).to_contain_text("Verwijderde reactie")
    expect(top).not_to_contain_text("dorpshuis")
    expect(top.get_by_role("link", name="Verwijderen")).to_have_count(0)
    expect(reply).to_be_visible()
    expect(comments.get_by_role("heading", level=2)).to_have_text("Reacties (1)")
    assert_not_reloaded(bram, case_url)

    # An expert adds a reflection, which appears labelled with name and organisation.
    eva = login_as("eva")
    open_case(eva, case_url, title)
    reflections = eva.locator("#reflections")
    expect(reflections).to_contain_text("Nog geen reflectie")
    mark_page(eva)
    eva.locator("#reflection-form").get_by_label("Reflectie", exact=True).fill(
        "Een schoolvoorbeeld van **verticale polarisatie**."
    )
    eva.locator("#reflection-form").get_by_label("Belangrijkste lessen").fill(
        "- Begin bij de frontlijnwerkers"
    )
    eva.get_by_role("button", name="Reflectie plaatsen").click()
    reflection = reflections.locator("article.reflection")
    expect(reflection).to_have_count(1)
    expect(reflection.locator(".reflection-label")).to_have_text("Expertreflectie")
    expect(reflection.locator(".author")).to_have_text(
        f"{people['eva'].name}, {people['eva'].organisation}"
    )
    expect(reflection.locator("strong")).to_have_text("verticale polarisatie")
    expect(reflection.locator(".key-lessons li")).to_have_text("Begin bij de frontlijnwerkers")
    expect(reflection).to_be_focused()  # keyboard and screen-reader users land on it
    expect(reflections).not_to_contain_text("Nog geen reflectie")
    expect(eva.locator("#reflection-form").get_by_label("Reflectie", exact=True)).to_have_value("")
    assert_not_reloaded(eva, case_url)

    # The author sees all of it after a reload: it was saved, not only shown.
    alice.reload()
    expect(alice.locator("#reflections article.reflection")).to_contain_text("Expertreflectie")
    expect(alice.locator("#comments")).to_contain_text("Verwijderde reactie")
    expect(alice.locator("#comments")).to_contain_text("Aanvulling: de wethouder was er ook bij.")

    # A reader of the archive may not know the case exists.
    rob = login_as("rob")
    assert_not_found(rob, case_url, title)

    # An anonymous visitor is asked to log in first.
    visitor = new_page()
    visitor.goto(case_url)
    expect(visitor).to_have_url(re.compile(r"/login\?next="))
    expect(visitor.get_by_role("heading", level=1)).to_have_text("Inloggen")
    expect(visitor.get_by_text("Log in om deze pagina te bekijken.")).to_be_visible()
    expect(visitor.get_by_text(title)).to_have_count(0)
    # ... and after logging in lands on the case after all.
    visitor.get_by_label("E-mailadres").fill(people["anne"].email)
    visitor.get_by_label("Wachtwoord").fill(PASSWORD)
    visitor.get_by_role("button", name="Inloggen").click()
    expect(visitor).to_have_url(case_url)
    expect(visitor.get_by_role("heading", level=1)).to_have_text(title)


def test_empty_comment_shows_error_in_place(
    live_server: LiveServer, login_as: Callable[[str], Page]
):
    _case_id, title = live_server.cases["jongeren"]
    bram = login_as("bram")
    open_case(bram, live_server.case_url("jongeren"), title)
    comments = bram.locator("#comments")
    existing = comments.locator("article.comment")
    expect(existing).to_have_count(1)
    expect(existing.locator("strong")).to_have_text("wijkgesprek")
    expect(comments.get_by_role("heading", level=2)).to_have_text("Reacties (1)")
    url = mark_page(bram)

    # Only spaces: the browser lets it through (it is not empty), the server must refuse it.
    box = bram.locator("#comment-form").get_by_label("Reactie")
    box.fill("   \n   ")
    bram.get_by_role("button", name="Reactie plaatsen").click()
    expect(bram.locator("#comment-form .field-errors")).to_have_text("Schrijf eerst je reactie.")
    expect(box).to_have_attribute("aria-invalid", "true")
    expect(existing).to_have_count(1)
    expect(existing).to_contain_text("wijkgesprek")
    expect(comments.get_by_role("heading", level=2)).to_have_text("Reacties (1)")
    assert_not_reloaded(bram, url)

    # Truly empty, as from a browser without form validation: the same message.
    box = bram.locator("#comment-form").get_by_label("Reactie")
    box.fill("")
    box.evaluate("element => element.removeAttribute('required')")
    with bram.expect_response(lambda r: r.request.method == "POST") as answer:
        bram.get_by_role("button", name="Reactie plaatsen").click()
    assert answer.value.status == 422
    expect(bram.locator("#comment-form .field-errors")).to_have_text("Schrijf eerst je reactie.")
    expect(existing).to_have_count(1)
    assert_not_reloaded(bram, url)

    # An empty reply shows the message in its own thread, which stays open.
    thread = comments.locator("li.comment-thread")
    thread.locator("summary").filter(has_text="Reageren op").click()
    thread.get_by_label("Je antwoord").fill("  ")
    thread.get_by_role("button", name="Antwoord plaatsen").click()
    expect(thread.locator("details.reply")).to_have_attribute("open", "")
    expect(thread.locator("details.reply .field-errors")).to_have_text("Schrijf eerst je reactie.")
    expect(comments.locator("ol.replies")).to_have_count(0)
    expect(existing).to_have_count(1)
    assert_not_reloaded(bram, url)

    # Nothing was stored.
    bram.reload()
    expect(bram.locator("#comments article.comment")).to_have_count(1)
    expect(bram.locator("#comments h2")).to_have_text("Reacties (1)")


def test_case_list_filters_live_and_by_url(
    live_server: LiveServer, login_as: Callable[[str], Page]
):
    _, shelter = live_server.cases["opvang"]
    _, youth = live_server.cases["jongeren"]
    bram = login_as("bram")
    bram.goto("/cases")
    results = bram.locator("#case-results")
    expect(results.get_by_role("link", name=shelter)).to_be_visible()
    expect(results.get_by_role("link", name=youth)).to_be_visible()
    expect(results.get_by_role("heading", level=2)).to_have_text("2 casussen")
    mark_page(bram)

    bram.locator("#case-filters").get_by_label("Thema", exact=True).select_option(
        "vluchtelingenopvang"
    )
    expect(results.get_by_role("link", name=youth)).to_have_count(0)
    expect(results.get_by_role("link", name=shelter)).to_be_visible()
    expect(results.get_by_role("heading", level=2)).to_have_text("1 casus")
    expect(bram).to_have_url(re.compile(r"/cases\?(.*&)?theme=vluchtelingenopvang(&|$)"))
    assert_not_reloaded(bram)
    filtered_titles = results.locator("article.case-card h3").all_inner_texts()
    assert filtered_titles == [shelter]

    # The pushed address is a real one: loading it shows the same results and filter.
    response = bram.goto(bram.url)
    assert response is not None and response.status == 200
    assert bram.evaluate("window.__noReload") is None  # a fresh page this time
    expect(results.locator("article.case-card h3")).to_have_text(filtered_titles)
    expect(results.get_by_role("heading", level=2)).to_have_text("1 casus")
    expect(bram.locator("#case-filters").get_by_label("Thema", exact=True)).to_have_value(
        "vluchtelingenopvang"
    )


def test_draft_is_visible_only_to_own_municipality(
    live_server: LiveServer, login_as: Callable[[str], Page]
):
    title = "Concept: spanning rond de nieuwe windturbines"
    alice = login_as("alice")
    fill_case_form(alice, title, "Nog niet klaar om te delen.")
    alice.get_by_role("button", name="Opslaan als concept").click()
    expect(alice).to_have_url(CASE_URL)
    draft_url = alice.url
    expect(
        alice.get_by_text("De casus is opgeslagen als concept. Alleen je eigen gemeente ziet hem.")
    ).to_be_visible()
    expect(alice.locator(".badge-draft")).to_have_text("concept")

    # A colleague of the same municipality sees the draft, marked as such.
    anne = login_as("anne")
    open_case(anne, draft_url, title)
    expect(anne.locator(".case-header .notice")).to_contain_text("Dit is een concept.")
    expect(anne.locator(".badge-draft")).to_have_text("concept")

    # A participant of another municipality does not, neither directly nor in the list.
    bram = login_as("bram")
    assert_not_found(bram, draft_url, title)
    bram.goto("/cases")
    expect(bram.locator("#case-results article.case-card")).to_have_count(2)
    expect(bram.locator("#case-results").get_by_text(title)).to_have_count(0)


def test_comment_post_needs_the_csrf_token_that_htmx_sends(
    live_server: LiveServer, login_as: Callable[[str], Page]
):
    case_id, title = live_server.cases["opvang"]
    case_url = live_server.case_url("opvang")
    post_url = f"{live_server.url}/cases/{case_id}/comments"
    bram = login_as("bram")
    open_case(bram, case_url, title)

    # Same cookies as the page (so signed in), but no token: refused.
    assert bram.request.get(case_url).status == 200
    forged = bram.request.post(post_url, form={"body": "Vervalste reactie zonder token"})
    assert forged.status == 400
    assert "Je sessie is verlopen of het formulier is niet geldig." in forged.text()

    # The same post from the page, through htmx, carries the token and is accepted.
    url = mark_page(bram)
    bram.locator("#comment-form").get_by_label("Reactie").fill("Echte reactie via de pagina.")
    with bram.expect_request(lambda r: r.method == "POST" and r.url == post_url) as sent:
        bram.get_by_role("button", name="Reactie plaatsen").click()
    request = sent.value
    assert request.headers.get("hx-request") == "true"
    assert request.headers.get("x-csrftoken")
    response = request.response()
    assert response is not None and response.status == 200
    expect(bram.locator("#comments article.comment")).to_have_text(
        re.compile("Echte reactie via de pagina.")
    )
    assert_not_reloaded(bram, url)

    bram.reload()
    expect(bram.locator("#comments article.comment")).to_have_count(1)
    expect(bram.get_by_text("Vervalste reactie zonder token")).to_have_count(0)


def test_focus_moves_to_the_error_after_a_failed_comment(
    live_server: LiveServer, login_as: Callable[[str], Page]
):
    _, title = live_server.cases["jongeren"]
    bram = login_as("bram")
    open_case(bram, live_server.case_url("jongeren"), title)
    box = bram.locator("#comment-form").get_by_label("Reactie")
    box.fill("   ")
    bram.get_by_role("button", name="Reactie plaatsen").click()
    expect(bram.locator("#comment-form .field-errors")).to_be_visible()
    expect(bram.locator("#comment-form").get_by_label("Reactie")).to_be_focused()


def test_focus_moves_into_the_comment_editor(
    live_server: LiveServer, login_as: Callable[[str], Page]
):
    _, title = live_server.cases["jongeren"]
    bram = login_as("bram")
    open_case(bram, live_server.case_url("jongeren"), title)
    bram.locator("#comment-form").get_by_label("Reactie").fill("Een eigen reactie.")
    bram.get_by_role("button", name="Reactie plaatsen").click()
    own = bram.locator("#comments article.comment").filter(has_text="Een eigen reactie.")
    expect(own).to_be_visible()
    wait_for_htmx(bram)
    own.get_by_role("link", name="Bewerken").click()
    editor = bram.locator(".comment-editing textarea")
    expect(editor).to_be_visible()
    expect(editor).to_be_focused(timeout=2_000)
