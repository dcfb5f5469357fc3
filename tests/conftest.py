"""Fixtures: an app on a freshly migrated database per test, clients, and factories.

The database is SQLite unless TEST_DATABASE_URL names a PostgreSQL database (see README,
"Tests on PostgreSQL"). It is a separate variable from the app's DATABASE_URL on purpose: the
suite empties its database before every test, which must never hit a database someone uses.
"""

import os
import shutil
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from flask_migrate import upgrade

from app import create_app
from app.extensions import db
from app.search.storage import close_thread_searchers

pytest_plugins = [
    "tests.factories",
    "tests.factories_network",
    "tests.search_factories",
    "tests.archive_factories",
]

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "")


class FreshContextClient(FlaskClient):
    """Each request gets its own app context (and so its own `g` and database session).

    The tests keep an app context open for factories; without this, requests would reuse it
    and share `g`, e.g. Flask-Login's cached user, which never happens in production.
    """

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


def sqlite_uri(instance: Path) -> str:
    return f"sqlite:///{instance / 'casusplein.db'}"


def _app_for(instance: Path, **overrides):
    config = {
        "INSTANCE_PATH": str(instance),
        "SQLALCHEMY_DATABASE_URI": sqlite_uri(instance),
        **overrides,
    }
    app = create_app(config, testing=True)
    app.test_client_class = FreshContextClient
    return app


class SQLiteTemplate:
    """Migrations run once into a template file; every test gets a copy of it."""

    dialect = "sqlite"

    def __init__(self, instance: Path) -> None:
        self.template = instance / "casusplein.db"
        app = _app_for(instance)
        with app.app_context():
            upgrade()
            db.engine.dispose()

    def fresh(self, instance: Path) -> str:
        shutil.copy(self.template, instance / "casusplein.db")
        return sqlite_uri(instance)


class PostgresReset:
    """Migrations run once into the test database; before each test its tables are emptied.

    The rows the migrations themselves insert (themes, dilemmas) are read back right after the
    upgrade and put back after every reset, so the reference data stays the migrations' own.
    """

    dialect = "postgresql"

    def __init__(self, url: str, instance: Path) -> None:
        if "test" not in sa.make_url(url).database:
            pytest.exit(f"TEST_DATABASE_URL must name a test database (with 'test' in it): {url}")
        self.url = url
        self.engine = sa.create_engine(url)
        with self.engine.begin() as connection:
            connection.exec_driver_sql("DROP SCHEMA public CASCADE")
            connection.exec_driver_sql("CREATE SCHEMA public")
        app = _app_for(instance, SQLALCHEMY_DATABASE_URI=url)
        with app.app_context():
            upgrade()
            db.engine.dispose()
        metadata = sa.MetaData()
        metadata.reflect(self.engine)
        self.tables = [t for t in metadata.sorted_tables if t.name != "alembic_version"]
        with self.engine.connect() as connection:
            self.seeded = {
                table: [dict(row) for row in connection.execute(table.select()).mappings()]
                for table in self.tables
            }
        self.seeded = {table: rows for table, rows in self.seeded.items() if rows}

    def fresh(self, _instance: Path) -> str:
        names = ", ".join(f'"{table.name}"' for table in self.tables)
        with self.engine.begin() as connection:
            connection.exec_driver_sql(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
            for table, rows in self.seeded.items():
                connection.execute(table.insert(), rows)
                # The rows keep their ids; the id sequence must continue after them.
                if "id" in table.c:
                    connection.execute(
                        sa.text(
                            "SELECT setval(pg_get_serial_sequence(:table, 'id'), "
                            f'(SELECT max(id) FROM "{table.name}"))'
                        ),
                        {"table": table.name},
                    )
        return self.url

    def close(self) -> None:
        self.engine.dispose()


@pytest.fixture(scope="session")
def migrated_database(tmp_path_factory):
    """Run the real migrations once per session (SQLite template or PostgreSQL schema)."""
    instance = tmp_path_factory.mktemp("template")
    if TEST_DATABASE_URL.startswith("postgresql"):
        database = PostgresReset(TEST_DATABASE_URL, instance)
        yield database
        database.close()
    else:
        yield SQLiteTemplate(instance)


@pytest.fixture
def database_uri(tmp_path, migrated_database) -> str:
    """The URI of a database in exactly the state the migrations leave it."""
    return migrated_database.fresh(tmp_path)


@pytest.fixture
def app(tmp_path, database_uri):
    app = _app_for(tmp_path, SQLALCHEMY_DATABASE_URI=database_uri)
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
            # The id carries the session token, and a signed-in session has its clock.
            session["_user_id"] = user.get_id()
            session["_fresh"] = True
            session["auth_at"] = session["seen_at"] = int(time.time())
        return target

    return _login


@pytest.fixture
def write_statements(app):
    """Every INSERT/UPDATE/DELETE sent to the database while the test runs."""
    seen: list[str] = []

    def _record(_conn, _cursor, statement, *_args):
        if statement.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")):
            seen.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", _record)
    yield seen
    sa.event.remove(db.engine, "before_cursor_execute", _record)
