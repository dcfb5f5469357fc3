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
    # How many reverse proxies in front of the app set X-Forwarded-For/-Proto/-Host/-Port.
    # 0 (the default) trusts none of those headers: a client could spoof its address with them.
    TRUSTED_PROXIES = int(os.environ.get("TRUSTED_PROXIES", "0"))
    CASES_PER_PAGE = 20
    DISPLAY_TIMEZONE = os.environ.get("DISPLAY_TIMEZONE", "Europe/Amsterdam")


class TestConfig(Config):
    """Used by the test suite: CSRF is off by default, tests that check it switch it on."""

    TESTING = True
    WTF_CSRF_ENABLED = False
