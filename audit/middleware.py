import logging

from django.db import DatabaseError, transaction

from kernel.permissions import get_own_profile

from .context import client_ip, reset_ip, set_ip
from .services import ACCESS_DENIED, ACCESS_NOT_FOUND, audit_access_refused

logger = logging.getLogger(__name__)


def _names_an_object(request) -> bool:
    """Whether the URL named a record by id (`pk`, `programme_pk`, ...)."""
    match = getattr(request, "resolver_match", None)
    return match is not None and any(key == "pk" or key.endswith("_pk") for key in match.kwargs)


class AuditRequestMiddleware:
    """Give audit entries the client's IP, and audit refused requests.

    Every 403 (whoever asked, signed in or not) writes "access.denied". A 404
    for a signed-in person on a URL that names a record by id writes
    "access.not_found": the permission helpers answer 404 for records out of
    the person's scope, and telling those apart from ids that do not exist
    would cost a query per miss. Plain 404s (a mistyped address) are not
    audited, so a crawler cannot flood the trail. One entry per event.
    Sits after AuthenticationMiddleware, which gives request.user.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = set_ip(client_ip(request))
        try:
            response = self.get_response(request)
            user = getattr(request, "user", None)
            signed_in = user is not None and user.is_authenticated
            if response.status_code == 403:
                self._audit(request, user if signed_in else None, ACCESS_DENIED, 403)
            elif response.status_code == 404 and signed_in and _names_an_object(request):
                self._audit(request, user, ACCESS_NOT_FOUND, 404)
            return response
        finally:
            reset_ip(token)

    def _audit(self, request, user, action: str, status: int) -> None:
        profile = get_own_profile(user) if user is not None else None  # cached per request
        try:
            with transaction.atomic():
                audit_access_refused(
                    actor=user,
                    action=action,
                    path=request.path,
                    method=request.method,
                    status=status,
                    organisation_id=profile.organisation_id if profile else None,
                )
        except DatabaseError:
            # The refusal stands either way; a page must not fail for its audit.
            logger.exception("Could not audit %s of %s", action, request.path)
