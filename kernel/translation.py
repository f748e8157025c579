"""Looking up a message costs one catalogue, not seven, and finding the active
translation costs one context variable, not a lock and three calls.

Django merges every app's catalogue of the active language into one, and also
chains, as fallbacks, the catalogues Python's gettext found behind each of them:
for en-GB, the plain "en" catalogue of each app that ships one, each holding
nothing but its header. A message not in the merged catalogue (on an English
site, nearly all: the message is the text) then walked all six before coming
back unchanged, 150-200 times a page and a tenth of its CPU (bench/inprocess.py).
`translation()` here gives Django's translation with those empty fallbacks left
out of its chain: a fallback that holds no message can never change a lookup's
answer (gettext, ngettext and pgettext all come back as they would have).

Django keeps the active translation in an asgiref Local, whose every read takes
a lock, looks up a context variable and checks the thread: a microsecond, on
each of the 100-300 messages a page looks up (a table of sessions translates
each row's date and status), 4-9% of a page's CPU (callgrind, bench pages).
`ActiveTranslation` keeps it in one context variable, with a Local's behaviour:
what a thread (or an async task) activates is its own, asgiref's sync_to_async
and async_to_sync carry it across as they carry every context variable, and
reading it where nothing is active raises AttributeError as a Local does
(getattr(_active, "value", default) and hasattr then answer as before).
"""

import contextvars
import gettext
import weakref
from typing import Any

from django.core.signals import request_started
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


_UNSET = object()
_active_translation: contextvars.ContextVar = contextvars.ContextVar(
    "active_translation", default=_UNSET
)


class ActiveTranslation:
    """trans_real._active (an asgiref Local whose one attribute is `value`), in a
    context variable."""

    __slots__ = ()

    @property
    def value(self):
        found = _active_translation.get()
        if found is _UNSET:
            raise AttributeError("value")
        return found

    @value.setter
    def value(self, found) -> None:
        _active_translation.set(found)

    @value.deleter
    def value(self) -> None:
        if _active_translation.get() is _UNSET:
            raise AttributeError("value")
        _active_translation.set(_UNSET)


def _hold_active_translation(**kwargs) -> None:
    """Put an ActiveTranslation in trans_real, holding what its Local held (if it
    has one): at start-up, and at each request after Django's test signals gave
    trans_real a new Local (django.test.signals.language_changed does when a
    language setting is overridden)."""
    django: Any = trans_real  # its _active is not in Django's stubs
    if type(django._active) is ActiveTranslation:
        return
    _active_translation.set(getattr(django._active, "value", _UNSET))
    django._active = ActiveTranslation()


def install() -> None:
    """Every translation Django makes from now on goes through `translation()` (it
    looks the function up by name each time; a settings change that empties its
    cache makes them again, through here too), and the active one is held in a
    context variable (`ActiveTranslation`)."""
    trans_real.translation = translation
    _hold_active_translation()
    request_started.connect(_hold_active_translation, dispatch_uid="kernel.translation")
