import datetime as dt
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import LabelledEnum, StoredHtml, enum_column, html_column, utcnow

if TYPE_CHECKING:
    from app.models.case import Case
    from app.models.user import User

# Called "Meeting" in code so it never reads like the database session; "bijeenkomst" in the UI.

meeting_cases = sa.Table(
    "meeting_cases",
    db.metadata,
    sa.Column("meeting_id", sa.ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("case_id", sa.ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True),
)


class Meeting(StoredHtml, db.Model):
    """A learning-and-reflection session. Date and times are wall-clock times in the
    display time zone (Europe/Amsterdam), as the network announces them."""

    __tablename__ = "meetings"
    __markdown_fields__ = ("agenda", "report", "key_insights")

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    date: Mapped[dt.date] = mapped_column(sa.Date, index=True)
    start_time: Mapped[dt.time] = mapped_column(sa.Time)
    end_time: Mapped[dt.time] = mapped_column(sa.Time)
    city: Mapped[str] = mapped_column(sa.String(120), default="Utrecht")
    venue: Mapped[str] = mapped_column(sa.String(300), default="")  # empty: "volgt nog"
    agenda: Mapped[str] = mapped_column(sa.Text, default="")
    report: Mapped[str] = mapped_column(sa.Text, default="")
    key_insights: Mapped[str] = mapped_column(sa.Text, default="")
    agenda_html: Mapped[str] = html_column()
    report_html: Mapped[str] = html_column()
    key_insights_html: Mapped[str] = html_column()
    report_author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    report_updated_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    cases: Mapped[list["Case"]] = relationship(secondary=meeting_cases, order_by="Case.title")
    report_author: Mapped["User | None"] = relationship()
    attendances: Mapped[list["Attendance"]] = relationship(
        back_populates="meeting", cascade="all, delete-orphan"
    )

    @property
    def place(self) -> str:
        return f"{self.venue}, {self.city}" if self.venue else f"{self.city} (locatie volgt nog)"

    def __repr__(self) -> str:
        return f"<Meeting {self.id} {self.date}>"


class Rsvp(LabelledEnum):
    YES = ("yes", "ik kom")
    NO = ("no", "ik kom niet")


class Attendance(db.Model):
    """Whether a person says they come (rsvp) and whether they actually came (attended)."""

    __tablename__ = "attendances"
    __table_args__ = (sa.UniqueConstraint("meeting_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        sa.ForeignKey("meetings.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    rsvp: Mapped[Rsvp | None] = mapped_column(enum_column(Rsvp))
    attended: Mapped[bool | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    meeting: Mapped[Meeting] = relationship(back_populates="attendances")
    user: Mapped["User"] = relationship()
