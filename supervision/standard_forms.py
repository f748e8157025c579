"""The minimum frequency of supervision, as a programme form and the profession defaults ask it."""

from django import forms
from django.utils.translation import gettext_lazy as _

from kernel.forms import Form
from kernel.models import Profession, StandardKind

STANDARD_FIELDS = ("standard_kind", "standard_weeks", "standard_sessions", "standard_counts_groups")
STANDARD_ERROR_NAMES = {
    "standard_kind": _("the minimum frequency"),
    "standard_weeks": _("the number of weeks"),
    "standard_sessions": _("the number of sessions a period"),
    "standard_counts_groups": _("whether group meetings count"),
}


class StandardFields(Form):
    """The four questions, and the rule that each kind has its number."""

    standard_kind = forms.ChoiceField(
        label=_("Minimum frequency of supervision"),
        choices=StandardKind.choices,
        required=False,
        widget=forms.RadioSelect,
        help_text=_(
            "People who have not had supervision this often are shown as overdue, and are "
            "reminded before they become overdue."
        ),
    )
    standard_weeks = forms.IntegerField(
        label=_("At least once every (weeks)"),
        required=False,
        min_value=1,
        max_value=104,
        widget=forms.NumberInput(attrs={"class": "nhsuk-input--width-3"}),
    )
    standard_sessions = forms.IntegerField(
        label=_("At least this many sessions a period"),
        required=False,
        min_value=1,
        max_value=52,
        help_text=_(
            "A period is the programme's allowance period when it has fixed dates, "
            "otherwise the NHS financial year (1 April to 31 March)."
        ),
        widget=forms.NumberInput(attrs={"class": "nhsuk-input--width-3"}),
    )
    standard_counts_groups = forms.TypedChoiceField(
        label=_("Do group supervision meetings attended count towards it?"),
        choices=[("yes", _("Yes")), ("no", _("No"))],
        coerce=lambda value: value == "yes",
        required=False,
        empty_value=None,
        widget=forms.RadioSelect,
    )

    def clean_standard(self, data: dict) -> None:
        kind = data.get("standard_kind") or StandardKind.NONE
        data["standard_kind"] = kind
        if kind == StandardKind.EVERY_WEEKS:
            if data.get("standard_weeks") is None and "standard_weeks" not in self.errors:
                self.add_error("standard_weeks", _("Enter how many weeks at most between sessions"))
            data["standard_sessions"] = None
        elif kind == StandardKind.PER_PERIOD:
            if data.get("standard_sessions") is None and "standard_sessions" not in self.errors:
                self.add_error("standard_sessions", _("Enter how many sessions a period at least"))
            data["standard_weeks"] = None
        else:
            data["standard_weeks"] = data["standard_sessions"] = None
        if data.get("standard_counts_groups") is None:
            data["standard_counts_groups"] = True


def standard_initial(source) -> dict:
    if source is None:
        return {"standard_kind": StandardKind.NONE, "standard_counts_groups": "yes"}
    return {
        "standard_kind": source.standard_kind,
        "standard_weeks": source.standard_weeks,
        "standard_sessions": source.standard_sessions,
        "standard_counts_groups": "yes" if source.standard_counts_groups else "no",
    }


class ProfessionStandardForm(StandardFields):
    """An organisation's default for one profession; no minimum removes it."""

    error_names = {**STANDARD_ERROR_NAMES, "profession": _("the profession")}

    profession = forms.ChoiceField(
        label=_("Profession"),
        choices=[("", _("Choose a profession")), *Profession.choices],
        error_messages={"required": _("Select the profession")},
    )

    field_order = ("profession", *STANDARD_FIELDS)

    def clean(self):
        super().clean()
        self.clean_standard(self.cleaned_data)
        return self.cleaned_data
