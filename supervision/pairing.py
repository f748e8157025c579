"""Who may supervise whom: the one check every path to a one-to-one session asks.

Asked by an agreement request, a first session without an agreement, a booking
under an agreement, a move, and by the pages before they offer any of these, so
a link is never shown where the answer would be no.
"""

from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kernel.permissions import get_own_profile

OWN_LINE_MANAGER = gettext_lazy("A person cannot be their own line manager.")


NOT_LOADED = object()


def _loaded_profile(user):
    """The user's staff profile (None: they have none) if already loaded, else NOT_LOADED."""
    if get_user_model().profile.is_cached(user):
        return getattr(user, "profile", None)
    return NOT_LOADED


def line_manages(supervisor, supervisee) -> bool:
    profile = _loaded_profile(supervisee)
    if profile is NOT_LOADED:
        profile = get_own_profile(supervisee)  # kept on the user: once a request
    if profile is None or profile.line_manager_id is None:
        return False
    # The supervisor's page has their profile at hand: compare ids, no query.
    own = _loaded_profile(supervisor)
    if own is not NOT_LOADED:
        return own is not None and own.pk == profile.line_manager_id
    return profile.line_manager.user_id == supervisor.pk


def pairing_refusal(supervisor, supervisee) -> str | None:
    """Why `supervisor` may not supervise `supervisee`, told to the supervisee; None if they may.

    Nobody supervises themselves, and restorative supervision is kept apart
    from line management: a person's line manager is never their supervisor.
    """
    if supervisor.pk == supervisee.pk:
        return _("You cannot supervise yourself.")
    if line_manages(supervisor, supervisee):
        return _(
            "This supervisor is your line manager. Restorative supervision is kept "
            "apart from line management, so choose another supervisor."
        )
    return None


def supervising_refusal(manager_name: str) -> str:
    """Why someone who supervises a person cannot become their line manager."""
    return _(
        "%(name)s supervises this person under a current supervision agreement. "
        "Restorative supervision is kept apart from line management: end that "
        "agreement before making them the line manager."
    ) % {"name": manager_name}


def supervising_pairs(supervisee_ids) -> set[tuple[int, int]]:
    """(supervisor user id, supervisee user id) of the current agreements of these
    supervisees, in one query: the bulk form of the check below (an ESR import)."""
    from .models import Agreement

    return set(
        Agreement.objects.current()
        .filter(supervisee_id__in=list(supervisee_ids))
        .values_list("supervisor_id", "supervisee_id")
    )


def line_manager_refusal(profile, line_manager) -> str | None:
    """Why `line_manager` may not become `profile`'s line manager, or None.

    The other side of the same rule: someone who supervises a person under a
    current agreement cannot be made their line manager until it has ended.
    """
    if line_manager is None:
        return None
    if line_manager.pk == profile.pk:
        return str(OWN_LINE_MANAGER)
    if (line_manager.user_id, profile.user_id) in supervising_pairs([profile.user_id]):
        return supervising_refusal(line_manager.user.get_full_name())
    return None
