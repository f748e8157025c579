from .agreements import Agreement
from .availability import AvailabilityException, AvailabilitySlot, Weekday, WeeklyAvailability
from .sessions import AllowanceExtra, Commitment, Session, SessionRecord
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
    "SupervisorProfile",
    "TrainingRecord",
    "Weekday",
    "WeeklyAvailability",
]
