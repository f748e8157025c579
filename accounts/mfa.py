"""allauth's two-factor authentication, kept on for those who must have it."""

from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from django.utils.translation import gettext_lazy as _

from supervision_site.encryption import decrypt_str, encrypt_str, looks_like_token

from .permissions import has_totp, mfa_required

TWO_FACTOR_NEEDED = _(
    "Your role gives you access to other people's information, so your account needs "
    "two-factor authentication. Set up an authenticator app before you carry on."
)
TWO_FACTOR_OPTIONAL = _(
    "You can add two-factor authentication (an authenticator app) from your account page."
)


def two_factor_notice(user, *, required: bool | None = None) -> str:
    """What a person is told about two-factor authentication, the same on every page.

    Those whose role needs it (accounts.permissions.mfa_required) and have no
    authenticator app are told to set one up now; anyone else without one, that
    they may; someone with one, nothing (""). The sign-in gate
    (accounts.middleware.RequireMFAMiddleware) and the first sign-in from an
    invitation both say it through here, so the two banners cannot disagree.
    `required`: mfa_required(user), if the caller knows it already.
    """
    if required is None:
        required = mfa_required(user)
    if has_totp(user):
        return ""
    return str(TWO_FACTOR_NEEDED if required else TWO_FACTOR_OPTIONAL)


class MFAAdapter(DefaultMFAAdapter):
    error_messages = {
        **DefaultMFAAdapter.error_messages,
        "cannot_delete_authenticator": _(
            "Your role needs two-factor authentication, so you cannot turn off your "
            "authenticator app."
        ),
        "incorrect_code": _("The code is not right. Check it and enter it again"),
    }

    def can_delete_authenticator(self, authenticator: Authenticator) -> bool:
        """Programme admins, wellbeing leads and staff users keep their authenticator app."""
        if authenticator.type == Authenticator.Type.TOTP and mfa_required(authenticator.user):
            return False
        return super().can_delete_authenticator(authenticator)

    # allauth stores each authenticator app's secret through these: under our
    # field-encryption keys (FIELD_ENCRYPTION_KEYS), so a database dump holds no
    # usable second factor. A secret stored before this was in place is read as is.
    def encrypt(self, text: str) -> str:
        return encrypt_str(text)

    def decrypt(self, encrypted_text: str) -> str:
        if looks_like_token(encrypted_text):
            return decrypt_str(encrypted_text)
        return encrypted_text


def authenticator_secrets_rotate() -> tuple[int, int]:
    """Re-encrypt every authenticator app's secret under the first key.

    Returns (re-encrypted, already current). Part of `rotate_encryption_keys`.
    """
    from django.db import transaction

    from supervision_site.encryption import rotate_token

    rewritten = unchanged = 0
    totp = Authenticator.objects.filter(type=Authenticator.Type.TOTP)
    for pk in totp.values_list("pk", flat=True).iterator():
        with transaction.atomic():
            authenticator = Authenticator.objects.select_for_update().get(pk=pk)
            secret = authenticator.data.get("secret", "")
            token = secret if looks_like_token(secret) else encrypt_str(secret)
            rotated = rotate_token(token) if token == secret else token
            if rotated is None:
                unchanged += 1
                continue
            authenticator.data["secret"] = rotated
            authenticator.save(update_fields=["data"])
            rewritten += 1
    return rewritten, unchanged
