"""Looking up a message costs one catalogue, not seven.

Django merges every app's catalogue of the active language into one, and also
chains, as fallbacks, the catalogues Python's gettext found behind each of them:
for en-GB, the plain "en" catalogue of each app that ships one, each holding
nothing but its header. A message not in the merged catalogue (on an English
site, nearly all: the message is the text) then walked all six before coming
back unchanged, 150-200 times a page and a tenth of its CPU (bench/inprocess.py).
`translation()` here gives Django's translation with those empty fallbacks left
out of its chain: a fallback that holds no message can never change a lookup's
answer (gettext, ngettext and pgettext all come back as they would have).
"""

import gettext
import weakref

from django.utils.translation import trans_real

_django_translation = trans_real.translation
_pruned: "weakref.WeakSet" = weakref.WeakSet()  # translations already pruned


def _empty(catalogue) -> bool:
    """A fallback with no messages: NullTranslations, or a catalogue of its header only."""
    if type(catalogue) is gettext.NullTranslations:
        return True
    messages = getattr(catalogue, "_catalog", None)
    return (
        type(catalogue) is gettext.GNUTranslations
        and isinstance(messages, dict)
        and not (messages.keys() - {""})
    )


def without_empty_fallbacks(translation):
    """`translation` with every empty fallback taken out of its chain (in place)."""
    current = translation
    while current._fallback is not None:
        following = current._fallback
        if _empty(following):
            current._fallback = following._fallback
        else:
            current = following
    return translation


def translation(language):
    """django.utils.translation.trans_real.translation, its empty fallbacks left out."""
    found = _django_translation(language)
    if found not in _pruned:
        _pruned.add(without_empty_fallbacks(found))
    return found


def install() -> None:
    """Every translation Django makes from now on goes through `translation()` (it
    looks the function up by name each time; a settings change that empties its
    cache makes them again, through here too)."""
    trans_real.translation = translation
