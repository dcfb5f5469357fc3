"""The index is derived data: change log, catch-up after a crash, concurrent writers, rebuild,
and `search check`."""

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from whoosh.fields import TEXT, Schema
from whoosh.formats import Frequency

from app import events
from app.cases.services import delete_case
from app.comments.services import add_comment, delete_comment
from app.extensions import db
from app.models import Role, SearchChange
from app.search import documents, schema, storage, writer
from app.search.analysis import dutch_analyzer
from app.search.check import check as check_index
from app.search.rebuild import rebuild as rebuild_index
from app.search.schema import PAIRS_SUFFIX, WORDS_FIELD, archive_schema, network_schema
from app.search.services import similar_cases
from app.search.storage import ARCHIVE, NETWORK
from tests.search_factories import titles

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def expert(make_user):
    return make_user(Role.EXPERT)


def _pending() -> int:
    return db.session.scalar(
        sa.select(sa.func.count(SearchChange.id)).where(SearchChange.applied_at.is_(None))
    )


def test_change_log_row_is_part_of_the_transaction(app, make_case):
    case = make_case()
    events.case_changed.send(case, action="updated")
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(SearchChange.id))) == 0
    events.case_changed.send(case, action="updated")
    db.session.commit()
    rows = db.session.scalars(sa.select(SearchChange)).all()
    assert [(row.entity, row.case_id, row.action) for row in rows] == [("case", case.id, "updated")]
    assert rows[0].applied_at is not None


def test_read_your_writes_through_the_web(client, login, make_user, write_case, find):
    author = make_user()
    case = write_case(author=author, title="Wijkgesprek")
    login(author)
    response = client.post(
        f"/cases/{case.id}/comments", data={"body": "Wij huurden een sambaband in."}
    )
    assert response.status_code == 303
    # No catch-up, no waiting: the author's own comment is searchable when the answer arrives.
    assert titles(find(author, "sambaband")) == ["Wijkgesprek"]


def test_deletions_leave_the_index(write_case, find, expert, make_user, organiser):
    case = write_case(title="Tijdelijk", summary="Eenmalige pilot.")
    comment = add_comment(case, make_user(), "Een opmerking over de schoenendoos.")
    assert find(expert, "schoenendoos").total == 1
    delete_comment(comment)
    assert find(expert, "schoenendoos").total == 0
    delete_case(case)
    assert find(organiser, "pilot").total == 0


def test_catch_up_after_a_crash_between_commit_and_indexing(
    write_case, find, expert, runner, monkeypatch
):
    write_case(title="Voor de crash", summary="Alles goed.")

    def _crash():
        raise SystemError("process died before indexing")

    # The commit succeeds; the indexing step "dies" (its failure must not reach the user).
    monkeypatch.setattr(writer, "apply_pending", _crash)
    write_case(title="Na de crash", summary="Een brandweerkazerne.")
    monkeypatch.undo()
    assert _pending() == 1
    check = runner.invoke(args=["search", "check"])
    assert check.exit_code == 1
    assert "network: missing: 1 case(s)" in check.output
    assert "1 change(s) waiting" in check.output
    caught_up = runner.invoke(args=["search", "catch-up"])
    assert "1 change(s) applied" in caught_up.output
    assert titles(find(expert, "brandweerkazerne")) == ["Na de crash"]
    assert _pending() == 0
    assert runner.invoke(args=["search", "check"]).exit_code == 0


def test_next_write_catches_up_too(write_case, find, expert, monkeypatch):
    monkeypatch.setattr(writer, "apply_pending", lambda: (_ for _ in ()).throw(OSError()))
    write_case(title="Gemist", summary="Een vergeten waterschap.")
    monkeypatch.undo()
    write_case(title="Volgende", summary="Iets anders.")
    assert titles(find(expert, "waterschap")) == ["Gemist"]


