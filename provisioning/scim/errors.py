"""SCIM's error response (RFC 7644 section 3.12): every refusal answers in it."""

from django.http import JsonResponse

from .schema import ERROR

CONTENT_TYPE = "application/scim+json"


def scim_response(data: dict, status: int = 200) -> JsonResponse:
    return JsonResponse(data, status=status, content_type=CONTENT_TYPE)


class ScimError(Exception):
    """A request SCIM refuses: `status`, a `detail` in words, and SCIM's `scimType` if any."""

    def __init__(self, status: int, detail: str, scim_type: str | None = None):
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.scim_type = scim_type

    def response(self) -> JsonResponse:
        body: dict = {"schemas": [ERROR], "status": str(self.status), "detail": self.detail}
        if self.scim_type:
            body["scimType"] = self.scim_type
        response = scim_response(body, status=self.status)
        if self.status == 401:
            response["WWW-Authenticate"] = 'Bearer realm="SCIM"'
        return response


def invalid_value(detail: str) -> ScimError:
    return ScimError(400, detail, "invalidValue")
