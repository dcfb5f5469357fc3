"""The crawler: every route, as every role, page and fragment, GET and the writes each rule allows.

One planted world per module (see crawler_world.py) carries a canary word in each restricted
object. The test knows from the product rules, not from app/permissions.py, who may see each
canary (EXPECTED below), and asserts that every canary shows up for exactly those roles, in any
response: pages, fragments, search, similar cases, feeds, exports, calendars and error pages.
Every refused request must leave the database as it was; no request may answer 500.
"""

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from itertools import product
from urllib.parse import urlencode

import pytest
from werkzeug.routing import Rule

from app.extensions import db
from app.search.rebuild import rebuild as rebuild_index
from app.search.storage import close_thread_searchers
from tests.conftest import _app_for
from tests.crawler_world import World, plant, session_cookie

ROLES = (
    "anonymous",
    "participant_a",
    "colleague_a",
    "participant_b",
    "expert",
    "organiser",
    "reader",
    "deactivated",
)
NETWORK = frozenset({"participant_a", "colleague_a", "participant_b", "expert", "organiser"})
# The published archive is public: anonymous visitors, readers and everyone signed in or not.
EVERYONE = frozenset(ROLES)
TOWN_A = frozenset({"participant_a", "colleague_a"})

# Who may see each canary, from the product brief (PRODUCT.md, "Who uses it" and the ladder).
EXPECTED: dict[str, frozenset[str]] = {
    # Draft: the author and their own municipality; organisers see everything.
    "draft_a": TOWN_A | {"organiser"},
    "draft_b": frozenset({"participant_b", "organiser"}),
    # Shared with the network: participants, experts and organisers, never readers/anonymous.
    "network_case": NETWORK,
    "comment": NETWORK,
    "proposed_case": NETWORK,
    # The reviewed copy in the archive, and a reflection whose expert consented: public.
    "published_copy": EVERYONE,
    "reflection_consented": EVERYONE,
    # Network text of a published case (edited after publication, or without consent).
    "published_live": NETWORK,
    "reflection_unconsented": NETWORK,
    # Reflection text not yet reviewed: edited or consented after publication (F1).
    "reflection_edited_after_publication": NETWORK,
    "reflection_consented_late": NETWORK,
    # Histories are as private as their items; a deleted comment's text is for organisers.
    "draft_old_version": TOWN_A | {"organiser"},
    "network_old_version": NETWORK,
    "deleted_comment": frozenset({"organiser"}),
    # Methods not marked public stay in the network.
    "private_method": NETWORK,
    # Sessions are network knowledge.
    "meeting_agenda": NETWORK,
    # Before the due date only the municipality itself (and organisers) read its response.
    "response_open": TOWN_A | {"organiser"},
    "response_closed": NETWORK,
    # Local support is between that municipality, the experts and the organisers.
    "work_session_a": TOWN_A | {"expert", "organiser"},
    # Intake (network and maatwerk) is run by organisers only.
    "maatwerk_notes": frozenset({"organiser"}),
    "application_notes": frozenset({"organiser"}),
    "applicant_email": frozenset({"organiser"}),
    "invitation_email": frozenset({"organiser"}),
    # Personal: one's own notifications; one's e-mail address for oneself and the organisers.
    "notification_a": frozenset({"participant_a"}),
    "email_a": frozenset({"participant_a", "organiser"}),
    # The audit log is for organisers.
    "audit": frozenset({"organiser"}),
}

WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
# Tables that legitimately record refused requests (failed logins, rate-limit memory).
BOOKKEEPING = frozenset({"audit_events", "login_throttles", "intake_attempts"})


@dataclass
class Crawl:
    world: World
    requests: int = 0
    allowed_writes: int = 0  # allowed requests that changed the database (rolled back)
    calendar_feed: set[str] = field(default_factory=set)  # canaries in a valid calendar feed
    server_errors: list[str] = field(default_factory=list)
    changed_by_refusal: list[str] = field(default_factory=list)
    seen: dict[str, dict[str, list[str]]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(list))
    )


