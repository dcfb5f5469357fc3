from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import utcnow


class SearchChange(db.Model):
    """One change that affects the search indexes, written in the transaction of the change.

    The indexer applies pending rows in id order after the commit and stamps `applied_at`, so a
    process that dies between commit and indexing leaves rows the next run catches up on.
    """

    __tablename__ = "search_changes"
    __table_args__ = (sa.Index("ix_search_changes_pending", "applied_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # "case" | "comment" | "reflection" | "publication": what changed, for the log's reader.
    entity: Mapped[str] = mapped_column(sa.String(20))
    entity_id: Mapped[int]
    # Every searchable thing belongs to one case; the case document is what gets rebuilt.
    case_id: Mapped[int]
    action: Mapped[str] = mapped_column(sa.String(20))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    applied_at: Mapped[datetime | None]

    def __repr__(self) -> str:
        return f"<SearchChange {self.id} {self.entity} {self.entity_id} {self.action}>"
