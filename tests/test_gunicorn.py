"""The production shape: real gunicorn processes on one database.

Two instances (each its own index directory) find each other's cases; gunicorn workers killed
in the middle of writes lose no acknowledged write and leave a sound database and index.
"""

import http.cookiejar
import os
import random
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
import sqlalchemy as sa

from app.config import PROJECT_ROOT
from app.extensions import db
from app.models import Case, Comment, Role, Theme
from tests.factories import PASSWORD

HOST = "127.0.0.1"
GUNICORN = Path(sys.executable).parent / "gunicorn"
CSRF_FIELD = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
CSRF_HEADER = re.compile(r'"X-CSRFToken": "([^"]+)"')


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


class Instance:
    """One gunicorn master with its own instance folder (and so its own search index)."""

    def __init__(self, database_uri: str, folder: Path, workers: int) -> None:
        self.port = _free_port()
        folder.mkdir(parents=True, exist_ok=True)
        self.env = {
            **os.environ,
            "INSTANCE_PATH": str(folder),
            "DATABASE_URL": database_uri,
            "SECRET_KEY": "gunicorn-test",
            "COMMENT_RATE_LIMIT": "100000",
        }
        self.process = subprocess.Popen(
            [str(GUNICORN), "--workers", str(workers), "--bind", f"{HOST}:{self.port}",
             "--graceful-timeout", "5", "app:create_app()"],
            cwd=PROJECT_ROOT, env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with socket.create_connection((HOST, self.port), timeout=1):
                    return
            except OSError:
                assert self.process.poll() is None, "gunicorn exited at start"
                time.sleep(0.1)
        raise AssertionError("gunicorn did not start")

    def workers(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in children.read_text().split()]

    def flask(self, *args: str) -> subprocess.CompletedProcess:
        command = [str(Path(sys.executable).parent / "flask"), "--app", "app", *args]
        return subprocess.run(
            command, cwd=PROJECT_ROOT, env=self.env, capture_output=True, text=True, timeout=120
        )

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


class Browser:
    """A signed-in person over HTTP: cookies, the CSRF token, redirects followed."""

    def __init__(self, instance: Instance, email: str) -> None:
        self.base = f"http://{HOST}:{instance.port}"
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )
        token = CSRF_FIELD.search(self.get("/login")[1]).group(1)
        status, page = self.post("/login", {"email": email, "password": PASSWORD}, token)
        assert status == 200 and "Uitloggen" in page, "sign-in failed"
        self.token = CSRF_HEADER.search(page).group(1)

    def get(self, path: str) -> tuple[int, str]:
        with self.opener.open(self.base + path, timeout=30) as response:
            return response.status, response.read().decode()

    def post(self, path: str, form: dict, token: str | None = None) -> tuple[int, str]:
        data = urllib.parse.urlencode({**form, "csrf_token": token or self.token}, doseq=True)
        try:
            with self.opener.open(self.base + path, data.encode(), timeout=30) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, ""


@pytest.fixture
def instances(tmp_path, database_uri):
    started: list[Instance] = []

    def _start(name: str, workers: int = 1) -> Instance:
        started.append(Instance(database_uri, tmp_path / name, workers))
        return started[-1]

    yield _start
    for instance in started:
        instance.stop()


def test_a_case_posted_on_one_gunicorn_instance_is_found_on_the_other(app, instances, make_user):
    author, reader = make_user(), make_user(Role.EXPERT)
    db.session.commit()
    one, other = instances("a"), instances("b")
    with urllib.request.urlopen(f"http://{HOST}:{one.port}/login", timeout=30) as response:
        assert response.headers["Server"] == "gunicorn"  # no version (F15)
    on_one, on_other = Browser(one, author.email), Browser(other, reader.email)
    on_other.get("/search?q=wijkpicknick")  # B builds its own index now, before the post

    status, page = on_one.post(
        "/cases/new",
        {"title": "Een wijkpicknick tegen de spanningen", "polarisation_kind": "horizontal",
         "status": "open", "summary": "Een wijkpicknick.", "situation": "Onrust in de wijk.",
         "question": "Werkt zoiets?", "themes": db.session.scalar(sa.select(Theme.id)),
         "action": "share"},
    )  # fmt: skip
    assert status == 200 and "Een wijkpicknick tegen de spanningen" in page

    db.session.remove()
    case_id = db.session.scalar(sa.select(Case.id).where(Case.title.contains("wijkpicknick")))
    assert f'href="/cases/{case_id}"' in on_other.get("/search?q=wijkpicknick")[1]
    for instance in (one, other):
        assert instance.flask("search", "check").returncode == 0


