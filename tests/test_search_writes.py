"""How changes reach the search index without every writer committing it.

With the background indexer (the default outside tests) the request that wrote hands its
change to a thread of its process and answers; a search made afterwards finds the change
all the same, because a search first applies what is still pending. Without it, a writer
applies what is pending itself, and writers waiting for the lock find their rows applied by
the one before them (group commit).
"""

import subprocess
import sys
import threading
import time

import pytest
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session

from app.config import PROJECT_ROOT
from app.extensions import db
from app.models import Role, SearchChange
from app.search import background, changelog, freshness, merging, progress, writer
from app.search.services import similar_cases
from app.search.storage import ARCHIVE, NETWORK, store
from tests.search_factories import titles


@pytest.fixture
def expert(make_user):
    return make_user(Role.EXPERT)


@pytest.fixture
def in_background(app):
    """The production setting; the thread is drained before the app goes."""
    app.config["SEARCH_INDEX_IN_BACKGROUND"] = True
    yield
    background.drain(app, timeout=30)


@pytest.fixture
def no_indexer_thread(in_background, monkeypatch):
    """Background mode, with the thread never started: what the requests do on their own."""
    woken = []
    monkeypatch.setattr(background.BackgroundIndexer, "notify", lambda self: woken.append(1))
    return woken


def _comment(client, case, body: str) -> None:
    response = client.post(f"/cases/{case.id}/comments", data={"body": body})
    assert response.status_code == 303


def test_a_write_does_not_wait_for_the_index_and_the_next_search_finds_it(
    app, client, login, write_case, find, expert, no_indexer_thread
):
    case = write_case(title="Buurtfeest", summary="Een buurtfeest in de zomer.")
    writes_before = len(no_indexer_thread)
    _comment(login(case.author), case, "De draaiorgel kwam ook langs.")
    # The request logged its change and woke the indexer; it indexed nothing itself.
    assert len(no_indexer_thread) == writes_before + 1
    assert changelog.pending_count() == 2
    # Read-your-writes where it is observed: the search applies what is pending first.
    assert titles(find(expert, "draaiorgel")) == ["Buurtfeest"]
    assert changelog.pending_count() == 0


def test_the_background_indexer_applies_changes_in_its_own_thread(
    app, client, login, write_case, find, expert, in_background, monkeypatch
):
    applied_in, merged_in = [], []
    original_apply, original_merge = writer.apply_pending, merging.merge_due_elsewhere

    def apply_pending(*args, **kwargs):
        applied_in.append(threading.current_thread().name)
        return original_apply(*args, **kwargs)

    def merge_due_elsewhere(*args, **kwargs):
        # The thread starts the merge process and waits for it (the merge is not in here).
        merged_in.append(threading.current_thread().name)
        return original_merge(*args, **kwargs)

    monkeypatch.setattr(writer, "apply_pending", apply_pending)
    monkeypatch.setattr(merging, "merge_due_elsewhere", merge_due_elsewhere)
    case = write_case(title="Dorpshuis", summary="Het dorpshuis gaat dicht.")
    for number in range(3):
        _comment(login(case.author), case, f"Reactie {number} over de kaartclub.")
    background.drain(app, timeout=30)
    assert changelog.pending_count() == 0
    assert set(applied_in) == {"search-indexer"}
    assert set(merged_in) == {"search-indexer"}
    assert titles(find(expert, "kaartclub")) == ["Dorpshuis"]


def test_similar_cases_do_not_wait_for_the_index(app, write_case, expert, no_indexer_thread):
    first = write_case(title="Windpark een", summary="Een windpark bij het dorp.")
    write_case(title="Windpark twee", summary="Een windpark bij de stad.")
    # Both are pending; a case page asks for similar cases and only nudges the indexer.
    similar_cases(expert, first.id)
    assert changelog.pending_count() == 2
    assert no_indexer_thread


def _pending_ids() -> list[int]:
    return list(db.session.scalars(sa.select(SearchChange.id).order_by(SearchChange.id)))


def test_a_writer_whose_rows_another_applied_commits_nothing(
    app, write_case, find, expert, monkeypatch
):
    app.config["SEARCH_INDEX_IN_BACKGROUND"] = True
    monkeypatch.setattr(background.BackgroundIndexer, "notify", lambda self: None)
    write_case(title="Eerste", summary="Een schaatsbaan.")
    write_case(title="Tweede", summary="Een schaatsbaan op het plein.")
    ids = _pending_ids()
    app.config["SEARCH_INDEX_IN_BACKGROUND"] = False
    committed_by, holding = [], threading.Event()
    original_write = writer._write

    def slow_write(*args, **kwargs):
        committed_by.append(threading.current_thread().name)
        holding.set()
        time.sleep(0.2)  # the other writer arrives while this one holds the lock
        return original_write(*args, **kwargs)

    monkeypatch.setattr(writer, "_write", slow_write)

    def other_writer():
        with app.app_context():
            writer.apply_pending()

    other = threading.Thread(target=other_writer, name="other-writer")
    other.start()
    assert holding.wait(10)
    # This writer's rows are in the other's batch: it waits for them, it commits nothing.
    assert writer.apply_own(ids[-1:], timeout=10)
    other.join(10)
    assert set(committed_by) == {"other-writer"}
    assert changelog.pending_count() == 0
    assert find(expert, "schaatsbaan").total == 2


