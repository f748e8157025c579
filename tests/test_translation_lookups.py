"""kernel.translation: the active translation holds no empty fallback, and every
lookup still answers as Django's full chain does."""

import gettext
from collections.abc import Iterator
from typing import Any

from django.test import override_settings
from django.utils import translation
from django.utils.translation import trans_real

from kernel.translation import without_empty_fallbacks

MESSAGES = [
    "Coming up",
    "Your sessions",
    "Enter a valid date.",
    "Organisation",
    "This field is required.",
]


def _active() -> Any:
    """The translation active in this thread (Django keeps it in trans_real._active)."""
    return trans_real._active.value  # type: ignore[attr-defined]


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
