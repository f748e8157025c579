"""Turning what a SCIM client sent into safe values, or a 400 that says which attribute."""

from typing import Any

from .errors import ScimError, invalid_value

TRUE_WORDS = {"true": True, "false": False}


def text(value: Any, attribute: str, *, allow_number: bool = False) -> str:
    """A string the database can store: no NUL, no lone surrogate (None is empty)."""
    if value is None:
        return ""
    if allow_number and isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise invalid_value(f"{attribute} must be a string.")
    if "\x00" in value:
        raise invalid_value(f"{attribute} must not contain a NUL character.")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise invalid_value(f"{attribute} is not valid text.") from None
    return value.strip()


def boolean(value: Any, attribute: str) -> bool:
    """True or False, or the strings "True" and "False" in any case (Entra ID sends those)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in TRUE_WORDS:
        return TRUE_WORDS[value.strip().lower()]
    raise invalid_value(f"{attribute} must be true or false.")


def reference(value: Any, attribute: str) -> str:
    """An id, given bare or as {"value": id} (the manager: Entra ID sends either)."""
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        value = next((v for k, v in value.items() if k.lower() == "value"), None)
    return text(value, attribute, allow_number=True)


def work_email(value: Any) -> str:
    """The address from `emails`: the work one, else the primary one, else the first."""
    if isinstance(value, dict):
        value = [value]
    if isinstance(value, str) or value is None:
        return text(value, "emails")
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise invalid_value("emails must be a list of email objects.")
    if not value:
        return ""

    def key(item: dict) -> tuple[bool, bool]:
        lowered = {str(k).lower(): v for k, v in item.items()}
        return (lowered.get("type") != "work", lowered.get("primary") is not True)

    chosen = {str(k).lower(): v for k, v in sorted(value, key=key)[0].items()}
    return text(chosen.get("value"), "emails.value")


def json_object(body: Any) -> dict:
    if not isinstance(body, dict):
        raise ScimError(400, "The request body must be a JSON object.", "invalidSyntax")
    return body
