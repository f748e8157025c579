"""Forms for peer support and the resource library.

Dates and times are typed as wall-clock times in the organisation's zone and
turned into UTC here, as the supervision forms do.
"""

import datetime
import zoneinfo
from pathlib import PurePath
from typing import cast

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator, URLValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kernel.forms import DateField, Form
from supervision.supervisor_forms import date_field, local_to_utc, time_field

from .models import (
    FIRST_CONTACT_HOURS_MAX,
    FIRST_CONTACT_HOURS_MIN,
    PHONE_PATTERN,
    SUPPORTER_OUTCOMES,
    ContactMode,
    EventKind,
    HandbackReason,
    LearningCommunity,
    Resource,
)

NOTE_MAX = 4000
FILE_MAX_BYTES = 10 * 1024 * 1024
FILE_EXTENSIONS = ("pdf", "docx", "doc", "pptx", "xlsx", "odt", "txt", "png", "jpg", "jpeg")


class SupporterChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        profile = getattr(obj, "profile", None)
        job = f" ({profile.job_title})" if profile is not None and profile.job_title else ""
        return f"{obj.get_full_name() or obj.email}{job}"


class SupportRequestForm(Form):
    error_names = {
        "contact_mode": _("how you would like to be contacted"),
        "note": _("what you would like your supporter to know"),
        "supporter": _("a supporter"),
    }

    event_kind = forms.ChoiceField(
        label=_("What happened (optional)"),
        choices=[("", _("I would rather not say")), *EventKind.choices],
        required=False,
        widget=forms.RadioSelect,
        help_text=_("Only you and your supporter will see this."),
    )
    contact_mode = forms.ChoiceField(
        label=_("How would you like to be contacted?"),
        choices=ContactMode.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Select how you would like to be contacted")},
    )
    contact_detail = forms.CharField(
        label=_("Contact details"),
        max_length=200,
        help_text=_(
            "A phone number, email address or where to find you, and the best times. "
            "Only you and your supporter will see this."
        ),
        error_messages={"required": _("Enter how your supporter can reach you")},
    )
    note = forms.CharField(
        label=_("Anything you would like your supporter to know (optional)"),
        max_length=NOTE_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Only you and your supporter will see this. The coordinator does not."),
    )
    supporter = SupporterChoiceField(
        label=_("Choose a supporter (optional)"),
        queryset=None,
        required=False,
        widget=forms.RadioSelect,
        empty_label=_("Let the coordinator choose someone for me"),
        help_text=_(
            "Supporters who are available now, not from your department and not your line manager."
        ),
        error_messages={"invalid_choice": _("Select one of the supporters listed")},
    )

    def __init__(self, *args, supporters, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["supporter"]).queryset = supporters


class AssignForm(Form):
    supporter = SupporterChoiceField(
        label=_("Supporter"),
        queryset=None,
        widget=forms.RadioSelect,
        empty_label=None,
        help_text=_(
            "Suggested supporters are available, have room, do not work in the requester's "
            "department and are not their line manager."
        ),
        error_messages={
            "required": _("Select a supporter"),
            "invalid_choice": _("Select one of the supporters listed"),
        },
    )

    def __init__(self, *args, supporters, suggested, **kwargs):
        super().__init__(*args, **kwargs)
        field = cast(forms.ModelChoiceField, self.fields["supporter"])
        # Any supporter of the organisation is accepted here, so that choosing an
        # unsuitable one gets the service's reason rather than "not a valid choice";
        # only the suggestions are offered.
        field.queryset = supporters
        field.widget.choices = [(user.pk, field.label_from_instance(user)) for user in suggested]


class CheckInForm(Form):
    error_names = {
        "date": _("the date of the check-in"),
        "time": _("the time of the check-in"),
        "mode": _("how you checked in"),
        "next_due": _("the date the next check-in is due"),
    }

    date = date_field(_("Date of the check-in"), missing=_("Enter the date of the check-in"))
    time = time_field(_("Time"), missing=_("Enter the time of the check-in"))
    mode = forms.ChoiceField(
        label=_("How you checked in"),
        choices=ContactMode.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Select how you checked in")},
    )
    notes = forms.CharField(
        label=_("Notes (optional)"),
        max_length=NOTE_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Only you and the person you support can read these."),
    )
    next_due = date_field(
        _("Next check-in due (optional)"),
        required=False,
        help_text=_(
            "We suggest a follow-up about a month later. Leave empty if none is planned. "
            "For example, 1 12 2026"
        ),
    )

    def __init__(self, *args, zone: zoneinfo.ZoneInfo, **kwargs):
        self.zone = zone
        super().__init__(*args, **kwargs)

    def clean(self):
        super().clean()
        data = self.cleaned_data
        day, time = data.get("date"), data.get("time")
        if day is None or time is None:
            return data
        today = timezone.localdate(timezone=self.zone)
        if day > today:
            self.add_error("date", _("The date of the check-in must be today or in the past"))
            return data
        if day < today - datetime.timedelta(days=366):
            self.add_error("date", _("The date of the check-in must be within the last year"))
            return data
        try:
            data["happened_at"] = local_to_utc(day, time, self.zone)
        except ValidationError as error:
            self.add_error("time", error)
            return data
        next_due = data.get("next_due")
        if next_due is not None:
            if next_due <= day:
                self.add_error(
                    "next_due", _("The date the next check-in is due must be after this check-in")
                )
            elif next_due > today + datetime.timedelta(days=366):
                self.add_error(
                    "next_due", _("The date the next check-in is due must be within the next year")
                )
        return data


