from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from .models import Band, Department, Profession, Role, StaffProfile


class DateInput(forms.DateInput):
    input_type = "date"


class StaffForm(forms.Form):
    """A person's name and profile; with `adding` also their email and first roles."""

    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)
    email = forms.EmailField(
        label=_("Work email address"),
        help_text=_("The invitation goes here, and they sign in with it."),
    )
    department = forms.ModelChoiceField(
        label=_("Department"), queryset=Department.objects.none(), required=False
    )
    profession = forms.ChoiceField(label=_("Profession"), choices=Profession.choices)
    band = forms.ChoiceField(label=_("Band"), choices=Band.choices)
    job_title = forms.CharField(label=_("Job title"), max_length=200, required=False)
    line_manager = forms.ModelChoiceField(
        label=_("Line manager"),
        queryset=StaffProfile.objects.none(),
        required=False,
        help_text=_("By default a supervisor may not supervise someone they line-manage."),
    )
    start_date = forms.DateField(
        label=_("Start date"),
        required=False,
        widget=DateInput,
        help_text=_("For example, 2024-09-01"),
    )
    roles = forms.MultipleChoiceField(
        label=_("Roles"),
        choices=Role.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Everyone can receive supervision; choose any extra roles."),
    )

    def __init__(self, *args, organisation, instance: StaffProfile | None = None, **kwargs):
        self.organisation = organisation
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
                    "job_title": instance.job_title,
                    "line_manager": instance.line_manager_id,
                    "start_date": instance.start_date,
                },
            )
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = organisation.departments.all()
        managers = StaffProfile.objects.filter(organisation=organisation).select_related("user")
        if instance is not None:
            managers = managers.exclude(pk=instance.pk)
            # Email and roles are changed elsewhere once a person exists.
            del self.fields["email"]
            del self.fields["roles"]
        self.fields["line_manager"].queryset = managers

    def clean_email(self):
        email = self.cleaned_data["email"].strip().lower()
        if get_user_model().objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(_("Someone with this email address is already registered."))
        return email


class RolesForm(forms.Form):
    roles = forms.MultipleChoiceField(
        label=_("Roles"),
        choices=Role.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Everyone can receive supervision; these are the extra roles."),
    )


class DeactivateForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=200,
        help_text=_("For example, left the trust. Kept in the audit trail."),
    )


class DepartmentForm(forms.Form):
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
        clash = Department.objects.filter(organisation=self.organisation, name__iexact=name)
        if self.instance is not None:
            clash = clash.exclude(pk=self.instance.pk)
        if clash.exists():
            raise forms.ValidationError(_("There is already a department with this name."))
        return name


class PeopleFilterForm(forms.Form):
    STATUS_CHOICES = [
        ("", _("Everyone")),
        ("active", _("Active")),
        ("invited", _("Invited, not yet signed in")),
        ("deactivated", _("Deactivated")),
    ]

    q = forms.CharField(label=_("Name or email"), required=False, max_length=100)
    department = forms.ModelChoiceField(
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
        self.fields["department"].queryset = departments
