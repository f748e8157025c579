from .groups import (
    Attendance,
    Group,
    GroupRecord,
    GroupSession,
    GroupType,
    Membership,
    Recurrence,
)
from .peer_support import (
    CheckIn,
    ContactMode,
    EventKind,
    Outcome,
    PeerSupporterProfile,
    Resource,
    SupportRequest,
)
from .themes import STATEMENT_MAX_LENGTH, ExternalFacilitator, ThemeStatement

__all__ = [
    "STATEMENT_MAX_LENGTH",
    "Attendance",
    "CheckIn",
    "ContactMode",
    "EventKind",
    "ExternalFacilitator",
    "Group",
    "GroupRecord",
    "GroupSession",
    "GroupType",
    "Membership",
    "Outcome",
    "PeerSupporterProfile",
    "Recurrence",
    "Resource",
    "SupportRequest",
    "ThemeStatement",
]
