import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db


class ContentVersion(db.Model):
    """One row whose token every committing write transaction replaces (app/content_version.py).

    Processes that keep derived copies of pages compare this token to know whether the database
    changed since; a random token (not a counter) stays unambiguous after a backup is restored.
    """

    __tablename__ = "content_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(sa.String(32))
