"""The NHS.UK design system's error wording for every form field, derived from its label.

Each error names the field and says how to fix it: "Enter the start date", "The
title must be 200 characters or fewer", "Select the band", "The capacity must be
between 1 and 20", "The start date must be a real date", "The start date must
include a month". Only Django's own messages are replaced: a message a form
writes for a field is kept. kernel.forms.NHSErrors applies this to every field
of every form before it is cleaned.
"""

import re

from django import forms
from django.core import validators
from django.forms.utils import pretty_name
from django.utils import formats
from django.utils.text import capfirst
from django.utils.translation import gettext as _

# Words after which a label already reads as part of a sentence ("How often you
# will meet", "Your comment"): no "the" goes in front.
NO_ARTICLE = {
    "the",
    "a",
    "an",
    "your",
    "my",
    "our",
    "their",
    "this",
    "these",
    "any",
    "anything",
    "how",
    "what",
    "when",
    "where",
    "which",
    "who",
    "why",
    "whether",
}
ASIDE = re.compile(r"\s*\((?:optional|if you answered yes)\)", re.IGNORECASE)
# Codes that Django's model validation reports on a ModelForm's fields.
MODEL_CODES = ("blank", "null", "unique")


class Message(str):
    """A finished message. Django fills a message's %(placeholders)s from the error's
    params (`message % params`); this one has none to fill, and a label may hold a
    "%", so the formatting leaves it as it is."""

    def __mod__(self, params):
        return str(self)


def error_name(label) -> str:
    """How an error names a field in the middle of a sentence: "the start date" for
    "Start date (optional)", "how often you will meet" as it is, and a question
    as "your answer to “Why are you moving it?”"."""
    text = ASIDE.sub("", str(label or "")).strip().rstrip(":").strip()
    if not text:
        return _("your answer")
    if text.endswith("?"):
        return _("your answer to “%(question)s”") % {"question": text}
    first = text.split()[0]
    if not (first.isupper() and (len(first) > 1 or first == "I")):  # "NMC PIN" keeps its capitals
        text = text[0].lower() + text[1:]
    if first.lower() in NO_ARTICLE:
        return text
    return _("the %(name)s") % {"name": text}


def _number(value) -> str:
    value = value() if callable(value) else value
    return formats.number_format(value, force_grouping=True)


def _bound(field, kind) -> object | None:
    """The field's tightest lower (MinValueValidator) or upper bound, if it has one."""
    limits = [v.limit_value for v in field.validators if type(v) is kind]
    limits = [limit() if callable(limit) else limit for limit in limits]
    if not limits:
        return None
    return max(limits) if kind is validators.MinValueValidator else min(limits)


def _range(field, subject: str) -> str:
    low = _bound(field, validators.MinValueValidator)
    high = _bound(field, validators.MaxValueValidator)
    if low is not None and high is not None:
        return _("%(name)s must be between %(low)s and %(high)s") % {
            "name": subject,
            "low": _number(low),
            "high": _number(high),
        }
    if low is not None:
        return _("%(name)s must be %(low)s or more") % {"name": subject, "low": _number(low)}
    return _("%(name)s must be %(high)s or less") % {"name": subject, "high": _number(high)}


def _length(field, kind) -> int | None:
    return next((v.limit_value for v in field.validators if type(v) is kind), None)


def _chooses(field) -> bool:
    """Whether the field is answered by choosing (radios, checkboxes, a list) not typing."""
    return isinstance(
        field, forms.ChoiceField | forms.ModelChoiceField | forms.BooleanField
    ) or isinstance(field.widget, forms.Select | forms.RadioSelect | forms.CheckboxInput)


def _required(field, name: str) -> str:
    if _chooses(field) or isinstance(field, forms.FileField):
        return _("Select %(name)s") % {"name": name}
    return _("Enter %(name)s") % {"name": name}


def _not_offered(field, name: str) -> str:
    if isinstance(field.widget, forms.Select):
        return _("Select %(name)s from the list") % {"name": name}
    return _("Select %(name)s from the options shown") % {"name": name}


def _invalid(field, name: str, subject: str) -> str:
    """The wording for a value of the wrong form: not a number, not a date, not an email."""
    if isinstance(field, forms.FloatField | forms.DecimalField):  # both IntegerFields
        return _("%(name)s must be a number") % {"name": subject}
    if isinstance(field, forms.IntegerField):
        return _("%(name)s must be a whole number") % {"name": subject}
    if isinstance(field, forms.DateField):
        return _("%(name)s must be a real date") % {"name": subject}
    if isinstance(field, forms.DateTimeField | forms.SplitDateTimeField):
        return _("%(name)s must be a real date and time") % {"name": subject}
    if isinstance(field, forms.TimeField):
        return _("%(name)s must be a time on the 24-hour clock, for example 14:00") % {
            "name": subject
        }
    if isinstance(field, forms.EmailField):
        return _("Enter %(name)s in the correct format, like name@example.com") % {"name": name}
    if isinstance(field, forms.URLField):
        return _("Enter %(name)s in the correct format, like https://www.example.com") % {
            "name": name
        }
    if isinstance(field, forms.FileField):
        return _("Select %(name)s") % {"name": name}
    if _chooses(field) or isinstance(field, forms.MultipleChoiceField):
        return _not_offered(field, name)
    return _("Enter %(name)s in the correct format") % {"name": name}


