"""The database's content version: a token every committing write transaction replaces.

Copies of what the database says (the page cache) stay valid exactly as long as this token is
unchanged, in every process: the token lives in the database, and it changes in the same
transaction as the data, so no reader can see new data under an old token.

Any INSERT, UPDATE or DELETE sent on a session's connection marks the transaction, whatever
built the statement (the unit of work, a bulk `sa.update`, a text statement); the session's
`before_commit` then replaces the token. Writes outside a session (a backup restore) call
`replace_token` themselves.
"""

import re
import secrets

import sqlalchemy as sa
from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Connection

from app.extensions import db
from app.models import ContentVersion

_WROTE = "content_version_wrote"
_WRITE_STATEMENT = re.compile(r"\s*(INSERT|UPDATE|DELETE|REPLACE|MERGE)\b", re.IGNORECASE)


def current_token() -> str:
    """The token now committed; '' when the row is missing (then nothing may be cached)."""
    return db.session.scalar(sa.select(ContentVersion.token).where(ContentVersion.id == 1)) or ""


def replace_token(connection: Connection) -> None:
    token = secrets.token_hex(16)
    updated = connection.execute(
        sa.update(ContentVersion).where(ContentVersion.id == 1).values(token=token)
    )
    if not updated.rowcount:
        connection.execute(sa.insert(ContentVersion).values(id=1, token=token))


def _mark_writes(conn, _cursor, statement, _params, _context, _executemany) -> None:
    if _WRITE_STATEMENT.match(statement):
        conn.info[_WROTE] = True


def _forget_writes(conn) -> None:
    conn.info.pop(_WROTE, None)


def _replace_if_written(session) -> None:
    # Flush first: changes still pending in the unit of work are writes of this commit too.
    session.flush()
    if not session.in_transaction():
        return
    connection = session.connection()  # one database: the session's only connection
    if connection.info.get(_WROTE):
        replace_token(connection)


def init_app(app: Flask) -> None:
    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", _mark_writes)
    # A new transaction starts clean; a rolled back one wrote nothing.
    event.listen(engine, "begin", _forget_writes)
    event.listen(engine, "rollback", _forget_writes)
    event.listen(engine, "commit", _forget_writes)
    if not event.contains(db.session, "before_commit", _replace_if_written):
        event.listen(db.session, "before_commit", _replace_if_written)
