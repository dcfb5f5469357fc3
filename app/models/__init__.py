"""All models, importable from one place (and registered with the metadata for migrations)."""

from app.models.case import (
    CASE_SECTIONS,
    Case,
    CaseStatus,
    PolarisationKind,
    Visibility,
    case_dilemmas,
    case_themes,
)
from app.models.comment import Comment
from app.models.municipality import PROVINCES, Municipality, SizeClass
from app.models.reflection import Reflection
from app.models.theme import Dilemma, Theme
from app.models.user import Role, User

__all__ = [
    "CASE_SECTIONS",
    "PROVINCES",
    "Case",
    "CaseStatus",
    "Comment",
    "Dilemma",
    "Municipality",
    "PolarisationKind",
    "Reflection",
    "Role",
    "SizeClass",
    "Theme",
    "User",
    "Visibility",
    "case_dilemmas",
    "case_themes",
]
