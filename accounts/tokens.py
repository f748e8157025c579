"""One-time invitation links.

The token hashes the user's password and last login, like Django's password
reset token, so it stops working the moment the invited person sets a
password: a link can be used once. It also expires after
INVITATION_TIMEOUT_DAYS.
"""

from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.urls import reverse
from django.utils.crypto import constant_time_compare
from django.utils.encoding import force_bytes
from django.utils.http import base36_to_int, urlsafe_base64_encode


class InvitationTokenGenerator(PasswordResetTokenGenerator):
    key_salt = "accounts.tokens.InvitationTokenGenerator"

    def check_token(self, user, token) -> bool:
        if not (user and token):
            return False
        try:
            ts_b36, _hash = token.split("-")
            ts = base36_to_int(ts_b36)
        except ValueError:
            return False
        # As Django's own check: the current secret key or any of its fallbacks.
        if not any(
            constant_time_compare(self._make_token_with_timestamp(user, ts, secret), token)
            for secret in [self.secret, *self.secret_fallbacks]
        ):
            return False
        max_age = settings.INVITATION_TIMEOUT_DAYS * 24 * 60 * 60
        return (self._num_seconds(self._now()) - ts) <= max_age


invitation_token_generator = InvitationTokenGenerator()


def invitation_path(user) -> str:
    """The path of a fresh one-time invitation link for `user`."""
    return reverse(
        "accounts:invitation_accept",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": invitation_token_generator.make_token(user),
        },
    )


def invitation_url(user) -> str:
    return settings.SITE_URL + invitation_path(user)
