"""Edit history: every saved state of what people write, and the reviewed copies the archive serves.

Each kind of item has its own version table, so that a version belongs to its item by a real
foreign key: deleting a draft case deletes its history with it (the database cascades), and a
publication can point at the exact case version the municipality consented to and the organiser
reviewed. A version keeps the full text of every field at that moment, the author of that save
and when; erasing a person anonymises the user row, and with it every version they wrote.
"""

from datetime import datetime
from typing import TYPE_CHECKING, ClassVar

import sqlalchemy as sa
from markupsafe import Markup
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from app.extensions import db
from app.models.base import StoredHtml, html_column, utcnow

if TYPE_CHECKING:
    from app.models.reflection import Reflection
    from app.models.user import User


class VersionMixin:
    """What every version has: its number per item, who saved it, when, and a restore origin."""

    # (field, Dutch label) of the texts a version keeps, in the order the history shows them.
    FIELDS: ClassVar[tuple[tuple[str, str], ...]] = ()
    # The foreign key column that names the item.
    ITEM_KEY: ClassVar[str] = ""

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int]
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The number of the version an organiser restored to make this one, if any.
    restored_from: Mapped[int | None]

    @declared_attr
    def author(cls) -> Mapped["User | None"]:
        return relationship("User")

    @property
    def texts(self) -> dict[str, str]:
        return {name: getattr(self, name) or "" for name, _label in self.FIELDS}

    @property
    def item_id(self) -> int:
        return getattr(self, self.ITEM_KEY)


def _item_key(table: str) -> Mapped[int]:
    # The unique (item, number) constraint indexes the item column too.
    return mapped_column(sa.ForeignKey(f"{table}.id", ondelete="CASCADE"))


class CaseVersion(VersionMixin, db.Model):
    __tablename__ = "case_versions"
    __table_args__ = (sa.UniqueConstraint("case_id", "number"),)
    FIELDS = (
        ("title", "Titel"),
        ("summary", "Samenvatting"),
        ("situation", "Situatie en aanleiding"),
        ("stakeholders", "Betrokkenen"),
        ("approach", "Aanpak"),
        ("question", "Leervraag"),
        ("outcome", "Opbrengst en lessen"),
    )
    ITEM_KEY = "case_id"

    case_id: Mapped[int] = _item_key("cases")
    title: Mapped[str] = mapped_column(sa.String(200))
    summary: Mapped[str] = mapped_column(sa.Text, default="")
    situation: Mapped[str] = mapped_column(sa.Text, default="")
    stakeholders: Mapped[str] = mapped_column(sa.Text, default="")
    approach: Mapped[str] = mapped_column(sa.Text, default="")
    question: Mapped[str] = mapped_column(sa.Text, default="")
    outcome: Mapped[str] = mapped_column(sa.Text, default="")


class ReflectionVersion(VersionMixin, StoredHtml, db.Model):
    """The archive page shows a reflection in its reviewed version, so that keeps its HTML."""

    __tablename__ = "reflection_versions"
    __table_args__ = (sa.UniqueConstraint("reflection_id", "number"),)
    __markdown_fields__ = ("body", "key_lessons")
    FIELDS = (("body", "Reflectie"), ("key_lessons", "Belangrijkste lessen"))
    ITEM_KEY = "reflection_id"

    reflection_id: Mapped[int] = _item_key("reflections")
    body: Mapped[str] = mapped_column(sa.Text, default="")
    key_lessons: Mapped[str] = mapped_column(sa.Text, default="")
    body_html: Mapped[str] = html_column()
    key_lessons_html: Mapped[str] = html_column()


class CommentVersion(VersionMixin, db.Model):
    __tablename__ = "comment_versions"
    __table_args__ = (sa.UniqueConstraint("comment_id", "number"),)
    FIELDS = (("body", "Reactie"),)
    ITEM_KEY = "comment_id"

    comment_id: Mapped[int] = _item_key("comments")
    body: Mapped[str] = mapped_column(sa.Text, default="")


class MethodVersion(VersionMixin, db.Model):
    __tablename__ = "method_versions"
    __table_args__ = (sa.UniqueConstraint("method_id", "number"),)
    FIELDS = (
        ("name", "Naam"),
        ("summary", "Wat is het?"),
        ("when_useful", "Wanneer helpt het?"),
        ("how_to", "Hoe pas je het toe?"),
        ("sources", "Bronnen"),
    )
    ITEM_KEY = "method_id"

    method_id: Mapped[int] = _item_key("methods")
    name: Mapped[str] = mapped_column(sa.String(160))
    summary: Mapped[str] = mapped_column(sa.Text, default="")
    when_useful: Mapped[str] = mapped_column(sa.Text, default="")
    how_to: Mapped[str] = mapped_column(sa.Text, default="")
    sources: Mapped[str] = mapped_column(sa.Text, default="")


class PublishedReflection(db.Model):
    """A reflection in a publication's public copy: the exact version the organiser approved.

    Withdrawing the expert's consent deletes the row (out of the archive at once); deleting the
    reflection cascades it away. An edit makes a new version, which waits for review while the
    public copy keeps pointing at this one.
    """

    __tablename__ = "published_reflections"

    publication_id: Mapped[int] = mapped_column(
        sa.ForeignKey("archive_publications.id", ondelete="CASCADE"), primary_key=True
    )
    reflection_id: Mapped[int] = mapped_column(
        sa.ForeignKey("reflections.id", ondelete="CASCADE"), primary_key=True
    )
    version_id: Mapped[int] = mapped_column(
        sa.ForeignKey("reflection_versions.id", ondelete="CASCADE"), index=True
    )

    reflection: Mapped["Reflection"] = relationship()
    version: Mapped[ReflectionVersion] = relationship()

    # The public page and the exports read a reflection's text and its author's organisation.
    @property
    def body(self) -> str:
        return self.version.body

    @property
    def key_lessons(self) -> str:
        return self.version.key_lessons

    @property
    def author(self) -> "User":
        return self.reflection.author

    def html(self, field: str) -> Markup:
        return self.version.html(field)
