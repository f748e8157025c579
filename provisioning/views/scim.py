"""The SCIM 2.0 endpoints (RFC 7644) a directory such as Microsoft Entra ID calls.

No signed-in person, no CSRF cookie: each request carries its organisation's
bearer token (made on the SCIM provisioning page), and the token decides whose
people it reaches. Every answer, refusals included, is SCIM JSON.
"""

import json
from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.core.exceptions import RequestDataTooBig, ValidationError
from django.db import IntegrityError
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt

from audit.context import acting_as, client_ip

from .. import permissions, services
from ..models import ScimSettings
from ..presenters import scim_user, scim_user_attributes
from ..scim import attributes, filters, schema
from ..scim.errors import ScimError, invalid_value, scim_response
from ..scim.values import json_object

# Wrong tokens from one address: after this many in FAILURE_WINDOW seconds, 429.
MAX_FAILURES = 30
FAILURE_WINDOW = 300
BIGGEST_START = 10**9

View = Callable[..., HttpResponse]


def _bearer(request: HttpRequest) -> str:
    scheme, _space, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def _failures_key(request: HttpRequest) -> str:
    return f"scim-401:{client_ip(request) or 'unknown'}"


def _authenticate(request: HttpRequest) -> ScimSettings:
    """The settings of the request's token. Only wrong tokens are slowed down: Entra ID
    calls from addresses many tenants share, so one tenant's mistake must not lock
    out another's right token."""
    found = permissions.scim_settings_for_token(_bearer(request))
    if found is None or not found.has_token:
        if (cache.get(_failures_key(request)) or 0) >= MAX_FAILURES:
            raise ScimError(429, "Too many requests with a wrong token. Try again later.")
        cache.add(_failures_key(request), 0, FAILURE_WINDOW)
        try:
            cache.incr(_failures_key(request))
        except ValueError:  # expired between the two calls
            cache.set(_failures_key(request), 1, FAILURE_WINDOW)
        raise ScimError(401, "A valid bearer token is required.")
    if not found.enabled:
        raise ScimError(403, "SCIM provisioning is switched off for this organisation.")
    services.scim_token_used(found)
    return found


def scim_endpoint(*methods: str) -> Callable[[View], View]:
    """A SCIM endpoint: public to the sign-in gate, CSRF-exempt (a bearer token, no
    cookie, authenticates it), and answering every refusal in SCIM's Error schema."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            try:
                if not settings.SCIM_ENABLED:
                    raise ScimError(404, "SCIM provisioning is not available on this service.")
                found = _authenticate(request)
                if request.method not in methods:
                    response = ScimError(405, f"{request.method} is not supported here.").response()
                    response["Allow"] = ", ".join(methods)
                    return response
                with acting_as(services.SCIM_ACTOR):
                    return view(request, found, *args, **kwargs)
            except ScimError as error:
                return error.response()
            except ValidationError as error:
                return invalid_value(" ".join(error.messages)).response()
            except IntegrityError:
                return ScimError(
                    409, "This conflicts with another person.", "uniqueness"
                ).response()

        return csrf_exempt(login_not_required(wrapped))

    return decorator


def _base(request: HttpRequest) -> str:
    """The SCIM base address, e.g. https://host/scim/v2/."""
    return request.build_absolute_uri(reverse("provisioning:scim_service_provider_config"))[
        : -len("ServiceProviderConfig")
    ]


def _body(request: HttpRequest) -> dict:
    try:
        return json_object(json.loads(request.body))
    except RequestDataTooBig:
        raise ScimError(413, "The request body is too large.") from None
    except (ValueError, RecursionError):
        raise ScimError(400, "The request body is not valid JSON.", "invalidSyntax") from None


# --- Discovery --------------------------------------------------------------------


@scim_endpoint("GET")
def service_provider_config(request: HttpRequest, found: ScimSettings) -> HttpResponse:
    return scim_response(schema.service_provider_config(_base(request)))


@scim_endpoint("GET")
def resource_types(request: HttpRequest, found: ScimSettings) -> HttpResponse:
    types = schema.resource_types(_base(request))
    return scim_response(schema.list_response(types, total=len(types), start=1))


@scim_endpoint("GET")
def schemas(request: HttpRequest, found: ScimSettings) -> HttpResponse:
    every = schema.schemas(_base(request))
    return scim_response(schema.list_response(every, total=len(every), start=1))


# --- Users ------------------------------------------------------------------------


def _number(request: HttpRequest, name: str, default: int) -> int:
    raw = request.GET.get(name, "")
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise invalid_value(f"{name} must be a whole number.") from None


@scim_endpoint("GET", "POST")
def users(request: HttpRequest, found: ScimSettings) -> HttpResponse:
    organisation = found.organisation
    if request.method == "POST":
        attrs: dict = {"active": True}
        attributes.set_from_object(attrs, _body(request))
        profile = services.scim_user_create(scim_settings=found, attrs=attrs)
        body = scim_user(profile, _base(request))
        response = scim_response(body, status=201)
        response["Location"] = body["meta"]["location"]
        return response
    expression = request.GET.get("filter", "")
    clauses = filters.parse(expression) if expression.strip() else []
    start = min(max(_number(request, "startIndex", 1), 1), BIGGEST_START)
    count = min(max(_number(request, "count", schema.MAX_RESULTS), 0), schema.MAX_RESULTS)
    people = permissions.scim_people_matching(organisation, clauses)
    total = people.count()
    page = list(people[start - 1 : start - 1 + count]) if count else []
    base = _base(request)
    return scim_response(
        schema.list_response([scim_user(p, base) for p in page], total=total, start=start)
    )


@scim_endpoint("GET", "PUT", "PATCH", "DELETE")
def user(request: HttpRequest, found: ScimSettings, scim_id: str) -> HttpResponse:
    organisation = found.organisation
    profile = permissions.get_scim_person(organisation, scim_id)
    if profile is None:
        raise ScimError(404, f"No User has the id {scim_id[:64]}.")
    if request.method == "DELETE":
        services.scim_user_deactivate(profile=profile, reason="deleted in Entra ID")
        return HttpResponse(status=204)
    if request.method in ("PUT", "PATCH"):
        before = scim_user_attributes(profile)
        body = _body(request)
        if request.method == "PATCH":
            after = attributes.apply_patch(before, body)
        else:
            after = dict(before)
            attributes.set_from_object(after, body)
        profile = services.scim_user_change(
            organisation=organisation, profile=profile, before=before, after=after
        )
        profile = permissions.get_scim_person(organisation, scim_id) or profile
    return scim_response(scim_user(profile, _base(request)))


@scim_endpoint("GET", "POST")
def groups(request: HttpRequest, found: ScimSettings) -> HttpResponse:
    """Groups are not provisioned: an empty list (Entra ID then provisions users only)."""
    if request.method == "POST":
        raise ScimError(404, "Groups are not provisioned by this service; assign users instead.")
    return scim_response(schema.list_response([], total=0, start=1))


@scim_endpoint("GET", "PUT", "PATCH", "DELETE")
def group(request: HttpRequest, found: ScimSettings, scim_id: str) -> HttpResponse:
    raise ScimError(404, "Groups are not provisioned by this service.")
