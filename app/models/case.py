from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import LabelledEnum, StoredHtml, enum_column, html_column, utcnow
from app.models.theme import Dilemma, Theme

if TYPE_CHECKING:
    from app.models.comment import Comment
    from app.models.method import Method
    from app.models.municipality import Municipality
    from app.models.reflection import Reflection
    from app.models.user import User


class PolarisationKind(LabelledEnum):
    VERTICAL = ("vertical", "verticaal")
    HORIZONTAL = ("horizontal", "horizontaal")
    BOTH = ("both", "beide")


class CaseStatus(LabelledEnum):
    OPEN = ("open", "open vraag")
    IN_PROGRESS = ("in_progress", "in uitvoering")
    COMPLETED = ("completed", "afgerond")


class Visibility(LabelledEnum):
    DRAFT = ("draft", "concept")
    NETWORK = ("network", "netwerk")
    ARCHIVE = ("archive", "archief")


# The Markdown sections of a case, in the order the form and the page show them.
CASE_SECTIONS: tuple[tuple[str, str], ...] = (
    ("summary", "Samenvatting"),
    ("situation", "Situatie en aanleiding"),
    ("stakeholders", "Betrokkenen"),
    ("approach", "Aanpak"),
    ("question", "Leervraag"),
    ("outcome", "Opbrengst en lessen"),
)

case_themes = sa.Table(
    "case_themes",
    db.metadata,
    sa.Column("case_id", sa.ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("theme_id", sa.ForeignKey("themes.id", ondelete="CASCADE"), primary_key=True),
)

case_dilemmas = sa.Table(
    "case_dilemmas",
    db.metadata,
    sa.Column("case_id", sa.ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("dilemma_id", sa.ForeignKey("dilemmas.id", ondelete="CASCADE"), primary_key=True),
)


class Case(StoredHtml, db.Model):
    __tablename__ = "cases"
    __markdown_fields__ = tuple(name for name, _label in CASE_SECTIONS)
    __table_args__ = (
        sa.Index("ix_cases_visibility_updated_at", "visibility", "updated_at"),
        # The dashboards' panels in the order cases were shared (open questions awaiting a
        # reaction, cases without a reflection): read in that order and stop at the panel's
        # size instead of sorting them all. Not (visibility, shared_at): SQLite then took it
        # for the case list's visibility lookups too and sorted the rows it had to fetch.
        sa.Index("ix_cases_status_shared_at", "status", "shared_at"),
        sa.Index("ix_cases_shared_at", "shared_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    municipality_id: Mapped[int] = mapped_column(sa.ForeignKey("municipalities.id"), index=True)
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    polarisation_kind: Mapped[PolarisationKind] = mapped_column(enum_column(PolarisationKind))
    status: Mapped[CaseStatus] = mapped_column(enum_column(CaseStatus), default=CaseStatus.OPEN)
    visibility: Mapped[Visibility] = mapped_column(
        enum_column(Visibility), default=Visibility.DRAFT
    )
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
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    shared_at: Mapped[datetime | None]
    # The duo asks the experts explicitly for their view; the expert dashboard lists these.
    expert_view_requested: Mapped[bool] = mapped_column(default=False, server_default=sa.false())

    municipality: Mapped["Municipality"] = relationship(back_populates="cases")
    author: Mapped["User"] = relationship()
    themes: Mapped[list[Theme]] = relationship(secondary=case_themes, order_by=Theme.name)
    dilemmas: Mapped[list[Dilemma]] = relationship(secondary=case_dilemmas, order_by=Dilemma.number)
    comments: Mapped[list["Comment"]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="Comment.created_at"
    )
    reflections: Mapped[list["Reflection"]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="Reflection.created_at"
    )

    methods: Mapped[list["Method"]] = relationship(
        secondary="case_methods", back_populates="cases", order_by="Method.name"
    )

    @property
    def is_draft(self) -> bool:
        return self.visibility == Visibility.DRAFT

    def __repr__(self) -> str:
        return f"<Case {self.id} {self.title!r}>"
