"""kernel.translation: the active translation holds no empty fallback, and every
lookup still answers as Django's full chain does."""

import gettext
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from asgiref.local import Local
from django.test import override_settings
from django.utils import translation
from django.utils.translation import trans_real

from kernel.translation import ActiveTranslation, without_empty_fallbacks
from kernel.translation import _hold_active_translation as hold_active_translation

django_trans: Any = trans_real  # its _active is not in Django's stubs

MESSAGES = [
    "Coming up",
    "Your sessions",
    "Enter a valid date.",
    "Organisation",
    "This field is required.",
]


def _active() -> Any:
    """The translation active in this thread (Django keeps it in django_trans._active)."""
    return django_trans._active.value


def _chain(found: Any) -> Iterator[Any]:
    while found is not None:
        yield found
        found = found._fallback


def _empty_catalogue(found: Any) -> bool:
    messages: dict = getattr(found, "_catalog", None) or {}
    return type(found) is gettext.GNUTranslations and not (messages.keys() - {""})


def _fresh(language):
    """Django's own translation, as it makes it, with its fallbacks as they come."""
    return trans_real.DjangoTranslation(language)


def test_the_active_translation_has_no_empty_fallback():
    with translation.override("en-gb"):
        active = _active()
        fallbacks = list(_chain(active._fallback))
    assert all(
        isinstance(f._catalog, dict) is False or f._catalog.keys() - {""} for f in fallbacks
    ), "an empty catalogue is still in the chain"
    # Django's own chain for en-GB does have them: this is what is left out.
    assert any(_empty_catalogue(f) for f in _chain(_fresh("en-gb")._fallback))


def test_lookups_answer_as_the_full_chain_does():
    full, pruned = _fresh("en-gb"), without_empty_fallbacks(_fresh("en-gb"))
    for message in MESSAGES:
        assert pruned.gettext(message) == full.gettext(message)
        assert pruned.ngettext(message, message + "s", 1) == full.ngettext(
            message, message + "s", 1
        )
        assert pruned.ngettext(message, message + "s", 2) == full.ngettext(
            message, message + "s", 2
        )
        context = f"month{trans_real.CONTEXT_SEPARATOR}{message}"
        assert pruned.gettext(context) == full.gettext(context)
    # A message the catalogues do translate still is (Django's en_GB: "-ize" to "-ise").
    translated = [
        m
        for m in full._catalog.keys()  # noqa: SIM118 (a TranslationCatalog, not a dict)
        if isinstance(m, str) and m and full.gettext(m) != m
    ]
    assert translated
    assert all(pruned.gettext(m) == full.gettext(m) for m in translated[:200])


def test_a_fallback_with_messages_is_kept():
    kept: Any = gettext.GNUTranslations.__new__(gettext.GNUTranslations)
    kept._catalog, kept._fallback = {"": "header", "Colour": "Color"}, None
    empty: Any = gettext.GNUTranslations.__new__(gettext.GNUTranslations)
    empty._catalog, empty._fallback = {"": "header"}, kept
    top = _fresh("en-gb")
    last = list(_chain(top))[-1]
    last._fallback = empty
    without_empty_fallbacks(top)
    assert empty not in list(_chain(top))
    assert kept in list(_chain(top))
    assert top.gettext("Colour") == "Color"


@override_settings(LANGUAGE_CODE="en-gb", LANGUAGES=[("en-gb", "English")])
def test_translations_made_again_after_a_settings_change_are_pruned_too():
    with translation.override("en-gb"):
        fallbacks = list(_chain(_active()._fallback))
    assert not any(_empty_catalogue(f) for f in fallbacks)


@pytest.fixture
def held():
    """The site's ActiveTranslation in trans_real, as after start-up (a test before
    may have overridden a language setting, which puts a Local there until the
    next request)."""
    hold_active_translation()
    assert type(django_trans._active) is ActiveTranslation
    return django_trans._active


def test_the_active_translation_is_held_in_a_context_variable(held):
    with translation.override("en-gb"):
        assert translation.get_language() == "en-gb"
        assert held.value is trans_real.translation("en-gb")
    with translation.override(None):  # deactivate_all: Django's NullTranslations
        assert translation.get_language() is None  # as Django answers
        assert translation.gettext("Organisation") == "Organisation"


def test_nothing_active_reads_as_a_local_with_nothing_set(held):
    translation.deactivate()
    try:
        assert not hasattr(held, "value")
        assert getattr(held, "value", "none") == "none"
        with pytest.raises(AttributeError):
            del held.value
        # Nothing active: the default language, and messages still answered.
        assert translation.get_language() == "en-gb"
        assert translation.gettext("Organisation") == "Organisation"
    finally:
        translation.activate("en-gb")


def test_what_a_thread_activates_is_its_own(held):
    seen: dict[str, Any] = {}
    ready, done = threading.Event(), threading.Event()

    def other_thread():
        seen["at_start"] = getattr(held, "value", None)
        translation.activate("en")
        ready.set()
        done.wait(5)
        seen["own"] = translation.get_language()

    with translation.override("en-gb"):
        thread = threading.Thread(target=other_thread)
        thread.start()
        ready.wait(5)
        assert translation.get_language() == "en-gb"  # not the other thread's "en"
        done.set()
        thread.join(5)
    assert seen == {"at_start": None, "own": "en"}


def test_sync_to_async_and_back_carry_the_active_language(held):
    """Run in a thread of its own: async_to_sync refuses a thread with an event loop
    running, as a browser test's Playwright leaves the main one."""
    from asgiref.sync import async_to_sync, sync_to_async

    async def in_async():
        return await sync_to_async(translation.get_language)()

    seen = []

    def in_a_thread():
        for language in ("en", "en-gb"):
            with translation.override(language):
                seen.append(async_to_sync(in_async)())

    thread = threading.Thread(target=in_a_thread)
    thread.start()
    thread.join(10)
    assert seen == ["en", "en-gb"]


@pytest.mark.django_db
@override_settings(LANGUAGE_CODE="en-gb", LANGUAGES=[("en-gb", "English"), ("en", "English")])
def test_after_a_language_settings_change_a_request_holds_it_again(client):
    """Django's test signals put a new, empty Local in trans_real when a language
    setting changes; the next request holds the translation in the context variable
    again, with nothing active left over from before."""
    translation.activate("en")
    assert type(django_trans._active) is not ActiveTranslation
    django_trans._active = Local()  # as language_changed leaves it
    client.get("/healthz")
    assert type(django_trans._active) is ActiveTranslation
    assert translation.get_language() == "en-gb"  # the request's