def test_a_search_waits_for_the_batch_with_its_rows_not_for_the_lock(
    app, write_case, find, expert, no_indexer_thread
):
    """The indexer holds the write lock batch after batch while changes keep coming; a
    search needs only the batch that holds what was committed before it."""
    write_case(title="Voor de zoekvraag", summary="Een kinderboerderij.")
    holding, release = threading.Event(), threading.Event()

    def indexer_at_work():
        with app.app_context():
            target = store()
            with target.write_lock(timeout=5), Session(db.engine) as session:
                holding.set()
                time.sleep(0.3)  # the search below starts meanwhile, and finds it pending
                target.ensure()
                indexes = {name: target.open(name) for name in (NETWORK, ARCHIVE)}
                done = changelog.progress_of(session, target)
                writer.catch_up(session, indexes, done, 5, lambda d: progress.save(target.root, d))
                release.wait(10)  # still holding the lock: the next batch

    app.config["SEARCH_CATCH_UP_TIMEOUT"] = 30  # long enough to wait for the lock
    other = threading.Thread(target=indexer_at_work)
    other.start()
    try:
        assert holding.wait(10)
        assert titles(find(expert, "kinderboerderij")) == ["Voor de zoekvraag"]
        # Answered while the indexer still holds the lock: it did not wait for it.
        assert other.is_alive() and not release.is_set()
    finally:
        release.set()
        other.join(10)


def test_a_writer_gives_up_waiting_and_leaves_its_rows_for_the_catch_up(
    app, write_case, find, expert
):
    with store().write_lock(timeout=1):
        case = write_case(title="Tijdens het slot", summary="Een ijsbaan.")
        assert not writer.apply_own(_pending_ids()[-1:], timeout=0.05)
    assert changelog.pending_count() == 1
    assert titles(find(expert, "ijsbaan")) == [case.title]


def _change_log_statements(read) -> int:
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        read()
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return sum("search_changes" in statement for statement in statements)


@pytest.fixture
def marked(app):
    """Changes are marked beside the database (SQLite); elsewhere every read asks the log."""
    if freshness.marker() is None:
        pytest.skip("changes are marked beside an SQLite database only")


def test_a_search_asks_the_change_log_only_when_a_change_may_be_pending(
    app, write_case, find, expert, no_indexer_thread, marked
):
    write_case(title="Kermis", summary="De kermis op het plein.")
    assert titles(find(expert, "kermis")) == ["Kermis"]
    # Nothing logged since that search applied what was: no statement about the change log.
    assert _change_log_statements(lambda: find(expert, "plein")) == 0
    assert _change_log_statements(lambda: similar_cases(expert, 1)) == 0
    # A change logged in this process: the next search looks, and applies it.
    write_case(title="Braderie", summary="Een braderie op het plein.")
    assert titles(find(expert, "braderie")) == ["Braderie"]


def test_a_change_another_process_logged_is_found_by_the_next_search(
    app, write_case, find, expert, no_indexer_thread, monkeypatch, marked
):
    write_case(title="Kermis", summary="De kermis op het plein.")
    assert titles(find(expert, "kermis")) == ["Kermis"]
    counted_here = freshness._logged_here
    write_case(title="Braderie", summary="Een braderie op het plein.")
    # As if another process (a worker of this instance or another instance) had written:
    # only the file beside the database tells, which its commit appended to before it
    # answered.
    monkeypatch.setattr(freshness, "_logged_here", counted_here)
    assert titles(find(expert, "braderie")) == ["Braderie"]


def test_a_change_nobody_marked_is_found_within_seconds(
    app, write_case, find, expert, no_indexer_thread, monkeypatch, marked
):
    """A writer that died between its commit and the mark: the next look at the change log,
    CHECK_SECONDS later at most, applies it."""
    assert find(expert, "braderie").total == 0
    monkeypatch.setattr(freshness, "logged", lambda: None)
    write_case(title="Braderie", summary="Een braderie op het plein.")
    assert find(expert, "braderie").total == 0  # trusting its look of a moment ago
    monkeypatch.setattr(freshness, "CHECK_SECONDS", 0.0)  # ... until that is too long ago
    assert titles(find(expert, "braderie")) == ["Braderie"]


def test_the_mark_file_starts_afresh_and_readers_notice(app, write_case, find, expert, marked):
    find(expert, "kermis")
    marker = freshness.marker()
    marker.write_bytes(b"." * freshness.MAX_LOGGED_BYTES)
    before = freshness.signature(store())
    write_case(title="Kermis", summary="De kermis op het plein.")
    assert marker.stat().st_size == 0
    assert freshness.signature(store()) != before
    assert titles(find(expert, "kermis")) == ["Kermis"]


EXITING_WRITER = """
import sys
from app import create_app
from app.cases.services import create_case
from app.extensions import db
from app.models import Municipality, Role, Theme, User
import sqlalchemy as sa

instance, uri = sys.argv[1], sys.argv[2]
app = create_app({"INSTANCE_PATH": instance, "SQLALCHEMY_DATABASE_URI": uri})
assert app.config["SEARCH_INDEX_IN_BACKGROUND"]
with app.app_context():
    author = db.session.scalar(sa.select(User).where(User.role == Role.PARTICIPANT))
    theme = db.session.scalar(sa.select(Theme.id).limit(1))
    create_case(author, {"title": "Vlak voor het einde", "themes": [theme],
                         "polarisation_kind": "vertical", "status": "open",
                         "summary": "Een afscheidsborrel.", "situation": "s", "question": "q"},
                share=True)
"""


def test_a_process_that_wrote_leaves_its_changes_indexed_when_it_exits(
    app, tmp_path, database_uri, make_user, runner
):
    make_user()
    db.session.commit()
    store().ensure()
    script = tmp_path / "exiting_writer.py"
    script.write_text(EXITING_WRITER)
    done = subprocess.run(
        [sys.executable, str(script), str(tmp_path), database_uri],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert changelog.pending_count() == 0  # applied by its indexer before the process ended
    assert runner.invoke(args=["search", "check"]).exit_code == 0
