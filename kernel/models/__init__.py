from .organisations import Department, Organisation
from .people import Band, Profession, Role, RoleGrant, StaffProfile
from .programmes import DEFAULT_THEMES, Modality, PeriodKind, Programme, SupervisionFunction, Theme

__all__ = [
    "DEFAULT_THEMES",
    "Band",
    "Department",
    "Modality",
    "Organisation",
    "PeriodKind",
    "Profession",
    "Programme",
    "Role",
    "RoleGrant",
    "StaffProfile",
    "SupervisionFunction",
    "Theme",
]
