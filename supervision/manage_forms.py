"""Forms of the programme admin's pages: programmes, extra sessions and themes."""

from typing import cast

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Fieldset, Layout
from django import forms
from django.utils.translation import gettext_lazy as _

from kernel.eligibility import WORDED
from kernel.forms import DateField, Form
from kernel.models import (
    Band,
    Department,
    Grade,
    Modality,
    PeriodKind,
    Profession,
    Programme,
    StaffProfile,
)

from .services.programmes import MAX_EXTRA_SESSIONS, organisation_today
from .standard_forms import STANDARD_ERROR_NAMES, STANDARD_FIELDS, StandardFields, standard_initial

YES_NO = [("yes", _("Yes")), ("no", _("No"))]


def _yes_no(label, *, missing, **kwargs) -> forms.TypedChoiceField:
    """A required Yes/No question as radios; cleans to True or False. `missing`: the
    error when it is not answered ("Select yes if ...")."""
    return forms.TypedChoiceField(
        label=label,
        choices=YES_NO,
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": missing, "invalid_choice": missing},
        **kwargs,
    )


def _yes_no_initial(value: bool) -> str:
    return "yes" if value else "no"


def condition_message(label) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "Optional. Shown instead of the message above to people this condition "
            "excludes, for example: Band 8c psychologists have supervision through the "
            "psychology programme."
        ),
    )


def condition_alternative(label) -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        label=label,
        queryset=Programme.objects.none(),
        required=False,
        empty_label=_("No other programme"),
        help_text=_("Offered only to people who can use it."),
        error_messages={"invalid_choice": _("Select another programme of this organisation")},
    )


def condition_initial(rule) -> dict:
    """The per-condition messages and alternatives of an existing rule, as answers."""
    return {
        **{f"{c}_message": getattr(rule, f"{c}_message") for c in WORDED},
        **{f"{c}_alternative": getattr(rule, f"{c}_alternative_id") for c in WORDED},
    }


