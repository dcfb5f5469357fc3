"""What the home page shows, and the health check."""

import sqlalchemy as sa

from app.extensions import db


def database_problem() -> str | None:
    try:
        db.session.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError:
        db.session.rollback()
        return "unreachable"
    return None
