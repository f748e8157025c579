import logging
import time
import uuid
from typing import Any

from django.contrib.auth.middleware import LoginRequiredMiddleware as DjangoLoginRequired
from django.utils.cache import add_never_cache_headers
from django.utils.functional import SimpleLazyObject, empty

from .logs import request_id_var, sane_request_id

request_logger = logging.getLogger("supervision_site.requests")

# Browser features no page of this site uses, switched off for the page and
# anything it might embed, so injected markup cannot reach a camera, a
# microphone or the person's location. Only features browsers recognise: an
# unknown name (interest-cohort, retired with FLoC) is a console error, not a
# protection.
DISABLED_FEATURES = (
    "accelerometer",
    "autoplay",
    "browsing-topics",
    "camera",
    "display-capture",
    "encrypted-media",
    "geolocation",
    "gyroscope",
    "magnetometer",
    "microphone",
    "midi",
    "payment",
    "picture-in-picture",
    "screen-wake-lock",
    "serial",
    "usb",
    "xr-spatial-tracking",
)
PERMISSIONS_POLICY = ", ".join(f"{feature}=()" for feature in DISABLED_FEATURES)


class PermissionsPolicyMiddleware:
    """Send the Permissions-Policy header on every response."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response


class NoStoreMiddleware:
    """Forbid any cache from keeping a page or file this application answers.

    Nearly every page carries personal or confidential data (and the few that
    do not for a signed-in person, such as an email confirmation link's page,
    may for an anonymous one); a shared computer's back button or a proxy must
    not show it to the next person. Static files are served by WhiteNoise
    before this middleware runs, so they stay cacheable.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        # no-cache, no-store, must-revalidate, private and an Expires in the past.
        add_never_cache_headers(response)
        return response


def unwrap_user(request) -> None:
    """request.user as the person (or AnonymousUser) itself once it has been loaded,
    not Django's lazy stand-in: every attribute read through a SimpleLazyObject
    raises and catches an AttributeError on the way (django.utils.functional), and a
    page reads the person's attributes 50-100 times (views, permission helpers, the
    layout). Unloaded, it is left as it is: this loads nothing."""
    user: Any = getattr(request, "user", None)
    if isinstance(user, SimpleLazyObject) and user._wrapped is not empty:  # type: ignore[attr-defined]
        request.user = user._wrapped  # type: ignore[attr-defined]


class LoginRequiredMiddleware(DjangoLoginRequired):
    """Every view is for signed-in people unless marked `@login_not_required`.

    Except the Django admin, which checks staff sign-in itself and sends
    strangers to its own sign-in page (through allauth, with two-factor).
    """

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        if match is not None and match.app_name == "admin":
            response = None
        else:
            response = super().process_view(request, view_func, view_args, view_kwargs)
        unwrap_user(request)
        return response


class RequestIdMiddleware:
    """Give each request an id: on every log line it causes, and in X-Request-ID.

    A sane X-Request-ID from the load balancer or the client is kept, so one
    id follows a request through every tier; otherwise a new one is made. Tasks
    the request queues carry it too (supervision_site/celery.py). With JSON
    logs, one line per request says its method, route (the URL's name, never
    its path: paths hold tokens), status and duration.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = sane_request_id(request.headers.get("X-Request-ID")) or uuid.uuid4().hex
        request.request_id = request_id
        token = request_id_var.set(request_id)
        started = time.monotonic()
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = request_id
            match = getattr(request, "resolver_match", None)
            request_logger.info(
                "%s %s %s",
                request.method,
                match.view_name if match else "-",
                response.status_code,
                extra={
                    "method": request.method,
                    "route": match.view_name if match else None,
                    "status": response.status_code,
                    "duration_ms": round((time.monotonic() - started) * 1000, 1),
                },
            )
            return response
        finally:
            request_id_var.reset(token)
