from .organisations import Department, Organisation
from .people import Band, Profession, Role, RoleGrant, StaffProfile

__all__ = [
    "Band",
    "Department",
    "Organisation",
    "Profession",
    "Role",
    "RoleGrant",
    "StaffProfile",
]
