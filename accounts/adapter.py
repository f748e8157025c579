from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings


class AccountAdapter(DefaultAccountAdapter):
    """Invitation-only by default: programme admins add people."""

    def is_open_for_signup(self, request) -> bool:
        return settings.ACCOUNT_ALLOW_SIGNUP
