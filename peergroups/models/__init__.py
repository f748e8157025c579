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
from .series import GroupSeries

__all__ = [
    "Attendance",
    "CheckIn",
    "ContactMode",
    "EventKind",
    "Group",
    "GroupRecord",
    "GroupSeries",
    "GroupSession",
    "GroupType",
    "Membership",
    "Outcome",
    "PeerSupporterProfile",
    "Recurrence",
    "Resource",
    "SupportRequest",
]
