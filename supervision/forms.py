from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.permissions import email_registered
from kernel.forms import DateField, Form, ListedModelChoiceField
from kernel.models import (
    Band,
    Department,
    Grade,
    Profession,
    Programme,
    Role,
    StaffProfile,
    SupervisionFunction,
    Theme,
)


class StaffForm(Form):
    """A person's name and profile; when adding, also their email and first roles.

    The line manager is chosen on a page of its own (a search that tells people
    of the same name apart), not here.
    """

    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)
    email = forms.EmailField(
        label=_("Work email address"),
        help_text=_("The invitation goes here, and they sign in with it."),
    )
    department = forms.ModelChoiceField(
        label=_("Department"), queryset=Department.objects.none(), required=False
    )
    profession = forms.ChoiceField(
        label=_("Profession"), choices=[("", _("Choose a profession")), *Profession.choices]
    )
    band = forms.ChoiceField(label=_("Band"), choices=[("", _("Choose a band")), *Band.choices])
    grade = forms.ChoiceField(
        label=_("Grade (doctors only)"),
        choices=[("", _("Not a doctor, or not known")), *Grade.choices],
        required=False,
        help_text=_("Groups and programmes for junior doctors are open to some grades only."),
    )
    job_title = forms.CharField(label=_("Job title"), max_length=200, required=False)
    employee_number = forms.CharField(
        label=_("Staff number (optional)"),
        max_length=30,
        required=False,
        help_text=_("Their employee number in ESR. An ESR import matches people by it."),
    )
    start_date = DateField(
        label=_("Start date"),
        required=False,
        help_text=_("For example, 1 9 2024"),
    )
    roles = forms.MultipleChoiceField(
        label=_("Roles"),
        choices=Role.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Everyone can receive supervision; choose any extra roles."),
    )

    def __init__(
        self, *args, organisation, colleagues, instance: StaffProfile | None = None, **kwargs
    ):
        """`colleagues`: the staff of `organisation` (to keep staff numbers unique in it)."""
        self.organisation = organisation
        self.colleagues = colleagues
        self.instance = instance
        if instance is not None:
            kwargs.setdefault(
                "initial",
                {
                    "first_name": instance.user.first_name,
                    "last_name": instance.user.last_name,
                    "email": instance.user.email,
                    "department": instance.department_id,
                    "profession": instance.profession,
                    "band": instance.band,
                    "grade": instance.grade,
                    "job_title": instance.job_title,
                    "start_date": instance.start_date,
                    "employee_number": instance.employee_number,
                },
            )
        super().__init__(*args, **kwargs)
        departments = cast(forms.ModelChoiceField, self.fields["department"])
        departments.queryset = organisation.departments.all()
        if instance is not None:
            # Email and roles are changed elsewhere once a person exists.
            del self.fields["email"]
            del self.fields["roles"]

    def clean_employee_number(self):
        number = self.cleaned_data["employee_number"].strip()
        clash = self.colleagues.filter(employee_number=number)
        if self.instance is not None:
            clash = clash.exclude(pk=self.instance.pk)
        if number and clash.exists():
            raise forms.ValidationError(
                _("Someone here already has this staff number: check it in ESR")
            )
        return number

    def clean(self):
        data = super().clean() or {}
        # The database holds the same rule (staff_grade_only_for_doctors).
        if data.get("grade") and data.get("profession") not in (None, Profession.DOCTOR):
            self.add_error("grade", _("Choose a grade only for a doctor, or choose Doctor"))
        return data

    def clean_email(self):
        email = self.cleaned_data["email"].strip().lower()
        if email_registered(email):
            raise forms.ValidationError(_("Someone with this email address is already registered"))
        return email


class RolesForm(Form):
    roles = forms.MultipleChoiceField(
        label=_("Roles"),
        choices=Role.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Everyone can receive supervision; these are the extra roles."),
    )


