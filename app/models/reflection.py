from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import StoredHtml, html_column, utcnow

if TYPE_CHECKING:
    from app.models.case import Case
    from app.models.method import Method
    from app.models.user import User


class Reflection(StoredHtml, db.Model):
    """An expert's reflectie on a case, shown apart from and above the comments."""

    __tablename__ = "reflections"
    __markdown_fields__ = ("body", "key_lessons")

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    body: Mapped[str] = mapped_column(sa.Text)
    key_lessons: Mapped[str] = mapped_column(sa.Text, default="")
    body_html: Mapped[str] = html_column()
    key_lessons_html: Mapped[str] = html_column()
    # Indexed for the dashboards' newest reflections: read newest first, stop at the panel's size.
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    case: Mapped["Case"] = relationship(back_populates="reflections")
    author: Mapped["User"] = relationship()
    methods: Mapped[list["Method"]] = relationship(
        secondary="reflection_methods", back_populates="reflections", order_by="Method.name"
    )

    def __repr__(self) -> str:
        return f"<Reflection {self.id} on case {self.case_id}>"
