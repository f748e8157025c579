"""Who may read a journal entry: its author, and nobody else.

Not programme admins, not wellbeing leads, not superusers: an entry of anyone
else answers 404 through every view, so even its existence does not leak.
"""

from django.http import Http404

from supervision.permissions import sessions_visible_to

from .models import JournalEntry

# Ids beyond a signed 64-bit integer cannot be entries; dropping them keeps the
# database from being asked (and erroring on) an impossible value.
_MAX_ID = 2**63 - 1
_MAX_EXPORT = 200


def journal_entries_of(user):
    """The user's own entries; none for anyone signed out."""
    if not user.is_authenticated:
        return JournalEntry.objects.none()
    return JournalEntry.objects.filter(author=user)


def get_entry_for_user(user, pk: int) -> JournalEntry:
    """One of the user's own entries; 404 for every other entry, whoever asks."""
    try:
        return journal_entries_of(user).get(pk=pk)
    except JournalEntry.DoesNotExist:
        raise Http404 from None


def parse_entry_ids(values) -> list[int]:
    """The valid ids among submitted values; anything else is silently dropped."""
    ids: list[int] = []
    for value in values:
        text = str(value).strip()
        if not (text.isascii() and text.isdigit()):
            continue
        number = int(text)
        if 0 < number <= _MAX_ID and number not in ids:
            ids.append(number)
        if len(ids) >= _MAX_EXPORT:
            break
    return ids


def entries_for_export(user, ids: list[int]):
    """The user's own entries among `ids`; ids of other people's entries are ignored."""
    return journal_entries_of(user).filter(pk__in=ids).order_by("occurred_on", "created_at")


def linkable_sessions(user, *, keeping: int | None = None):
    """The one-to-one sessions a reflection may name: those the user took part in as
    the supervisee, less cancelled ones (a session that did not happen is nothing to
    reflect on).

    `keeping` is the session an entry already names: kept even if it has been
    cancelled since, so changing the entry does not lose its link.
    """
    if not user.is_authenticated:
        return sessions_visible_to(user).none()
    own = sessions_visible_to(user).filter(supervisee=user)
    sessions = own.not_cancelled()
    if keeping is not None:
        sessions = sessions | own.filter(pk=keeping)
    return sessions.select_related("programme__organisation").order_by("-starts_at")
