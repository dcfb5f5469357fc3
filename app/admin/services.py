"""Managing accounts, municipalities and themes; used by the organiser pages and the CLI."""

import re
import unicodedata

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from app.audit.services import record
from app.auth.services import find_user_by_email, hash_password, revoke_sessions
from app.extensions import db
from app.models import Municipality, Role, SizeClass, Theme, User


class AdminError(ValueError):
    """A request that breaks a rule; the message is Dutch and meant for the user."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def list_users() -> list[User]:
    return list(
        db.session.scalars(
            sa.select(User)
            .order_by(User.role, User.display_name)
            .options(selectinload(User.municipality))
        )
    )


def get_user(user_id: int) -> User | None:
    return db.session.get(User, user_id)


def municipality_by_name(name: str) -> Municipality | None:
    return db.session.scalar(sa.select(Municipality).where(Municipality.name == name.strip()))


def _check_user_rules(role: Role, municipality: Municipality | None) -> None:
    if role == Role.PARTICIPANT and municipality is None:
        raise AdminError("Een deelnemer hoort bij een gemeente.", field="municipality")


def create_user(
    *,
    email: str,
    display_name: str,
    role: Role,
    password: str,
    municipality: Municipality | None = None,
    job_title: str | None = None,
    organisation: str | None = None,
    password_hash: str | None = None,
    acting_user: User | None = None,
) -> User:
    """Create an account; password_hash lets bulk loaders hash one shared password once."""
    _check_user_rules(role, municipality)
    if find_user_by_email(email) is not None:
        raise AdminError("Er bestaat al een account met dit e-mailadres.", field="email")
    user = User(
        email=email,
        display_name=display_name.strip(),
        role=role,
        municipality=municipality,
        job_title=job_title or None,
        organisation=organisation or None,
        password_hash=password_hash or hash_password(password),
    )
    db.session.add(user)
    db.session.flush()
    record("user.created", acting_user, user, {"role": role.value})
    db.session.commit()
    return user


def update_user(
    user: User,
    *,
    email: str,
    display_name: str,
    role: Role,
    municipality: Municipality | None,
    job_title: str | None,
    organisation: str | None,
    active: bool,
    password: str | None = None,
    acting_user: User | None = None,
) -> User:
    _check_user_rules(role, municipality)
    existing = find_user_by_email(email)
    if existing is not None and existing.id != user.id:
        raise AdminError("Er bestaat al een account met dit e-mailadres.", field="email")
    if (
        acting_user is not None
        and acting_user.id == user.id
        and (role != Role.ORGANISER or not active)
    ):
        raise AdminError("Je kunt je eigen organisatorrol niet intrekken.", field="role")
    if role != user.role:
        record("user.role_changed", acting_user, user, {"from": user.role.value, "to": role.value})
    if active != user.active:
        record("user.activated" if active else "user.deactivated", acting_user, user)
    if password or not active or role != user.role:
        # A new password, lost access or other rights: existing sessions must start again.
        revoke_sessions(user)
    if password:
        record("user.password_reset", acting_user, user)
    user.email = email
    user.display_name = display_name.strip()
    user.role = role
    user.municipality = municipality
    user.job_title = job_title or None
    user.organisation = organisation or None
    user.active = active
    if password:
        user.password_hash = hash_password(password)
    db.session.commit()
    return user


def save_municipality(
    municipality: Municipality | None, *, name: str, size_class: SizeClass, province: str
) -> Municipality:
    existing = municipality_by_name(name)
    if existing is not None and existing is not municipality:
        raise AdminError("Er bestaat al een gemeente met deze naam.", field="name")
    if municipality is None:
        municipality = Municipality()
        db.session.add(municipality)
    municipality.name = name.strip()
    municipality.size_class = size_class
    municipality.province = province
    db.session.commit()
    return municipality


def slugify(text: str) -> str:
    """'Online polarisatie' -> 'online-polarisatie' (ASCII letters, digits and dashes)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def save_theme(theme: Theme | None, *, name: str, slug: str, description: str) -> Theme:
    slug = slugify(slug or name)
    if not slug:
        raise AdminError("Kies een naam met letters of cijfers.", field="slug")
    existing = db.session.scalar(sa.select(Theme).where(Theme.slug == slug))
    if existing is not None and existing is not theme:
        raise AdminError("Er bestaat al een thema met deze korte naam.", field="slug")
    if theme is None:
        theme = Theme()
        db.session.add(theme)
    theme.name = name.strip()
    theme.slug = slug
    theme.description = (description or "").strip()
    db.session.commit()
    return theme


def get_municipality(municipality_id: int) -> Municipality | None:
    return db.session.get(Municipality, municipality_id)


def get_theme(theme_id: int) -> Theme | None:
    return db.session.get(Theme, theme_id)
