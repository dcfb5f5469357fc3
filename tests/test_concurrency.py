"""Several processes write at once: no "database is locked", no lost write, a sound file."""

import os
import signal
import subprocess
import sys

import pytest
import sqlalchemy as sa

from app.config import PROJECT_ROOT
from app.extensions import configure_sqlite, db
from app.models import Comment

WRITERS = 4
COMMENTS_EACH = 50


def _start_writer(uri: str, case_id: int, user_id: int, count: int, label: str):
    return subprocess.Popen(
        [sys.executable, "-m", "tests.writer", uri, str(case_id), str(user_id), str(count), label],
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONWARNINGS": "error"},
    )


def _acknowledged(output: str) -> set[int]:
    return {int(line.split()[1]) for line in output.splitlines() if line.startswith("ok ")}


@pytest.fixture
def shared_case(make_case, make_user):
    case = make_case()
    db.session.commit()
    return case, make_user(municipality=case.municipality)


def test_concurrent_writers_lose_nothing(app, shared_case):
    case, author = shared_case
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    writers = [
        _start_writer(uri, case.id, author.id, COMMENTS_EACH, f"schrijver {n}")
        for n in range(WRITERS)
    ]
    acknowledged: set[int] = set()
    for writer in writers:
        output, errors = writer.communicate(timeout=600)  # a guard against a hang only
        assert writer.returncode == 0, output + errors
        acknowledged |= _acknowledged(output)

    assert len(acknowledged) == WRITERS * COMMENTS_EACH
    stored = set(db.session.scalars(sa.select(Comment.id).where(Comment.case_id == case.id)))
    assert stored == acknowledged


KILL_ROUNDS = 4


def test_killed_writers_leave_every_acknowledged_write_and_a_sound_database(app, shared_case):
    case, author = shared_case
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    acknowledged: set[int] = set()
    for round_number in range(KILL_ROUNDS):
        writer = _start_writer(uri, case.id, author.id, 10_000, f"ronde {round_number}")
        # Kill after a different number of acknowledged commits each round (counted, not
        # timed): readline returns at the writer's next "ok", or at its exit.
        seen = ""
        for _ in range(3 * round_number + 1):
            line = writer.stdout.readline()
            assert line.startswith("ok "), seen + line + writer.stderr.read()
            seen += line
        writer.send_signal(signal.SIGKILL)
        rest, _errors = writer.communicate(timeout=30)
        assert writer.returncode == -signal.SIGKILL
        acknowledged |= _acknowledged(seen + rest)

    db.session.remove()
    stored = set(db.session.scalars(sa.select(Comment.id).where(Comment.case_id == case.id)))
    # A write killed between its commit and its "ok" may be stored without being acknowledged.
    assert acknowledged <= stored
    assert len(acknowledged) >= sum(3 * n + 1 for n in range(KILL_ROUNDS))
    if db.engine.dialect.name == "sqlite":
        assert db.session.execute(sa.text("PRAGMA integrity_check")).scalar() == "ok"


@pytest.fixture
def second_engine(app):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite locking")
    engine = sa.create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    configure_sqlite(engine)
    yield engine
    engine.dispose()


def _insert_comment(connection, case_id: int, author_id: int, body: str) -> None:
    connection.execute(
        sa.insert(Comment).values(
            case_id=case_id, author_id=author_id, body=body, created_at=sa.func.now()
        )
    )


def test_transaction_that_read_first_can_still_write_after_another_commit(
    app, shared_case, second_engine
):
    case, author = shared_case
    with second_engine.connect() as reader_then_writer:
        reader_then_writer.execute(sa.select(Comment.id)).all()  # read first, as views do
        with second_engine.begin() as other:
            _insert_comment(other, case.id, author.id, "tussendoor")
        _insert_comment(reader_then_writer, case.id, author.id, "daarna")
        reader_then_writer.commit()
    assert db.session.scalar(sa.select(sa.func.count(Comment.id))) == 2


def test_open_read_transaction_does_not_hold_the_write_lock(app, shared_case, second_engine):
    case, author = shared_case
    with second_engine.connect() as reader:
        reader.exec_driver_sql("PRAGMA busy_timeout=0")
        reader.execute(sa.select(Comment.id)).all()
        assert reader.in_transaction()
        # A page still rendering in one worker must not block a write in another.
        with second_engine.connect() as writer:
            writer.exec_driver_sql("PRAGMA busy_timeout=0")
            _insert_comment(writer, case.id, author.id, "direct")
            writer.commit()
