"""Mail off the request path: requests queue, the worker delivers, retries, never twice."""

import os
import signal
import subprocess
import sys
import threading
from datetime import timedelta
from email.message import EmailMessage

import pytest
import sqlalchemy as sa

from app import mail, mail_queue
from app.config import PROJECT_ROOT
from app.extensions import db
from app.models import MailPreference, OutgoingMail, OutgoingState
from app.models.base import utcnow
from app.notifications import scheduled
from tests.smtp_server import LocalSMTPServer


@pytest.fixture
def smtp(app):
    """A local SMTP server the app is configured to use (no TLS, a short timeout)."""
    server = LocalSMTPServer()
    app.config.update(
        MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port, MAIL_USE_TLS=False, MAIL_TIMEOUT=1
    )
    yield server
    server.close()


def _queue(count: int, subject: str = "Bericht") -> None:
    for number in range(count):
        message = EmailMessage()
        message["From"] = "Casusplein <noreply@casusplein.example.nl>"
        message["To"] = f"persoon{number}@example.nl"
        message["Subject"] = f"{subject} {number}"
        message.set_content(f"Inhoud {number}.")
        mail.send(message)
    db.session.commit()


def _waiting() -> list[OutgoingMail]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(OutgoingMail).order_by(OutgoingMail.id)))


def test_a_request_that_queues_mail_opens_no_smtp_connection(
    app, login, smtp, make_user, make_case
):
    smtp.mode = "hang"  # a request that talked SMTP would now wait for MAIL_TIMEOUT
    case = make_case()
    make_user(municipality=case.municipality, mail_preference=MailPreference.IMMEDIATE)
    commenter_user = make_user()
    commenter = login(commenter_user, app.test_client())
    response = commenter.post(f"/cases/{case.id}/comments", data={"body": "Herkenbaar!"})
    assert response.status_code == 303
    forgot = app.test_client().post("/login/forgot", data={"email": commenter_user.email})
    assert forgot.status_code == 303
    assert smtp.connections == 0
    # The mail waits for the worker, which is where SMTP happens.
    scheduled.send_waiting_mail()
    assert smtp.connections == 1
    assert len(_waiting()) == 2  # the hanging server took nothing


def test_mail_goes_out_when_a_hanging_server_recovers(app, smtp):
    _queue(2)
    smtp.mode = "hang"
    stuck = mail_queue.deliver_due()
    # One timeout, not one per message: the second was put back without an attempt.
    assert (stuck.sent, stuck.retried) == (0, 1)
    first, second = _waiting()
    assert first.state == second.state == OutgoingState.QUEUED
    assert first.attempts == 1 and "timed out" in first.last_error
    assert second.attempts == 0
    assert first.next_attempt_at > utcnow()  # back-off: not before then
    assert mail_queue.deliver_due().sent == 0

    smtp.mode = "receive"
    later = utcnow() + timedelta(hours=2)
    assert mail_queue.deliver_due(now=later).sent == 2
    assert sorted(m["Subject"] for m in smtp.wait_for(2)) == ["Bericht 0", "Bericht 1"]
    assert _waiting() == []  # a sent mail leaves no copy behind


def test_one_connection_carries_a_batch(app, smtp):
    _queue(5)
    assert mail_queue.deliver_due().sent == 5
    assert len(smtp.wait_for(5)) == 5
    assert smtp.connections == 1


def test_back_off_doubles_and_a_refused_mail_is_given_up(app, smtp):
    app.config["MAIL_MAX_ATTEMPTS"] = 3
    assert [mail_queue.backoff(n).total_seconds() for n in (1, 2, 3)] == [30, 60, 120]
    _queue(1)
    smtp.mode = "refuse"
    now = utcnow()
    for attempt in range(1, 4):
        result = mail_queue.deliver_due(now=now)
        [row] = _waiting()
        assert row.attempts == attempt
        now = row.next_attempt_at
    assert (result.failed, row.state) == (1, OutgoingState.FAILED)
    assert mail_queue.deliver_due(now=now + timedelta(days=1)).sent == 0
    assert mail_queue.waiting() == 0


def test_a_claim_left_by_a_dead_worker_is_queued_again(app, smtp):
    _queue(1)
    [row] = _waiting()
    row.state, row.claim, row.claimed_at = OutgoingState.SENDING, "dead", utcnow()
    db.session.commit()
    assert mail_queue.deliver_due().sent == 0  # a live claim is left alone
    timeout = timedelta(seconds=app.config["MAIL_CLAIM_TIMEOUT_SECONDS"] + 1)
    result = mail_queue.deliver_due(now=utcnow() + timeout)
    assert (result.released, result.sent) == (1, 1)


def test_two_workers_at_once_send_every_mail_exactly_once(app, smtp):
    app.config["MAIL_BATCH"] = 5
    _queue(40)
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            with app.app_context():
                start.wait(timeout=30)
                while mail_queue.deliver_due().sent:
                    pass
        except BaseException as error:  # reported below, in the test's thread
            errors.append(error)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    subjects = [m["Subject"] for m in smtp.wait_for(40)]
    assert sorted(subjects) == sorted(f"Bericht {n}" for n in range(40))  # none twice
    assert _waiting() == []


def test_the_worker_command_sends_within_seconds_and_stops_on_sigterm(app, smtp):
    _queue(1, subject="Van de worker")
    env = {
        **os.environ,
        "INSTANCE_PATH": app.instance_path,
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "SECRET_KEY": "worker-test",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(smtp.port),
        "MAIL_USE_TLS": "0",
        "MAIL_WORKER_POLL_SECONDS": "0.2",
    }
    flask = os.path.join(os.path.dirname(sys.executable), "flask")
    worker = subprocess.Popen(
        [flask, "--app", "app", "notify", "worker"],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        [message] = smtp.wait_for(1, timeout=60)
        assert message["Subject"] == "Van de worker 0"
    finally:
        worker.send_signal(signal.SIGTERM)
        output, _ = worker.communicate(timeout=60)
    assert worker.returncode == 0, output
    assert _waiting() == []


def test_an_idle_worker_round_writes_nothing(app, smtp, write_statements):
    # The worker polls every few seconds: with nothing to do it must not take the write lock.
    scheduled.send_waiting_mail()
    assert write_statements == []
