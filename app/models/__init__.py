"""All models, importable from one place (and registered with the metadata for migrations)."""

from app.models.audit import AuditEvent
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
from app.models.security import Erasure, LoginThrottle, RecoveryCode
from app.models.theme import Dilemma, Theme
from app.models.user import Role, User

__all__ = [
    "CASE_SECTIONS",
    "PROVINCES",
    "AuditEvent",
    "Case",
    "CaseStatus",
    "Comment",
    "Dilemma",
    "Erasure",
    "LoginThrottle",
    "Municipality",
    "PolarisationKind",
    "RecoveryCode",
    "Reflection",
    "Role",
    "SizeClass",
    "Theme",
    "User",
    "Visibility",
    "case_dilemmas",
    "case_themes",
]
