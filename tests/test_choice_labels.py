"""supervision_site.choices.ChoiceLabels: Django's get_FOO_display, cached."""

import pytest
from django.apps import apps
from django.db import models
from django.utils import translation

from supervision_site.choices import ChoiceLabels


def _django_display(instance, field):
    # Django's private helper behind get_FOO_display(), which the stubs leave out.
    return models.Model._get_FIELD_display(instance, field)  # type: ignore[attr-defined]


def _choice_fields():
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if field.choices and model.__module__.split(".")[0] in (
                "kernel",
                "supervision",
                "peergroups",
                "feedback",
                "notifications",
            ):
                yield model, field


def test_every_model_of_ours_with_choices_takes_the_cached_labels():
    missing = sorted(
        {
            model.__name__
            for model, _field in _choice_fields()
            if not issubclass(model, ChoiceLabels)
        }
    )
    assert missing == []


@pytest.mark.parametrize("language", ["en-gb", "cy"])
def test_each_choice_reads_as_django_would_say_it(language):
    with translation.override(language):
        for model, field in _choice_fields():
            instance = model()
            for value, _label in [*field.flatchoices, ("not-a-choice", None), (None, None)]:
                setattr(instance, field.attname, value)
                assert instance._get_FIELD_display(field) == _django_display(instance, field)
                display = getattr(instance, f"get_{field.name}_display")()
                assert display == _django_display(instance, field)
                assert type(display) is type(_django_display(instance, field))
