"""/healthz runs every registered check and answers 503 with JSON when one reports a problem."""

import pytest

from app import health
from app.extensions import db
from app.search import storage
from tests.conftest import _app_for


def test_healthy_app_reports_ok(app, client):
    storage.store().ensure()
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "checks": {"database": "ok", "search_index": "ok"}}


def test_unreachable_database_gives_503(tmp_path):
    # A database file in a folder that does not exist cannot be opened.
    app = _app_for(tmp_path, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/missing/x.db")
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json["status"] == "error"
    assert response.json["checks"]["database"] == "unreachable"
    with app.app_context():
        db.engine.dispose()


def test_registered_check_is_reported(app, client):
    storage.store().ensure()
    health.register(app, "mail", lambda: "no mail server")
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json["checks"] == {
        "database": "ok",
        "search_index": "ok",
        "mail": "no mail server",
    }


def test_check_that_raises_counts_as_failed(app, client):
    def crashing():
        raise RuntimeError("boom")

    health.register(app, "flaky", crashing)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json["checks"]["flaky"] == "check failed: RuntimeError"


def test_check_names_are_unique(app):
    with pytest.raises(ValueError, match="already registered"):
        health.register(app, "database", lambda: None)
