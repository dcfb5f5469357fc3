from datetime import date, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import StoredHtml, html_column, utcnow

if TYPE_CHECKING:
    from app.models.case import Case
    from app.models.meeting import Meeting
    from app.models.municipality import Municipality
    from app.models.user import User


class Assignment(StoredHtml, db.Model):
    """An opdracht between sessions; open for answers until the end of its due date."""

    __tablename__ = "assignments"
    __markdown_fields__ = ("instructions",)

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    instructions: Mapped[str] = mapped_column(sa.Text)
    instructions_html: Mapped[str] = html_column()
    meeting_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("meetings.id", ondelete="SET NULL"), index=True
    )
    due_date: Mapped[date] = mapped_column(sa.Date, index=True)
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    meeting: Mapped["Meeting | None"] = relationship()
    author: Mapped["User"] = relationship()
    responses: Mapped[list["AssignmentResponse"]] = relationship(
        back_populates="assignment", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<Assignment {self.id} {self.title!r}>"


class AssignmentResponse(StoredHtml, db.Model):
    """One municipality's answer; `version` detects two duo members saving at the same time."""

    __tablename__ = "assignment_responses"
    __markdown_fields__ = ("body",)
    __table_args__ = (sa.UniqueConstraint("assignment_id", "municipality_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(
        sa.ForeignKey("assignments.id", ondelete="CASCADE"), index=True
    )
    municipality_id: Mapped[int] = mapped_column(sa.ForeignKey("municipalities.id"), index=True)
    body: Mapped[str] = mapped_column(sa.Text, default="")
    body_html: Mapped[str] = html_column()
    case_id: Mapped[int | None] = mapped_column(sa.ForeignKey("cases.id", ondelete="SET NULL"))
    version: Mapped[int] = mapped_column(default=1)
    updated_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    assignment: Mapped[Assignment] = relationship(back_populates="responses")
    municipality: Mapped["Municipality"] = relationship()
    case: Mapped["Case | None"] = relationship()
    updated_by: Mapped["User"] = relationship()