class EligibilityForm(Form):
    """Who may take part: everyone, or only the chosen bands, professions, grades and
    departments.

    A programme's form and a group's share these questions, as they share the
    rule (`kernel.eligibility`). The view gives the departments to choose from.
    """

    error_names = {"eligible_everyone": _("who can use the programme")}
    EVERYONE = [
        ("yes", _("Everyone in the organisation")),
        ("no", _("Only the bands, professions, grades or departments chosen below")),
    ]
    NONE_CHOSEN = _(
        "Select at least one band, profession, grade or department, or open the programme "
        "to everyone"
    )

    eligible_everyone = forms.TypedChoiceField(
        label=_("Who can use it"),
        choices=[],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        help_text=_(
            "If you choose from more than one list below, a person must match each "
            "(for example, Band 7 and a nurse)."
        ),
        error_messages={"required": _("Select who can use the programme")},
    )
    eligible_bands = forms.MultipleChoiceField(
        label=_("Bands"),
        choices=Band.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    eligible_professions = forms.MultipleChoiceField(
        label=_("Professions"),
        choices=Profession.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    eligible_grades = forms.MultipleChoiceField(
        label=_("Doctors' grades"),
        choices=Grade.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("For example, Foundation year 1 to core training year 2 for junior doctors."),
    )
    eligible_departments = forms.ModelMultipleChoiceField(
        label=_("Departments"),
        queryset=Department.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    # Per condition: what people it excludes are told, and where they go instead.
    band_message = condition_message(_("Message for people of another band"))
    band_alternative = condition_alternative(_("Where people of another band go instead"))
    profession_message = condition_message(_("Message for people of another profession"))
    profession_alternative = condition_alternative(
        _("Where people of another profession go instead")
    )
    grade_message = condition_message(_("Message for doctors of another grade"))
    grade_alternative = condition_alternative(_("Where doctors of another grade go instead"))
    department_message = condition_message(_("Message for people of another department"))
    department_alternative = condition_alternative(
        _("Where people of another department go instead")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["eligible_everyone"]).choices = self.EVERYONE

    def set_alternatives(self, programmes) -> None:
        """The programmes a condition can send people to instead (the organisation's)."""
        for condition in WORDED:
            field = self.fields[f"{condition}_alternative"]
            cast(forms.ModelChoiceField, field).queryset = programmes

    def set_departments(self, departments) -> None:
        """The departments a rule can name (the organisation's, from the view)."""
        cast(forms.ModelChoiceField, self.fields["eligible_departments"]).queryset = departments

    def _clean_eligibility(self, data):
        if data.get("eligible_everyone"):
            # Open to everyone: the chosen groups would be ignored, so keep none.
            data["eligible_bands"] = []
            data["eligible_professions"] = []
            data["eligible_grades"] = []
            data["eligible_departments"] = []
        elif data.get("eligible_everyone") is False and not (
            data.get("eligible_bands")
            or data.get("eligible_professions")
            or data.get("eligible_grades")
            or data.get("eligible_departments")
        ):
            self.add_error("eligible_bands", self.NONE_CHOSEN)


class ProgrammeForm(EligibilityForm, StandardFields):
    """A programme's description, eligibility, allowance and rules, in one form."""

    error_names = {
        **EligibilityForm.error_names,
        **STANDARD_ERROR_NAMES,
        "name": _("the name of the programme"),
        "allowance_sessions": _("the number of sessions per period"),
        "session_minutes": _("the length of a session in minutes"),
        "period_start": _("the date the period starts"),
        "period_end": _("the date the period ends"),
        "late_cancellation_hours": _("the late cancellation notice in hours"),
    }
    # About
    name = forms.CharField(
        label=_("Name"),
        max_length=200,
        error_messages={"required": _("Enter the name of the programme")},
    )
    description = forms.CharField(
        label=_("Description"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What the programme offers, as staff will read it."),
    )
    modality = forms.ChoiceField(
        label=_("Kind of supervision"),
        choices=Modality.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Select the kind of supervision")},
    )
    not_eligible_message = forms.CharField(
        label=_("Message for people who are not eligible"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "For example: Band 5 and 6 staff reach supervision through the PNA programme. "
            "If you choose where to go instead, only people who can use that programme "
            "see this message; others are told why they are not eligible."
        ),
    )
    alternative = forms.ModelChoiceField(
        label=_("Where to go instead"),
        queryset=Programme.objects.none(),
        required=False,
        empty_label=_("No other programme"),
        error_messages={
            "invalid_choice": _("Select another programme of this organisation"),
        },
    )

    # Allowance
    allowance_sessions = forms.IntegerField(
        label=_("Sessions per period"),
        required=False,
        min_value=1,
        max_value=366,
        help_text=_("Leave empty for no limit."),
        widget=forms.NumberInput(attrs={"class": "nhsuk-input--width-4"}),
    )
    session_minutes = forms.IntegerField(
        label=_("Minutes per session"),
        min_value=15,
        max_value=480,
        error_messages={"required": _("Enter how many minutes a session lasts")},
        widget=forms.NumberInput(attrs={"class": "nhsuk-input--width-4"}),
    )
    period_kind = forms.ChoiceField(
        label=_("Allowance period"),
        choices=PeriodKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Select a fixed or a rolling period")},
    )
    period_start = DateField(
        label=_("Period starts"),
        required=False,
        help_text=_("Fixed period only; optional. For example, 1 4 2026"),
    )
    period_end = DateField(
        label=_("Period ends"),
        required=False,
        help_text=_("Fixed period only. For example, 31 3 2027"),
    )
    rolling_months = forms.IntegerField(
        label=_("Rolling period in months"),
        required=False,
        min_value=1,
        max_value=36,
        help_text=_("Rolling period only. The allowance counts sessions in this many months."),
        widget=forms.NumberInput(attrs={"class": "nhsuk-input--width-4"}),
    )
    # What counts
    late_cancellation_hours = forms.IntegerField(
        label=_("Late cancellation notice (hours)"),
        min_value=0,
        max_value=336,
        help_text=_("A cancellation with less notice than this is late."),
        error_messages={"required": _("Enter how many hours' notice a cancellation needs")},
        widget=forms.NumberInput(attrs={"class": "nhsuk-input--width-4"}),
    )
    late_cancellation_counts = _yes_no(
        _("Do late cancellations by the supervisee use a session?"),
        missing=_("Select yes if late cancellations by the supervisee use a session"),
    )
    late_moves_allowed = _yes_no(
        _("Can the supervisee move a session that is already inside the notice period?"),
        help_text=_(
            "If yes, the moved session stays late: cancelling it later counts as a "
            "late cancellation."
        ),
        required=False,
        missing=_("Select yes if the supervisee can move a session inside the notice period"),
    )
    did_not_attend_counts = _yes_no(
        _("Do sessions the supervisee did not attend use a session?"),
        missing=_("Select yes if sessions the supervisee did not attend use a session"),
    )
    # Booking
    allow_booking_without_agreement = _yes_no(
        _("Can a first session be booked with any supervisor that has capacity?"),
        help_text=_("If not, the supervisee and supervisor agree a supervision agreement first."),
        missing=_("Select yes if a first session can be booked without an agreement"),
    )
    is_active = _yes_no(
        _("Is the programme open for booking?"),
        missing=_("Select yes if the programme is open for booking"),
    )

    def __init__(
        self, *args, organisation, programmes, instance: Programme | None = None, **kwargs
    ):
        """`programmes`: the organisation's programmes, one of which may be the alternative."""
        self.organisation = organisation
        self.instance = instance
        kwargs.setdefault("initial", self._initial(instance))
        super().__init__(*args, **kwargs)
        self.set_departments(organisation.departments.all())
        if instance is not None:
            programmes = programmes.exclude(pk=instance.pk)
        cast(forms.ModelChoiceField, self.fields["alternative"]).queryset = programmes
        self.set_alternatives(programmes)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            Fieldset(_("About the programme"), "name", "description", "modality"),
            Fieldset(
                _("Who is eligible"),
                "eligible_everyone",
                "eligible_bands",
                "eligible_professions",
                "eligible_grades",
                "eligible_departments",
                "not_eligible_message",
                "alternative",
            ),
            Fieldset(
                _("What people each condition excludes are told"),
                *(f"{c}_{part}" for c in WORDED for part in ("message", "alternative")),
            ),
            Fieldset(
                _("Allowance"),
                "allowance_sessions",
                "session_minutes",
                "period_kind",
                "period_start",
                "period_end",
                "rolling_months",
            ),
            Fieldset(_("Minimum frequency of supervision"), *STANDARD_FIELDS),
            Fieldset(
                _("What counts against the allowance"),
                "late_cancellation_hours",
                "late_cancellation_counts",
                "late_moves_allowed",
                "did_not_attend_counts",
            ),
            Fieldset(_("Booking"), "allow_booking_without_agreement", "is_active"),
        )

    @staticmethod
    def _initial(instance: Programme | None) -> dict:
        if instance is None:
            # The model's defaults, as answers.
            return {
                "modality": Modality.ONE_TO_ONE,
                "eligible_everyone": "yes",
                "session_minutes": 60,
                "period_kind": PeriodKind.FIXED,
                "rolling_months": 12,
                "late_cancellation_hours": 24,
                "late_cancellation_counts": "yes",
                "late_moves_allowed": "yes",
                "did_not_attend_counts": "yes",
                "allow_booking_without_agreement": "no",
                "is_active": "yes",
                **standard_initial(None),
            }
        return {
            **standard_initial(instance),
            "name": instance.name,
            "description": instance.description,
            "modality": instance.modality,
            "eligible_everyone": _yes_no_initial(instance.eligible_everyone),
            "eligible_bands": instance.eligible_bands,
            "eligible_professions": instance.eligible_professions,
            "eligible_grades": instance.eligible_grades,
            "eligible_departments": [d.pk for d in instance.eligible_departments.all()],
            "not_eligible_message": instance.not_eligible_message,
            "alternative": instance.alternative_id,
            **condition_initial(instance),
            "allowance_sessions": instance.allowance_sessions,
            "session_minutes": instance.session_minutes,
            "period_kind": instance.period_kind,
            "period_start": instance.period_start,
            "period_end": instance.period_end,
            "rolling_months": instance.rolling_months,
            "late_cancellation_hours": instance.late_cancellation_hours,
            "late_cancellation_counts": _yes_no_initial(instance.late_cancellation_counts),
            "late_moves_allowed": _yes_no_initial(not instance.late_moves_refused),
            "did_not_attend_counts": _yes_no_initial(instance.did_not_attend_counts),
            "allow_booking_without_agreement": _yes_no_initial(
                instance.allow_booking_without_agreement
            ),
            "is_active": _yes_no_initial(instance.is_active),
        }

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        clash = self.organisation.programmes.filter(name__iexact=name)
        if self.instance is not None:
            clash = clash.exclude(pk=self.instance.pk)
        if clash.exists():
            raise forms.ValidationError(_("There is already a programme with this name"))
        return name

    def clean(self):
        super().clean()
        data = self.cleaned_data
        self._clean_eligibility(data)
        self._clean_period(data)
        self.clean_standard(data)
        # Unanswered (a form from before the question) keeps moves allowed.
        data["late_moves_refused"] = data.pop("late_moves_allowed", None) is False
        return data

    def _period_changed(self, kind, end) -> bool:
        old = self.instance
        return old is None or old.period_kind != kind or old.period_end != end

    def _ended(self, end) -> bool:
        return end < organisation_today(self.organisation)

    def _clean_period(self, data):
        kind = data.get("period_kind")
        if kind == PeriodKind.ROLLING:
            if data.get("rolling_months") is None and "rolling_months" not in self.errors:
                self.add_error("rolling_months", _("Enter how many months a rolling period lasts"))
            # A rolling period has no dates; keeping old ones would only mislead.
            data["period_start"] = None
            data["period_end"] = None
            return
        if kind == PeriodKind.FIXED:
            start, end = data.get("period_start"), data.get("period_end")
            if end is None and "period_end" not in self.errors:
                self.add_error("period_end", _("Enter the date a fixed period ends"))
            elif start and end and end <= start:
                self.add_error(
                    "period_end", _("The date the period ends must be after the date it starts")
                )
            elif end is not None and self._period_changed(kind, end) and self._ended(end):
                # An ended period would offer staff nothing; a programme whose
                # period has ended may still be edited while its period is left as is.
                self.add_error(
                    "period_end",
                    _("The end of the allowance period must be today or in the future"),
                )
        if data.get("rolling_months") is None and "rolling_months" not in self.errors:
            # A fixed period does not use it: keep what the programme had.
            data["rolling_months"] = self.instance.rolling_months if self.instance else 12


class ExtraSessionForm(Form):
    """Extra sessions for one person in one programme."""

    error_names = {"reason": _("the reason for the extra sessions")}

    person = forms.ModelChoiceField(
        label=_("Person"),
        queryset=StaffProfile.objects.none(),
        empty_label=_("Choose a person"),
        error_messages={
            "required": _("Select the person to give extra sessions to"),
            "invalid_choice": _("Select an active member of staff of this organisation"),
        },
    )
    sessions = forms.TypedChoiceField(
        label=_("Number of extra sessions"),
        choices=[(n, str(n)) for n in range(1, MAX_EXTRA_SESSIONS + 1)],
        coerce=int,
        initial=1,
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=300,
        help_text=_("For example, a difficult period at work. Kept in the audit trail."),
        error_messages={"required": _("Enter a reason for the extra sessions")},
    )

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        person = cast(forms.ModelChoiceField, self.fields["person"])
        person.queryset = people
        # Deliberately per instance: Django reads the field's label_from_instance on each
        # call, and mypy forbids replacing a method (no subclass needed for one label).
        person.label_from_instance = self._person_label  # type: ignore[method-assign,assignment]

    @staticmethod
    def _person_label(profile: StaffProfile) -> str:
        name = profile.user.get_full_name()
        return f"{name} ({profile.user.email})" if name else profile.user.email


class ExtraRevokeForm(Form):
    """Taking back extra sessions: the reason is kept, encrypted, and told to the person."""

    error_names = {"reason": _("the reason for revoking the extra sessions")}

    reason = forms.CharField(
        label=_("Reason"),
        max_length=300,
        help_text=_("The person is told this reason. For example, granted by mistake."),
        error_messages={"required": _("Enter a reason for revoking the extra sessions")},
    )


class ThemeForm(Form):
    error_names = {"name": _("the name of the theme")}

    name = forms.CharField(
        label=_("New theme"),
        max_length=100,
        error_messages={"required": _("Enter the name of the theme")},
    )

    def __init__(self, *args, organisation, **kwargs):
        self.organisation = organisation
        super().__init__(*args, **kwargs)

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if self.organisation.themes.filter(name__iexact=name).exists():
            raise forms.ValidationError(_("There is already a theme with this name"))
        return name
