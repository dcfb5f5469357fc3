"""Write bursts for `make loadtest`: 1, 2, 4 and 8 people posting comments at the same time.

For each number of writers, that many signed-in participants (one person each) post comments
on random network cases, each as soon as their previous one was answered, for
LOADTEST_WRITE_SECONDS (15) seconds. They post the way the case page does: an htmx POST with
the CSRF header, answered with the updated comment thread. Per burst it reports comments/s,
writer latency p50/p95 and errors, and how long after the burst the last comment took to be
found by a search (the index catching up).

Afterwards every acknowledged comment must be in the database and in the search index: each
comment carries a word of its own, looked up in the network index's comments field of the case
it was posted to. The caller starts the server and adds the errors and lost writes to its own.
"""

import http.client
import os
import random
import re
import statistics
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import sqlalchemy as sa
from whoosh import index as whoosh_index
from whoosh.query import And, Term

from app.search.analysis import analyse

HOST = "127.0.0.1"
WRITER_COUNTS = (1, 2, 4, 8)
BURST_SECONDS = float(os.environ.get("LOADTEST_WRITE_SECONDS", "15"))
MAX_COMMENTS_PER_WRITER = 5_000
# How long the index may take to find the last comment of a burst before that counts as lost.
CATCH_UP_SECONDS = 120.0
TOKEN = re.compile(r"brst\d+w\d+c\d+x")
LOOK_UP_ATTEMPTS = 20


@dataclass
class Burst:
    writers: int
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    acknowledged: list[tuple[str, int]] = field(default_factory=list)  # (token, case id)
    errors: list[str] = field(default_factory=list)
    searchable_after_ms: float | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def per_second(self) -> float:
        return len(self.acknowledged) / self.seconds if self.seconds else 0.0

    def percentile_ms(self, pct: int) -> float:
        if len(self.latencies) < 2:
            return 1000 * (self.latencies[0] if self.latencies else 0.0)
        return 1000 * statistics.quantiles(self.latencies, n=100, method="inclusive")[pct - 1]


@dataclass
class WriteReport:
    bursts: list[Burst]
    missing_in_database: int
    missing_in_index: int

    @property
    def errors(self) -> int:
        return sum(len(burst.errors) for burst in self.bursts)

    @property
    def lost_writes(self) -> int:
        return self.missing_in_database + self.missing_in_index

    def burst(self, writers: int) -> Burst:
        return next(burst for burst in self.bursts if burst.writers == writers)

    def result_lines(self) -> list[str]:
        one, eight = self.burst(1), self.burst(8)
        return [
            f"RESULT writes_per_s_1_writer={one.per_second:.1f}",
            f"RESULT writes_per_s_8_writers={eight.per_second:.1f}",
            f"RESULT write_p95_ms_8_writers={eight.percentile_ms(95):.0f}",
        ]


class Writer:
    """One signed-in person: a session cookie and the CSRF token its pages carry for htmx."""

    def __init__(self, client) -> None:
        self.cookie, self.csrf, self.port = client.cookie, client.csrf, client.port

    def request(self, method: str, path: str, form: dict | None = None) -> tuple[int, str]:
        headers = {"Cookie": self.cookie, "HX-Request": "true", "X-CSRFToken": self.csrf}
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection = http.client.HTTPConnection(HOST, self.port, timeout=30)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            return response.status, response.read().decode("utf-8", "replace")
        finally:
            connection.close()


def _post_until(writer: Writer, number: int, burst: Burst, case_ids: list[int], deadline: float):
    rng = random.Random(1000 * burst.writers + number)
    for sequence in range(MAX_COMMENTS_PER_WRITER):
        if time.monotonic() >= deadline:
            return
        token = f"brst{burst.writers}w{number}c{sequence}x"
        case_id = rng.choice(case_ids)
        form = {"body": f"Reactie {token}: bij ons hielp een gesprek met de buurt en de school."}
        started = time.perf_counter()
        try:
            status, _page = writer.request("POST", f"/cases/{case_id}/comments", form)
        except OSError as error:
            status, problem = 0, f"POST comment: {error}"
        else:
            problem = f"POST comment: HTTP {status}"
        elapsed = time.perf_counter() - started
        with burst.lock:
            burst.latencies.append(elapsed)
            if status == 200:
                burst.acknowledged.append((token, case_id))
            else:
                burst.errors.append(problem)