class DeactivateForm(Form):
    error_names = {"reason": _("the reason for deactivating this person")}

    reason = forms.CharField(
        label=_("Reason"),
        max_length=200,
        help_text=_("For example, left the trust. Kept in the audit trail."),
    )


class DepartmentForm(Form):
    error_names = {"name": _("the name of the department")}

    name = forms.CharField(label=_("Name"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=Department.Kind.choices)

    def __init__(self, *args, organisation, instance: Department | None = None, **kwargs):
        self.organisation = organisation
        self.instance = instance
        if instance is not None:
            kwargs.setdefault("initial", {"name": instance.name, "kind": instance.kind})
        super().__init__(*args, **kwargs)

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        clash = self.organisation.departments.filter(name__iexact=name)
        if self.instance is not None:
            clash = clash.exclude(pk=self.instance.pk)
        if clash.exists():
            raise forms.ValidationError(_("There is already a department with this name"))
        return name


class PeopleFilterForm(Form):
    STATUS_CHOICES = [
        ("", _("Everyone")),
        ("active", _("Active")),
        ("invited", _("Invited, not yet signed in")),
        ("deactivated", _("Deactivated")),
    ]

    q = forms.CharField(label=_("Name, email or staff number"), required=False, max_length=100)
    department = ListedModelChoiceField(
        label=_("Department"),
        queryset=Department.objects.none(),
        required=False,
        empty_label=_("All departments"),
    )
    role = forms.ChoiceField(
        label=_("Role"), choices=[("", _("Any role")), *Role.choices], required=False
    )
    status = forms.ChoiceField(label=_("Status"), choices=STATUS_CHOICES, required=False)

    def __init__(self, *args, departments, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["department"]).queryset = departments


# --- One-to-one supervision: agreements, booking and session records ----------


class SlotChoiceForm(Form):
    """Choose one free slot; the value is the slot's UTC start (see availability.Slot.key)."""

    error_names = {"reason": _("the reason for moving the session")}

    slot = forms.ChoiceField(
        label=_("Choose a time"),
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Select a time"),
            "invalid_choice": _("That time is no longer free. Select another time"),
        },
    )

    reason = forms.CharField(
        label=_("Why are you moving it?"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("The other person sees this. Do not include anything confidential."),
        error_messages={"required": _("Enter a reason for moving the session")},
    )

    def __init__(self, *args, slots, describe, ask_reason=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.slots = {slot.key: slot for slot in slots}
        cast(forms.ChoiceField, self.fields["slot"]).choices = [
            (slot.key, describe(slot)) for slot in slots
        ]
        if not ask_reason:
            del self.fields["reason"]

    def chosen(self):
        return self.slots[self.cleaned_data["slot"]]


class ReasonForm(Form):
    """A reason the other person sees, for `doing` ("cancelling the session")."""

    reason = forms.CharField(
        label=_("Reason"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The other person sees this. Do not include anything confidential."),
    )

    def __init__(self, *args, doing: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.error_names = {"reason": _("the reason for %(doing)s") % {"doing": doing}}
        self.fields["reason"].error_messages["required"] = _("Enter a reason for %(doing)s") % {
            "doing": doing
        }


class AgreementTermsForm(Form):
    ground_rules = forms.CharField(label=_("Ground rules"), widget=forms.Textarea)
    frequency = forms.CharField(
        label=_("How often you will meet"), max_length=200, help_text=_("For example, monthly")
    )
    confidentiality_limits = forms.CharField(
        label=_("The limits of confidentiality"),
        widget=forms.Textarea,
        help_text=_("When something said in supervision would be shared: risk and safeguarding."),
    )
    start_date = DateField(label=_("Start date"))
    review_date = DateField(label=_("Review date"))

    def clean(self):
        super().clean()
        data = self.cleaned_data
        start, review = data.get("start_date"), data.get("review_date")
        if start and review and review <= start:
            self.add_error("review_date", _("The review date must be after the start date"))
        return data


class CoveredForm(Form):
    """What a session or group meeting covered: A-EQUIP functions and the host's themes."""

    functions = forms.MultipleChoiceField(
        label=_("Functions covered"),
        choices=SupervisionFunction.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("The A-EQUIP model. Choose all that apply."),
    )
    themes = forms.ModelMultipleChoiceField(
        label=_("Themes"),
        queryset=Theme.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("No names or details: themes only."),
    )

    def __init__(self, *args, themes, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["themes"]).queryset = themes


class SessionLogForm(CoveredForm):
    error_names = {
        "attendance": _("whether the session took place"),
        "actual_minutes": _("the length of the session in minutes"),
        "escalated_on": _("the date the concern was escalated"),
        "escalated_to": _("who the concern was escalated to"),
    }
    field_order = [
        "attendance",
        "actual_minutes",
        "functions",
        "themes",
        "agreed_actions",
        "escalated",
        "escalated_on",
        "escalated_to",
    ]

    attendance = forms.ChoiceField(
        label=_("Did the session take place?"),
        widget=forms.RadioSelect,
        error_messages={"required": _("Select whether the session took place")},
    )
    actual_minutes = forms.IntegerField(
        label=_("How long it lasted, in minutes"),
        min_value=1,
        max_value=480,
        required=False,
    )
    agreed_actions = forms.CharField(
        label=_("Agreed actions"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=4000,
    )
    escalated = forms.BooleanField(
        label=_("A safety or safeguarding concern was escalated under the organisation's policy"),
        required=False,
        help_text=_("Record when and to whom only, never the detail."),
    )
    escalated_on = DateField(label=_("Escalated on"), required=False)
    escalated_to = forms.CharField(
        label=_("Escalated to"),
        required=False,
        max_length=200,
        help_text=_("A role, for example the safeguarding lead"),
    )

    def __init__(self, *args, themes, **kwargs):
        from .services.sessions import ATTENDANCE_CHOICES

        super().__init__(*args, themes=themes, **kwargs)
        cast(forms.ChoiceField, self.fields["attendance"]).choices = ATTENDANCE_CHOICES

    def clean(self):
        super().clean()
        data = self.cleaned_data
        if data.get("attendance") == "attended" and not data.get("actual_minutes"):
            self.add_error("actual_minutes", _("Enter how long the session lasted"))
        if data.get("escalated"):
            if not data.get("escalated_on"):
                self.add_error("escalated_on", _("Enter the date the concern was escalated"))
            if not data.get("escalated_to"):
                self.add_error("escalated_to", _("Enter who the concern was escalated to"))
        return data


class SessionConfirmForm(Form):
    comment = forms.CharField(
        label=_("Your comment (optional)"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=4000,
        help_text=_("Only you and your supervisor can read it."),
    )


class SupervisorFilterForm(Form):
    error_names = {"mode": _("online or in person")}
    MODE_CHOICES = [
        ("", _("Online or in person")),
        ("online", _("Online")),
        ("in_person", _("In person")),
    ]

    programme: "forms.ModelChoiceField[Programme]" = ListedModelChoiceField(
        label=_("Programme"), queryset=None, required=False, empty_label=_("All programmes")
    )
    mode = forms.ChoiceField(label=_("How"), choices=MODE_CHOICES, required=False)
    available = forms.BooleanField(
        label=_("Only supervisors with times offered and space for new supervisees"),
        required=False,
    )

    def __init__(self, *args, programmes, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["programme"]).queryset = programmes


class AgreementRequestForm(Form):
    """Asking a supervisor for supervision, with a short message if the person wishes."""

    message = forms.CharField(
        label=_("Message to the supervisor (optional)"),
        help_text=_("For example, what you hope to bring to supervision or when suits you."),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "max_length": _("Message to the supervisor must be 1,000 characters or fewer")
        },
    )
