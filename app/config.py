"""Configuration read from the environment, with safe defaults for a local install."""

import os
import secrets
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
INSTANCE_PATH = Path(os.environ.get("INSTANCE_PATH", PROJECT_ROOT / "instance"))


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
    REMEMBER_COOKIE_HTTPONLY = True
    # CSRF tokens live as long as the session: a long-open case form must still save.
    WTF_CSRF_TIME_LIMIT = None
    # Without Flask-Babel, this lets forms use WTForms' bundled Dutch messages (Meta.locales).
    WTF_I18N_ENABLED = False
    MAX_CONTENT_LENGTH = 2 * 1024 * 1024
    CASES_PER_PAGE = 20
    SEARCH_RESULTS_PER_PAGE = 20
    # Seconds a writer waits for the index lock before leaving the change for the catch-up.
    SEARCH_WRITE_TIMEOUT = float(os.environ.get("SEARCH_WRITE_TIMEOUT", "30"))
    # When off, the published archive (and its search, feeds and exports) needs an account.
    ARCHIVE_PUBLIC = os.environ.get("ARCHIVE_PUBLIC", "1") == "1"
    ARCHIVE_LICENCE = os.environ.get("ARCHIVE_LICENCE", "CC BY 4.0")
    ARCHIVE_LICENCE_URL = os.environ.get(
        "ARCHIVE_LICENCE_URL", "https://creativecommons.org/licenses/by/4.0/deed.nl"
    )
    DISPLAY_TIMEZONE = os.environ.get("DISPLAY_TIMEZONE", "Europe/Amsterdam")


class TestConfig(Config):
    """Used by the test suite: CSRF is off by default, tests that check it switch it on."""

    TESTING = True
    WTF_CSRF_ENABLED = False
