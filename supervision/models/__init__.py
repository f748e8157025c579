from .agreements import Agreement
from .availability import AvailabilityException, AvailabilitySlot, Weekday, WeeklyAvailability
from .organisations import Department, Organisation
from .people import Band, Profession, Role, RoleGrant, StaffProfile
from .programmes import DEFAULT_THEMES, Modality, PeriodKind, Programme, SupervisionFunction, Theme
from .sessions import AllowanceExtra, Commitment, Session, SessionRecord
from .supervisors import Mode, SupervisorProfile, TrainingRecord

__all__ = [
    "DEFAULT_THEMES",
    "Agreement",
    "AllowanceExtra",
    "AvailabilityException",
    "AvailabilitySlot",
    "Band",
    "Commitment",
    "Department",
    "Modality",
    "Mode",
    "Organisation",
    "PeriodKind",
    "Profession",
    "Programme",
    "Role",
    "RoleGrant",
    "Session",
    "SessionRecord",
    "StaffProfile",
    "SupervisionFunction",
    "SupervisorProfile",
    "Theme",
    "TrainingRecord",
    "Weekday",
    "WeeklyAvailability",
]
