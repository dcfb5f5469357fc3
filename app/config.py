"""Configuration read from the environment, with safe defaults for a local install."""

import os
import secrets
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
INSTANCE_PATH = Path(os.environ.get("INSTANCE_PATH", PROJECT_ROOT / "instance"))


def _env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def _env_roles(name: str, default: str) -> tuple[str, ...]:
    """A comma-separated list of role values, e.g. "organiser,expert"."""
    value = os.environ.get(name, default)
    return tuple(role.strip() for role in value.split(",") if role.strip())


def _secret_key(instance_path: Path) -> str:
    """Use SECRET_KEY from the environment, else one generated once into instance/."""
    if key := os.environ.get("SECRET_KEY"):
        return key
    key_file = instance_path / "secret_key"
    if not key_file.exists():
        instance_path.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


class Config:
    """Defaults for running Casusplein; every setting can be overridden from the environment."""

    def __init__(self, instance_path: Path = INSTANCE_PATH) -> None:
        self.SECRET_KEY = _secret_key(instance_path)
        self.SQLALCHEMY_DATABASE_URI = os.environ.get(
            "DATABASE_URL", f"sqlite:///{instance_path / 'casusplein.db'}"
        )
        # Keep this file out of the database backups' restore path: it re-applies erasures
        # after a restore (`flask --app app privacy reapply-erasures`).
        self.ERASURE_REGISTER_PATH = os.environ.get(
            "ERASURE_REGISTER_PATH", str(instance_path / "erasure-register.jsonl")
        )
        # The search indexes are derived data: `flask search rebuild` recreates them.
        self.SEARCH_INDEX_DIR = os.environ.get("SEARCH_INDEX_DIR", str(instance_path / "search"))
        # Organisers extend the synonym list from the web; it starts as a copy of the default.
        self.SEARCH_SYNONYMS_FILE = os.environ.get(
            "SEARCH_SYNONYMS_FILE", str(instance_path / "synonyms.txt")
        )

    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = os.environ.get("SESSION_COOKIE_SECURE", "0") == "1"
    # Sessions end after this much inactivity, and in any case this long after signing in.
    SESSION_IDLE_MINUTES = _env_int("SESSION_IDLE_MINUTES", 30)
    SESSION_ABSOLUTE_HOURS = _env_int("SESSION_ABSOLUTE_HOURS", 12)
    # Roles that must sign in with a second factor (TOTP). Off in development so that the demo
    # accounts of `make run` work with a password alone; ProductionConfig requires it for every
    # role that can write. Anyone may enrol voluntarily, and is then always asked for a code.
    MFA_REQUIRED_ROLES = _env_roles("MFA_REQUIRED_ROLES", "")
    MFA_ISSUER = "Casusplein"
    # The key that seals TOTP secrets in the database; derived from SECRET_KEY when empty.
    MFA_SECRET_KEY = os.environ.get("MFA_SECRET_KEY", "")
    # Login throttling: this many free failures per account and per address, then a lockout that
    # doubles with each further failure up to the maximum; failures older than the window reset.
    LOGIN_FREE_FAILURES = _env_int("LOGIN_FREE_FAILURES", 5)
    # Free failures of one client address over all accounts: people behind one network share it.
    LOGIN_ADDRESS_FREE_FAILURES = _env_int("LOGIN_ADDRESS_FREE_FAILURES", 20)
    LOGIN_LOCKOUT_BASE_SECONDS = _env_int("LOGIN_LOCKOUT_BASE_SECONDS", 30)
    LOGIN_LOCKOUT_MAX_SECONDS = _env_int("LOGIN_LOCKOUT_MAX_SECONDS", 15 * 60)
    LOGIN_FAILURE_WINDOW_MINUTES = _env_int("LOGIN_FAILURE_WINDOW_MINUTES", 60)
    # "Wachtwoord vergeten?": how long a reset link works, and how many requests an account
    # (links mailed per hour) and a client address (requests, then a doubling lock) may make.
    PASSWORD_RESET_VALID_MINUTES = _env_int("PASSWORD_RESET_VALID_MINUTES", 60)
    PASSWORD_RESET_ACCOUNT_LIMIT = _env_int("PASSWORD_RESET_ACCOUNT_LIMIT", 3)
    PASSWORD_RESET_ADDRESS_LIMIT = _env_int("PASSWORD_RESET_ADDRESS_LIMIT", 10)
    # Posting limits per user: (count, minutes) counted from the rows already in the database.
    COMMENT_RATE_LIMIT = (_env_int("COMMENT_RATE_LIMIT", 10), 1)
    CASE_RATE_LIMIT = (_env_int("CASE_RATE_LIMIT", 10), 60)
    # HSTS is sent on HTTPS responses only; a year is what browsers' preload rules expect.
    HSTS_SECONDS = _env_int("HSTS_SECONDS", 365 * 24 * 3600)
    # CSRF tokens live as long as the session: a long-open case form must still save.
    WTF_CSRF_TIME_LIMIT = None
    # Without Flask-Babel, this lets forms use WTForms' bundled Dutch messages (Meta.locales).
    WTF_I18N_ENABLED = False
    MAX_CONTENT_LENGTH = 2 * 1024 * 1024
    # How many reverse proxies in front of the app set X-Forwarded-For/-Proto/-Host/-Port.
    # 0 (the default) trusts none of those headers: a client could spoof its address with them.
    TRUSTED_PROXIES = int(os.environ.get("TRUSTED_PROXIES", "0"))
    CASES_PER_PAGE = 20
    # How long a worker shows the filter forms' theme and municipality lists before reading them
    # again; its own changes show at once (app/reference.py).
    REFERENCE_CACHE_SECONDS = float(os.environ.get("REFERENCE_CACHE_SECONDS", "30"))
    SEARCH_RESULTS_PER_PAGE = 20
    # Changes are applied to the search index by a thread of each process, after the commit
    # that logged them (the writing request does not wait for the index); searches apply what
    # is still pending first. Off: the writing request applies its changes itself.
    SEARCH_INDEX_IN_BACKGROUND = os.environ.get("SEARCH_INDEX_IN_BACKGROUND", "1") == "1"
    # The background indexer merges segments in a process of its own (merging.py), not in
    # a thread beside the requests of the worker it runs in.
    SEARCH_MERGE_IN_PROCESS = os.environ.get("SEARCH_MERGE_IN_PROCESS", "1") == "1"
    # Seconds a writer waits for the index lock before leaving the change for the catch-up.
    SEARCH_WRITE_TIMEOUT = float(os.environ.get("SEARCH_WRITE_TIMEOUT", "30"))
    # A search first applies changes other instances logged, waiting at most this long.
    SEARCH_CATCH_UP_TIMEOUT = float(os.environ.get("SEARCH_CATCH_UP_TIMEOUT", "2"))
    # /healthz reports the index as behind when a change waits longer than this (seconds).
    SEARCH_HEALTH_MAX_LAG = float(os.environ.get("SEARCH_HEALTH_MAX_LAG", "120"))
    # A rebuild of at least this many cases indexes in this many processes at once.
    SEARCH_REBUILD_PROCESSES = _env_int("SEARCH_REBUILD_PROCESSES", min(os.cpu_count() or 1, 4))
    SEARCH_REBUILD_PARALLEL_FROM = _env_int("SEARCH_REBUILD_PARALLEL_FROM", 1000)
    # Postings each rebuild process sorts in memory (MB, Whoosh's estimate; about 1.6 GB of
    # real memory per 5,000 cases) before spilling them to disk.
    SEARCH_REBUILD_MEMORY_MB = _env_int("SEARCH_REBUILD_MEMORY_MB", 2048)
    # When off, the published archive (and its search, feeds and exports) needs an account.
    ARCHIVE_PUBLIC = os.environ.get("ARCHIVE_PUBLIC", "1") == "1"
    ARCHIVE_LICENCE = os.environ.get("ARCHIVE_LICENCE", "CC BY 4.0")
    ARCHIVE_LICENCE_URL = os.environ.get(
        "ARCHIVE_LICENCE_URL", "https://creativecommons.org/licenses/by/4.0/deed.nl"
    )
    DISPLAY_TIMEZONE = os.environ.get("DISPLAY_TIMEZONE", "Europe/Amsterdam")

    # The learning network: how many municipalities take part, and how many get maatwerk.
    NETWORK_MAX_MUNICIPALITIES = int(os.environ.get("NETWORK_MAX_MUNICIPALITIES", "12"))
    MAATWERK_MAX_MUNICIPALITIES = int(os.environ.get("MAATWERK_MAX_MUNICIPALITIES", "3"))
    INVITATION_VALID_DAYS = int(os.environ.get("INVITATION_VALID_DAYS", "14"))
    # Public application form: at most this many submissions per client address per hour.
    INTAKE_RATE_LIMIT = int(os.environ.get("INTAKE_RATE_LIMIT", "5"))

    # Links in e-mails and calendar files need an absolute address.
    BASE_URL = os.environ.get("BASE_URL", "http://127.0.0.1:5000").rstrip("/")
    # Without MAIL_SERVER, mail is written as .eml files to instance/outbox/.
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "587"))
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME", "")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD", "")
    MAIL_USE_TLS = os.environ.get("MAIL_USE_TLS", "1") == "1"
    MAIL_USE_SSL = os.environ.get("MAIL_USE_SSL", "0") == "1"
    MAIL_SENDER = os.environ.get("MAIL_SENDER", "Casusplein <noreply@casusplein.example.nl>")
    # The mail worker (app/mail_queue.py): seconds an SMTP step may take, messages per
    # connection, attempts before giving up, and the back-off between attempts (doubling).
    MAIL_TIMEOUT = float(os.environ.get("MAIL_TIMEOUT", "30"))
    MAIL_BATCH = _env_int("MAIL_BATCH", 20)
    MAIL_MAX_ATTEMPTS = _env_int("MAIL_MAX_ATTEMPTS", 10)
    MAIL_RETRY_BASE_SECONDS = _env_int("MAIL_RETRY_BASE_SECONDS", 30)
    MAIL_RETRY_MAX_SECONDS = _env_int("MAIL_RETRY_MAX_SECONDS", 3600)
    # A claim older than this belongs to a run that died; it must exceed a batch's worst case
    # (MAIL_BATCH x MAIL_TIMEOUT), or a live run's mail could be sent twice.
    MAIL_CLAIM_TIMEOUT_SECONDS = _env_int("MAIL_CLAIM_TIMEOUT_SECONDS", 900)
    # How often `flask notify worker` looks for mail to send.
    MAIL_WORKER_POLL_SECONDS = float(os.environ.get("MAIL_WORKER_POLL_SECONDS", "2"))
    # Daily digests go out on the first `notify run` at or after this local hour.
    NOTIFY_DIGEST_HOUR = int(os.environ.get("NOTIFY_DIGEST_HOUR", "7"))


class ProductionConfig(Config):
    """Chosen with CASUSPLEIN_ENV=production: secure cookies and two-factor sign-in for writers."""

    SESSION_COOKIE_SECURE = os.environ.get("SESSION_COOKIE_SECURE", "1") == "1"
    MFA_REQUIRED_ROLES = _env_roles("MFA_REQUIRED_ROLES", "organiser,expert,participant")


def config_class(testing: bool = False) -> type[Config]:
    if testing:
        return TestConfig
    if os.environ.get("CASUSPLEIN_ENV") == "production":
        return ProductionConfig
    return Config


class TestConfig(Config):
    """Used by the test suite: CSRF is off by default, tests that check it switch it on."""

    TESTING = True
    WTF_CSRF_ENABLED = False
    MFA_REQUIRED_ROLES = ()
    # Indexed in the request, so a test sees the index change when its request returns; the
    # background indexer has tests of its own.
    SEARCH_INDEX_IN_BACKGROUND = False
