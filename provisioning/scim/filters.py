"""The filters a directory sends to find a person (RFC 7644 section 3.4.2.2): one or
more `attribute eq "value"` joined by `and`. Anything else is an invalidFilter."""

import json
import re

from . import values
from .attributes import normalise
from .errors import ScimError

# What may be filtered on: the flat key each path means.
FILTERABLE = {
    "id": "id",
    "username": "userName",
    "externalid": "externalId",
    "emails.value": "email",
    "emails": "email",
    'emails[type eq "work"].value': "email",
}
CLAUSE = re.compile(
    r"""\s*(?P<attr>[A-Za-z][\w.:\-]*(?:\[[^\[\]]*\])?(?:\.[A-Za-z][\w\-]*)?)
        \s+(?P<op>[A-Za-z]+)
        \s+(?P<value>"(?:[^"\\]|\\.)*"|true|false|null|-?\d+)\s*""",
    re.VERBOSE | re.IGNORECASE,
)
AND = re.compile(r"and\s", re.IGNORECASE)
MAX_LENGTH = 1000


def _invalid(detail: str) -> ScimError:
    return ScimError(400, detail, "invalidFilter")


def parse(expression: str) -> list[tuple[str, str]]:
    """[(key, value), ...] for `a eq "x" and b eq "y"`; every clause must hold."""
    if len(expression) > MAX_LENGTH:
        raise _invalid("The filter is too long.")
    clauses, position = [], 0
    while True:
        match = CLAUSE.match(expression, position)
        if match is None:
            raise _invalid('The filter must be like userName eq "name@example.nhs.uk".')
        if match["op"].lower() != "eq":
            raise _invalid("Only the eq operator is supported, joined by and.")
        try:
            key = FILTERABLE.get(normalise(match["attr"]))
        except ScimError:
            key = None
        if key is None:
            raise _invalid(
                f"Only userName, externalId, id and emails can be filtered on, not {match['attr']}."
            )
        try:
            raw = json.loads(match["value"])
        except ValueError:
            raise _invalid("The filter's value is not a valid string.") from None
        try:
            value = values.text(raw, match["attr"], allow_number=True)
        except ScimError as error:
            raise _invalid(error.detail) from None
        clauses.append((key, value))
        position = match.end()
        if position == len(expression):
            return clauses
        joined = AND.match(expression, position)
        if joined is None:
            raise _invalid("Filter clauses can only be joined by and.")
        position = joined.end()
