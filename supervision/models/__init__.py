from .agreements import Agreement
from .availability import AvailabilityException, AvailabilitySlot, Weekday, WeeklyAvailability
from .sessions import AllowanceExtra, Commitment, Session, SessionRecord
from .staff_import import StaffImport, StaffImportMapping
from .standards import ProfessionStandard, StandardNotice
from .supervisors import Mode, SupervisorProfile, TrainingRecord

__all__ = [
    "Agreement",
    "AllowanceExtra",
    "AvailabilityException",
    "AvailabilitySlot",
    "Commitment",
    "Mode",
    "ProfessionStandard",
    "Session",
    "SessionRecord",
    "StaffImport",
    "StaffImportMapping",
    "StandardNotice",
    "SupervisorProfile",
    "TrainingRecord",
    "Weekday",
    "WeeklyAvailability",
]