class Database:
    """A checksum of every table, and a way back to the planted state after an allowed write."""

    def __init__(self) -> None:
        self.tables = list(db.metadata.sorted_tables)
        # Plain SELECTs through the driver: this runs after every write, it must be cheap.
        self.selects = {table.name: f'SELECT * FROM "{table.name}"' for table in self.tables}
        self.snapshot = self._rows()
        self.baseline = self.checksums()
        self.index_stale = False

    def _rows(self) -> dict[str, list[dict]]:
        with db.engine.connect() as connection:
            return {
                table.name: [dict(row) for row in connection.execute(table.select()).mappings()]
                for table in self.tables
            }

    def checksums(self) -> dict[str, str]:
        sums = {}
        connection = db.engine.raw_connection()
        try:
            cursor = connection.cursor()
            for name, select in self.selects.items():
                cursor.execute(select)
                rows = sorted(repr(row) for row in cursor.fetchall())
                sums[name] = hashlib.sha256("\n".join(rows).encode()).hexdigest()
            cursor.close()
            connection.rollback()  # no transaction (and no lock) stays open on PostgreSQL
        finally:
            connection.close()
        return sums

    def restore(self, reindex: bool) -> None:
        """Put every row back as planted; the index is rebuilt before the next read needs it."""
        db.session.remove()
        with db.engine.begin() as connection:
            for table in reversed(self.tables):
                connection.execute(table.delete())
            for table in self.tables:
                if rows := self.snapshot[table.name]:
                    connection.execute(table.insert(), rows)
        self.index_stale = self.index_stale or reindex

    def fresh_index(self) -> None:
        if self.index_stale:
            close_thread_searchers()
            rebuild_index()
            close_thread_searchers()
            self.index_stale = False


def _values(world: World) -> dict[tuple[str, str], list]:
    """Real values for each URL converter (by endpoint, or '*' for every endpoint)."""
    ids = world.ids
    return {
        ("*", "case_id"): [
            ids[name] for name in ("draft_a", "draft_b", "network", "proposed", "published")
        ],
        ("*", "comment_id"): [ids["comment"], ids["deleted_comment"]],
        ("*", "number"): [1],
        ("*", "reflection_id"): [ids["unconsented"], ids["consented"]],
        ("*", "publication_id"): [ids["publication"], ids["proposed_publication"]],
        ("*", "meeting_id"): [ids["meeting"]],
        ("*", "assignment_id"): [ids["open_assignment"], ids["closed_assignment"]],
        ("*", "track_id"): [ids["track"]],
        ("*", "session_id"): [ids["work_session"]],
        ("*", "application_id"): [ids["application"]],
        ("*", "invitation_id"): [ids["invitation"]],
        ("*", "notification_id"): [ids["notification"]],
        ("*", "method_id"): [ids["private_method"]],
        ("*", "user_id"): [world.users["participant_a"].id],
        ("*", "municipality_id"): [ids["town_a"]],
        ("*", "theme_id"): [ids["theme"]],
        ("*", "slug"): [world.theme_slug],
        ("*", "filename"): ["css/app.css"],
        # Capability links: a revoked invitation, and the calendar of the deactivated user.
        ("invitations.accept", "token"): [world.tokens["revoked_invitation"]],
        ("meetings.feed", "token"): [world.tokens["calendar_deactivated"]],
        ("auth.reset_password", "token"): [world.tokens["reset_deactivated"]],
    }


def _urls(rule: Rule, values: dict) -> list[str]:
    choices = []
    for argument in sorted(rule.arguments):
        found = values.get((rule.endpoint, argument)) or values.get(("*", argument))
        assert found, f"the crawler has no value for <{argument}> in {rule.rule}"
        choices.append([(argument, value) for value in found])
    urls = []
    for combination in product(*choices):
        _ok, url = rule.build(dict(combination), append_unknown=False)
        urls.append(url)
    return urls


def requests_to_make(app, world: World) -> list[tuple[str, str]]:
    """(method, url) for every rule and converter value, plus searches for every canary."""
    values = _values(world)
    made = []
    for rule in app.url_map.iter_rules():
        for url in _urls(rule, values):
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                made.append((method, url))
    words = " ".join(world.search_words.values())
    for path in ("/search", "/archive/search"):
        made.append(("GET", f"{path}?{urlencode({'q': words})}"))
    made.append(("GET", f"/cases?{urlencode({'municipality': world.ids['town_a']})}"))
    # Reads first: the index, rebuilt after writes that touched it, is then rebuilt once a role.
    return sorted(made, key=lambda request: request[0] in WRITE_METHODS)


