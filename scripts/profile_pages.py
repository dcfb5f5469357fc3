"""Profile first views of the busiest pages in-process: CPU time, statements, and where it goes.

    .venv/bin/python scripts/profile_pages.py [INSTANCE_DIR] [N]

On the load test's scaled data (12 municipalities x 50 cases, built into a temporary folder
unless INSTANCE_DIR already holds a scaled database with its search index), signed in through
the session as the first participant (dashboards: every participant, expert and the
organiser in turn), after a warm-up on other URLs: N (100) distinct case pages, searches and
case lists and N dashboards, each timed in CPU time (less disturbed by a busy machine than wall
time) with its SQL statements counted. With pyinstrument installed in the venv
(`pip install pyinstrument`, for measuring only; the project does not depend on it), it then
samples N more case pages and searches and prints the share of each component.
"""

import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import sqlalchemy as sa
from scale_demo import WORDS, scale
from sqlalchemy import event

from app import create_app
from app.config import PROJECT_ROOT
from app.extensions import db
from app.models import Case, Role, User, Visibility

try:  # for measuring only: the project does not depend on it
    from pyinstrument import Profiler
except ImportError:
    Profiler = None

THEMES = ("vluchtelingenopvang", "gentrificatie", "jongerengroepen", "online-polarisatie")
COMPONENTS = (  # path fragment -> component, first match wins
    ("/app/search/", "app/search"),
    ("whoosh", "Whoosh"),
    ("sqlalchemy/orm", "SQLAlchemy ORM"),
    ("sqlalchemy", "SQLAlchemy Core"),
    ("flask_sqlalchemy", "SQLAlchemy Core"),
    ("jinja2", "Jinja2"),
    ("markupsafe", "Jinja2"),
    ("markdown_it", "Markdown"),
    ("nh3", "Markdown"),
    ("wtforms", "WTForms"),
    ("flask", "Flask/Werkzeug/extensions"),
    ("werkzeug", "Flask/Werkzeug/extensions"),
    ("/app/permissions", "app/permissions"),
    ("/app/", "app (views, services)"),
)


def _instance(argument: str | None, folder: Path) -> Path:
    if argument:
        return Path(argument)
    scale(folder, 50)
    env = {
        **os.environ,
        "INSTANCE_PATH": str(folder),
        "DATABASE_URL": f"sqlite:///{folder / 'casusplein.db'}",
        "SECRET_KEY": "profile-only",
    }
    flask = Path(sys.executable).parent / "flask"
    subprocess.run([flask, "--app", "app", "search", "rebuild"], cwd=PROJECT_ROOT, env=env,
                   check=True, capture_output=True, timeout=900)  # fmt: skip
    return folder


def _component(path: str) -> str:
    return next((name for key, name in COMPONENTS if key in (path or "")), "")


def _shares(root) -> Counter:
    """Self time per component; stdlib and C calls count for the component that called them."""
    shares: Counter = Counter()
    stack = [(root, "other")]
    while stack:
        frame, owner = stack.pop()
        name = _component(frame.file_path) or owner
        shares[name] += frame.total_self_time
        stack.extend((child, name) for child in frame.children)
    return shares


def main() -> None:
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 100
    with tempfile.TemporaryDirectory(prefix="casusplein-profile-") as tmp:
        instance = _instance(sys.argv[1] if len(sys.argv) > 1 else None, Path(tmp))
        profile(instance, n)


def profile(instance: Path, n: int) -> None:
    app = create_app(
        {
            "INSTANCE_PATH": str(instance),
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance / 'casusplein.db'}",
            "SECRET_KEY": "profile-only",
        }
    )
    with app.app_context():
        case_ids = list(
            db.session.scalars(sa.select(Case.id).where(Case.visibility == Visibility.NETWORK))
        )
        people = {
            role: [
                user.get_id()
                for user in db.session.scalars(sa.select(User).where(User.role == role))
            ]
            for role in (Role.PARTICIPANT, Role.EXPERT, Role.ORGANISER)
        }
        municipality_ids = list(db.session.scalars(sa.text("SELECT id FROM municipalities")))

    def client_for(user_id: str):
        client = app.test_client()
        with client.session_transaction() as session:
            session["_user_id"] = user_id
            session["_fresh"] = True
            session["auth_at"] = session["seen_at"] = int(time.time())
        return client

    statements: list[str] = []
    event.listen(sa.engine.Engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    rng = random.Random(5)
    rng.shuffle(case_ids)
    cases = [f"/cases/{case_id}" for case_id in case_ids]
    searches = [
        "/search?q=" + "+".join(rng.sample(WORDS, rng.choice((1, 1, 2)))) for _ in range(4 * n)
    ]
    lists = []
    for number in range(4 * n):
        args = [f"page={number % 30 + 1}"]
        if number % 3:
            args.append(f"municipality={rng.choice(municipality_ids)}")
        if number % 3 == 2:
            args += [f"theme={rng.choice(THEMES)}", "kind=" + rng.choice(("vertical", "both"))]
        lists.append("/cases?" + "&".join(args))
    participant = client_for(people[Role.PARTICIPANT][0])
    everybody = [client_for(user_id) for ids in people.values() for user_id in ids]
    for urls in (cases[-60:], searches[-60:], lists[-30:]):
        for url in urls:
            participant.get(url)

    print(f"{'page':12} {'n':>4} {'CPU p50 ms':>10} {'p95 ms':>8} {'statements':>10}")
    kinds = {
        "case page": [(participant, url) for url in cases[:n]],
        "search page": [(participant, url) for url in searches[:n]],
        "case list": [(participant, url) for url in lists[:n]],
        "dashboard": [(client, "/") for client in (everybody * n)[:n]],
    }
    for kind, requests in kinds.items():
        times, counts = [], []
        for client, url in requests:
            statements.clear()
            started = time.process_time()
            assert client.get(url).status_code == 200, url
            times.append(time.process_time() - started)
            counts.append(len(statements))
        times.sort()
        print(
            f"{kind:12} {len(times):4} {statistics.median(times) * 1000:10.2f} "
            f"{times[int(len(times) * 0.95)] * 1000:8.2f} {statistics.median(counts):10.0f}"
        )

    if Profiler is None:
        print("\n(pyinstrument is not installed: no breakdown by component)")
        return
    for kind, urls in (("case page", cases[n : 2 * n]), ("search page", searches[n : 2 * n])):
        profiler = Profiler(interval=0.0005)
        profiler.start()
        for url in urls:
            participant.get(url)
        profiler.stop()
        shares = _shares(profiler.last_session.root_frame())
        total = sum(shares.values())
        print(f"\n{kind}: share of sampled time by component")
        for name, value in shares.most_common():
            print(f"  {name:28} {100 * value / total:5.1f} %")


if __name__ == "__main__":
    main()
