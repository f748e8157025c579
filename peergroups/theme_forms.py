"""Forms for the themes groups feed back, and for inviting an external facilitator."""

from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _

from kernel.forms import Form
from kernel.models import Theme

from .models import STATEMENT_MAX_LENGTH
from .theme_report import PERIODS

DO_NOT_IDENTIFY = _(
    "Do not name or describe people. Leave out names, job titles, wards, dates and "
    "events that someone could be recognised by. Say what the group noticed about how "
    "work is organised, for example: “Staff find it hard to take breaks on short-staffed "
    "night shifts.”"
)


class ThemeStatementForm(Form):
    error_names = {"theme": _("the theme"), "statement": _("the statement")}

    # Empty until the view gives the organisation's themes.
    theme = forms.ModelChoiceField(
        label=_("Theme"),
        queryset=Theme.objects.none(),
        widget=forms.RadioSelect,
        empty_label=None,
    )
    statement = forms.CharField(
        label=_("What the organisation should hear"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=STATEMENT_MAX_LENGTH,
        help_text=DO_NOT_IDENTIFY,
    )

    def __init__(self, *args, themes, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["theme"]).queryset = themes


class ThemePeriodForm(Form):
    """The themes page's choices (a GET form: anything missing or wrong means the default):
    the period, and the organisation for someone who reads more than one's."""

    period = forms.ChoiceField(
        label=_("Group the themes by"),
        choices=[(PERIODS[0], _("Quarter")), (PERIODS[1], _("Month"))],
        widget=forms.RadioSelect,
        initial=PERIODS[0],
        required=False,
    )

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.organisations = list(organisations)
        if len(self.organisations) > 1:
            self.fields["organisation"] = forms.TypedChoiceField(
                label=_("Organisation"),
                choices=[(o.pk, o.name) for o in self.organisations],
                coerce=int,
                required=False,
            )

    def _value(self, name):
        return self.cleaned_data.get(name) if self.is_valid() else None

    def chosen(self) -> tuple:
        """(organisation, period): the first organisation and quarters unless chosen."""
        pk = self._value("organisation")
        organisation = next((o for o in self.organisations if o.pk == pk), self.organisations[0])
        return organisation, self._value("period") or PERIODS[0]


class ExternalFacilitatorForm(Form):
    error_names = {"affiliation": _("where they work")}

    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)
    email = forms.EmailField(
        label=_("Email address"),
        max_length=254,
        help_text=_("The invitation goes here, and they sign in with it."),
    )
    affiliation = forms.CharField(
        label=_("Where they work (optional)"),
        max_length=200,
        required=False,
        help_text=_("For example, independent practitioner, or the name of their practice."),
    )
