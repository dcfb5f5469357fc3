import datetime as dt
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import LabelledEnum, StoredHtml, enum_column, html_column, utcnow

if TYPE_CHECKING:
    from app.models.municipality import Municipality


class MaatwerkStatus(LabelledEnum):
    NEW = ("new", "nieuw")
    PLANNED = ("planned", "intake gepland")
    SELECTED = ("selected", "geselecteerd")
    NOT_SELECTED = ("not_selected", "niet geselecteerd")


class MaatwerkTrack(db.Model):
    """A municipality's path through the separate maatwerk intake, and its local support."""

    __tablename__ = "maatwerk_tracks"

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(
        sa.ForeignKey("municipalities.id", ondelete="CASCADE"), unique=True
    )
    status: Mapped[MaatwerkStatus] = mapped_column(
        enum_column(MaatwerkStatus), default=MaatwerkStatus.NEW
    )
    intake_at: Mapped[datetime | None]  # UTC
    notes: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    municipality: Mapped["Municipality"] = relationship()
    work_sessions: Mapped[list["WorkSession"]] = relationship(
        back_populates="track", cascade="all, delete-orphan", order_by="WorkSession.number"
    )


class WorkSession(StoredHtml, db.Model):
    """A local werksessie with the municipality's own network partners."""

    __tablename__ = "work_sessions"
    __markdown_fields__ = ("partners", "aims", "report")
    __table_args__ = (sa.UniqueConstraint("track_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    track_id: Mapped[int] = mapped_column(
        sa.ForeignKey("maatwerk_tracks.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int]
    date: Mapped[dt.date | None] = mapped_column(sa.Date)
    place: Mapped[str] = mapped_column(sa.String(300), default="")
    partners: Mapped[str] = mapped_column(sa.Text, default="")
    aims: Mapped[str] = mapped_column(sa.Text, default="")
    report: Mapped[str] = mapped_column(sa.Text, default="")
    partners_html: Mapped[str] = html_column()
    aims_html: Mapped[str] = html_column()
    report_html: Mapped[str] = html_column()
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    track: Mapped[MaatwerkTrack] = relationship(back_populates="work_sessions")
