import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import Case, Municipality, Role, Theme, User, case_themes
from app.permissions import AnyUser, readable_cases_clause


def taking_part() -> sa.ColumnElement[bool]:
    """A municipality takes a place in the network unless it left: all its accounts closed.

    A just-admitted municipality, whose duo has not accepted the invitations yet, has no
    accounts at all and does take its place.
    """
    has_accounts = sa.exists().where(User.municipality_id == Municipality.id)
    has_active = sa.exists().where(User.municipality_id == Municipality.id, User.active.is_(True))
    return sa.or_(~has_accounts, has_active)


def themes_with_counts(user: AnyUser) -> list[tuple[Theme, int]]:
    """Every theme with the number of cases this user may read in it."""
    readable = (
        sa.select(case_themes.c.theme_id, sa.func.count().label("n"))
        .join(Case, Case.id == case_themes.c.case_id)
        .where(readable_cases_clause(user))
        .group_by(case_themes.c.theme_id)
        .subquery()
    )
    rows = db.session.execute(
        sa.select(Theme, sa.func.coalesce(readable.c.n, 0))
        .outerjoin(readable, readable.c.theme_id == Theme.id)
        .order_by(Theme.name)
    )
    return [(theme, count) for theme, count in rows]


def municipalities_with_counts(user: AnyUser) -> list[tuple[Municipality, int]]:
    readable = (
        sa.select(Case.municipality_id, sa.func.count().label("n"))
        .where(readable_cases_clause(user))
        .group_by(Case.municipality_id)
        .subquery()
    )
    rows = db.session.execute(
        sa.select(Municipality, sa.func.coalesce(readable.c.n, 0))
        .outerjoin(readable, readable.c.municipality_id == Municipality.id)
        .order_by(Municipality.name)
    )
    return [(municipality, count) for municipality, count in rows]


def get_municipality(municipality_id: int) -> Municipality | None:
    return db.session.get(Municipality, municipality_id)


def duo(municipality: Municipality) -> list[User]:
    return list(
        db.session.scalars(
            sa.select(User)
            .where(
                User.municipality_id == municipality.id,
                User.role == Role.PARTICIPANT,
                User.active.is_(True),
            )
            .order_by(User.display_name)
        )
    )


def municipality_cases(user: AnyUser, municipality: Municipality) -> list[Case]:
    return list(
        db.session.scalars(
            sa.select(Case)
            .where(readable_cases_clause(user), Case.municipality_id == municipality.id)
            .order_by(Case.updated_at.desc())
            .options(selectinload(Case.themes))
        )
    )