def _refused(url: str, response) -> bool:
    """A 4xx, or a redirect to the login page (except after logging out, which is a success)."""
    if 400 <= response.status_code < 500:
        return True
    target = response.headers.get("Location", "") + response.headers.get("HX-Redirect", "")
    return "/login" in target and url != "/logout"


def _seen(world: World, response) -> set[str]:
    """The canaries in a response, its headers included."""
    text = response.get_data().decode("utf-8", "replace") + str(response.headers)
    response.close()
    text = text.lower()
    return {name for name, word in world.canaries.items() if word in text}


def _crawl_as(app, crawl: Crawl, database: Database, role: str, cookie: str | None, made):
    client = app.test_client(use_cookies=False)
    base = {"Cookie": cookie} if cookie else {}
    for (method, url), fragment in product(made, (False, True)):
        headers = {**base, "HX-Request": "true"} if fragment else base
        where = f"{role}: {method} {url}{' (htmx)' if fragment else ''}"
        if method not in WRITE_METHODS:
            database.fresh_index()
        crawl.requests += 1
        try:
            response = client.open(url, method=method, headers=headers, data={})
        except Exception as error:  # the app re-raises in testing: this is its 500
            crawl.server_errors.append(f"{where}: {type(error).__name__}: {error}")
            database.restore(reindex=True)
            continue
        if response.status_code >= 500:
            crawl.server_errors.append(f"{where}: {response.status_code}")
        for name in _seen(crawl.world, response):
            crawl.seen[name][role].append(f"{where} -> {response.status_code}")
        sums = database.checksums()
        if sums == database.baseline:
            continue
        # Allowed requests may change things (reads too: a first calendar link makes a token);
        # they are rolled back, so that every request starts from the planted world.
        if not _refused(url, response):
            crawl.allowed_writes += 1
        else:
            changed = [t for t in sums if sums[t] != database.baseline[t]]
            changed = [t for t in changed if t not in BOOKKEEPING]
            if changed:
                crawl.changed_by_refusal.append(f"{where} -> {response.status_code}: {changed}")
        database.restore(reindex=sums["search_changes"] != database.baseline["search_changes"])


@pytest.fixture(scope="module")
def crawl(tmp_path_factory, migrated_database):
    instance = tmp_path_factory.mktemp("crawler")
    app = _app_for(instance, SQLALCHEMY_DATABASE_URI=migrated_database.fresh(instance))
    with app.app_context():
        world = plant(app)
        cookies = {role: session_cookie(app, user) for role, user in world.users.items()}
        # An old cookie of someone an organiser has since deactivated.
        world.users["deactivated"].active = False
        db.session.commit()
        made = requests_to_make(app, world)
        database = Database()
        result = Crawl(world)
        for role in ROLES:
            _crawl_as(app, result, database, role, cookies.get(role), made)
        # The personal calendar link stands in for a login: whoever holds it reads the sessions.
        feed = app.test_client().get(f"/meetings/feed/{world.tokens['calendar_a']}.ics")
        assert feed.status_code == 200
        result.calendar_feed = _seen(world, feed)
        yield result
        close_thread_searchers()
        db.session.remove()
        db.engine.dispose()


def test_no_request_answers_500(crawl):
    assert crawl.server_errors == []


def test_refused_requests_leave_the_database_unchanged(crawl):
    assert crawl.changed_by_refusal == []


@pytest.mark.parametrize("canary", sorted(EXPECTED))
def test_canary_is_seen_exactly_where_the_rules_allow(crawl, canary):
    seen = crawl.seen[canary]
    leaks = {role: where[:3] for role, where in seen.items() if role not in EXPECTED[canary]}
    assert leaks == {}, f"{canary} leaked"
    assert set(seen) == set(EXPECTED[canary]), f"{canary} not seen by every allowed role"


def test_a_calendar_link_shows_the_sessions_and_nothing_else(crawl):
    assert crawl.calendar_feed == {"meeting_agenda"}


def test_every_canary_has_an_expectation(crawl):
    assert set(crawl.world.canaries) == set(EXPECTED)
