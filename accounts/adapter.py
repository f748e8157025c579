import logging
import time
from typing import NoReturn

from allauth.account import app_settings as account_settings
from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.internal.flows.login import get_authentication_records
from allauth.core import context
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.core.internal.ratelimit import RateLimitUsage
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.providers.base import AuthProcess
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from audit.context import client_ip
from operations.services import counter_add

from .permissions import user_with_email
from .ratelimits import signin_attempt_consume

# Counted for operators' /metrics (supervision_site/metrics.py), in the database
# so that every web process adds to the same figures.
SIGNIN_REFUSED = "signin_refused."

logger = logging.getLogger(__name__)


class AccountAdapter(DefaultAccountAdapter):
    """Invitation-only by default: programme admins add people.

    allauth's messages that people here can meet, in the NHS.UK design system's
    words: what went wrong and how to put it right.
    """

    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "account_inactive": _(
            "This account is not active. Ask your programme admin if you need access again"
        ),
        "duplicate_email": _("This email address is already on your account"),
        "email_password_mismatch": _(
            "The email address or password is not right. Check them and try again"
        ),
        "email_taken": _("Someone is already registered with this email address"),
        "enter_current_password": _("Enter your current password"),
        "incorrect_code": _("The code is not right. Check it and enter it again"),
        "incorrect_password": _("The password is not right. Enter your current password"),
        "invalid_or_expired_key": _("This link has expired. Ask for a new one"),
        "invalid_password_reset": _("This password reset link has expired. Ask for a new one"),
        "max_email_addresses": _("You cannot add more than %d email addresses"),
        "select_only_one": _("Select one email address"),
        "same_as_current": _("Enter an email address that is different from the current one"),
        "too_many_login_attempts": _(
            "You have tried to sign in too many times. Wait a few minutes and try again"
        ),
        "unknown_email": _("There is no account with this email address"),
        "unverified_primary_email": _("Confirm your email address first"),
        "rate_limited": _("You have sent too many requests. Wait a minute and try again"),
    }

    def is_reauthentication_required(self, *, app: str, **kwargs) -> bool:
        """A password (and code) typed at sign-in within the reauthentication timeout
        counts as the recent authentication a sensitive step asks for: a new admin who
        has just signed in is not asked for the password again to set up two-factor
        authentication. allauth itself counts only its "confirm it is you" page."""
        if not super().is_reauthentication_required(app=app, **kwargs):
            return False
        request = self.request or context.request
        user = getattr(request, "user", None)
        if request is None or user is None or not user.is_authenticated:
            return True
        records = get_authentication_records(request, user)
        if not records:
            return True
        signed_in_at = records[-1].get("at")
        if not isinstance(signed_in_at, int | float):
            return True
        return time.time() - signed_in_at >= account_settings.REAUTHENTICATION_TIMEOUT

    def is_open_for_signup(self, request) -> bool:
        return settings.ACCOUNT_ALLOW_SIGNUP

    def get_client_ip(self, request) -> str:
        """The one client-address rule (X-Forwarded-For only behind
        TRUSTED_PROXY_COUNT proxies) for rate limits and the sessions list too."""
        address = client_ip(request)
        if address is None:
            raise PermissionDenied("Unable to determine client IP address")
        return address

    def pre_authenticate(self, request, **credentials) -> None:
        """Count a sign-in attempt against every limit (accounts.ratelimits).

        allauth then counts it as a failure of the account; both failure
        counts are given back when the password is right. A refusal by any
        limit is counted for the operators' metrics.
        """
        login = credentials.get("email", credentials.get("username", "")).lower()
        try:
            address_failures = signin_attempt_consume(
                request,
                address=self.get_client_ip(request),
                login=login,
                too_many=self.validation_error("too_many_login_attempts"),
            )
            try:
                super().pre_authenticate(request, **credentials)
            finally:
                account_failures = getattr(self, "_login_failed_rl_usage", None)
                self._login_failed_rl_usage = RateLimitUsage(
                    usage=[
                        *address_failures.usage,
                        *(account_failures.usage if account_failures else []),
                    ]
                )
        except (ValidationError, ImmediateHttpResponse):
            counter_add(name=SIGNIN_REFUSED + "rate_limited")
            raise

    def authentication_failed(self, request, **credentials) -> None:
        counter_add(name=SIGNIN_REFUSED + "bad_credentials")
        super().authentication_failed(request, **credentials)


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    """Single sign-on with Microsoft Entra ID, for people already invited.

    A Microsoft account signs in only the active member of staff whose email
    address the organisation's directory confirms; it never creates an account.
    """

    def is_open_for_signup(self, request, sociallogin) -> bool:
        return False

    def list_apps(self, request, provider=None, client_id=None):
        # Sign-in is switched on by environment variables only: apps built from
        # settings are never saved, so a SocialApp row added in the Django
        # admin cannot open a second way in.
        apps = super().list_apps(request, provider=provider, client_id=client_id)
        return [app for app in apps if app.pk is None]

    def get_provider(self, request, provider, client_id=None):
        from allauth.socialaccount.models import SocialApp

        try:
            return super().get_provider(request, provider, client_id=client_id)
        except SocialApp.DoesNotExist:
            # Single sign-on is off: its pages do not exist (not a 500).
            raise Http404 from None

    def pre_social_login(self, request, sociallogin) -> None:
        """Let in an invited, active person whose verified email matches; refuse anyone else."""
        if sociallogin.is_existing:
            # Connected before; still only while they are active staff.
            user = sociallogin.user
            if not user.is_active:
                _refuse(request, "inactive")
            if _staff_profile(user) is None:
                _refuse(request, "not_invited")
            return

        emails = [a.email.lower() for a in sociallogin.email_addresses if a.verified and a.email]
        if not emails:
            _refuse(request, "unverified")

        if sociallogin.state.get("process") == AuthProcess.CONNECT:
            # Signed in already: the Microsoft account must be this person's own.
            if request.user.email.lower() not in emails:
                _refuse(request, "someone_else")
            return

        user = user_with_email(emails)
        profile = _staff_profile(user) if user is not None else None
        if user is None or profile is None:
            _refuse(request, "not_invited")
        if not user.is_active:
            _refuse(request, "inactive")

        from .services import sso_account_connect

        sso_account_connect(
            request=request, sociallogin=sociallogin, user=user, profile=profile, email=user.email
        )


def _staff_profile(user):
    from kernel.permissions import get_own_profile

    return get_own_profile(user)


def _refuse(request, reason: str) -> NoReturn:
    logger.info("Single sign-on refused: %s", reason)
    raise ImmediateHttpResponse(
        render(request, "accounts/sso_refused.html", {"reason": reason}, status=403)
    )