def _wording(field, code: str, name: str) -> str:
    """The NHS.UK wording of one of the field's error codes; `name` as error_name gives it."""
    subject = capfirst(name)
    if code in ("required", "blank", "null", "missing"):
        return _required(field, name)
    if code in ("invalid_choice", "invalid_pk_value", "invalid_list"):
        return _not_offered(field, name)
    if code in ("min_value", "max_value"):
        return _range(field, subject)
    if code == "max_length" and isinstance(field, forms.FileField):
        if field.max_length is None:
            return _("%(name)s must have a shorter file name") % {"name": subject}
        return _("%(name)s must have a file name of %(max)s characters or fewer") % {
            "name": subject,
            "max": _number(field.max_length),
        }
    if code == "max_length":
        return _("%(name)s must be %(max)s characters or fewer") % {
            "name": subject,
            "max": _number(_length(field, validators.MaxLengthValidator)),
        }
    if code == "min_length":
        return _("%(name)s must be %(min)s characters or more") % {
            "name": subject,
            "min": _number(_length(field, validators.MinLengthValidator)),
        }
    simple = {
        "step_size": _("%(name)s must be a multiple of %(step)s"),
        "max_digits": _("%(name)s must be %(digits)s digits or fewer"),
        "max_decimal_places": _("%(name)s must have %(places)s decimal places or fewer"),
        "max_whole_digits": _("%(name)s must have %(digits)s digits or fewer before the point"),
        "null_characters_not_allowed": _("%(name)s must not include hidden characters"),
        "empty": _("%(name)s is empty: select a file with something in it"),
        "invalid_image": _("%(name)s must be an image"),
        "unique": _("%(name)s is already in use: enter a different one"),
        "year": _("The year in %(lower)s must include 4 numbers"),
        "invalid_date": _("%(name)s must include a real date"),
        "invalid_time": _("%(name)s must include a real time"),
        "contradiction": _("Select a new file for %(lower)s or remove the current one, not both"),
        "incomplete": _("Enter all of %(lower)s"),
    }
    if code in simple:
        decimal = getattr(field, "max_digits", None), getattr(field, "decimal_places", None)
        return simple[code] % {
            "name": subject,
            "lower": name,
            "step": _number(getattr(field, "step_size", None) or 1),
            "digits": _number(decimal[0] or 0),
            "places": _number(decimal[1] or 0),
        }
    if code == "invalid_extension":
        allowed: list[str] = next(
            (v.allowed_extensions for v in field.validators if hasattr(v, "allowed_extensions")),
            [],
        )
        return _("%(name)s must be a file of one of these types: %(types)s") % {
            "name": subject,
            "types": ", ".join(allowed or []),
        }
    return _invalid(field, name, subject)


def django_defaults(field) -> dict[str, str]:
    """Django's own message for each of the field's error codes: its class's, and those
    of the stock validators it runs (max_length, min_value...) with their own message."""
    defaults: dict[str, str] = {}
    for cls in reversed(type(field).__mro__):
        defaults.update(getattr(cls, "default_error_messages", {}))
    for validator in field.validators:
        code = getattr(validator, "code", None)
        stock = type(validator).__module__ == validators.__name__
        if code and stock and "message" not in vars(validator):
            defaults.setdefault(code, "")  # not in the field's messages: Django's wording shows
        if isinstance(validator, validators.DecimalValidator):
            for each in validator.messages:
                defaults.setdefault(each, "")
    return {code: str(message) for code, message in defaults.items()}


def own_validator_messages(field) -> dict[str, str]:
    """Messages a form gave its validators: kept, even where Django would let the
    field's stock message for the same code win (a URLField's "Enter a valid URL.")."""
    return {
        validator.code: validator.message
        for validator in field.validators
        if getattr(validator, "code", None) and "message" in vars(validator)
    }


def field_error_messages(field, name: str, *, model_codes: bool = False) -> dict[str, str]:
    """NHS.UK wording for every error code of `field` that would show Django's own
    message; `name` as error_name gives it. `model_codes`: also the codes of a model's
    validation (a ModelForm's field)."""
    defaults = django_defaults(field)
    if model_codes:
        defaults.update({code: "" for code in MODEL_CODES if code not in field.error_messages})
    own = own_validator_messages(field)
    worded: dict[str, str] = {}
    for code, default in defaults.items():
        current = field.error_messages.get(code)
        if current is not None and str(current) != default:
            continue  # the form's own message for this field
        if code in own:
            worded[code] = own[code]
        elif code == "incomplete" and isinstance(field, forms.DateField):
            # Messages filled from their params: which parts are missing, the bound.
            worded[code] = _("%(name)s must include a %%(missing)s") % {
                "name": capfirst(name).replace("%", "%%")
            }
        elif code in ("too_early", "too_late") and isinstance(field, forms.DateField):
            bound = (
                _("%(name)s must be the same as or after %%(limit)s")
                if code == "too_early"
                else _("%(name)s must be before %%(limit)s")
            )
            worded[code] = bound % {"name": capfirst(name).replace("%", "%%")}
        else:
            worded[code] = Message(_wording(field, code, name))
    return worded


def field_error_name(form, field_name: str) -> str:
    """How errors name one of the form's fields: the form's `error_names` entry for
    it, else its label's error_name."""
    names = getattr(form, "error_names", {})
    if field_name in names:
        return str(names[field_name])
    field = form.fields[field_name]
    return error_name(field.label if field.label is not None else pretty_name(field_name))


def form_error_messages(form) -> None:
    """Give every field of `form` the NHS.UK wording for the errors it would otherwise
    show in Django's words."""
    model_codes = isinstance(form, forms.BaseModelForm)
    for field_name, field in form.fields.items():
        name = field_error_name(form, field_name)
        field.error_messages.update(field_error_messages(field, name, model_codes=model_codes))
