"""A person's own data held by accounts: who they are and how they sign in.

Never a secret: the export says which kinds of two-factor authentication are
set up, not their keys or recovery codes, and nothing about the password.
"""

from typing import Any

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.socialaccount.models import SocialAccount
from allauth.usersessions.models import UserSession


def blank_fields(queryset, *fields: str) -> int:
    """Blank `fields` on the rows of `queryset` where any holds text; returns how many.

    The values are read through the ORM and compared in Python, not in SQL, so
    this works the same for fields encrypted at rest (whose stored form is
    never the empty string).
    """
    pks = [
        row.pk
        for row in queryset.only("pk", *fields)
        if any(getattr(row, field) for field in fields)
    ]
    if pks:
        queryset.model.objects.filter(pk__in=pks).update(**dict.fromkeys(fields, ""))
    return len(pks)


def export_for(user) -> dict[str, Any]:
    authenticators = list(
        Authenticator.objects.filter(user=user)
        .order_by("created_at")
        .only("type", "created_at", "last_used_at")
    )
    types = {authenticator.type for authenticator in authenticators}
    return {
        "account": {
            "first_name": user.first_name,
            "last_name": user.last_name,
            "email": user.email,
            "nmc_pin": user.nmc_pin,
            "active": user.is_active,
            "joined": user.date_joined,
            "last_signed_in": user.last_login,
        },
        "email_addresses": [
            {"email": address.email, "verified": address.verified, "primary": address.primary}
            for address in EmailAddress.objects.filter(user=user).order_by("-primary", "email")
        ],
        "two_factor_authentication": {
            "authenticator_app": Authenticator.Type.TOTP in types,
            "recovery_codes": Authenticator.Type.RECOVERY_CODES in types,
            "security_keys": sum(a.type == Authenticator.Type.WEBAUTHN for a in authenticators),
        },
        "authenticators": [
            {
                "kind": str(authenticator.get_type_display()),
                "added": authenticator.created_at,
                "last_used": authenticator.last_used_at,
            }
            for authenticator in authenticators
        ],
        # Which organisation accounts (single sign-on) are connected; never tokens.
        "connected_accounts": [
            {
                "provider": account.provider,
                "connected": account.date_joined,
                "last_signed_in": account.last_login,
            }
            for account in SocialAccount.objects.filter(user=user).order_by("date_joined")
        ],
        # Where and when the person is signed in (never the session's key).
        "signed_in_sessions": [
            {
                "ip_address": session.ip,
                "browser": session.user_agent,
                "signed_in": session.created_at,
                "last_seen": session.last_seen_at,
            }
            for session in UserSession.objects.filter(user=user).order_by("created_at")
        ],
    }


def erase_private_text(user) -> dict[str, int]:
    """Remove the sign-in details allauth holds: addresses, authenticators, connections.

    The sessions themselves are ended by accounts.anonymise first; any listing
    left (its session already expired) still names an address and a browser.
    """
    _, addresses = EmailAddress.objects.filter(user=user).delete()
    _, authenticators = Authenticator.objects.filter(user=user).delete()
    _, connections = SocialAccount.objects.filter(user=user).delete()
    _, listed = UserSession.objects.filter(user=user).delete()
    return {
        "email_addresses": addresses.get(EmailAddress._meta.label, 0),
        "authenticators": authenticators.get(Authenticator._meta.label, 0),
        "connected_accounts": connections.get(SocialAccount._meta.label, 0),
        "session_listings": listed.get(UserSession._meta.label, 0),
    }
