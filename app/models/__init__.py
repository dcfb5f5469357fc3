"""All models, importable from one place (and registered with the metadata for migrations)."""

from app.models.archive import (
    ArchiveEvent,
    ArchivePublication,
    NetworkClosure,
    PublicationStatus,
    ReflectionConsent,
)
from app.models.assignment import Assignment, AssignmentResponse
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
from app.models.intake import Application, ApplicationStatus, IntakeAttempt, application_themes
from app.models.invitation import Invitation
from app.models.maatwerk import MaatwerkStatus, MaatwerkTrack, WorkSession
from app.models.mail import OutgoingMail, OutgoingState
from app.models.meeting import Attendance, Meeting, Rsvp, meeting_cases
from app.models.method import (
    Method,
    case_methods,
    method_dilemmas,
    method_themes,
    reflection_methods,
)
from app.models.municipality import PROVINCES, Municipality, SizeClass
from app.models.notification import (
    MailPreference,
    MailState,
    Notification,
    NotificationKind,
    SentReminder,
)
from app.models.reflection import Reflection
from app.models.search import SearchChange
from app.models.security import (
    EndedSession,
    Erasure,
    LoginThrottle,
    PasswordReset,
    PasswordResetRequest,
    RecoveryCode,
)
from app.models.theme import Dilemma, Theme
from app.models.user import Role, User
from app.models.version import (
    CaseVersion,
    CommentVersion,
    MethodVersion,
    PublishedReflection,
    ReflectionVersion,
    VersionMixin,
)

__all__ = [
    "CASE_SECTIONS",
    "PROVINCES",
    "Application",
    "ApplicationStatus",
    "ArchiveEvent",
    "ArchivePublication",
    "Assignment",
    "AssignmentResponse",
    "Attendance",
    "AuditEvent",
    "Case",
    "CaseStatus",
    "CaseVersion",
    "Comment",
    "CommentVersion",
    "Dilemma",
    "EndedSession",
    "Erasure",
    "IntakeAttempt",
    "Invitation",
    "LoginThrottle",
    "MaatwerkStatus",
    "MaatwerkTrack",
    "MailPreference",
    "MailState",
    "Meeting",
    "Method",
    "MethodVersion",
    "Municipality",
    "NetworkClosure",
    "Notification",
    "NotificationKind",
    "OutgoingMail",
    "OutgoingState",
    "PasswordReset",
    "PasswordResetRequest",
    "PolarisationKind",
    "PublicationStatus",
    "PublishedReflection",
    "RecoveryCode",
    "Reflection",
    "ReflectionConsent",
    "ReflectionVersion",
    "Role",
    "Rsvp",
    "SearchChange",
    "SentReminder",
    "SizeClass",
    "Theme",
    "User",
    "VersionMixin",
    "Visibility",
    "WorkSession",
    "application_themes",
    "case_dilemmas",
    "case_methods",
    "case_themes",
    "meeting_cases",
    "method_dilemmas",
    "method_themes",
    "reflection_methods",
]
