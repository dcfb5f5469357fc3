"""Load test: mixed load and first views against gunicorn on 127.0.0.1 (`make loadtest`).

1. Builds scaled demo data (12 municipalities x 50 cases, scripts/scale_demo.py) in a temporary
   instance folder (instance/ is never touched): SQLite there, or the empty PostgreSQL test
   database that TEST_DATABASE_URL names (`scripts/with-postgres make loadtest`).
2. Mixed load: USERS logged-in participants for SECONDS seconds against gunicorn with WORKERS
   sync workers: browse 70%, search 20% (/search with a few Dutch words), write 10% (comments,
   and now and then a case). Prints requests/s, p50/p95/p99 latency per kind and the errors,
   then checks that every acknowledged write is in the database (and, on SQLite, PRAGMA
   integrity_check) and that the search index matches the database (`flask search check`).
3. First views (scripts/loadtest_firstview.py): every demo participant, the experts and the
   organiser signed in, over hundreds of distinct case pages, case lists, searches and
   dashboards with `wrk`, so that no session asks for the same URL twice, beside a bare Flask
   page rendering a 20-item template under the same gunicorn settings.

It ends with `RESULT name=value` lines, one per figure, for scripts that compare runs. Every
loop is bounded in time and in count; only 127.0.0.1 is ever contacted. Settings come from
the environment: LOADTEST_USERS (6), LOADTEST_SECONDS (60), WORKERS (2), FV_SECONDS (10),
FV_WARMUP_SECONDS (2), FV_URLS (600).
"""

import http.client
import json
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import loadtest_firstview
import loadtest_writes
import sqlalchemy as sa
from scale_demo import scale

from app.config import PROJECT_ROOT
from app.seed import DEMO_FILE, DEMO_PASSWORD
from app.seed_network import NETWORK_FILE

HOST = "127.0.0.1"
USERS = int(os.environ.get("LOADTEST_USERS", "6"))
SECONDS = float(os.environ.get("LOADTEST_SECONDS", "60"))
WORKERS = int(os.environ.get("WORKERS", "2"))
MAX_REQUESTS_PER_USER = 20_000
THINK_SECONDS = 0.05  # average pause between a user's requests
WEIGHTS = {"browse": 70, "search": 20, "write": 10}
THEMES = ("vluchtelingenopvang", "gentrificatie", "jongerengroepen", "online-polarisatie", "")
# What participants type: single words (stemmed, synonyms), a phrase, a prefix, two words.
SEARCH_WORDS = (
    "polarisatie", "vluchtelingen", "jongeren", "wantrouwen", "azc", "statushouder",
    "wijk gesprek", '"in de wijk"', "bewoners*", "online", "gemeenteraad", "overlast jongeren",
)  # fmt: skip
CSRF = re.compile(r'"X-CSRFToken": "([^"]+)"')  # every page carries it for htmx


def search_path(rng: random.Random) -> str:
    """A 'search' request: the full results page, now and then narrowed by a facet."""
    args = {"q": rng.choice(SEARCH_WORDS)}
    if rng.random() < 0.25 and (theme := rng.choice(THEMES)):
        args["theme"] = theme
    return "/search?" + urlencode(args)


def browse_path(rng: random.Random, case_ids: list[int]) -> str:
    roll = rng.random()
    if roll < 0.5:
        return f"/cases/{rng.choice(case_ids)}"
    if roll < 0.8:
        return f"/cases?page={rng.randint(1, 10)}"
    return "/"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


