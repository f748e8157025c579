"""The attributes of a SCIM User this service keeps, as one flat dict, and how
POST, PUT and PATCH (Entra ID's shapes included) change them.

Keys: userName, externalId, givenName, familyName, displayName, title, email,
active, employeeNumber, department, manager. Attributes SCIM defines that the
service does not keep (phoneNumbers, addresses, preferredLanguage...) are
accepted and ignored, so a directory's default mappings do not fail; a path
that is not SCIM syntax at all is refused (invalidPath).
"""

import re
from typing import Any

from . import values
from .errors import ScimError, invalid_value
from .schema import ENTERPRISE, USER

# Where each kept attribute lives in a User resource: (path, key).
PATHS = {
    "username": "userName",
    "externalid": "externalId",
    "displayname": "displayName",
    "title": "title",
    "active": "active",
    "name.givenname": "givenName",
    "name.familyname": "familyName",
    "emails": "emails",
    "emails.value": "email",
    'emails[type eq "work"].value': "email",
    "name": "name",
    "enterprise": "enterprise",
    "enterprise.employeenumber": "employeeNumber",
    "enterprise.department": "department",
    "enterprise.manager": "manager",
    "enterprise.manager.value": "manager",
}
TEXT_KEYS = ("userName", "externalId", "givenName", "familyName", "displayName", "title")
# A SCIM attribute path (RFC 7644 section 3.10): a name (or schema URN and name),
# an optional filter in brackets, an optional sub-attribute.
PATH_SYNTAX = re.compile(r"^[A-Za-z][\w.:\-]*(\[[^\[\]]+\])?(\.[A-Za-z][\w\-]*)?$")
IGNORED_TOP = {"schemas", "id", "meta"}


def normalise(path: Any) -> str:
    """A path as PATHS spells it (lower case, schema URNs resolved), or refuse it."""
    if not isinstance(path, str) or not PATH_SYNTAX.match(path.strip()):
        raise ScimError(400, "The path is not a valid SCIM attribute path.", "invalidPath")
    lowered = re.sub(r"\s+", " ", path.strip().lower().replace("'", '"'))
    enterprise, core = ENTERPRISE.lower(), USER.lower()
    if lowered == enterprise:
        return "enterprise"
    if lowered.startswith(enterprise + ":"):
        return "enterprise." + lowered[len(enterprise) + 1 :]
    if lowered.startswith(core + ":"):
        return lowered[len(core) + 1 :]
    return lowered


def _set(attrs: dict, key: str, value: Any) -> None:
    if key in TEXT_KEYS:
        attrs[key] = values.text(value, key)
    elif key == "email":
        attrs[key] = values.text(value, "emails.value")
    elif key == "emails":
        attrs["email"] = values.work_email(value)
    elif key == "employeeNumber":
        attrs[key] = values.text(value, key, allow_number=True)
    elif key == "department":
        attrs[key] = values.text(value, key)
    elif key == "manager":
        attrs[key] = values.reference(value, "manager")
    elif key == "active":
        if value is None:
            raise invalid_value("active cannot be removed; set it to false instead.")
        attrs[key] = values.boolean(value, key)
    elif key in ("name", "enterprise"):
        if value is None:
            value = {}
        if not isinstance(value, dict):
            raise invalid_value(f"{key} must be an object.")
        prefix = "name." if key == "name" else "enterprise."
        for inner, inner_value in value.items():
            found = PATHS.get(prefix + str(inner).lower())
            if found:
                _set(attrs, found, inner_value)


def set_path(attrs: dict, path: Any, value: Any) -> None:
    """Set the attribute at `path` (ignored if the service does not keep it)."""
    key = PATHS.get(normalise(path))
    if key is not None:
        _set(attrs, key, value)


def set_from_object(attrs: dict, body: dict) -> None:
    """Set every attribute an object names (a resource, or a path-less PATCH value)."""
    for name, value in body.items():
        if str(name).lower() in IGNORED_TOP:
            continue
        set_path(attrs, name, value)


OPS = ("add", "replace", "remove")


def apply_patch(attrs: dict, body: dict) -> dict:
    """Apply a PatchOp's Operations in order (RFC 7644 section 3.5.2) to a copy of `attrs`."""
    operations = next((v for k, v in body.items() if str(k).lower() == "operations"), None)
    if not isinstance(operations, list) or not operations:
        raise ScimError(400, "Operations must be a list of operations.", "invalidSyntax")
    changed = dict(attrs)
    for operation in operations:
        if not isinstance(operation, dict):
            raise ScimError(400, "Each operation must be an object.", "invalidSyntax")
        fields = {str(k).lower(): v for k, v in operation.items()}
        op = fields.get("op")
        if not isinstance(op, str) or op.lower() not in OPS:
            raise ScimError(400, "op must be add, replace or remove.", "invalidSyntax")
        path, value = fields.get("path"), fields.get("value")
        if op.lower() == "remove":
            if path is None:
                raise ScimError(400, "A remove operation needs a path.", "noTarget")
            set_path(changed, path, None)
        elif path is None:
            if not isinstance(value, dict):
                raise invalid_value("An operation without a path needs an object as its value.")
            set_from_object(changed, value)
        else:
            set_path(changed, path, value)
    return changed
