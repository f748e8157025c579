from collections.abc import Mapping
from typing import TYPE_CHECKING, cast

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db.models import QuerySet
from django.forms.models import ModelChoiceIterator
from django.utils import formats
from django.utils.translation import gettext_lazy as _

from .dates import date_bounds
from .error_messages import field_error_name, form_error_messages
from .prepared import as_read
from .renderers import Select
from .widgets import DateInput, DateParts

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise

    _FormMixin = forms.BaseForm
else:
    _FormMixin = object  # a mixin: not a form class of its own


def posted(request):
    """The submitted data on a POST, else None (an unbound form).

    Not `request.POST or None`: a POST whose boxes are all unticked is empty,
    and must still bind the form.
    """
    return request.POST if request.method == "POST" else None


def add_service_error(form, error: ValidationError) -> None:
    """Show a service's ValidationError on the form, on the field it names if the form has one."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, errors in error.error_dict.items():
        target = field if field in form.fields and field != NON_FIELD_ERRORS else None
        form.add_error(target, errors)


class NHSErrors(_FormMixin):
    """Errors in the NHS.UK design system's words for every field of the form
    (kernel.error_messages): "Enter the start date", "The title must be 200
    characters or fewer", never Django's "This field is required.".

    Every form of the project is a kernel.forms.Form or ModelForm, which mix this
    in (tests/test_form_wording.py checks). The wording is derived from each
    field's label just before the form is cleaned, so fields added in __init__
    get it too; a message the form gives a field is kept. Where a label does not
    read well in a sentence, `error_names` says how errors name the field
    ("the reason for moving the session").
    """

    error_names: Mapping[str, "str | _StrPromise"] = {}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if type(field.widget) is forms.Select:
                # This form's copy of the widget, written from its choices straight
                # (kernel.renderers.Select: the same markup, without Django's dozen
                # entries made for every option first).
                field.widget.__class__ = Select

    def full_clean(self):
        # An unbound form is never cleaned (Django's full_clean returns at once), so
        # none of its fields can show an error: the wording is only worked out for
        # a bound form. The unbound filter form of every list page paid for it on
        # each view (0.4 ms of a people directory's CPU: bench/inprocess.py).
        if self.is_bound:
            form_error_messages(self)
        super().full_clean()

    def error_name(self, field_name: str) -> str:
        """How errors name the field, mid-sentence ("the start date"): for the
        messages a form writes itself in clean()."""
        return field_error_name(self, field_name)


class _RowsOnce(ModelChoiceIterator):
    """A ModelChoiceField's options from its queryset's own rows, fetched by their
    first use and kept (Django's iterator asks the database on every pass)."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.queryset:
            yield self.choice(obj)


class ListedModelChoiceField(forms.ModelChoiceField):
    """A ModelChoiceField that reads its queryset once: the options shown and the
    value chosen come from the same rows. ModelChoiceField asks the database for the
    options, then again for the chosen row; a filter form of three such fields took
    six queries for what three answer. Accepts and refuses exactly what
    ModelChoiceField does (tests/test_listed_choice_field.py); for short lists of
    choices only (an organisation's departments, say), as every row is read.
    """

    iterator = _RowsOnce

    def _set_queryset(self, queryset):
        # Django keeps a copy (.all()), which forgets any rows read: a queryset read
        # already (kernel.prepared.as_read) keeps them, so the field asks for nothing.
        forms.ModelChoiceField._set_queryset(self, queryset)  # type: ignore[attr-defined]
        kept = self.queryset
        if queryset is not None and kept is not None and queryset._result_cache is not None:
            as_read(kept, queryset._result_cache)

    queryset = property(
        forms.ModelChoiceField._get_queryset,  # type: ignore[attr-defined]
        _set_queryset,
    )

    def to_python(self, value):
        if value in self.empty_values:
            return None
        self.validate_no_null_characters(value)
        rows = cast(QuerySet, self.queryset)
        model = rows.model
        key = self.to_field_name or "pk"
        if isinstance(value, model):
            value = getattr(value, key)
        field = model._meta.pk if key == "pk" else model._meta.get_field(key)
        try:
            wanted = field.to_python(value)
        except ValidationError:
            wanted = None
        for obj in rows if wanted is not None else ():
            if getattr(obj, field.attname) == wanted:
                return obj
        raise ValidationError(
            self.error_messages["invalid_choice"],
            code="invalid_choice",
            params={"value": value},
        )


class Form(NHSErrors, forms.Form):
    """A form with NHS.UK error wording (NHSErrors): the base of every form here."""


class ModelForm(NHSErrors, forms.ModelForm):
    """A model form with NHS.UK error wording (NHSErrors)."""


MISSING_PARTS = {
    ("day",): _("day"),
    ("month",): _("month"),
    ("year",): _("year"),
    ("day", "month"): _("day and month"),
    ("day", "year"): _("day and year"),
    ("month", "year"): _("month and year"),
}


class DateField(forms.DateField):
    """A date typed in the NHS.UK date input (kernel.widgets.DateInput), with the
    design system's errors: "The start date must include a month" when a box is
    left empty, "The year in the start date must include 4 numbers", "The start
    date must be a real date" when the boxes make no date (31 2 2027)."""

    widget = DateInput
    default_error_messages = {
        "incomplete": _("The date must include a %(missing)s"),
        "year": _("The year must include 4 numbers"),
        "too_early": _("The date must be the same as or after %(limit)s"),
        "too_late": _("The date must be before %(limit)s"),
    }
    # Something being arranged (a meeting, a slot, time away): a narrower window
    # (kernel.dates.date_bounds). ArrangedDateField sets it.
    arranging = False

    def validate(self, value):
        """Within the one window every typed date keeps (kernel.dates.date_bounds):
        "The date must be before 1 January 2029"."""
        super().validate(value)
        if value in self.empty_values:
            return
        earliest, refused = date_bounds(arranging=self.arranging)
        if value < earliest:
            raise ValidationError(
                self.error_messages["too_early"],
                code="too_early",
                params={"limit": formats.date_format(earliest, "j F Y")},
            )
        if value >= refused:
            raise ValidationError(
                self.error_messages["too_late"],
                code="too_late",
                params={"limit": formats.date_format(refused, "j F Y")},
            )

    def to_python(self, value):
        if isinstance(value, DateParts) and value.missing:
            raise ValidationError(
                self.error_messages["incomplete"],
                code="incomplete",
                params={"missing": MISSING_PARTS[value.missing]},
            )
        if isinstance(value, DateParts) and value.year_not_four_numbers:
            raise ValidationError(self.error_messages["year"], code="year")
        return super().to_python(value)


class ArrangedDateField(DateField):
    """The date of something being arranged: a meeting, a slot, time away. From
    1 January last year, not in years to come (kernel.dates.date_bounds)."""

    arranging = True