class Client:
    """One user: a cookie, a CSRF token, one request per connection (sync workers close)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}
        self.csrf = ""

    @property
    def cookie(self) -> str:
        """The Cookie header: the session and the known-device cookie a login also sets."""
        return "; ".join(f"{name}={value}" for name, value in self.cookies.items())

    def request(self, method: str, path: str, form: dict | None = None) -> tuple[int, str]:
        headers = {"Cookie": self.cookie} if self.cookies else {}
        body = None
        if form is not None:
            body = urlencode({**form, "csrf_token": self.csrf}, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection = http.client.HTTPConnection(HOST, self.port, timeout=30)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            text = response.read().decode("utf-8", "replace")
            for cookie in response.msg.get_all("Set-Cookie") or ():
                name, _, value = cookie.split(";", 1)[0].partition("=")
                self.cookies[name.strip()] = value
        finally:
            connection.close()
        if token := CSRF.search(text):
            self.csrf = token.group(1)
        return response.status, text

    def login(self, email: str) -> None:
        self.request("GET", "/login")
        status, _ = self.request("POST", "/login", {"email": email, "password": DEMO_PASSWORD})
        if status != 303:
            raise SystemExit(f"login of {email} failed: {status}")
        self.request("GET", "/cases")  # a CSRF token bound to the signed-in session


@dataclass
class Results:
    latencies: dict[str, list[float]] = field(default_factory=lambda: {k: [] for k in WEIGHTS})
    errors: list[str] = field(default_factory=list)
    comments: set[str] = field(default_factory=set)
    cases: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)


def user_loop(number: int, client: Client, case_ids: list[int], deadline: float, results: Results):
    rng = random.Random(number)
    kinds, weights = list(WEIGHTS), list(WEIGHTS.values())
    for sequence in range(MAX_REQUESTS_PER_USER):
        if time.monotonic() >= deadline:
            break
        kind = rng.choices(kinds, weights)[0]
        token = f"lt-{number}-{sequence}"
        form = None
        if kind == "browse":
            method, path = "GET", browse_path(rng, case_ids)
        elif kind == "search":
            method, path = "GET", search_path(rng)
        elif rng.random() < 0.9:
            method, path = "POST", f"/cases/{rng.choice(case_ids)}/comments"
            form = {"body": f"Reactie {token}: bij ons werkte een gesprek in de wijk."}
        else:
            method, path = "POST", "/cases/new"
            form = {
                "title": f"Loadtest-casus {token}",
                "polarisation_kind": "both",
                "status": "open",
                "themes": ["1"],
                "summary": "Een casus van de load test.",
                "situation": "Wat er speelt in de wijk.",
                "question": "Hoe pakken andere gemeenten dit aan?",
                "action": "share",
            }
        started = time.perf_counter()
        try:
            status, _ = client.request(method, path, form)
        except OSError as error:
            status, error_text = 0, f"{method} {path}: {error}"
        else:
            error_text = f"{method} {path}: HTTP {status}"
        elapsed = time.perf_counter() - started
        with results.lock:
            results.latencies[kind].append(elapsed)
            if status not in (200, 303):
                results.errors.append(error_text)
            elif kind == "write":
                (results.comments if "comments" in path else results.cases).add(token)
        time.sleep(rng.uniform(0, 2 * THINK_SECONDS))


def percentile(values: list[float], pct: int) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * pct / 100))] * 1000


def start_gunicorn(spec: str, port: int, env: dict, chdir: Path) -> subprocess.Popen:
    command = [
        str(Path(sys.executable).parent / "gunicorn"),
        "--workers", str(WORKERS), "--bind", f"{HOST}:{port}", "--chdir", str(chdir), spec,
    ]  # fmt: skip
    process = subprocess.Popen(command, env=env, stderr=subprocess.DEVNULL)
    for _ in range(100):
        time.sleep(0.2)
        try:
            with socket.create_connection((HOST, port), timeout=1):
                return process
        except OSError:
            if process.poll() is not None:
                raise SystemExit(f"gunicorn {spec} exited with {process.returncode}") from None
    process.kill()
    raise SystemExit(f"gunicorn {spec} did not start")


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()


def mixed_load(port: int, emails: list[str], case_ids: list[int]) -> Results:
    results = Results()
    clients = []
    for email in emails[:USERS]:
        client = Client(port)
        client.login(email)
        clients.append(client)
    deadline = time.monotonic() + SECONDS
    threads = [
        threading.Thread(target=user_loop, args=(n, c, case_ids, deadline, results))
        for n, c in enumerate(clients)
    ]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=SECONDS + 60)
    duration = time.monotonic() - started
    total = sum(len(values) for values in results.latencies.values())
    print(f"\nMixed load: {USERS} users, {WORKERS} gunicorn workers, {duration:.0f} s")
    print(f"  {total} requests, {total / duration:.1f} requests/s, {len(results.errors)} errors")
    print(f"  {'kind':8} {'count':>6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}")
    for kind, values in results.latencies.items():
        if values:
            p50, p95, p99 = (percentile(values, p) for p in (50, 95, 99))
            print(f"  {kind:8} {len(values):6} {p50:8.1f} {p95:8.1f} {p99:8.1f}")
    for error in results.errors[:10]:
        print(f"  error: {error}")
    return results


def verify_writes(database_url: str, results: Results) -> int:
    """Acknowledged writes missing from the database (and SQLite's integrity check)."""
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as connection:
            bodies = connection.execute(sa.text("SELECT body FROM comments")).scalars().all()
            titles = connection.execute(sa.text("SELECT title FROM cases")).scalars().all()
            integrity = "ok"
            if engine.dialect.name == "sqlite":
                integrity = connection.exec_driver_sql("PRAGMA integrity_check").scalar()
    finally:
        engine.dispose()
    stored_comments = {m.group(0) for b in bodies if (m := re.search(r"lt-\d+-\d+", b))}
    stored_cases = {t.removeprefix("Loadtest-casus ") for t in titles if "Loadtest" in t}
    lost = (results.comments - stored_comments) | (results.cases - stored_cases)
    print(
        f"\nWrites acknowledged: {len(results.comments)} comments, {len(results.cases)} cases; "
        f"lost: {len(lost)}; integrity check: {integrity}"
    )
    return len(lost) + (integrity != "ok")


def flask(env: dict, *args: str) -> subprocess.CompletedProcess:
    """`flask --app app ARGS` on the load test's instance (bounded in time)."""
    command = [str(Path(sys.executable).parent / "flask"), "--app", "app", *args]
    return subprocess.run(
        command, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=900
    )


def search_check(env: dict) -> bool:
    """Every acknowledged write must be in the index too: `flask search check` after the load."""
    result = flask(env, "search", "check")
    print("\nflask search check:", (result.stdout + result.stderr).strip())
    return result.returncode == 0


def database_url(instance: Path) -> str:
    """The PostgreSQL test database of scripts/with-postgres, or SQLite in the instance."""
    url = os.environ.get("TEST_DATABASE_URL", "")
    if url.startswith("postgresql"):
        if "test" not in url.rsplit("/", 1)[-1]:
            raise SystemExit("TEST_DATABASE_URL must name a database for tests (with 'test')")
        return url
    return f"sqlite:///{instance / 'casusplein.db'}"


def taking_part(demo: dict) -> list[dict]:
    """The demo municipalities whose duo can sign in: not the one that left the network."""
    network = json.loads(NETWORK_FILE.read_text(encoding="utf-8"))
    left = {item["municipality"] for item in network["left_network"]}
    return [m for m in demo["municipalities"] if m["name"] not in left]


def signed_in_cookies(port: int, demo: dict) -> list[str]:
    """A session each for every participant, expert and the organiser of the demo data."""
    emails = [person["email"] for m in taking_part(demo) for person in m["duo"]]
    emails += [expert["email"] for expert in demo["experts"]]
    emails.append(demo["organiser"]["email"])
    cookies = []
    for email in emails:
        client = Client(port)
        client.login(email)
        cookies.append(client.cookie)
    return cookies


def main() -> int:
    if shutil.which("wrk") is None:
        raise SystemExit("wrk not found: apt-get install wrk")
    demo = json.loads(DEMO_FILE.read_text(encoding="utf-8"))
    emails = [m["duo"][i]["email"] for i in (0, 1) for m in taking_part(demo)]
    with tempfile.TemporaryDirectory(prefix="casusplein-loadtest-") as tmp:
        instance = Path(tmp)
        url = database_url(instance)
        print(f"Scaled demo data: {scale(instance, 50, url)} cases on {sa.make_url(url)!r}")
        engine = sa.create_engine(url)
        with engine.connect() as connection:
            case_ids = list(
                connection.execute(
                    sa.text("SELECT id FROM cases WHERE visibility = 'network' ORDER BY id")
                ).scalars()
            )
            municipality_ids = list(
                connection.execute(sa.text("SELECT id FROM municipalities ORDER BY id")).scalars()
            )
        engine.dispose()
        env = {
            **os.environ,
            "INSTANCE_PATH": str(instance),
            "DATABASE_URL": url,
            "SECRET_KEY": "loadtest-only",
            # The load test measures capacity, not the per-user posting limits (issue 5), which
            # would answer most of its writes with 429 after the first minute's ten.
            "COMMENT_RATE_LIMIT": "1000000",
            "CASE_RATE_LIMIT": "1000000",
        }
        built = flask(env, "search", "rebuild")
        if built.returncode != 0:
            raise SystemExit(f"search rebuild failed: {built.stderr}")
        print(built.stdout.strip())
        port, bare_port = free_port(), free_port()
        server = start_gunicorn("app:create_app()", port, env, PROJECT_ROOT)
        bare = start_gunicorn("bare_app:app", bare_port, env, PROJECT_ROOT / "scripts")
        try:
            results = mixed_load(port, emails, case_ids)
            lost = verify_writes(url, results)
            index_ok = search_check(env)
            # The write bursts (scripts/loadtest_writes.py: 1 to 8 concurrent writers), on the
            # same server and data; they return their RESULT lines and counts.
            writes = loadtest_writes.run(
                Client, port, emails, case_ids, env["DATABASE_URL"], instance / "search"
            )
            cookies = signed_in_cookies(port, demo)
            passes = loadtest_firstview.run(port, bare_port, cookies, case_ids, municipality_ids)
        finally:
            stop(bare)
            stop(server)
    percentages = loadtest_firstview.report(passes, len(cookies))
    errors = len(results.errors) + sum(p.non_200 for p in passes.values()) + writes.errors
    lost += writes.lost_writes
    print()
    for kind in ("case_page", "case_list", "search", "dashboard", "mixed"):
        print(f"RESULT first_view_{kind}_pct_of_bare={percentages[kind]:.1f}")
    for line in writes.result_lines():
        print(line)
    print(f"RESULT errors={errors}")
    print(f"RESULT lost_writes={lost}")
    return 0 if not lost and index_ok and not errors else 1


if __name__ == "__main__":
    sys.exit(main())
