"""All models, importable from one place (and registered with the metadata for migrations)."""

from app.models.archive import (
    ArchiveEvent,
    ArchivePublication,
    NetworkClosure,
    PublicationStatus,
    ReflectionConsent,
)
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
from app.models.search import SearchChange
from app.models.theme import Dilemma, Theme
from app.models.user import Role, User

__all__ = [
    "CASE_SECTIONS",
    "PROVINCES",
    "ArchiveEvent",
    "ArchivePublication",
    "Case",
    "CaseStatus",
    "Comment",
    "Dilemma",
    "Municipality",
    "NetworkClosure",
    "PolarisationKind",
    "PublicationStatus",
    "Reflection",
    "ReflectionConsent",
    "Role",
    "SearchChange",
    "SizeClass",
    "Theme",
    "User",
    "Visibility",
    "case_dilemmas",
    "case_themes",
]