def _searchable_after(reader: Writer, token: str, case_id: int) -> float | None:
    """Milliseconds until a search for `token` finds its case; None when it never does."""
    started = time.monotonic()
    while time.monotonic() - started < CATCH_UP_SECONDS:
        status, page = reader.request("GET", "/search?" + urlencode({"q": token}))
        if status == 200 and f'href="/cases/{case_id}"' in page:
            return (time.monotonic() - started) * 1000
        time.sleep(0.05)
    return None


def _burst(writers: list[Writer], count: int, case_ids: list[int]) -> Burst:
    burst = Burst(count)
    deadline = time.monotonic() + BURST_SECONDS
    threads = [
        threading.Thread(target=_post_until, args=(writer, n, burst, case_ids, deadline))
        for n, writer in enumerate(writers[:count])
    ]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=BURST_SECONDS + 60)
    burst.seconds = time.monotonic() - started
    if burst.acknowledged:
        burst.searchable_after_ms = _searchable_after(writers[0], *burst.acknowledged[-1])
    return burst


def _stored_tokens(database_url: str) -> set[tuple[str, int]]:
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                sa.text("SELECT body, case_id FROM comments WHERE body LIKE 'Reactie brst%'")
            ).all()
    finally:
        engine.dispose()
    return {(match.group(0), case_id) for body, case_id in rows if (match := TOKEN.search(body))}


def _indexed(index_dir: Path, acknowledged: list[tuple[str, int]]) -> set[tuple[str, int]]:
    """The acknowledged comments whose word the network index holds for their own case.

    The server may still be merging segments: a searcher whose segment files a merge has
    removed meanwhile fails, and the look-up is made again on the index as it is then.
    """
    found = set()
    searcher = whoosh_index.open_dir(str(index_dir / "network")).searcher()
    try:
        for token, case_id in acknowledged:
            query = And([Term("comments", term) for term in analyse(token)])
            for attempt in range(LOOK_UP_ATTEMPTS):
                try:
                    docnums = searcher.docs_for_query(query)
                    cases = {searcher.stored_fields(d).get("case_id") for d in docnums}
                    break
                except (OSError, TypeError, ValueError):
                    if attempt == LOOK_UP_ATTEMPTS - 1:
                        raise
                    searcher.close()
                    time.sleep(0.2)
                    searcher = whoosh_index.open_dir(str(index_dir / "network")).searcher()
            if str(case_id) in cases:
                found.add((token, case_id))
    finally:
        searcher.close()
    return found


def _signed_in(client_class, port: int, email: str) -> Writer:
    client = client_class(port)
    client.login(email)
    return Writer(client)


def run(
    client_class,
    port: int,
    emails: list[str],
    case_ids: list[int],
    database_url: str,
    index_dir: Path,
) -> WriteReport:
    """The bursts against the server on `port`, each writer a different one of `emails`.

    `client_class` signs a person in (loadtest.Client); `index_dir` is the server's
    SEARCH_INDEX_DIR, read afterwards to find every acknowledged comment in the index.
    """
    if len(emails) < max(WRITER_COUNTS):
        raise SystemExit(f"write bursts need {max(WRITER_COUNTS)} people, got {len(emails)}")
    writers = [_signed_in(client_class, port, email) for email in emails[: max(WRITER_COUNTS)]]
    bursts = [_burst(writers, count, case_ids) for count in WRITER_COUNTS]
    acknowledged = [item for burst in bursts for item in burst.acknowledged]
    missing_in_database = len(set(acknowledged) - _stored_tokens(database_url))
    missing_in_index = len(set(acknowledged) - _indexed(index_dir, acknowledged))
    report = WriteReport(bursts, missing_in_database, missing_in_index)
    print(f"\nWrite bursts: comments by N people at once, {BURST_SECONDS:.0f} s each")
    print(f"  {'writers':>7} {'comments':>8} {'per s':>7} {'p50 ms':>8} {'p95 ms':>8} "
          f"{'errors':>6} {'searchable after':>17}")  # fmt: skip
    for burst in bursts:
        after = burst.searchable_after_ms
        print(
            f"  {burst.writers:7} {len(burst.acknowledged):8} {burst.per_second:7.1f} "
            f"{burst.percentile_ms(50):8.1f} {burst.percentile_ms(95):8.1f} "
            f"{len(burst.errors):6} {'never' if after is None else f'{after:.0f} ms':>17}"
        )
        for error in burst.errors[:5]:
            print(f"    error: {error}")
    print(
        f"  acknowledged {len(acknowledged)}; missing in the database {missing_in_database}, "
        f"missing in the index {missing_in_index}"
    )
    return report
