from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import LabelledEnum, StoredHtml, enum_column, html_column, utcnow
from app.models.municipality import SizeClass
from app.models.theme import Theme

if TYPE_CHECKING:
    from app.models.municipality import Municipality


class ApplicationStatus(LabelledEnum):
    NEW = ("new", "nieuw")
    PLANNED = ("planned", "intake gepland")
    ADMITTED = ("admitted", "toegelaten")
    WAITLISTED = ("waitlisted", "wachtlijst")
    REJECTED = ("rejected", "afgewezen")


application_themes = sa.Table(
    "application_themes",
    db.metadata,
    sa.Column(
        "application_id", sa.ForeignKey("applications.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column("theme_id", sa.ForeignKey("themes.id", ondelete="CASCADE"), primary_key=True),
)


class Application(StoredHtml, db.Model):
    """A municipality's aanmelding for the network, from the public form to the decision."""

    __tablename__ = "applications"
    __markdown_fields__ = ("learning_questions", "expectations", "local_issues")

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_name: Mapped[str] = mapped_column(sa.String(120))
    size_class: Mapped[SizeClass] = mapped_column(enum_column(SizeClass))
    province: Mapped[str] = mapped_column(sa.String(40))
    # The duo: two people; the second may be a neighbourhood professional.
    first_name: Mapped[str] = mapped_column(sa.String(120))
    first_function: Mapped[str] = mapped_column(sa.String(120))
    first_email: Mapped[str] = mapped_column(sa.String(254))
    second_name: Mapped[str] = mapped_column(sa.String(120))
    second_function: Mapped[str] = mapped_column(sa.String(120))
    second_email: Mapped[str] = mapped_column(sa.String(254))
    learning_questions: Mapped[str] = mapped_column(sa.Text)
    expectations: Mapped[str] = mapped_column(sa.Text, default="")
    local_issues: Mapped[str] = mapped_column(sa.Text, default="")
    learning_questions_html: Mapped[str] = html_column()
    expectations_html: Mapped[str] = html_column()
    local_issues_html: Mapped[str] = html_column()
    wants_maatwerk: Mapped[bool] = mapped_column(default=False)
    status: Mapped[ApplicationStatus] = mapped_column(
        enum_column(ApplicationStatus), default=ApplicationStatus.NEW, index=True
    )
    intake_at: Mapped[datetime | None]  # UTC, like every stored moment
    meeting_url: Mapped[str] = mapped_column(sa.String(500), default="")
    notes: Mapped[str] = mapped_column(sa.Text, default="")
    municipality_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("municipalities.id"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    themes: Mapped[list[Theme]] = relationship(secondary=application_themes, order_by=Theme.name)
    municipality: Mapped["Municipality | None"] = relationship()

    @property
    def duo(self) -> list[tuple[str, str, str]]:
        return [
            (self.first_name, self.first_function, self.first_email),
            (self.second_name, self.second_function, self.second_email),
        ]

    def __repr__(self) -> str:
        return f"<Application {self.id} {self.municipality_name}>"


class IntakeAttempt(db.Model):
    """One submission of the public form, by a hashed client address: the rate limit's memory."""

    __tablename__ = "intake_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_hash: Mapped[str] = mapped_column(sa.String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
