"""Who may supervise whom: the one check every path to a one-to-one session asks.

Asked by an agreement request, a first session without an agreement, a booking
under an agreement, a move, and by the pages before they offer any of these, so
a link is never shown where the answer would be no.
"""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

OWN_LINE_MANAGER = gettext_lazy("A person cannot be their own line manager.")


def line_manages(supervisor, supervisee) -> bool:
    profile = getattr(supervisee, "profile", None)  # None: no staff profile
    return (
        profile is not None
        and profile.line_manager_id is not None
        and profile.line_manager.user_id == supervisor.pk
    )


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
