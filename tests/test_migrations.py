"""The migrations build exactly the schema the models describe."""

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from app.cases.services import all_dilemmas, all_themes
from app.extensions import db
from tests.conftest import TEST_DATABASE_URL, _app_for


def test_upgrade_on_empty_database_matches_models(app):
    # The app fixture's database was built by `flask db upgrade` (see conftest).
    with db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "render_as_batch": True}
        )
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_reference_data_is_seeded_by_migration(app):
    slugs = {theme.slug for theme in all_themes()}
    assert {
        "vluchtelingenopvang", "gentrificatie", "jongerengroepen", "online-polarisatie",
        "genderdiscussie", "stikstof", "windmolens", "woningkrapte", "inflatie",
    } <= slugs  # fmt: skip
    assert [dilemma.number for dilemma in all_dilemmas()] == [1, 2, 3, 4, 5, 6, 7]


def test_sqlite_runs_in_wal_mode_with_foreign_keys(app):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite pragmas")
    with db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA secure_delete").scalar() == 1


def test_flask_db_check_reports_no_pending_changes(runner):
    result = runner.invoke(args=["db", "check"])
    assert result.exit_code == 0, result.output


def test_suite_runs_on_the_database_it_was_given(app):
    # Guards the PostgreSQL pass of CI against silently testing SQLite twice.
    expected = "postgresql" if TEST_DATABASE_URL.startswith("postgresql") else "sqlite"
    assert db.engine.dialect.name == expected


def test_participant_without_municipality_is_refused_by_the_database(app):
    with pytest.raises(sa.exc.IntegrityError):
        db.session.execute(
            sa.text(
                "INSERT INTO users (email, display_name, role, active, password_hash, created_at)"
                " VALUES ('x@example.nl', 'X', 'participant', true, 'x', '2026-01-01')"
            )
        )
    db.session.rollback()


# The head of the last release; the migrations after it must carry a live database along.
RELEASED = "4d169a1bb075"


def _row_counts(tables) -> dict[str, int]:
    with db.engine.connect() as connection:
        return {
            table: connection.exec_driver_sql(f'SELECT count(*) FROM "{table}"').scalar()
            for table in tables
        }


def test_migrations_since_the_release_keep_every_row_of_a_populated_database(tmp_path):
    """On SQLite some changes copy a table; with foreign keys on, dropping the old copy of
    `users` would take every row that refers to a user with it (or be refused)."""
    app = _app_for(tmp_path / "populated")
    with app.app_context():
        upgrade()
        assert app.test_cli_runner().invoke(args=["seed-demo"]).exit_code == 0
        tables = sa.inspect(db.engine).get_table_names()
        before = _row_counts(tables)
        assert before["users"] and before["cases"] and before["comments"]
        db.session.remove()

        downgrade(revision=RELEASED)
        upgrade()

        after = _row_counts(tables)
        # Tables created after the release start empty again.
        for table in ("ended_sessions", "alembic_version"):
            before.pop(table), after.pop(table)
        # The edit history starts with every item's text as its first version, and the
        # search index is asked to follow the publications' reviewed copies.
        for versions, items in (
            ("case_versions", "cases"),
            ("reflection_versions", "reflections"),
            ("method_versions", "methods"),
        ):
            before.pop(versions)
            assert after.pop(versions) >= before[items]
        before.pop("comment_versions")
        assert after.pop("comment_versions") > 0  # not of deleted comments: their text is gone
        assert after.pop("search_changes") > before.pop("search_changes")
        assert after == before
        with db.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall() == []
            assert connection.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
        db.engine.dispose()
