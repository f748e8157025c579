"""Session lifetimes and the two-factor gate, checked on every request."""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY, logout
from django.contrib.auth.middleware import (
    AuthenticationMiddleware as DjangoAuthenticationMiddleware,
)
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from .backends import rename_session_backend
from .mfa import two_factor_notice
from .permissions import mfa_required
from .sessions import LAST_SEEN_AT, SIGNED_IN_AT, session_record_activity

# The idle clock moves on at most once a minute, so an active person costs one
# session write a minute, not one a request (and a session may end up to a
# minute before SESSION_IDLE_MINUTES of real idleness).
ACTIVITY_RESOLUTION_SECONDS = 60


class AuthenticationMiddleware(DjangoAuthenticationMiddleware):
    """Django's, keeping signed in the sessions that name a library backend.

    accounts.backends replaced Django's and allauth's backends (same sign-in, a
    cheaper load of the person); a session signed in before that names theirs, which
    Django would no longer accept. Costs no query: the session is read here instead
    of a moment later, and a session without a cookie is not read at all.
    """

    def process_request(self, request):
        rename_session_backend(request.session)
        super().process_request(request)


class SessionLifetimeMiddleware:
    """Sign a session out after SESSION_IDLE_MINUTES without a request, or
    SESSION_MAX_HOURS after it signed in however active it has been.

    The clocks live in the session itself (set at sign-in by
    accounts.sessions.session_mark_signed_in), so checking them costs no query.
    A setting of None switches its check off (the test settings do, because
    many tests travel in time while signed in).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if SESSION_KEY in request.session:
            self._check(request)
        return self.get_response(request)

    def _check(self, request) -> None:
        session = request.session
        idle_minutes = settings.SESSION_IDLE_MINUTES
        max_hours = settings.SESSION_MAX_HOURS
        now = int(time.time())
        signed_in_at = session.get(SIGNED_IN_AT)
        last_seen_at = session.get(LAST_SEEN_AT)
        if signed_in_at is None or last_seen_at is None:
            # Signed in before these clocks existed: start them now.
            session[SIGNED_IN_AT] = session[LAST_SEEN_AT] = now
            return
        if max_hours and now - signed_in_at >= max_hours * 3600:
            self._end(
                request,
                _(
                    "You were signed out because you signed in more than %(hours)d hours "
                    "ago. Sign in again to carry on."
                )
                % {"hours": max_hours},
            )
        elif idle_minutes and now - last_seen_at >= idle_minutes * 60:
            self._end(
                request,
                _(
                    "You were signed out because you had not used the service for "
                    "%(minutes)d minutes. Sign in again to carry on."
                )
                % {"minutes": idle_minutes},
            )
        elif idle_minutes and now - last_seen_at >= ACTIVITY_RESOLUTION_SECONDS:
            session_record_activity(request, now)

    @staticmethod
    def _end(request, message: str) -> None:
        # The request carries on signed out: a page that needs signing in
        # sends the person to the sign-in page, where they read why.
        logout(request)
        messages.info(request, message)


# What a person who must set up two-factor authentication may still reach.
ALLOWED_WITHOUT_MFA = frozenset(
    {
        "mfa_index",
        "mfa_activate_totp",
        "mfa_reauthenticate",
        "mfa_view_recovery_codes",
        "mfa_generate_recovery_codes",
        "mfa_download_recovery_codes",
        "account_reauthenticate",
        "account_logout",
        # allauth will not add an authenticator to an unverified address.
        "account_email",
        "account_confirm_email",
        "account_email_verification_sent",
        "healthz",
        "readyz",
    }
)


class RequireMFAMiddleware:
    """Programme admins, wellbeing leads and staff users must set up an authenticator app.

    Until they have, every page except the set-up pages, signing out and the
    health check sends them to set it up. Costs nothing for everyone else
    (their roles are already cached on the user) and one query for those it
    concerns.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        if match is not None and match.view_name in ALLOWED_WITHOUT_MFA:
            return None
        if request.path_info.startswith("/" + settings.STATIC_URL.lstrip("/")):
            return None
        user = request.user
        if not mfa_required(user):
            return None
        notice = two_factor_notice(user, required=True)
        if not notice:
            return None
        messages.warning(request, notice)
        return redirect("mfa_activate_totp")
