from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import LabelledEnum, StoredHtml, enum_column, html_column, utcnow

if TYPE_CHECKING:
    from app.models.case import Case
    from app.models.reflection import Reflection
    from app.models.user import User
    from app.models.version import CaseVersion, PublishedReflection


class PublicationStatus(LabelledEnum):
    PROPOSED = ("proposed", "voorgesteld, wacht op toestemming gemeente")
    CONSENTED = ("consented", "toestemming gegeven, wacht op controle")
    RETURNED = ("returned", "teruggestuurd met opmerkingen")
    PUBLISHED = ("published", "gepubliceerd")
    UNPUBLISHED = ("unpublished", "uit het archief gehaald")


class ArchivePublication(StoredHtml, db.Model):
    """A case's way into the public archive, with the anonymised text as published.

    The published title and sections are a copy of the case version the organiser reviewed,
    and the published reflections point at their reviewed versions, so later edits in the
    network never reach the archive without a new review.
    """

    __tablename__ = "archive_publications"
    # The anonymised copy of the case's sections (app/models/case.py CASE_SECTIONS).
    __markdown_fields__ = (
        "summary", "situation", "stakeholders", "approach", "question", "outcome",
    )  # fmt: skip

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id", ondelete="CASCADE"), unique=True)
    status: Mapped[PublicationStatus] = mapped_column(enum_column(PublicationStatus))
    proposed_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    proposed_at: Mapped[datetime] = mapped_column(default=utcnow)
    consent_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    consent_at: Mapped[datetime | None]
    consent_text: Mapped[str] = mapped_column(sa.Text, default="")
    # Who in the municipality gave consent, e.g. "afdelingshoofd Samenleving".
    consent_on_behalf_of: Mapped[str] = mapped_column(sa.String(200), default="")
    remarks: Mapped[str] = mapped_column(sa.Text, default="")
    checklist: Mapped[str] = mapped_column(sa.Text, default="")
    published_at: Mapped[datetime | None] = mapped_column(index=True)
    title: Mapped[str] = mapped_column(sa.String(200), default="")
    summary: Mapped[str] = mapped_column(sa.Text, default="")
    situation: Mapped[str] = mapped_column(sa.Text, default="")
    stakeholders: Mapped[str] = mapped_column(sa.Text, default="")
    approach: Mapped[str] = mapped_column(sa.Text, default="")
    question: Mapped[str] = mapped_column(sa.Text, default="")
    outcome: Mapped[str] = mapped_column(sa.Text, default="")
    summary_html: Mapped[str] = html_column()
    situation_html: Mapped[str] = html_column()
    stakeholders_html: Mapped[str] = html_column()
    approach_html: Mapped[str] = html_column()
    question_html: Mapped[str] = html_column()
    outcome_html: Mapped[str] = html_column()
    # The case version the municipality consented to, and the one the public copy holds.
    consent_version_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("case_versions.id", ondelete="SET NULL")
    )
    published_version_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("case_versions.id", ondelete="SET NULL")
    )

    case: Mapped["Case"] = relationship()
    consent_version: Mapped["CaseVersion | None"] = relationship(foreign_keys=[consent_version_id])
    published_version: Mapped["CaseVersion | None"] = relationship(
        foreign_keys=[published_version_id]
    )
    published_reflections: Mapped[list["PublishedReflection"]] = relationship(
        cascade="all, delete-orphan",
        order_by="PublishedReflection.reflection_id",
        passive_deletes=True,
    )
    proposed_by: Mapped["User | None"] = relationship(foreign_keys=[proposed_by_id])
    consent_by: Mapped["User | None"] = relationship(foreign_keys=[consent_by_id])
    events: Mapped[list["ArchiveEvent"]] = relationship(
        back_populates="publication",
        cascade="all, delete-orphan",
        order_by="ArchiveEvent.id",
    )

    @property
    def is_published(self) -> bool:
        return self.status == PublicationStatus.PUBLISHED

    def __repr__(self) -> str:
        return f"<ArchivePublication {self.id} case {self.case_id} {self.status}>"


class ArchiveEvent(db.Model):
    """One step of the publication workflow: who did what, when, and with which remarks."""

    __tablename__ = "archive_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    publication_id: Mapped[int] = mapped_column(
        sa.ForeignKey("archive_publications.id", ondelete="CASCADE"), index=True
    )
    action: Mapped[str] = mapped_column(sa.String(20))
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    remarks: Mapped[str] = mapped_column(sa.Text, default="")

    publication: Mapped[ArchivePublication] = relationship(back_populates="events")
    actor: Mapped["User | None"] = relationship()


class ReflectionConsent(db.Model):
    """An expert's consent to publish their reflection with the case in the archive."""

    __tablename__ = "reflection_consents"

    reflection_id: Mapped[int] = mapped_column(
        sa.ForeignKey("reflections.id", ondelete="CASCADE"), primary_key=True
    )
    given_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    given_at: Mapped[datetime] = mapped_column(default=utcnow)

    reflection: Mapped["Reflection"] = relationship()


class NetworkClosure(db.Model):
    """Each time an organiser closes or reopens the network; the newest row is the state."""

    __tablename__ = "network_closures"

    id: Mapped[int] = mapped_column(primary_key=True)
    closed: Mapped[bool]
    by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    note: Mapped[str] = mapped_column(sa.Text, default="")

    by: Mapped["User | None"] = relationship()