class CloseForm(Form):
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=SUPPORTER_OUTCOMES,
        widget=forms.RadioSelect,
        error_messages={"required": _("Select the outcome")},
    )


class PeerSupporterProfileForm(Form):
    error_names = {
        "capacity": _("the number of people you can support at once"),
        "trained_on": _("the date you were trained"),
        "refresher_due": _("the date the refresher is due"),
    }

    available = forms.BooleanField(
        label=_("I am available for new requests"),
        required=False,
        help_text=_("Untick this to pause new requests; the people you support now are kept."),
    )
    capacity = forms.IntegerField(
        label=_("Most people you can support at once"),
        min_value=1,
        max_value=20,
        error_messages={"required": _("Enter how many people you can support at once")},
    )
    training = forms.CharField(
        label=_("Training course (optional)"),
        max_length=200,
        required=False,
        help_text=_("For example, TRiM practitioner training."),
    )
    trained_on = date_field(_("Trained on (optional)"), required=False)
    refresher_due = date_field(_("Refresher due (optional)"), required=False)

    def clean(self):
        super().clean()
        data = self.cleaned_data
        trained_on, refresher_due = data.get("trained_on"), data.get("refresher_due")
        if trained_on and trained_on > timezone.localdate():
            self.add_error(
                "trained_on", _("The date you were trained must be today or in the past")
            )
        elif trained_on and refresher_due and refresher_due <= trained_on:
            self.add_error(
                "refresher_due",
                _("The date the refresher is due must be after the date you were trained"),
            )
        return data


class HttpsLinkField(forms.CharField):
    """An https:// link and nothing else: no http://, javascript: or other schemes."""

    widget = forms.URLInput

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return ""
        scheme, separator, rest = value.partition("://")
        if not separator or scheme.lower() != "https":
            raise ValidationError(_("Enter a link that starts with https://"), code="https")
        value = f"https://{rest}"
        URLValidator(
            schemes=["https"], message=_("Enter a link in the right format, for example https://…")
        )(value)
        return value


