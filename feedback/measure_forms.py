"""Forms for the wellbeing measure: answering it, and a programme admin setting it up."""

from django import forms
from django.utils.translation import gettext_lazy as _

from kernel.forms import Form

from .models.measures import ANSWER_CHOICES, SWEMWBS_STATEMENTS

YES_NO = [("yes", _("Yes")), ("no", _("No"))]


class MeasureAnswerForm(Form):
    """One question per statement: how often it has been true over the last two weeks."""

    def __init__(self, *args, statements: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.error_names = {}
        for number, statement in enumerate(statements, start=1):
            missing = _("Select how often “%(statement)s” has been true for you") % {
                "statement": statement
            }
            name = f"statement_{number}"
            self.error_names[name] = _("your answer to “%(statement)s”") % {"statement": statement}
            self.fields[name] = forms.TypedChoiceField(
                label=statement,
                choices=ANSWER_CHOICES,
                coerce=int,
                widget=forms.RadioSelect,
                error_messages={"required": missing, "invalid_choice": missing},
            )

    def answers(self) -> list[int]:
        return [self.cleaned_data[f"statement_{n}"] for n in range(1, len(self.fields) + 1)]


class MeasureSetupForm(Form):
    """The measure a programme asks: the statements of the organisation's licensed copy."""

    error_names = {
        "interval_months": _("how often to ask again"),
        "licence": _("how your organisation holds its licence"),
    }

    licence = forms.CharField(
        label=_("How does your organisation hold its licence to use SWEMWBS?"),
        max_length=300,
        help_text=_(
            "SWEMWBS is free for non-commercial organisations, such as the NHS and charities, "
            "once registered with the University of Warwick. For example: registered with the "
            "University of Warwick on 3 March 2026."
        ),
        error_messages={"required": _("Enter how your organisation holds its licence")},
    )
    interval_months = forms.IntegerField(
        label=_("Ask again every (months)"),
        min_value=1,
        max_value=12,
        help_text=_("People answer when they join, then again this many months after each time."),
        widget=forms.NumberInput(attrs={"class": "nhsuk-input--width-2"}),
        error_messages={"required": _("Enter how many months to wait before asking again")},
    )
    is_active = forms.TypedChoiceField(
        label=_("Ask people now?"),
        choices=YES_NO,
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": _("Select yes to ask people now")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for number in range(1, SWEMWBS_STATEMENTS + 1):
            self.fields[f"statement_{number}"] = forms.CharField(
                label=_("Statement %(number)s") % {"number": number},
                max_length=300,
                error_messages={"required": _("Enter statement %(number)s") % {"number": number}},
            )
        self.order_fields(["licence", *self._statement_names(), "interval_months", "is_active"])

    @staticmethod
    def _statement_names() -> list[str]:
        return [f"statement_{n}" for n in range(1, SWEMWBS_STATEMENTS + 1)]

    def statements(self) -> list[str]:
        return [self.cleaned_data[name] for name in self._statement_names()]