def test_check_reports_stale_missing_and_extra(app, write_case, runner, make_case):
    case = write_case(title="Goed", summary="In orde.")
    assert runner.invoke(args=["search", "check"]).exit_code == 0
    # A change that bypassed the services: the index is now stale for this case.
    case.summary = "Stiekem gewijzigd."
    db.session.commit()
    make_case(title="Buiten de services om")  # missing from the index
    index = storage.store().open(NETWORK)
    with index.writer() as writer:
        writer.add_document(case_id="999999", title="spook")  # extra in the index
    result = runner.invoke(args=["search", "check"])
    assert result.exit_code == 1
    assert "network: stale: 1 case(s)" in result.output
    assert "network: missing: 1 case(s)" in result.output
    assert "network: extra: 1 case(s): 999999" in result.output
    rebuilt = runner.invoke(args=["search", "rebuild"])
    assert rebuilt.exit_code == 0, rebuilt.output
    assert runner.invoke(args=["search", "check"]).exit_code == 0


def test_rebuild_if_missing(app, runner, make_case):
    make_case(title="Zonder index")
    assert not storage.store().exists()
    assert "rebuilt" in runner.invoke(args=["search", "rebuild", "--if-missing"]).output
    assert "not rebuilt" in runner.invoke(args=["search", "rebuild", "--if-missing"]).output
    assert runner.invoke(args=["search", "check"]).exit_code == 0


def _version_2(current: Schema) -> Schema:
    """A schema as version 2 made it: positions and character offsets in the text fields
    (Whoosh's TEXT, analysed by its own chain of filters), no word-pair fields."""

    def text(stored: bool = True, vector: bool = False) -> TEXT:
        return TEXT(
            analyzer=dutch_analyzer(),
            stored=stored,
            spelling=True,
            chars=stored,
            vector=Frequency() if vector else None,
        )

    fields = {
        name: current[name]
        for name in current.names()
        if not name.endswith(PAIRS_SUFFIX) and name != WORDS_FIELD
    }
    for name in ("title", "body", "meta", "reflections", "comments"):
        if name in fields:
            fields[name] = text(stored=name != "meta", vector=name == "body")
    return Schema(**fields)


def test_index_with_an_older_schema_keeps_working_and_is_rebuilt(
    app, runner, write_case, find, expert, monkeypatch
):
    # An index made by version 2 (e.g. by `make run` on an older checkout).
    monkeypatch.setitem(storage.SCHEMAS, NETWORK, lambda: _version_2(network_schema()))
    monkeypatch.setitem(storage.SCHEMAS, ARCHIVE, lambda: _version_2(archive_schema()))
    monkeypatch.setattr(schema, "SCHEMA_VERSION", 2)
    first = write_case(title="Oud schema", summary="Windmolens bij het dorp, nieuwe bewoners.")
    second = write_case(title="Ook oud", summary="Windmolens bij de stad.")
    monkeypatch.undo()
    store = storage.store()
    assert store.outdated() == [NETWORK, ARCHIVE]
    old = store.open(NETWORK).schema
    assert "body_pairs" not in old and old["body"].format.supports("positions")
    # Searching (words and phrases), snippets, similar cases and writing go on working.
    write_case(title="Nieuw geschreven", summary="Windmolens op zee voor nieuwe bewoners.")
    assert len(find(expert, "windmolens").hits) == 3
    phrase = find(expert, '"nieuwe bewoners"')
    assert phrase.total == 2
    assert "<mark>bewoners</mark>" in phrase.hits[0].snippet
    assert find(expert, '"bewoners nieuwe"').total == 0
    assert second.id in [hit.case_id for hit in similar_cases(expert, first.id)]
    check = runner.invoke(args=["search", "check"])
    assert check.exit_code == 1
    assert "index built with an older schema: network, archive" in check.output
    rebuilt = runner.invoke(args=["search", "rebuild", "--if-missing"])
    assert "older schema; rebuilding" in rebuilt.output and "rebuilt in" in rebuilt.output
    assert store.outdated() == [] and "body_pairs" in store.open(NETWORK).schema
    assert runner.invoke(args=["search", "check"]).exit_code == 0
    assert len(find(expert, "windmolens").hits) == 3
    assert find(expert, '"nieuwe bewoners"').total == 2
    assert second.id in [hit.case_id for hit in similar_cases(expert, first.id)]
    assert "not rebuilt" in runner.invoke(args=["search", "rebuild", "--if-missing"]).output


