from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import StoredHtml, enum_column, html_column, utcnow
from app.models.case import PolarisationKind
from app.models.theme import Dilemma, Theme

if TYPE_CHECKING:
    from app.models.case import Case
    from app.models.reflection import Reflection
    from app.models.user import User


def _link_table(name: str, column: str, target: str) -> sa.Table:
    return sa.Table(
        name,
        db.metadata,
        sa.Column("method_id", sa.ForeignKey("methods.id", ondelete="CASCADE"), primary_key=True),
        sa.Column(column, sa.ForeignKey(f"{target}.id", ondelete="CASCADE"), primary_key=True),
    )


method_themes = _link_table("method_themes", "theme_id", "themes")
method_dilemmas = _link_table("method_dilemmas", "dilemma_id", "dilemmas")
case_methods = _link_table("case_methods", "case_id", "cases")
reflection_methods = _link_table("reflection_methods", "reflection_id", "reflections")


class Method(StoredHtml, db.Model):
    """A methodiek or interventie in the library that experts and organisers curate."""

    __tablename__ = "methods"
    __markdown_fields__ = ("summary", "when_useful", "how_to")

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(160), unique=True)
    summary: Mapped[str] = mapped_column(sa.Text)  # what it is
    when_useful: Mapped[str] = mapped_column(sa.Text, default="")
    polarisation_kind: Mapped[PolarisationKind | None] = mapped_column(
        enum_column(PolarisationKind)
    )
    how_to: Mapped[str] = mapped_column(sa.Text, default="")
    # One source per line: a URL, optionally followed by a title.
    sources: Mapped[str] = mapped_column(sa.Text, default="")
    summary_html: Mapped[str] = html_column()
    when_useful_html: Mapped[str] = html_column()
    how_to_html: Mapped[str] = html_column()
    is_public: Mapped[bool] = mapped_column(default=False)
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    author: Mapped["User"] = relationship()
    themes: Mapped[list[Theme]] = relationship(secondary=method_themes, order_by=Theme.name)
    dilemmas: Mapped[list[Dilemma]] = relationship(
        secondary=method_dilemmas, order_by=Dilemma.number
    )
    cases: Mapped[list["Case"]] = relationship(
        secondary=case_methods, back_populates="methods", order_by="Case.title"
    )
    reflections: Mapped[list["Reflection"]] = relationship(
        secondary=reflection_methods, back_populates="methods"
    )

    @property
    def source_links(self) -> list[tuple[str, str]]:
        """(url, title) per source line; the URL doubles as title when none is given."""
        links = []
        for line in self.sources.splitlines():
            url, _, title = line.strip().partition(" ")
            if url:
                links.append((url, title.strip() or url))
        return links

    def __repr__(self) -> str:
        return f"<Method {self.id} {self.name!r}>"
