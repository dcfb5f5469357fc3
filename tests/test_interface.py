"""The interface of issue 14 as the server sends it: menu, words, badges, dilemmas, forms,
favicon and the vendored NL Design System. Browser behaviour is in tests/browser/."""

import re
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa

from app import clock
from app.extensions import db
from app.models import Dilemma, Role

ROOT = Path(__file__).parents[1]


def test_favicon_is_served(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    icon = client.get(response.headers["Location"])
    icon.close()  # a static file response holds the file open until closed
    assert icon.status_code == 200 and icon.mimetype == "image/svg+xml"


def test_menu_marks_the_page_and_its_section(client, login, make_user, make_case):
    user = make_user()
    case = make_case(author=user)
    login(user)
    cases_page = client.get("/cases").get_data(as_text=True)
    assert re.search(r'href="/cases" aria-current="page">Casussen<', cases_page)
    one_case = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert re.search(r'href="/cases" aria-current="true">Casussen<', one_case)
    assert 'aria-current="page">Start<' not in one_case


def test_the_menu_folds_into_a_disclosure_without_javascript(client, login, make_user):
    login(make_user(Role.ORGANISER))
    html = client.get("/").get_data(as_text=True)
    menu = html[html.index('<details class="site-menu">') : html.index("</details>")]
    assert "<summary" in menu and "Menu" in menu
    assert 'aria-label="Hoofdmenu"' in menu and "Uitloggen" in menu
    assert ">Logboek<" not in menu  # the sub-menu of Beheer, not the main menu
    assert ">E-mail<" not in menu  # it meant notification settings: now under Mijn account


def test_words_say_what_they_mean(client, login, make_user):
    login(make_user(Role.ORGANISER))
    audit = client.get("/admin/audit").get_data(as_text=True)
    assert "<h1>Logboek</h1>" in audit and "Auditlog" not in audit
    queue = client.get("/archive/review").get_data(as_text=True)
    assert "<h1>Archiefbeheer</h1>" in queue
    new_assignment = client.get("/assignments/new").get_data(as_text=True)
    assert "Opmaak: **vet**, *cursief*, - opsomming" in new_assignment
    assert "Markdown." not in new_assignment
    account = client.get("/account/security").get_data(as_text=True)
    assert "<h1>Mijn account</h1>" in account and 'href="/notifications/preferences"' in account


def test_intake_form_asks_to_describe(client):
    assert "Beschrijf kort de actuele vraagstukken" in client.get("/intake/apply").get_data(
        as_text=True
    )


def test_badges_are_labelled_and_dilemma_questions_visible(client, login, make_user, make_case):
    user = make_user()
    dilemma = db.session.scalar(sa.select(Dilemma).where(Dilemma.number == 1))
    case = make_case(author=user, dilemmas=[dilemma])
    login(user)
    html = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Polarisatie: horizontaal" in html and "Stand: open vraag" in html
    assert f'<span class="dilemma-question">{dilemma.question}</span>' in html
    assert "<abbr" not in html


def test_error_summary_links_every_error_to_its_field(client, login, make_user):
    login(make_user())
    response = client.post("/cases/new", data={"action": "share"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    summary = html[
        html.index('class="form-summary"') : html.index(
            "</div>", html.index('class="form-summary"')
        )
    ]
    assert "data-focus" in summary
    for field_id in ("title", "themes", "polarisation_kind", "summary"):
        assert f'href="#{field_id}"' in summary
        assert f'id="{field_id}"' in html
    assert 'value=""' not in summary


def test_reflection_form_shows_the_hint_of_its_methods(
    client, login, make_user, make_case, make_method
):
    make_method(is_public=True)
    case = make_case()
    login(make_user(Role.EXPERT))
    html = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Methodieken uit de bibliotheek die je in deze reflectie aanraadt." in html


def test_a_past_session_says_which_cases_were_discussed(client, login, make_user, make_meeting):
    past = make_meeting(date=clock.today() - timedelta(days=7), venue="Stadhuis")
    coming = make_meeting()
    login(make_user())
    assert "Besproken casussen" in client.get(f"/meetings/{past.id}").get_data(as_text=True)
    assert "Casussen die besproken worden" in client.get(f"/meetings/{coming.id}").get_data(
        as_text=True
    )


def test_vendored_nlds_is_pinned_with_its_licence():
    vendor = ROOT / "static" / "vendor" / "nlds"
    css = (vendor / "nlds-9.0.4.css").read_text()
    assert css.startswith(
        "/*! NL Design System for Casusplein: @utrecht/component-library-css@9.0.4"
    )
    assert "@layer nlds{" in css and ".casusplein-theme{" in css
    assert "EUROPEAN UNION PUBLIC LICENCE v. 1.2" in (vendor / "LICENSE-EUPL-1.2.md").read_text()
    base = (ROOT / "templates" / "base.html").read_text()
    assert "nlds/nlds-9.0.4.css" in base and "css/print.css" in base


def test_pages_keep_the_strict_csp(client):
    response = client.get("/")
    assert "style-src 'self'" in response.headers["Content-Security-Policy"]
    html = response.get_data(as_text=True)
    assert " style=" not in html and "<style" not in html
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)
