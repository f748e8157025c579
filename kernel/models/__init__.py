from .online_meetings import OnlineMeeting
from .organisations import Department, Organisation
from .people import Band, Grade, Profession, Role, RoleGrant, StaffProfile
from .programmes import (
    DEFAULT_THEMES,
    EligibilityRule,
    Modality,
    PeriodKind,
    Programme,
    StandardKind,
    StandardRule,
    SupervisionFunction,
    Theme,
)
from .tasks import UnpublishedTask

__all__ = [
    "DEFAULT_THEMES",
    "Band",
    "Department",
    "EligibilityRule",
    "Grade",
    "Modality",
    "OnlineMeeting",
    "Organisation",
    "PeriodKind",
    "Profession",
    "Programme",
    "Role",
    "RoleGrant",
    "StaffProfile",
    "StandardKind",
    "StandardRule",
    "SupervisionFunction",
    "Theme",
    "UnpublishedTask",
]
