from .agreements import Agreement
from .availability import AvailabilityException, AvailabilitySlot, Weekday, WeeklyAvailability
from .sessions import AllowanceExtra, Commitment, Session, SessionRecord
from .standards import ProfessionStandard, StandardNotice
from .staff_import import StaffImport, StaffImportMapping
from .supervisors import Mode, SupervisorProfile, TrainingRecord

__all__ = [
    "Agreement",
    "AllowanceExtra",
    "AvailabilityException",
    "AvailabilitySlot",
    "Commitment",
    "Mode",
    "Session",
    "SessionRecord",
    "ProfessionStandard",
    "StaffImport",
    "StaffImportMapping",
    "StandardNotice",
    "SupervisorProfile",
    "TrainingRecord",
    "Weekday",
    "WeeklyAvailability",
]
