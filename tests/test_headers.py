"""Security headers on every response, and templates that need no unsafe-inline."""

import re
from pathlib import Path

import pytest

from app.config import PROJECT_ROOT


@pytest.mark.parametrize("path", ["/", "/login", "/bestaat-niet", "/static/css/app.css"])
def test_security_headers_on_every_response(client, path):
    response = client.get(path)
    response.close()  # a static file response holds the file open until closed
    csp = response.headers["Content-Security-Policy"]
    for directive in (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    ):
        assert directive in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "Strict-Transport-Security" not in response.headers  # plain http


def test_hsts_over_https(client):
    response = client.get("/login", base_url="https://casusplein.example.nl")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_signed_in_pages_are_not_cached(client, login, make_user):
    login(make_user())
    assert client.get("/cases").headers["Cache-Control"] == "no-store"


# E-mail bodies (templates/mail/) are exempt: mail clients need inline styles, and the CSP of
# this site does not apply to them.
TEMPLATES = sorted(
    path
    for path in (PROJECT_ROOT / "templates").rglob("*.html")
    if "mail" not in path.relative_to(PROJECT_ROOT / "templates").parts[:1]
)


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: str(p.relative_to(PROJECT_ROOT)))
def test_templates_have_no_inline_script_style_or_handlers(template: Path):
    text = template.read_text()
    assert not re.search(r"<script(?![^>]*\bsrc=)", text), "inline script"
    assert "<style" not in text and not re.search(r"\sstyle=", text)
    assert not re.search(r"\son[a-z]+=", text), "inline event handler"


def test_htmx_evaluates_nothing_and_keeps_no_history_snapshots():
    base = (PROJECT_ROOT / "templates" / "base.html").read_text()
    for setting in (
        '"allowEval": false',
        '"includeIndicatorStyles": false',
        '"historyCacheSize": 0',
    ):
        assert setting in base
