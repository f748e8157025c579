"""Sign-ins, failed sign-ins and two-factor events, written to the audit trail.

Each receiver only says which event happened; `audit.services` writes the entry,
with the client's address by the audit log's one rule (audit.context). No
password or code is ever stored: Django hands `user_login_failed` the
credentials with the password masked, and only the email address is read.
"""

from allauth.account.signals import user_logged_in
from allauth.mfa import signals as mfa_signals
from allauth.mfa.models import Authenticator
from django.contrib.auth.signals import user_login_failed

from audit.presenters import (
    RECOVERY_CODE_USED,
    RECOVERY_CODES_CREATED,
    RECOVERY_CODES_REGENERATED,
    SIGNED_IN,
    SIGNIN_FAILED,
    TWO_FACTOR_CODE_WRONG,
    TWO_FACTOR_OFF,
    TWO_FACTOR_ON,
)
from audit.services import audit_account_event, audit_unknown_signin_failed

from .permissions import user_with_email

TOTP = Authenticator.Type.TOTP
RECOVERY_CODES = Authenticator.Type.RECOVERY_CODES


def signed_in(sender, request, user, **kwargs) -> None:
    """allauth's sign-in (password, or Microsoft), after any two-factor stage."""
    audit_account_event(user=user, action=SIGNED_IN, summary=f"{user.email} signed in")


def signin_failed(sender, credentials, request=None, **kwargs) -> None:
    """A wrong password (or an inactive account), per account when the address is one."""
    email = str(credentials.get("email") or credentials.get("username") or "").strip()
    user = user_with_email([email]) if email else None
    if user is None:
        audit_unknown_signin_failed()
        return
    audit_account_event(user=user, action=SIGNIN_FAILED, summary=f"Failed sign-in as {user.email}")


# (allauth's signal, the authenticator's type): what is recorded, and its summary.
AUTHENTICATOR_EVENTS = {
    ("added", TOTP): (TWO_FACTOR_ON, "{email} set up an authenticator app"),
    ("added", RECOVERY_CODES): (RECOVERY_CODES_CREATED, "{email} got recovery codes"),
    ("removed", TOTP): (TWO_FACTOR_OFF, "{email} removed their authenticator app"),
    ("reset", RECOVERY_CODES): (
        RECOVERY_CODES_REGENERATED,
        "{email} replaced their recovery codes",
    ),
    ("used", RECOVERY_CODES): (RECOVERY_CODE_USED, "{email} used a recovery code"),
}


def _authenticator_receiver(event: str):
    """A receiver of allauth's authenticator_<event> signal (an app used to sign in is
    already recorded as the sign-in; recovery codes removed with it are not news)."""

    def receiver(sender, request, user, authenticator, **kwargs) -> None:
        found = AUTHENTICATOR_EVENTS.get((event, authenticator.type))
        if found is not None:
            action, summary = found
            audit_account_event(user=user, action=action, summary=summary.format(email=user.email))

    receiver.__name__ = f"authenticator_{event}"
    return receiver


def two_factor_failed(sender, request, user, authenticator, **kwargs) -> None:
    audit_account_event(
        user=user,
        action=TWO_FACTOR_CODE_WRONG,
        summary=f"Wrong two-factor code for {user.email}",
        details={
            "when": "confirming it is them" if kwargs.get("reauthentication") else "signing in"
        },
    )


def connect() -> None:
    """Called once, from AccountsConfig.ready."""
    for signal, receiver in (
        (user_logged_in, signed_in),
        (user_login_failed, signin_failed),
        (mfa_signals.authenticator_added, _authenticator_receiver("added")),
        (mfa_signals.authenticator_removed, _authenticator_receiver("removed")),
        (mfa_signals.authenticator_reset, _authenticator_receiver("reset")),
        (mfa_signals.authenticator_used, _authenticator_receiver("used")),
        (mfa_signals.authentication_failed, two_factor_failed),
    ):
        # weak=False: the authenticator receivers are made here and held by nothing else.
        signal.connect(
            receiver, dispatch_uid=f"accounts.signin_audit.{receiver.__name__}", weak=False
        )
