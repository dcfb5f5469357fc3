import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db


class Theme(db.Model):
    __tablename__ = "themes"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(60), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    description: Mapped[str] = mapped_column(sa.Text, default="")

    def __repr__(self) -> str:
        return f"<Theme {self.slug}>"


class Dilemma(db.Model):
    """One of the seven dilemma questions that frame the network's conversations."""

    __tablename__ = "dilemmas"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(unique=True)
    title: Mapped[str] = mapped_column(sa.String(120))
    question: Mapped[str] = mapped_column(sa.Text)

    def __repr__(self) -> str:
        return f"<Dilemma {self.number}>"
