"""Consistent online backups and restores, for SQLite (backup API) and PostgreSQL (pg_dump).

After a restore, erasures recorded since the backup was made are applied again (the erasure
register lives outside the database), and then `events.database_restored` is sent: whatever keeps
state derived from the database (the search index) subscribes to it and rebuilds. In that order,
so nothing erased comes back into a rebuilt index.
"""

import shutil
import sqlite3
import subprocess
import tempfile
from pathlib import Path

from flask import current_app

from app import events
from app.extensions import db
from app.privacy.services import reapply_erasures


class BackupError(Exception):
    """A backup or restore that could not be done; the message says why."""


def _sqlite_path() -> Path:
    return Path(db.engine.url.database)


def _libpq_url() -> str:
    # pg_dump and pg_restore speak libpq, which does not know SQLAlchemy's "+psycopg" suffix.
    return db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)


def _run(command: list[str]) -> None:
    if shutil.which(command[0]) is None:
        raise BackupError(f"{command[0]} not found; install Debian's postgresql-client")
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BackupError(f"{command[0]} failed: {result.stderr.strip()}")


def _check_sqlite_file(path: Path) -> None:
    """Refuse anything that is not a sound Casusplein database."""
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        integrity = connection.execute("PRAGMA integrity_check").fetchone()[0]
        connection.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{path} is not a Casusplein SQLite backup: {error}") from error
    finally:
        connection.close()
    if integrity != "ok":
        raise BackupError(f"{path} fails the integrity check: {integrity}")


def create_backup(path: Path) -> None:
    """Write a consistent copy of the live database to path (which must not exist yet)."""
    if path.exists():
        raise BackupError(f"{path} already exists; choose a new file name")
    path.parent.mkdir(parents=True, exist_ok=True)
    dialect = db.engine.dialect.name
    if dialect == "postgresql":
        _run(["pg_dump", "--format=custom", "--no-owner", f"--file={path}", _libpq_url()])
    elif dialect == "sqlite":
        # Written next to the target and renamed, so a half-written file never has its name.
        with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".partial", delete=False) as tmp:
            partial = Path(tmp.name)
        try:
            source = sqlite3.connect(_sqlite_path())
            target = sqlite3.connect(partial)
            # One step (pages=-1) copies a single snapshot while other workers keep writing.
            with target:
                source.backup(target, pages=-1)
            target.close()
            source.close()
            _check_sqlite_file(partial)
            partial.rename(path)
        finally:
            partial.unlink(missing_ok=True)
    else:
        raise BackupError(f"backups of {dialect} databases are not supported")
    current_app.logger.info("backup written to %s", path)


def restore_backup(path: Path) -> None:
    """Replace the live database's contents with the backup at path, then announce it."""
    if not path.is_file():
        raise BackupError(f"{path} does not exist")
    dialect = db.engine.dialect.name
    # No connection of this process may hold a transaction open while the data is replaced.
    db.session.remove()
    db.engine.dispose()
    if dialect == "postgresql":
        _run(
            [
                "pg_restore",
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                f"--dbname={_libpq_url()}",
                str(path),
            ]
        )
    elif dialect == "sqlite":
        _check_sqlite_file(path)
        # The backup API writes into the live file under SQLite's own locks, so gunicorn
        # workers that have it open see the restored data at their next transaction; renaming
        # a file over it would leave them writing to the old, unlinked one.
        source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        target = sqlite3.connect(_sqlite_path(), timeout=30)
        try:
            with target:
                source.backup(target, pages=-1)
        finally:
            target.close()
            source.close()
    else:
        raise BackupError(f"restoring {dialect} databases is not supported")
    db.engine.dispose()
    current_app.logger.info("database restored from %s", path)
    if erased := reapply_erasures():
        current_app.logger.info("%s erasure(s) re-applied after the restore", erased)
    events.database_restored.send(current_app._get_current_object())
