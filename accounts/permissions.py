"""Who must protect their account with two-factor authentication.

Programme admins (of any organisation), wellbeing leads and Django staff users
see or change other people's data, so a stolen password alone must not be
enough to act as them.
"""

from allauth.mfa.models import Authenticator
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils.encoding import force_str
from django.utils.http import urlsafe_base64_decode

from kernel.models import Role
from kernel.permissions import user_roles
from kernel.prepared import PreparedQuery

from .tokens import invitation_token_generator

MFA_ROLES: frozenset[str] = frozenset({Role.PROGRAMME_ADMIN, Role.WELLBEING_LEAD})


def mfa_required(user) -> bool:
    """Whether `user` must have an authenticator app (reuses the roles cached on the user)."""
    if not user.is_authenticated:
        return False
    return user.is_staff or bool(MFA_ROLES & user_roles(user))


# One's authenticator app, if any: asked on the pages of everyone who must have one,
# its SQL built once per process (kernel/prepared.py).
_totp_of = PreparedQuery(
    lambda user_id, kind: (
        Authenticator.objects.filter(user_id=user_id, type=kind).order_by().values_list("pk")[:1]
    ),
    types=(int, str),
)


def has_totp(user) -> bool:
    """Whether `user` has set up an authenticator app (one query)."""
    return bool(_totp_of(user.pk, Authenticator.Type.TOTP))


def email_registered(email: str) -> bool:
    """Whether anyone, in any organisation, signs in with `email`.

    Addresses are unique across the service, so an admin adding a person must
    learn that much about other organisations: not who has it, nor where.
    """
    return get_user_model().objects.filter(email__iexact=email).exists()


def get_invited_user(uidb64: str, token: str):
    """The user an invitation link belongs to, or None when the link is not valid.

    The link is the credential: before anyone has signed in, the token decides.
    """
    User = get_user_model()
    try:
        pk = int(force_str(urlsafe_base64_decode(uidb64)))
        user = User.objects.get(pk=pk)
    except (ValueError, TypeError, OverflowError, User.DoesNotExist):
        return None
    if not user.is_active or not invitation_token_generator.check_token(user, token):
        return None
    return user


def user_with_email(emails: list[str]):
    """The person a single sign-on is for: the first whose address is one of `emails`
    (the Microsoft account's verified addresses), or None. Before anyone has signed in,
    the identity provider's word decides; the caller signs in only that person."""
    matches = Q()
    for email in emails:
        matches |= Q(email__iexact=email)
    return get_user_model().objects.filter(matches).first()
