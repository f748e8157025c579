"""What the service supports, as SCIM's discovery endpoints tell a client (RFC 7643
sections 5 to 7, RFC 7644 section 4): static JSON, with the site's own addresses."""

USER = "urn:ietf:params:scim:schemas:core:2.0:User"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
LIST_RESPONSE = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
SERVICE_PROVIDER_CONFIG = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"
RESOURCE_TYPE = "urn:ietf:params:scim:schemas:core:2.0:ResourceType"
SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Schema"

MAX_RESULTS = 200  # the most Users one list page returns (filter.maxResults)


def _meta(resource_type: str, location: str) -> dict:
    return {"resourceType": resource_type, "location": location}


def service_provider_config(base: str) -> dict:
    return {
        "schemas": [SERVICE_PROVIDER_CONFIG],
        "patch": {"supported": True},
        "bulk": {"supported": False, "maxOperations": 0, "maxPayloadSize": 0},
        "filter": {"supported": True, "maxResults": MAX_RESULTS},
        "changePassword": {"supported": False},
        "sort": {"supported": False},
        "etag": {"supported": False},
        "authenticationSchemes": [
            {
                "type": "oauthbearertoken",
                "name": "OAuth Bearer Token",
                "description": "A secret token made by a programme admin on the SCIM "
                "provisioning page, sent as 'Authorization: Bearer <token>'.",
                "primary": True,
            }
        ],
        "meta": _meta("ServiceProviderConfig", f"{base}ServiceProviderConfig"),
    }


def _attribute(name: str, description: str, **extra) -> dict:
    return {
        "name": name,
        "type": extra.pop("type", "string"),
        "multiValued": extra.pop("multiValued", False),
        "description": description,
        "required": extra.pop("required", False),
        "caseExact": False,
        "mutability": extra.pop("mutability", "readWrite"),
        "returned": "default",
        "uniqueness": extra.pop("uniqueness", "none"),
        **extra,
    }


def _user_schema(base: str) -> dict:
    return {
        "schemas": [SCHEMA],
        "id": USER,
        "name": "User",
        "description": "A member of staff",
        "attributes": [
            _attribute(
                "userName",
                "Entra ID's name for the person (usually the user principal name).",
                required=True,
                uniqueness="server",
            ),
            _attribute(
                "name",
                "The person's name.",
                type="complex",
                subAttributes=[
                    _attribute("givenName", "First name."),
                    _attribute("familyName", "Last name."),
                ],
            ),
            _attribute("displayName", "Used for the name when no name is given."),
            _attribute("title", "Job title."),
            _attribute(
                "emails",
                "The work email the person signs in with (set when they are added).",
                type="complex",
                multiValued=True,
                subAttributes=[
                    _attribute("value", "The email address."),
                    _attribute("type", "'work'."),
                    _attribute("primary", "Whether it is the primary address.", type="boolean"),
                ],
            ),
            _attribute("active", "False: the person cannot sign in.", type="boolean"),
        ],
        "meta": _meta("Schema", f"{base}Schemas/{USER}"),
    }


def _enterprise_schema(base: str) -> dict:
    return {
        "schemas": [SCHEMA],
        "id": ENTERPRISE,
        "name": "EnterpriseUser",
        "description": "Where the person works",
        "attributes": [
            _attribute("employeeNumber", "The staff number (ESR employee number)."),
            _attribute("department", "The department, by name."),
            _attribute(
                "manager",
                "The line manager.",
                type="complex",
                subAttributes=[_attribute("value", "The line manager's id.")],
            ),
        ],
        "meta": _meta("Schema", f"{base}Schemas/{ENTERPRISE}"),
    }


def schemas(base: str) -> list[dict]:
    return [_user_schema(base), _enterprise_schema(base)]


def resource_types(base: str) -> list[dict]:
    return [
        {
            "schemas": [RESOURCE_TYPE],
            "id": "User",
            "name": "User",
            "endpoint": "/Users",
            "description": "A member of staff",
            "schema": USER,
            "schemaExtensions": [{"schema": ENTERPRISE, "required": False}],
            "meta": _meta("ResourceType", f"{base}ResourceTypes/User"),
        }
    ]


def list_response(resources: list[dict], *, total: int, start: int) -> dict:
    return {
        "schemas": [LIST_RESPONSE],
        "totalResults": total,
        "startIndex": start,
        "itemsPerPage": len(resources),
        "Resources": resources,
    }