KILL_ROUNDS = 4
# Acknowledged writes to wait for before each kill and after the last: progress is counted,
# not timed, so a slow machine only makes the test take longer.
ACKS_PER_ROUND = 6
ROUND_TIMEOUT = 120  # seconds; a ceiling for a stuck server, not a measure of progress


class Acks:
    """The acknowledged comment bodies, and a way to wait for more of them."""

    def __init__(self) -> None:
        self.bodies: list[str] = []
        self.changed = threading.Condition()

    def add(self, body: str) -> None:
        with self.changed:
            self.bodies.append(body)
            self.changed.notify_all()

    def wait_for(self, count: int) -> None:
        with self.changed:
            arrived = self.changed.wait_for(lambda: len(self.bodies) >= count, ROUND_TIMEOUT)
        assert arrived, f"only {len(self.bodies)} of {count} writes acknowledged"


def _post_until(browser: Browser, case_id: int, label: str, stop: threading.Event, acks: Acks):
    number = 0
    while not stop.is_set():
        body = f"{label} reactie {number}"
        try:
            status, _page = browser.post(f"/cases/{case_id}/comments", {"body": body})
        except OSError:  # the worker died under this request: not acknowledged
            status = 0
        if status == 200:
            acks.add(body)
        number += 1


def _replaced(server: Instance, killed: int, workers: int) -> None:
    """Wait until gunicorn has started a new worker in place of the killed one."""
    deadline = time.monotonic() + ROUND_TIMEOUT
    while time.monotonic() < deadline:
        running = server.workers()
        if killed not in running and len(running) == workers:
            return
        time.sleep(0.05)  # polling the process table; the deadline above only bounds it
    raise AssertionError("gunicorn did not replace the killed worker")


def test_killing_gunicorn_workers_mid_write_loses_no_acknowledged_write(
    app, instances, make_user, make_case
):
    case = make_case()
    writers = [make_user(municipality=case.municipality) for _ in range(3)]
    db.session.commit()
    server = instances("a", workers=2)
    browsers = [Browser(server, writer.email) for writer in writers]
    stop, acks = threading.Event(), Acks()
    threads = [
        threading.Thread(target=_post_until, args=(browser, case.id, f"schrijver{n}", stop, acks))
        for n, browser in enumerate(browsers)
    ]
    for thread in threads:
        thread.start()
    killed = 0
    try:
        for round_number in range(1, KILL_ROUNDS + 1):
            # Writes are flowing (and the last kill's replacement serves): kill a worker.
            acks.wait_for(round_number * ACKS_PER_ROUND)
            victim = random.choice(server.workers())
            os.kill(victim, signal.SIGKILL)
            killed += 1
            _replaced(server, victim, workers=2)
        acks.wait_for((KILL_ROUNDS + 1) * ACKS_PER_ROUND)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
    acked = acks.bodies

    assert killed == KILL_ROUNDS and len(acked) >= (KILL_ROUNDS + 1) * ACKS_PER_ROUND
    db.session.remove()
    stored = set(db.session.scalars(sa.select(Comment.body).where(Comment.case_id == case.id)))
    assert set(acked) <= stored
    if db.engine.dialect.name == "sqlite":
        path = sa.make_url(app.config["SQLALCHEMY_DATABASE_URI"]).database
        with sqlite3.connect(path) as connection:
            assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    # A worker killed while indexing leaves the change log to the catch-up; then they agree.
    assert server.flask("search", "catch-up").returncode == 0
    check = server.flask("search", "check")
    assert check.returncode == 0, check.stdout + check.stderr
