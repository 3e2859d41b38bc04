"""The schema, one module per domain. All tables live in flask_appbuilder.Model.metadata
(migrations are generated from it); `from app.models import X` is the way to import a model."""
from flask_appbuilder.security.sqla.models import User  # noqa: F401 - relationships name it

from .base import utcnow, WEEKDAYS  # noqa: F401
from .labels import LabeledEnum  # noqa: F401
from .schools import District, School, ReceptionSlot, Sex, Student, StaffAssignment  # noqa: F401
from .applications import ApplicationState, DocumentType, Application  # noqa: F401
from .sharing import (  # noqa: F401
    Relation,
    Scope,
    AccessGrant,
    InvitationState,
    Invitation,
    Consent,
    AccessedPart,
    AccessLogEntry,
)
from .accounts import (  # noqa: F401
    Identity,
    LegacyAccount,
    NotificationKind,
    NotificationChannel,
    NotificationPreference,
    PhoneCode,
    UserSettings,
)
from .audit import AuditActor, AuditDetail, AuditObject, AuditAction, AuditEvent, LinkReason  # noqa: F401
from .outbox import OutboxStatus, OutboxMessage  # noqa: F401
from .classes import (  # noqa: F401
    AcademicYear,
    PeriodKind,
    Period,
    SchoolClass,
    Subject,
    TeachingAssignment,
    ClassMembership,
)
from .diary import (  # noqa: F401
    Lesson,
    GradeKind,
    GRADE_VALUES,
    Grade,
    AttendanceMark,
    Attendance,
    Remark,
)
from .happenings import SchoolEvent, ParentMeeting, Conversation, Message  # noqa: F401
from .reports import (  # noqa: F401
    MonthFigures,
    SchoolMonthStat,
    ClassMonthStat,
    ReportRefresh,
    ApplicationMonthStat,
    ApprovalDaysStat,
    CoverageStat,
    SchoolAccessStat,
)
from .sessions import WebSession, UserSessionKey, AttemptCounter  # noqa: F401
from .visits import FamilyVisit  # noqa: F401
from .revisions import ClassRevision  # noqa: F401

__all__ = [
    "User",
    "utcnow",
    "LabeledEnum",
    "WEEKDAYS",
    "District",
    "School",
    "ReceptionSlot",
    "Sex",
    "Student",
    "StaffAssignment",
    "ApplicationState",
    "DocumentType",
    "Application",
    "Relation",
    "Scope",
    "AccessGrant",
    "InvitationState",
    "Invitation",
    "Consent",
    "AccessedPart",
    "AccessLogEntry",
    "Identity",
    "LegacyAccount",
    "NotificationKind",
    "NotificationChannel",
    "NotificationPreference",
    "UserSettings",
    "PhoneCode",
    "AuditObject",
    "AuditAction",
    "AuditActor",
    "AuditDetail",
    "LinkReason",
    "AuditEvent",
    "OutboxStatus",
    "OutboxMessage",
    "AcademicYear",
    "PeriodKind",
    "Period",
    "SchoolClass",
    "Subject",
    "TeachingAssignment",
    "ClassMembership",
    "Lesson",
    "GradeKind",
    "GRADE_VALUES",
    "Grade",
    "AttendanceMark",
    "Attendance",
    "Remark",
    "SchoolEvent",
    "ParentMeeting",
    "Conversation",
    "Message",
    "MonthFigures",
    "SchoolMonthStat",
    "ClassMonthStat",
    "ReportRefresh",
    "ApplicationMonthStat",
    "ApprovalDaysStat",
    "CoverageStat",
    "SchoolAccessStat",
    "WebSession",
    "UserSessionKey",
    "AttemptCounter",
    "FamilyVisit",
    "ClassRevision",
]
