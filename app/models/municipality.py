from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import LabelledEnum, enum_column

if TYPE_CHECKING:
    from app.models.case import Case
    from app.models.user import User


class SizeClass(LabelledEnum):
    LARGE = ("large", "groot")
    MEDIUM = ("medium", "middelgroot")
    SMALL = ("small", "klein")


PROVINCES = (
    "Drenthe",
    "Flevoland",
    "Friesland",
    "Gelderland",
    "Groningen",
    "Limburg",
    "Noord-Brabant",
    "Noord-Holland",
    "Overijssel",
    "Utrecht",
    "Zeeland",
    "Zuid-Holland",
)


class Municipality(db.Model):
    __tablename__ = "municipalities"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120), unique=True)
    size_class: Mapped[SizeClass] = mapped_column(enum_column(SizeClass))
    province: Mapped[str] = mapped_column(sa.String(40))

    members: Mapped[list["User"]] = relationship(
        back_populates="municipality", order_by="User.display_name"
    )
    cases: Mapped[list["Case"]] = relationship(back_populates="municipality")

    def __repr__(self) -> str:
        return f"<Municipality {self.name}>"
