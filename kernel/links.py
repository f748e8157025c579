"""Links to one object's page (`/sessions/12/`), written from the URL pattern's text
rather than reversed a row: reverse() costs 15 microseconds, and a table links
each of its 25 to 50 rows."""

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse

# An id that stands for the row's own in the probe reverse() writes once per URL
# name; where its digits appear more than once in the path (never, in practice)
# the URL is reversed every time instead.
_PROBE = "7391846205"
_SPLIT: dict[tuple, tuple[str, str] | None] = {}


def id_url(viewname: str, pk) -> str:
    """reverse(viewname, args=[pk]) for a URL that takes one integer id: the same
    path, for the URL configuration and script prefix in force."""
    if pk.__class__ is not int or pk < 0:  # as reverse() would see it: let it
        return reverse(viewname, args=[pk])
    key = (viewname, get_script_prefix(), get_urlconf() or settings.ROOT_URLCONF)
    try:
        halves = _SPLIT[key]
    except KeyError:
        parts = reverse(viewname, args=[int(_PROBE)]).split(_PROBE)
        halves = _SPLIT[key] = (parts[0], parts[1]) if len(parts) == 2 else None
    if halves is None:
        return reverse(viewname, args=[pk])
    return f"{halves[0]}{pk}{halves[1]}"