class ResourceForm(Form):
    error_names = {"audience": _("who it is for")}

    title = forms.CharField(
        label=_("Title"), max_length=200, error_messages={"required": _("Enter a title")}
    )
    description = forms.CharField(
        label=_("Description (optional)"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    link = HttpsLinkField(
        label=_("Link"),
        max_length=200,
        required=False,
        help_text=_("A web page that starts with https://. Give a link or upload a file."),
    )
    file = forms.FileField(
        label=_("File"),
        required=False,
        help_text=_("PDF, Word, PowerPoint, Excel, text or image files up to 10 MB."),
        error_messages={"empty": _("The file is empty: select a file with something in it")},
    )
    audience = forms.ChoiceField(
        label=_("Who is it for?"),
        choices=Resource.Audience.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Select who it is for")},
    )
    category = forms.CharField(
        label=_("Category (optional)"),
        max_length=100,
        required=False,
        help_text=_("For example, After an adverse event."),
    )

    # Empty until the view gives the communities the organisation belongs to.
    communities = forms.ModelMultipleChoiceField(
        label=_("Share with learning communities (optional)"),
        queryset=LearningCommunity.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Peer supporters in every organisation of the community will see it, "
            "marked as shared by your organisation."
        ),
    )

    def __init__(self, *args, current_file: str = "", communities=None, **kwargs):
        self.current_file = current_file
        super().__init__(*args, **kwargs)
        if communities is None or not communities.exists():
            del self.fields["communities"]
        else:
            cast(forms.ModelMultipleChoiceField, self.fields["communities"]).queryset = communities
        if current_file:
            self.fields["file"].help_text = _(
                "Upload a file to replace %(name)s. PDF, Word, PowerPoint, Excel, text or "
                "image files up to 10 MB."
            ) % {"name": PurePath(current_file).name}
            self.fields["remove_file"] = forms.BooleanField(
                label=_("Remove the current file"), required=False
            )

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if not upload:
            return None
        extension = PurePath(upload.name).suffix.lower().lstrip(".")
        if extension not in FILE_EXTENSIONS:
            raise ValidationError(
                _("The file must be one of: %(types)s") % {"types": ", ".join(FILE_EXTENSIONS)}
            )
        if upload.size > FILE_MAX_BYTES:
            raise ValidationError(_("The file must be smaller than 10 MB"))
        if len(upload.name) > 80:
            upload.name = f"{PurePath(upload.name).stem[:70]}.{extension}"
        return upload

    def clean(self):
        super().clean()
        data = self.cleaned_data
        keeps_file = self.current_file and not data.get("remove_file")
        if (
            "link" in data
            and "file" in data
            and not data.get("link")
            and not data.get("file")
            and not keeps_file
        ):
            self.add_error("link", _("Enter a link or upload a file"))
        return data


# --- First contact, stepping back, changes of plan, and the organisation's settings ---


class FirstContactForm(Form):
    first_contacted_on = DateField(
        label=_("Date of first contact"),
        help_text=_(
            "The day you first spoke or met, for example 24 11 2026. Record the date only, "
            "not what was said."
        ),
        error_messages={"required": _("Enter the date of first contact")},
    )


class HandBackForm(Form):
    reason = forms.ChoiceField(
        label=_("Why are you stepping back?"),
        choices=HandbackReason.choices,
        widget=forms.RadioSelect,
        help_text=_(
            "The coordinator sees this reason, so that they do not ask you again. The "
            "person you support is told only that you have had to step back."
        ),
        error_messages={
            "required": _("Select why you are stepping back"),
            "invalid_choice": _("Select one of the reasons listed"),
        },
    )


class ContactChangeForm(Form):
    """How to make contact: the request form's own fields, so both say the same."""

    contact_mode = SupportRequestForm.base_fields["contact_mode"]
    contact_detail = SupportRequestForm.base_fields["contact_detail"]


class ConfirmForm(Form):
    """A button and nothing else: withdrawing a request, alerting the coordinators."""


def phone_field(label, name):
    return forms.CharField(
        label=label,
        max_length=30,
        required=False,
        validators=[
            RegexValidator(
                PHONE_PATTERN,
                _("Enter the %(name)s using digits and spaces only, for example 0808 157 0192")
                % {"name": name},
            )
        ],
        error_messages={
            "max_length": _("The %(name)s must be 30 characters or fewer") % {"name": name}
        },
    )


class PeerSupportSettingsForm(Form):
    eap_name = forms.CharField(
        label=_("Name of your employee assistance programme (optional)"),
        max_length=100,
        required=False,
        help_text=_('Leave empty to call it "Employee assistance programme".'),
        error_messages={"max_length": _("The name must be 100 characters or fewer")},
    )
    eap_phone = phone_field(
        _("Employee assistance phone number (optional)"),
        _("employee assistance phone number"),
    )
    eap_hours = forms.CharField(
        label=_("When the employee assistance line is open (optional)"),
        max_length=100,
        required=False,
        help_text=_("For example, 24 hours a day, every day."),
        error_messages={"max_length": _("When it is open must be 100 characters or fewer")},
    )
    occupational_health_phone = phone_field(
        _("Occupational health phone number (optional)"),
        _("occupational health phone number"),
    )
    occupational_health_email = forms.EmailField(
        label=_("Occupational health email address (optional)"),
        max_length=254,
        required=False,
        error_messages={
            "invalid": _(
                "Enter the occupational health email address in the correct format, "
                "like occhealth@example.nhs.uk"
            )
        },
    )
    coordinator_phone = phone_field(
        _("Peer support coordinator phone number (optional)"),
        _("peer support coordinator phone number"),
    )
    first_contact_hours = forms.IntegerField(
        label=_("Hours a supporter has to make first contact"),
        min_value=FIRST_CONTACT_HOURS_MIN,
        max_value=FIRST_CONTACT_HOURS_MAX,
        help_text=_(
            "Counted in calendar hours from when a supporter is assigned, weekends "
            "included. 72 hours is usual. Supporters are reminded a day before; "
            "coordinators are told when it passes."
        ),
        error_messages={
            "required": _("Enter the hours a supporter has to make first contact"),
            "invalid": _("Hours to make first contact must be a whole number, like 72"),
            "min_value": _("Hours to make first contact must be %(limit_value)s or more"),
            "max_value": _("Hours to make first contact must be %(limit_value)s or fewer"),
        },
    )
