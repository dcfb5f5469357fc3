"""Factories for the learning-network objects, and helpers to read the mail outbox."""

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from datetime import time as clock_time
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from itertools import count
from pathlib import Path

import pytest

from app import clock
from app.extensions import db
from app.models import (
    Application,
    ApplicationStatus,
    Assignment,
    Meeting,
    Method,
    Role,
    SizeClass,
)
from app.notifications import scheduled

_sequence = count(1)


@pytest.fixture
def make_meeting(app):
    def _make(**fields) -> Meeting:
        meeting = Meeting(
            title=fields.pop("title", f"Leer- en reflectiesessie {next(_sequence)}"),
            date=fields.pop("date", clock.today() + timedelta(days=30)),
            start_time=fields.pop("start_time", clock_time(12, 0)),
            end_time=fields.pop("end_time", clock_time(16, 0)),
            city=fields.pop("city", "Utrecht"),
            venue=fields.pop("venue", ""),
            agenda=fields.pop("agenda", "- Lunch\n- Casustafels"),
            **fields,
        )
        db.session.add(meeting)
        db.session.commit()
        return meeting

    return _make


@pytest.fixture
def make_assignment(app, make_user):
    def _make(**fields) -> Assignment:
        author = fields.pop("author", None) or make_user(Role.ORGANISER)
        assignment = Assignment(
            title=fields.pop("title", f"Opdracht {next(_sequence)}"),
            instructions=fields.pop("instructions", "Beschrijf jullie casus."),
            due_date=fields.pop("due_date", clock.today() + timedelta(days=10)),
            author=author,
            **fields,
        )
        db.session.add(assignment)
        db.session.commit()
        return assignment

    return _make


@pytest.fixture
def make_application(app):
    def _make(**fields) -> Application:
        number = next(_sequence)
        application = Application(
            municipality_name=fields.pop("municipality_name", f"Aanmeldstad {number}"),
            size_class=fields.pop("size_class", SizeClass.SMALL),
            province=fields.pop("province", "Zeeland"),
            first_name="Eerste Deelnemer",
            first_function="Beleidsmedewerker",
            first_email=fields.pop("first_email", f"een{number}@aanmeld.example.nl"),
            second_name="Tweede Deelnemer",
            second_function="Wijkprofessional",
            second_email=fields.pop("second_email", f"twee{number}@aanmeld.example.nl"),
            learning_questions="Hoe gaan we om met wantrouwen?",
            status=fields.pop("status", ApplicationStatus.NEW),
            **fields,
        )
        db.session.add(application)
        db.session.commit()
        return application

    return _make


@pytest.fixture
def make_method(app, make_user):
    def _make(**fields) -> Method:
        method = Method(
            name=fields.pop("name", f"Methodiek {next(_sequence)}"),
            summary=fields.pop("summary", "Een gesprek in kleine kring."),
            author=fields.pop("author", None) or make_user(Role.EXPERT),
            **fields,
        )
        db.session.add(method)
        db.session.commit()
        return method

    return _make


def read_outbox(instance: Path) -> list[EmailMessage]:
    """Every mail written to instance/outbox/, oldest first."""
    folder = instance / "outbox"
    if not folder.exists():
        return []
    files = sorted(folder.glob("*.eml"), key=lambda path: path.stat().st_mtime_ns)
    return [BytesParser(policy=policy.default).parsebytes(path.read_bytes()) for path in files]


@contextmanager
def mail_worker(app, poll_seconds: float = 0.1) -> Iterator[None]:
    """`flask notify worker` in a thread beside a live server, as `make run` starts one."""
    stop = threading.Event()

    def _work() -> None:
        with app.app_context():
            scheduled.work(stop, poll_seconds)

    thread = threading.Thread(target=_work, name="mail-worker", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=30)


def wait_for_mail(instance: Path, to: str, subject: str, timeout: float = 15) -> EmailMessage:
    """The newest outbox mail to `to` whose subject contains `subject`, once the worker wrote it.

    Polls the folder (the worker writes it from another thread); the timeout is a ceiling.
    """
    deadline = time.monotonic() + timeout
    while True:
        found = [m for m in read_outbox(instance) if m["To"] == to and subject in m["Subject"]]
        if found:
            return found[-1]
        if time.monotonic() > deadline:
            raise AssertionError(f"no mail '{subject}' to {to} within {timeout} s")
        time.sleep(0.05)


def deliver_waiting_mail(app) -> None:
    """What the mail worker does every few seconds: requests only queue mail."""
    with app.app_context():
        scheduled.send_waiting_mail()


@pytest.fixture
def outbox(app):
    """A callable returning the mails sent so far in this test (after the worker's round)."""

    def _read() -> list[EmailMessage]:
        deliver_waiting_mail(app)
        return read_outbox(Path(app.instance_path))

    return _read


def body_text(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def today_plus(days: int) -> date:
    return clock.today() + timedelta(days=days)
