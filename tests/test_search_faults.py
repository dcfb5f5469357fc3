"""Faults in the search index: damaged files, a full disk, an indexer killed part-way.

In every case the site keeps serving (search says it is unavailable instead of a 500), writes
still succeed and land in the change log, /healthz names the problem, and `search rebuild` or
the catch-up restores an index that `search check` finds clean.
"""

import errno
import gc
import os
import random
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from whoosh.filedb.filestore import FileStorage

from app.extensions import db
from app.models import Comment, Role
from app.search import changelog, storage, writer
from app.search.storage import ARCHIVE, NETWORK, close_thread_searchers
from tests.search_factories import titles

PROJECT_ROOT = Path(__file__).resolve().parent.parent
UNAVAILABLE = "Zoeken is tijdelijk niet beschikbaar"


@pytest.fixture
def expert(make_user):
    return make_user(Role.EXPERT)


@pytest.fixture
def signed_in(client, login, expert):
    login(expert)
    return client


def _integrity_ok() -> None:
    if db.engine.dialect.name == "sqlite":
        assert db.session.scalar(sa.text("PRAGMA integrity_check")) == "ok"


def _pending_here() -> int:
    return changelog.pending_count()


def _health(client) -> tuple[int, str]:
    response = client.get("/healthz")
    return response.status_code, response.json["checks"]["search_index"]


