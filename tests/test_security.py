"""CSRF on every state-changing request, and user text rendered inert."""

import re
from html.parser import HTMLParser

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.markdown import ALLOWED_TAGS, render_markdown
from app.models import Comment, Role

XSS_PAYLOADS = [
    "<script>alert('xss')</script>",
    '<img src=x onerror="alert(1)">',
    "[klik](javascript:alert(1))",
    '<a href="javascript:alert(1)">x</a>',
    "<iframe src=https://evil.example></iframe>",
    '<div hx-get="/logout" hx-trigger="load">x</div>',
    "<svg onload=alert(1)>",
]


class _MarkupAudit(HTMLParser):
    """Collects the elements and attributes a browser would act on (not escaped text)."""

    def __init__(self) -> None:
        super().__init__()
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "iframe", "svg", "object", "embed", "img"):
            self.problems.append(tag)
        for name, value in attrs:
            if name.startswith(("on", "hx-", "data-hx")):
                self.problems.append(f"{tag}[{name}]")
            if name in ("href", "src") and (value or "").strip().lower().startswith("javascript:"):
                self.problems.append(f"{tag}[{name}=javascript]")


def dangerous_markup(html: str) -> list[str]:
    audit = _MarkupAudit()
    audit.feed(html)
    return audit.problems


@pytest.fixture
def csrf_app(app):
    app.config["WTF_CSRF_ENABLED"] = True
    return app


def test_post_without_csrf_token_is_refused(csrf_app, login, make_case, make_user):
    case = make_case()
    test_client = login(make_user(), csrf_app.test_client())
    response = test_client.post(f"/cases/{case.id}/comments", data={"body": "Zonder token"})
    assert response.status_code == 400
    assert "formulier is niet geldig" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Comment.id))) == 0


def test_htmx_post_without_token_is_refused_with_a_fragment(csrf_app, login, make_case, make_user):
    case = make_case()
    test_client = login(make_user(), csrf_app.test_client())
    response = test_client.post(
        f"/cases/{case.id}/comments", data={"body": "x"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 400
    assert "<html" not in response.get_data(as_text=True)


def test_htmx_post_with_header_token_is_accepted(csrf_app, login, make_case, make_user):
    case = make_case()
    test_client = login(make_user(), csrf_app.test_client())
    page = test_client.get(f"/cases/{case.id}").get_data(as_text=True)
    # The token htmx sends comes from hx-headers on <body>.
    token = page.split('"X-CSRFToken": "')[1].split('"')[0]
    response = test_client.post(
        f"/cases/{case.id}/comments",
        data={"body": "Met token"},
        headers={"HX-Request": "true", "X-CSRFToken": token},
    )
    assert response.status_code == 200
    assert db.session.scalar(sa.select(sa.func.count(Comment.id))) == 1


def test_login_and_logout_need_the_token(csrf_app, make_user):
    make_user(email="csrf@example.nl")
    test_client = csrf_app.test_client()
    response = test_client.post("/login", data={"email": "csrf@example.nl", "password": "x"})
    assert response.status_code == 400
    assert test_client.post("/logout").status_code == 400


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_markdown_output_is_sanitised(payload):
    assert dangerous_markup(str(render_markdown(payload))) == []


def test_sanitiser_strips_what_the_renderer_might_let_through():
    # Even if Markdown rendering produced raw HTML, the nh3 allowlist removes it.
    assert not {"script", "iframe", "img", "svg", "style"} & ALLOWED_TAGS


def test_links_get_rel_nofollow():
    html = str(render_markdown("[site](https://example.nl)"))
    assert 'href="https://example.nl"' in html
    assert "nofollow" in html and "noopener" in html


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_xss_in_title_body_and_comment_is_inert(client, login, make_case, make_user, payload):
    participant = make_user()
    case = make_case(author=participant, title=f"Titel {payload}", situation=payload)
    login(participant)
    client.post(f"/cases/{case.id}/comments", data={"body": payload})
    for url in (f"/cases/{case.id}", "/cases", "/"):
        page = client.get(url).get_data(as_text=True)
        main = page.split('<main id="main"')[1].split("</main>")[0]
        # Rendered user Markdown may carry no active markup at all ...
        for prose in re.findall(r'<div class="prose">(.*?)</div>', main, re.S):
            assert dangerous_markup(prose) == []
        # ... and nowhere in the page may it add scripts, handlers or javascript: links
        # (the page's own hx-* attributes on forms and links are expected).
        problems = [p for p in dangerous_markup(main) if "[hx-" not in p]
        assert problems == []


def test_title_is_escaped_not_dropped(client, login, make_case, make_user):
    participant = make_user()
    case = make_case(author=participant, title="Wij & zij <b>vet</b>")
    login(participant)
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Wij &amp; zij &lt;b&gt;vet&lt;/b&gt;" in page


def test_error_pages_are_dutch_and_not_500(client, login, make_user):
    login(make_user(Role.ORGANISER))
    assert "Niet gevonden" in client.get("/bestaat-niet").get_data(as_text=True)
    response = client.put("/cases")
    assert response.status_code == 405
    assert "Niet toegestaan" in response.get_data(as_text=True)


def test_request_too_large_is_413(client, login, make_user, make_case, app):
    case = make_case()
    login(make_user())
    response = client.post(
        f"/cases/{case.id}/comments", data={"body": "x" * (app.config["MAX_CONTENT_LENGTH"] + 10)}
    )
    assert response.status_code == 413
    assert "Te groot" in response.get_data(as_text=True)
