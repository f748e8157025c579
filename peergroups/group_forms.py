"""Forms for groups: setting one up, leaving, removing, moving, the register and the record."""

from typing import cast

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _

from kernel.forms import ArrangedDateField, DateField, Form, ModelForm
from kernel.models import Organisation, Programme
from supervision.forms import CoveredForm
from supervision.manage_forms import EligibilityForm, condition_initial
from supervision.models import Mode
from supervision.models.supervisors import https_url

from .models import Attendance, Group
from .models.groups import ABSENCE_THRESHOLD, OFFER_HOURS

WEEKDAYS = [
    (0, _("Monday")),
    (1, _("Tuesday")),
    (2, _("Wednesday")),
    (3, _("Thursday")),
    (4, _("Friday")),
    (5, _("Saturday")),
    (6, _("Sunday")),
]
PLACES = _("The number of places must be between 2 and 20")
WEEKS_OF_MONTH = [
    (1, _("First")),
    (2, _("Second")),
    (3, _("Third")),
    (4, _("Fourth")),
    (5, _("Last")),
]


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, attrs=None, format="%H:%M"):
        super().__init__(attrs, format=format)


class PersonChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return obj.get_full_name() or obj.email


class GroupForm(ModelForm, EligibilityForm):
    """A group's settings. The service does the saving; this only validates.

    Who may join asks the questions a programme's form asks (EligibilityForm),
    and which other organisations, if the group is open to them.
    """

    EVERYONE = [
        ("yes", _("Everyone")),
        ("no", _("Only the bands, professions, grades or departments chosen below")),
    ]
    NONE_CHOSEN = _(
        "Select at least one band, profession, grade or department, or open the group to everyone"
    )
    error_names = {
        "eligible_everyone": _("who can join the group"),
        "name": _("the name of the group"),
        "group_type": _("the type of group"),
        "capacity": _("the number of places"),
        "mode": _("how the group meets"),
        "recurrence": _("how often the group meets"),
        "start_time": _("the start time"),
        "end_time": _("the end time"),
        "starts_on": _("the date of the first meeting"),
        "ends_on": _("the date of the last meeting"),
        "offer_hours": _("the number of hours to accept an offered place"),
        "absence_threshold": _("the number of missed meetings before a member is flagged"),
    }

    meeting_link = forms.URLField(
        label=_("Meeting link"),
        max_length=500,
        required=False,
        assume_scheme="https",
        validators=[https_url],
        help_text=_("A Microsoft Teams, Zoom or other https:// link."),
    )
    # Empty until the view gives the organisation's group programmes.
    programme = Group._meta.get_field("programme").formfield(queryset=Programme.objects.none())
    facilitators = PersonChoiceField(
        label=_("Facilitators"),
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("One or two people who hold the facilitator role here."),
    )
    eligible_organisations = forms.ModelMultipleChoiceField(
        label=_("Other organisations whose staff may join"),
        queryset=Organisation.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Only if members may come from other organisations: those you also administer. "
            "Choose none for any organisation."
        ),
    )
    weekday = forms.TypedChoiceField(label=_("Day of the week"), choices=WEEKDAYS, coerce=int)
    week_of_month = forms.TypedChoiceField(
        label=_("Which week of the month"),
        choices=WEEKS_OF_MONTH,
        coerce=int,
        initial=1,
        help_text=_("For monthly groups, for example the second Tuesday."),
    )

    class Meta:
        model = Group
        fields = [
            "name",
            "description",
            "programme",
            "group_type",
            "capacity",
            "facilitators",
            "mode",
            "meeting_link",
            "location",
            "recurrence",
            "weekday",
            "week_of_month",
            "start_time",
            "end_time",
            "starts_on",
            "ends_on",
            "open_to_other_organisations",
            "eligible_organisations",
            "eligible_everyone",
            "eligible_bands",
            "eligible_professions",
            "eligible_grades",
            "eligible_departments",
            "offer_hours",
            "absence_threshold",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "mode": forms.RadioSelect,
            "start_time": TimeInput,
            "end_time": TimeInput,
        }
        field_classes = {"starts_on": DateField, "ends_on": DateField}
        # The model allows any number; a group has 2 to 20 places (clean_capacity).
        error_messages = {"capacity": dict.fromkeys(("min_value", "max_value"), PLACES)}

    def __init__(
        self, *args, programmes, alternatives, facilitators, departments, organisations, **kwargs
    ):
        """`programmes` and `facilitators`: the host organisation's group programmes and
        the people who hold the facilitator role there; `alternatives`: its programmes,
        where people a condition excludes may be sent; `departments`: its departments;
        `organisations`: the other organisations a group may be opened to."""
        instance = kwargs.get("instance")
        if instance is not None and instance.pk:
            kwargs["initial"] = {**_rule_initial(instance), **kwargs.get("initial", {})}
        else:
            kwargs["initial"] = {"eligible_everyone": "yes", **kwargs.get("initial", {})}
        super().__init__(*args, **kwargs)
        self.fields["eligible_everyone"].label = _("Who can join")
        # Unanswered (a form from before the question): open to everyone, as groups were.
        self.fields["eligible_everyone"].required = False
        self.set_departments(departments)
        self.set_alternatives(alternatives)
        if organisations.exists():
            field = cast(forms.ModelChoiceField, self.fields["eligible_organisations"])
            field.queryset = organisations
        else:  # nothing to choose from: open means open to any organisation
            del self.fields["eligible_organisations"]
        cast(forms.ModelChoiceField, self.fields["programme"]).queryset = programmes
        cast(forms.ModelChoiceField, self.fields["facilitators"]).queryset = facilitators
        cast(forms.ChoiceField, self.fields["mode"]).choices = Mode.choices
        cast(forms.IntegerField, self.fields["capacity"]).min_value = 2
        self.fields["capacity"].widget.attrs.update(min=2, max=20)
        # Zero hours to answer an offer, or a flag after zero missed meetings, mean
        # nothing: the model's bounds (1 or more) are the form's too.
        for name, (low, high) in (
            ("offer_hours", OFFER_HOURS),
            ("absence_threshold", ABSENCE_THRESHOLD),
        ):
            bounded = self.fields[name]
            bounded.validators += [MinValueValidator(low), MaxValueValidator(high)]
            bounded.widget.attrs.update(min=low, max=high)

    def clean_facilitators(self):
        chosen = self.cleaned_data["facilitators"]
        if not 1 <= len(chosen) <= 2:
            raise forms.ValidationError(_("Select one or two facilitators"))
        return chosen

    def clean_capacity(self):
        capacity = self.cleaned_data["capacity"]
        if not 2 <= capacity <= 20:
            raise forms.ValidationError(PLACES)
        return capacity

    def clean(self):
        super().clean()
        data = self.cleaned_data
        if data.get("eligible_everyone") in (None, ""):
            data["eligible_everyone"] = True
        self._clean_eligibility(data)
        if not data.get("open_to_other_organisations"):
            data["eligible_organisations"] = []
        if data.get("mode") == Mode.ONLINE and not data.get("meeting_link"):
            self.add_error("meeting_link", _("Enter the meeting link"))
        if data.get("mode") == Mode.IN_PERSON and not data.get("location"):
            self.add_error("location", _("Enter where the group meets"))
        start, end = data.get("start_time"), data.get("end_time")
        if start and end and end <= start:
            self.add_error("end_time", _("The end time must be after the start time"))
        first, last = data.get("starts_on"), data.get("ends_on")
        if first and last and last < first:
            self.add_error(
                "ends_on",
                _("The date of the last meeting must be the same as or after the first meeting"),
            )
        return data

    def _post_clean(self):
        # The service validates the model (and its constraints) when it saves;
        # checking here too would report a bad time twice.
        pass


