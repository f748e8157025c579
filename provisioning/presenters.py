"""A person as a SCIM User resource, and as the flat attributes PATCH and PUT change."""

from kernel.models import StaffProfile

from .permissions import identity_of
from .scim.schema import ENTERPRISE, USER


def scim_user_attributes(profile: StaffProfile) -> dict:
    """What the service keeps of a person, keyed as scim.attributes names it."""
    identity = identity_of(profile)
    user = profile.user
    return {
        "userName": identity.user_name if identity else user.email,
        "externalId": identity.external_id if identity else "",
        "givenName": user.first_name,
        "familyName": user.last_name,
        "displayName": f"{user.first_name} {user.last_name}".strip(),
        "title": profile.job_title,
        "email": user.email,
        "active": user.is_active,
        "employeeNumber": profile.employee_number,
        "department": profile.department.name if profile.department else "",
        "manager": str(profile.line_manager_id) if profile.line_manager_id else "",
    }


def scim_user(profile: StaffProfile, base: str) -> dict:
    """The User resource (RFC 7643 section 4.1, with the enterprise extension)."""
    attrs = scim_user_attributes(profile)
    identity = identity_of(profile)
    enterprise: dict = {}
    if attrs["employeeNumber"]:
        enterprise["employeeNumber"] = attrs["employeeNumber"]
    if attrs["department"]:
        enterprise["department"] = attrs["department"]
    if attrs["manager"]:
        enterprise["manager"] = {
            "value": attrs["manager"],
            "$ref": f"{base}Users/{attrs['manager']}",
        }
    resource: dict = {
        "schemas": [USER, ENTERPRISE] if enterprise else [USER],
        "id": str(profile.pk),
        "userName": attrs["userName"],
        "name": {
            "givenName": attrs["givenName"],
            "familyName": attrs["familyName"],
            "formatted": attrs["displayName"],
        },
        "displayName": attrs["displayName"],
        "emails": [{"value": attrs["email"], "type": "work", "primary": True}],
        "active": attrs["active"],
        "meta": {
            "resourceType": "User",
            "created": profile.created_at.isoformat(),
            "lastModified": (identity.updated_at if identity else profile.created_at).isoformat(),
            "location": f"{base}Users/{profile.pk}",
        },
    }
    if attrs["externalId"]:
        resource["externalId"] = attrs["externalId"]
    if attrs["title"]:
        resource["title"] = attrs["title"]
    if enterprise:
        resource[ENTERPRISE] = enterprise
    return resource