def test_lock_timeout_never_reaches_the_user(app, client, login, make_user, find, expert):
    app.config["SEARCH_WRITE_TIMEOUT"] = 0.2
    author = make_user()
    login(author)
    theme_id = db.session.scalar(sa.text("SELECT id FROM themes LIMIT 1"))
    form = {
        "title": "Tijdens het slot",
        "themes": [theme_id],
        "polarisation_kind": "vertical",
        "status": "open",
        "summary": "Een zandzak.",
        "situation": "s",
        "question": "q",
        "action": "share",
    }
    with storage.store().write_lock(timeout=1):
        response = client.post("/cases/new", data=form)
    assert response.status_code == 303
    assert _pending() == 1
    writer.apply_pending()
    assert titles(find(expert, "zandzak")) == ["Tijdens het slot"]


def test_rebuild_keeps_changes_made_during_the_build(
    app, write_case, find, expert, monkeypatch, make_user
):
    write_case(title="Oud", summary="Bestaande tekst.")
    author = make_user()
    original = documents.all_documents

    def _during(session, batch=500):
        yield from original(session, batch)
        # Another request writes while the new index is being built.
        write_case(author=author, title="Tijdens rebuild", summary="Een windhoos.")

    monkeypatch.setattr(documents, "all_documents", _during)
    report = rebuild_index()
    monkeypatch.undo()
    assert report.caught_up == 1
    assert titles(find(expert, "windhoos")) == ["Tijdens rebuild"]
    assert check_index().ok


def test_searches_keep_working_during_rebuild(app, write_case, expert, find):
    for number in range(30):
        write_case(title=f"Casus {number}", summary="Vaste zoekterm dijkversterking.")
    failures, counts, stop = [], [], threading.Event()

    def _search():
        with app.app_context():
            while not stop.is_set():
                try:
                    counts.append(find(expert, "dijkversterking").total)
                except Exception as error:  # the test reports any error, of any kind
                    failures.append(error)

    searcher = threading.Thread(target=_search)
    searcher.start()
    try:
        for _ in range(3):
            rebuild_index()
    finally:
        stop.set()
        searcher.join(timeout=30)
    assert failures == []
    assert counts and set(counts) == {30}
    live = {storage.store().live_path(name) for name in (NETWORK, ARCHIVE)}
    assert all(path is not None for path in live)


WRITER = """
import sys
from app import create_app
from app.cases.services import create_case
from app.admin.services import create_user
from app.models import Role, Theme, Municipality
from app.extensions import db
import sqlalchemy as sa

instance, label, count, uri = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
app = create_app({"INSTANCE_PATH": instance, "SQLALCHEMY_DATABASE_URI": uri}, testing=True)
with app.app_context():
    town = db.session.scalar(sa.select(Municipality).limit(1))
    user = create_user(email=f"{label}@example.nl", display_name=label, role=Role.PARTICIPANT,
                       password="wachtwoord-lang-genoeg", municipality=town)
    theme = db.session.scalar(sa.select(Theme.id).limit(1))
    for number in range(count):
        create_case(user, {"title": f"{label} casus {number}", "themes": [theme],
                           "polarisation_kind": "vertical", "status": "open",
                           "summary": f"Gelijktijdig geschreven door {label}.",
                           "situation": "s", "question": "q"}, share=True)
"""


def test_two_processes_writing_at_once_lose_nothing(
    app, tmp_path, database_uri, make_municipality, find, expert, runner
):
    make_municipality()
    storage.store().ensure()
    script = tmp_path / "writer.py"
    script.write_text(WRITER)
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    per_process = 15
    processes = [
        subprocess.Popen(
            [sys.executable, str(script), str(tmp_path), label, str(per_process), database_uri],
            env=env,
            cwd=PROJECT_ROOT,
            stderr=subprocess.PIPE,
            text=True,
        )
        for label in ("proces-a", "proces-b")
    ]
    started = time.monotonic()
    # Wait for both before judging either, so a failure never leaves a process running.
    outcomes = [(process, process.communicate(timeout=120)[1]) for process in processes]
    for process, errors in outcomes:
        assert process.returncode == 0, errors
        assert "LockError" not in errors and "Traceback" not in errors
    assert time.monotonic() - started < 120
    assert _pending() == 0
    assert find(expert, "gelijktijdig").total == 2 * per_process
    check = runner.invoke(args=["search", "check"])
    assert check.exit_code == 0, check.output
