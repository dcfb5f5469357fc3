"""`backup create` and `backup restore` round-trip every table exactly, and announce a restore."""

import pytest
import sqlalchemy as sa

from app import events
from app.extensions import db
from app.models import Comment, Reflection, Role, User


def _every_table() -> dict[str, list[tuple]]:
    """All rows of all tables, in primary-key order, read fresh."""
    db.session.remove()
    metadata = sa.MetaData()
    metadata.reflect(db.engine)
    with db.engine.connect() as connection:
        return {
            table.name: [
                tuple(row)
                for row in connection.execute(table.select().order_by(*table.primary_key.columns))
            ]
            for table in metadata.sorted_tables
        }


@pytest.fixture
def populated(make_case, make_user):
    expert = make_user(role=Role.EXPERT, organisation="Movisie")
    for number in range(3):
        case = make_case(title=f"Casus {number} met ümlauts en 'quotes'")
        db.session.add(Comment(case=case, author=case.author, body=f"Reactie **{number}**"))
        db.session.add(Reflection(case=case, author=expert, body="Reflectie", key_lessons="Les"))
    db.session.commit()


def test_backup_and_restore_round_trip_every_table(app, runner, populated, tmp_path):
    before = _every_table()
    backup = tmp_path / "backups" / "casusplein.backup"
    result = runner.invoke(args=["backup", "create", str(backup)])
    assert result.exit_code == 0, result.output
    assert backup.stat().st_size > 0

    # Change, delete and add after the backup; the restore must undo all of it.
    db.session.execute(sa.update(User).values(display_name="Gewijzigd"))
    db.session.execute(sa.delete(Reflection))
    db.session.execute(sa.delete(Comment))
    db.session.commit()
    assert _every_table() != before

    restored = []

    def on_restored(sender):
        restored.append(sender)

    with events.database_restored.connected_to(on_restored):
        result = runner.invoke(args=["backup", "restore", "--yes", str(backup)])
    assert result.exit_code == 0, result.output
    assert _every_table() == before
    assert restored == [app]
    # The app goes on working on the restored database.
    assert db.session.scalar(sa.select(sa.func.count(Comment.id))) == 3


def test_backup_never_overwrites_an_existing_file(runner, tmp_path):
    existing = tmp_path / "old.backup"
    existing.write_text("eerdere backup")
    result = runner.invoke(args=["backup", "create", str(existing)])
    assert result.exit_code != 0
    assert "already exists" in result.output
    assert existing.read_text() == "eerdere backup"


def test_restore_refuses_a_file_that_is_no_backup(app, runner, tmp_path):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("pg_restore does its own checking")
    junk = tmp_path / "junk.backup"
    junk.write_bytes(b"geen database" * 100)
    before = _every_table()
    result = runner.invoke(args=["backup", "restore", "--yes", str(junk)])
    assert result.exit_code != 0
    assert "not a Casusplein SQLite backup" in result.output
    assert _every_table() == before