def _damage(mode: str) -> None:
    """Damage every file of both live indexes in place (no process has them open)."""
    close_thread_searchers()  # an in-place truncation under a live mmap would be SIGBUS
    noise = random.Random(5)
    for name in (NETWORK, ARCHIVE):
        for file in storage.store().live_path(name).iterdir():
            size = file.stat().st_size
            if mode == "truncate":
                with open(file, "r+b") as handle:
                    handle.truncate(size // 3)
            else:
                file.write_bytes(bytes(noise.randrange(256) for _ in range(size)))


def _post_comment(app, login, author, case, body: str) -> Comment:
    """Post through the web as `author`; the comment must be stored whatever the index does."""
    response = login(author, app.test_client()).post(
        f"/cases/{case.id}/comments", data={"body": body}
    )
    assert response.status_code == 303
    comment = db.session.scalar(sa.select(Comment).where(Comment.body == body))
    assert comment is not None
    return comment


@pytest.fixture
def whoosh_leaks():
    """Whoosh leaves a file open when a damaged table of contents fails to load; collect it
    inside this test, where the warnings filter below applies, not in some later test."""
    yield
    gc.collect()


# Only the files Whoosh leaks while failing on the damaged index (see whoosh_leaks).
@pytest.mark.filterwarnings(
    "ignore:Exception ignored in. <_io.FileIO:pytest.PytestUnraisableExceptionWarning",
    "ignore:unclosed file:ResourceWarning",
)
@pytest.mark.usefixtures("whoosh_leaks")
@pytest.mark.parametrize("mode", ["truncate", "garbage"])
def test_damaged_index_files(mode, app, signed_in, login, runner, write_case, find, expert):
    case = write_case(title="Buurthuis open", summary="Een buurthuis in de wijk.")
    assert titles(find(expert, "buurthuis")) == ["Buurthuis open"]
    _damage(mode)

    response = signed_in.get("/search?q=buurthuis")
    assert response.status_code == 200
    assert UNAVAILABLE in response.text
    # The rest of the site works, the case page included (without similar cases).
    assert signed_in.get(f"/cases/{case.id}").status_code == 200
    assert signed_in.get("/").status_code == 200
    status, problem = _health(signed_in)
    assert status == 503
    assert "network index unreadable" in problem

    # Writes still succeed and wait in the change log.
    _post_comment(app, login, case.author, case, "Wij huurden een sambaband in.")
    assert _pending_here() == 1

    rebuilt = runner.invoke(args=["search", "rebuild"])
    assert rebuilt.exit_code == 0, rebuilt.output
    assert runner.invoke(args=["search", "check"]).exit_code == 0
    assert _health(signed_in) == (200, "ok")
    assert f"/cases/{case.id}" in signed_in.get("/search?q=sambaband").text
    _integrity_ok()


def _disk_full(*_args, **_kwargs):
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def test_full_disk(app, signed_in, login, runner, write_case, find, expert, monkeypatch):
    case = write_case(title="Windmolens", summary="Onrust over windmolens.")
    app.config["SEARCH_HEALTH_MAX_LAG"] = 0
    # Every file Whoosh creates (segments, table of contents) now fails as on a full disk.
    monkeypatch.setattr(FileStorage, "create_file", _disk_full)

    _post_comment(app, login, case.author, case, "De zonneweide kwam er toch.")
    assert _pending_here() == 1
    # Search still answers from what the index holds; the new comment is simply not in it yet.
    response = signed_in.get("/search?q=windmolens")
    assert response.status_code == 200
    assert f"/cases/{case.id}" in response.text
    assert UNAVAILABLE not in response.text
    assert signed_in.get(f"/cases/{case.id}").status_code == 200
    status, problem = _health(signed_in)
    assert status == 503
    assert "1 change(s) not indexed" in problem
    assert runner.invoke(args=["search", "check"]).exit_code == 1

    monkeypatch.undo()  # space freed: the catch-up alone brings the index level
    caught_up = runner.invoke(args=["search", "catch-up"])
    assert "1 change(s) applied" in caught_up.output, caught_up.output
    assert runner.invoke(args=["search", "check"]).exit_code == 0
    assert titles(find(expert, "zonneweide")) == ["Windmolens"]
    assert _health(signed_in) == (200, "ok")
    _integrity_ok()


def _child(database_uri: str, instance: Path, mode: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.indexer_child", database_uri, str(instance), mode],
        cwd=PROJECT_ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )


def test_indexer_killed_part_way_again_and_again(
    app, tmp_path, database_uri, signed_in, runner, write_case, find, expert, monkeypatch
):
    write_case(title="Eerste", summary="Een gewone casus.")
    # Forty changes committed but not indexed, as if every writer died after its commit.
    monkeypatch.setattr(writer, "apply_pending", lambda *args, **kwargs: 0)
    for number in range(40):
        write_case(title=f"Casus {number}", summary=f"Verhaal nummer {number} over de dijk.")
    monkeypatch.undo()
    close_thread_searchers()
    killed_part_way = []
    for attempt in range(6):
        mode = "rebuild" if attempt % 3 == 2 else "catch-up"
        child = _child(database_uri, tmp_path, mode)
        assert child.stdout.readline().strip() == "ready"
        # Kill after a different amount of work each time: the child stops after each step
        # (a batch applied, a case read) until told to go on, so it dies exactly there. A
        # catch-up finds nothing left to do ("done") once a search in between caught up.
        steps = 0
        while steps <= attempt % 3 and child.stdout.readline().strip() == "step":
            steps += 1
            if steps <= attempt % 3:
                child.stdin.write("go\n")
                child.stdin.flush()
        child.send_signal(signal.SIGKILL)
        child.wait()
        if steps > attempt % 3:
            killed_part_way.append((attempt, mode))
        child.stdout.close()
        child.stdin.close()
        # Between the kills the site serves, and search answers from a readable index.
        response = signed_in.get("/search?q=dijk")
        assert response.status_code == 200
        assert UNAVAILABLE not in response.text
    # The first catch-up has 41 changes before it, and a rebuild always reads every case.
    assert {(0, "catch-up"), (2, "rebuild"), (5, "rebuild")} <= set(killed_part_way)

    caught_up = runner.invoke(args=["search", "catch-up"])
    assert caught_up.exit_code == 0, caught_up.output
    check = runner.invoke(args=["search", "check"])
    assert check.exit_code == 0, check.output
    assert find(expert, "dijk").total == 40
    assert _health(signed_in) == (200, "ok")
    _integrity_ok()
