"""Fixtures: an app on a freshly migrated SQLite database per test, clients, and factories."""

import shutil
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from flask_migrate import upgrade

from app import create_app
from app.extensions import db
from app.search.storage import close_thread_searchers

pytest_plugins = ["tests.factories", "tests.search_factories"]


class FreshContextClient(FlaskClient):
    """Each request gets its own app context (and so its own `g` and database session).

    The tests keep an app context open for factories; without this, requests would reuse it
    and share `g`, e.g. Flask-Login's cached user, which never happens in production.
    """

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


def _app_for(instance: Path, **overrides):
    config = {
        "INSTANCE_PATH": str(instance),
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance / 'casusplein.db'}",
        **overrides,
    }
    app = create_app(config, testing=True)
    app.test_client_class = FreshContextClient
    return app


@pytest.fixture(scope="session")
def migrated_database(tmp_path_factory) -> Path:
    """Run the real migrations once; every test starts from a copy of the result."""
    instance = tmp_path_factory.mktemp("template")
    app = _app_for(instance)
    with app.app_context():
        upgrade()
        db.engine.dispose()
    return instance / "casusplein.db"


@pytest.fixture
def app(tmp_path, migrated_database):
    shutil.copy(migrated_database, tmp_path / "casusplein.db")
    app = _app_for(tmp_path)
    with app.app_context():
        yield app
        close_thread_searchers()
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def login(client):
    """Sign a user in on the test client (the login form itself is tested in test_auth)."""

    def _login(user, test_client=None):
        target = test_client or client
        with target.session_transaction() as session:
            session["_user_id"] = str(user.id)
            session["_fresh"] = True
        return target

    return _login
