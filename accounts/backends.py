"""The sign-in backends (AUTHENTICATION_BACKENDS): Django's and allauth's, loading the
signed-in person with SQL built once per process.

Every signed-in request loads its user (Django's `get_user`) and then, for the menu
and the time zone, the person's staff profile with its organisation and department
(kernel.permissions.get_own_profile). Here that is one kernel.prepared.PreparedQuery:
the user with the profile joined, so get_own_profile finds it already loaded. Who may
sign in, and how, is unchanged: these classes only replace `get_user`.
"""

from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend
from django.contrib.auth import BACKEND_SESSION_KEY, get_user_model
from django.contrib.auth.backends import ModelBackend as DjangoModelBackend
from django.core.exceptions import ObjectDoesNotExist

from kernel.permissions import own_profile_loaded
from kernel.prepared import PreparedQuery

_user_with_profile = PreparedQuery(
    lambda pk: (
        get_user_model()
        .objects.select_related("profile__organisation", "profile__department")
        .filter(pk=pk)
        .order_by()[:1]
    )
)


class _LoadsUserWithProfile(DjangoModelBackend):
    def get_user(self, user_id):
        try:
            found = _user_with_profile(user_id)
        except (TypeError, ValueError):  # not an id (a tampered or foreign session)
            return None
        user = found[0] if found else None
        if user is None or not self.user_can_authenticate(user):
            return None
        try:
            profile = user.profile  # joined above: no query
        except ObjectDoesNotExist:
            profile = None
        own_profile_loaded(user, profile)
        return user


class ModelBackend(_LoadsUserWithProfile, DjangoModelBackend):
    """Django's ModelBackend (email and password, invitations)."""


class AuthenticationBackend(_LoadsUserWithProfile, AllauthBackend):
    """allauth's backend (its sign-in form, codes, single sign-on)."""


MODEL_BACKEND = f"{ModelBackend.__module__}.{ModelBackend.__qualname__}"
# Sessions signed in before these classes name the library's classes: they stay signed
# in (accounts.middleware.AuthenticationMiddleware renames the backend in the session).
RENAMED = {
    "django.contrib.auth.backends.ModelBackend": MODEL_BACKEND,
    "allauth.account.auth_backends.AuthenticationBackend": (
        f"{AuthenticationBackend.__module__}.{AuthenticationBackend.__qualname__}"
    ),
}


def rename_session_backend(session) -> None:
    """Point a session signed in through a library backend at ours (see RENAMED)."""
    renamed = RENAMED.get(session.get(BACKEND_SESSION_KEY))
    if renamed is not None:
        session[BACKEND_SESSION_KEY] = renamed
