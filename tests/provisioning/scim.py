"""Helpers for the SCIM tests: an organisation switched on with a token, and requests."""

import json

from kernel.models import Organisation
from provisioning.services import scim_settings_save, scim_token_issue

ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
USER = "urn:ietf:params:scim:schemas:core:2.0:User"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"
BASE = "/scim/v2/"


def switch_on(organisation: Organisation, actor=None, *, invite_new: bool = True) -> str:
    """Switch SCIM on for the organisation and return a fresh token."""
    scim_settings_save(actor=actor, organisation=organisation, enabled=True, invite_new=invite_new)
    return scim_token_issue(actor=actor, organisation=organisation)


def call(client, method: str, path: str, token: str | None, body=None, **extra):
    """One SCIM request through the Django test client; `body` is JSON-encoded unless bytes."""
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token is not None else {}
    data = body if isinstance(body, bytes | str) or body is None else json.dumps(body)
    return getattr(client, method.lower())(
        BASE + path.lstrip("/"),
        data=data if data is not None else ("" if method.upper() != "GET" else None),
        content_type="application/scim+json",
        **headers,
        **extra,
    )


def entra_user(user_name: str, email: str, **overrides) -> dict:
    """The body Entra ID sends to create a user (its documented request, our values)."""
    body = {
        "schemas": [USER, ENTERPRISE],
        "externalId": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
        "userName": user_name,
        "active": True,
        "emails": [{"primary": True, "type": "work", "value": email}],
        "meta": {"resourceType": "User"},
        "name": {"formatted": "Amara Okafor", "familyName": "Okafor", "givenName": "Amara"},
        "roles": [],
    }
    body.update(overrides)
    return body