def _rule_initial(group: Group) -> dict:
    return {
        "eligible_everyone": "yes" if group.eligible_everyone else "no",
        "eligible_bands": group.eligible_bands,
        "eligible_professions": group.eligible_professions,
        "eligible_grades": group.eligible_grades,
        "eligible_departments": list(group.eligible_departments.all()),
        "eligible_organisations": list(group.eligible_organisations.all()),
        **condition_initial(group),
    }


class MemberAddForm(Form):
    error_names = {"email": _("their work email address")}

    email = forms.EmailField(
        label=_("Their work email address"),
        help_text=_("They are added as a member if there is a place, or to the waiting list."),
        error_messages={"required": _("Enter their work email address")},
    )


class CloseGroupForm(Form):
    error_names = {"reason": _("the reason for closing the group")}

    reason = forms.CharField(
        label=_("Why is the group closing?"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Everyone in the group and on its waiting list is told this. "
            "Do not include anything confidential."
        ),
        error_messages={"required": _("Enter the reason for closing the group")},
    )


class LeaveForm(Form):
    error_names = {"reason": _("your reason for leaving")}

    reason = forms.CharField(
        label=_("Why are you leaving? (optional)"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The facilitators see this."),
    )


class RemoveForm(Form):
    error_names = {"reason": _("the reason for removing them")}

    reason = forms.CharField(
        label=_("Reason"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("They are told this reason. Do not include anything confidential."),
        error_messages={"required": _("Enter a reason for removing them")},
    )


class CancelMeetingForm(Form):
    error_names = {"reason": _("the reason for cancelling the meeting")}

    reason = forms.CharField(
        label=_("Reason"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Everyone in the group sees this."),
        error_messages={"required": _("Enter a reason for cancelling the meeting")},
    )


class MoveMeetingForm(Form):
    error_names = {
        "date": _("the new date"),
        "reason": _("the reason for moving the meeting"),
    }

    date = ArrangedDateField(label=_("Date"))
    start_time = forms.TimeField(label=_("Start time"), widget=TimeInput)
    end_time = forms.TimeField(label=_("End time"), widget=TimeInput)
    reason = forms.CharField(
        label=_("Reason (optional)"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Everyone in the group sees this."),
    )

    def clean(self):
        super().clean()
        data = self.cleaned_data
        start, end = data.get("start_time"), data.get("end_time")
        if start and end and end <= start:
            self.add_error("end_time", _("The end time must be after the start time"))
        return data


class RegisterForm(Form):
    """One choice per member: present, apologies or absent."""

    def __init__(self, *args, members, marks, **kwargs):
        super().__init__(*args, **kwargs)
        for user in members:
            self.fields[f"member_{user.pk}"] = forms.ChoiceField(
                label=user.get_full_name() or user.email,
                choices=Attendance.Status.choices,
                widget=forms.RadioSelect,
                initial=marks.get(user.pk),
                error_messages=dict.fromkeys(
                    ("required", "invalid_choice"),
                    _("Select present, apologies or absent for %(name)s")
                    % {"name": user.get_full_name() or user.email},
                ),
            )

    def marks(self) -> dict[int, str]:
        return {
            int(name.removeprefix("member_")): value for name, value in self.cleaned_data.items()
        }


class RecordForm(CoveredForm):
    notes = forms.CharField(
        label=_("Notes for the group"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=4000,
        help_text=_("No names. Only the facilitators and members of this group can read these."),
    )
    systemic_issues = forms.CharField(
        label=_("Systemic issues to raise with the organisation"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=4000,
        help_text=_(
            "No names and nothing that could identify anyone. These stay in this record: "
            "the organisation hears only the themes you and your co-facilitator agree "
            "and release from the meeting page."
        ),
    )
