"""Forms for a supervisor's own set-up: profile, training and availability.

Times are typed as wall-clock times in the organisation's zone; the forms turn
them into UTC and refuse a time that does not exist there (the hour the
clocks skip in spring).
"""

import datetime
import zoneinfo
from typing import cast

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils import formats, timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from kernel.forms import ArrangedDateField, DateField, Form
from kernel.models import Programme

from .models import Mode, TrainingRecord, Weekday

HTTPS_ONLY = _("Enter a meeting link that starts with https://")
# How far ahead availability can be entered; also keeps date arithmetic in range.
HORIZON = datetime.timedelta(days=2 * 366)
TIME_HINT = _("Use the 24-hour clock, for example 14:00.")


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%H:%M")


def date_field(label, *, required=True, help_text="", missing=None, arranging=False):
    """A date in the NHS.UK date input; `missing`: the error when it is left empty, if
    the one made from the form's name for the field would not do. `arranging`: the
    date of a slot, a window or time away, in the narrower window of arrangements."""
    return (ArrangedDateField if arranging else DateField)(
        label=label,
        required=required,
        help_text=help_text or _("For example, 1 12 2026"),
        error_messages={"required": missing} if missing else {},
    )


def time_field(label, *, missing, help_text=TIME_HINT):
    """A time typed on the 24-hour clock (the browser's time input)."""
    return forms.TimeField(
        label=label, widget=TimeInput, help_text=help_text, error_messages={"required": missing}
    )


class MeetingLinkField(forms.CharField):
    """An https:// link and nothing else: no http://, javascript: or other schemes."""

    widget = forms.URLInput

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 500)
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return ""
        scheme, separator, rest = value.partition("://")
        if not separator or scheme.lower() != "https":
            raise ValidationError(HTTPS_ONLY, code="https")
        # The database checks for a lower-case "https://".
        value = f"https://{rest}"
        URLValidator(
            schemes=["https"],
            message=_(
                "Enter a meeting link in the right format, for example "
                "https://teams.microsoft.com/l/meetup-join/…"
            ),
        )(value)
        return value


def local_to_utc(day: datetime.date, time: datetime.time, zone: zoneinfo.ZoneInfo):
    """The UTC moment of a wall-clock time, or ValidationError if the clocks skip it.

    An ambiguous time (the hour repeated in autumn) is taken as its first occurrence.
    """
    local = datetime.datetime.combine(day, time, tzinfo=zone)
    try:
        moment = local.astimezone(datetime.UTC)
    except OverflowError:
        raise ValidationError(_("Enter a real date"), code="invalid") from None
    if moment.astimezone(zone).replace(tzinfo=None) != local.replace(tzinfo=None):
        raise ValidationError(
            _(
                "%(time)s does not exist on %(date)s in %(zone)s because the clocks go "
                "forward. Choose another time."
            ),
            code="nonexistent",
            params={
                "time": time.strftime("%H:%M"),
                "date": formats.date_format(day, "j F Y"),
                "zone": zone.key,
            },
        )
    return moment


class DeliveryForm(Form):
    """How sessions happen: online with an https:// link, or in person at a place."""

    mode = forms.ChoiceField(
        label=_("How sessions take place"),
        choices=Mode.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Select online or in person")},
    )
    meeting_link = MeetingLinkField(
        label=_("Meeting link"),
        help_text=_(
            "Needed for online sessions. A Microsoft Teams, Zoom or other link that "
            "starts with https://"
        ),
    )
    location = forms.CharField(
        label=_("Location"),
        max_length=200,
        required=False,
        help_text=_("Needed for in-person sessions. For example, Room 4, Education Centre."),
    )

    def clean(self):
        super().clean()
        data = self.cleaned_data
        mode = data.get("mode")
        if mode == Mode.ONLINE and not data.get("meeting_link") and "meeting_link" in data:
            self.add_error("meeting_link", _("Enter a meeting link for online sessions"))
        if mode == Mode.IN_PERSON and not data.get("location") and "location" in data:
            self.add_error("location", _("Enter where in-person sessions take place"))
        return data


class SupervisorProfileForm(DeliveryForm):
    error_names = {
        "capacity": _("the maximum number of active supervisees"),
        "bio": _("what you say about yourself"),
    }

    capacity = forms.IntegerField(
        label=_("Maximum active supervisees"),
        min_value=1,
        max_value=100,
        help_text=_("The most people you can supervise at the same time."),
        error_messages={"required": _("Enter how many supervisees you can have")},
    )
    accepting_new = forms.BooleanField(
        label=_("I am accepting new supervisees"),
        required=False,
        help_text=_("Untick this to stop new requests while keeping your current supervisees."),
    )
    bio = forms.CharField(
        label=_("About you"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("What supervisees should know: your background and how you supervise."),
    )
    programmes: "forms.ModelMultipleChoiceField[Programme]" = forms.ModelMultipleChoiceField(
        label=_("Programmes you supervise in"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("One-to-one programmes of your organisation that are open for booking."),
    )

    teams_organiser = forms.CharField(
        label=_("Microsoft 365 account for Teams meetings (optional)"),
        max_length=320,
        required=False,
        help_text=_(
            "Your organisation makes a Microsoft Teams meeting for each online session, "
            "organised by your Microsoft 365 account. Leave this empty if that account "
            "is your email address; otherwise enter its sign-in name or object ID."
        ),
    )

    field_order = ["capacity", "accepting_new", "bio", "programmes", "mode"]

    def __init__(self, *args, programmes, teams: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["mode"].label = _("How you usually meet supervisees")
        cast(forms.ModelChoiceField, self.fields["programmes"]).queryset = programmes
        if not teams:  # the organisation makes no Teams meetings: nothing to ask
            del self.fields["teams_organiser"]


class TrainingForm(Form):
    error_names = {
        "completed_on": _("the date you completed the training"),
        "renewal_due": _("the date the refresher is due"),
    }

    kind = forms.ChoiceField(
        label=_("Training"),
        choices=[("", _("Choose the training")), *TrainingRecord.Kind.choices],
        error_messages={"required": _("Select the training you completed")},
    )
    title = forms.CharField(
        label=_("Course or provider (optional)"),
        max_length=200,
        required=False,
        help_text=_("For example, Health Education England PNA programme."),
    )
    completed_on = date_field(
        _("Completed on"), missing=_("Enter the date you completed the training")
    )
    renewal_due = date_field(
        _("Refresher due (optional)"),
        required=False,
        help_text=_("Leave empty if there is no refresher. For example, 1 9 2029"),
    )

    def clean_completed_on(self):
        completed_on = self.cleaned_data["completed_on"]
        if completed_on > timezone.localdate():
            raise ValidationError(
                _("The date you completed the training must be today or in the past")
            )
        return completed_on

    def clean(self):
        super().clean()
        data = self.cleaned_data
        completed_on, renewal_due = data.get("completed_on"), data.get("renewal_due")
        if completed_on and renewal_due and renewal_due <= completed_on:
            self.add_error(
                "renewal_due",
                _("The refresher must be due after the date you completed the training"),
            )
        return data


class _ZonedForm(DeliveryForm):
    """A form whose dates and times are wall-clock times in `zone`."""

    def __init__(self, *args, zone: zoneinfo.ZoneInfo, **kwargs):
        self.zone = zone
        self.today = timezone.localdate(timezone=zone)
        super().__init__(*args, **kwargs)

    def _too_far(self, field: str) -> bool:
        day = self.cleaned_data.get(field)
        if day is not None and day > self.today + HORIZON:
            self.add_error(
                field,
                _("%(name)s must be within the next 2 years")
                % {"name": capfirst(self.error_name(field))},
            )
            return True
        return False

    def _moment(self, date_field_name: str, time_field_name: str) -> datetime.datetime | None:
        """UTC for the date and time typed; None (with the error added) if there is none."""
        day = self.cleaned_data.get(date_field_name)
        time = self.cleaned_data.get(time_field_name)
        if day is None or time is None:
            return None
        try:
            return local_to_utc(day, time, self.zone)
        except ValidationError as error:
            self.add_error(time_field_name, error)
            return None


class SlotForm(_ZonedForm):
    error_names = {"date": _("the date of the slot")}

    date = date_field(_("Date"), missing=_("Enter the date of the slot"), arranging=True)
    start_time = time_field(_("Start time"), missing=_("Enter the start time"))
    end_time = time_field(_("End time"), missing=_("Enter the end time"))

    field_order = ["date", "start_time", "end_time", "mode"]

    def clean(self):
        data = super().clean()
        if self._too_far("date"):
            return data
        day = data.get("date")
        if day is not None and day < self.today:
            self.add_error("date", _("The date of the slot must be today or in the future"))
            return data
        start, end = data.get("start_time"), data.get("end_time")
        if start and end and end <= start:
            self.add_error("end_time", _("The end time must be after the start time"))
            return data
        starts_at = self._moment("date", "start_time")
        ends_at = self._moment("date", "end_time")
        if starts_at is None or ends_at is None:
            return data
        if starts_at <= timezone.now():
            self.add_error("start_time", _("The start time must be in the future"))
        elif ends_at <= starts_at:
            # Only when the clocks go back in between: 01:50 to 01:10 on that day.
            self.add_error("end_time", _("The end time must be after the start time"))
        data["starts_at"], data["ends_at"] = starts_at, ends_at
        return data


class WeeklyForm(_ZonedForm):
    error_names = {
        "weekday": _("the day of the week"),
        "valid_from": _("the date of the first week"),
        "valid_until": _("the date of the last week"),
    }

    weekday = forms.TypedChoiceField(
        label=_("Day"),
        choices=[("", _("Choose a day")), *Weekday.choices],
        coerce=int,
        error_messages={"required": _("Select the day of the week")},
    )
    start_time = time_field(_("Start time"), missing=_("Enter the start time"))
    end_time = time_field(
        _("End time"),
        missing=_("Enter the end time"),
        help_text=_("Use the 24-hour clock, for example 16:00. A window ends by midnight."),
    )
    valid_from = date_field(
        _("First week"),
        missing=_("Enter the date of the first week"),
        help_text=_("The window starts from this date. For example, 1 12 2026"),
        arranging=True,
    )
    valid_until = date_field(
        _("Last week (optional)"),
        required=False,
        help_text=_("Leave empty to keep offering this window. For example, 31 3 2027"),
        arranging=True,
    )

    field_order = ["weekday", "start_time", "end_time", "valid_from", "valid_until", "mode"]

    def clean(self):
        data = super().clean()
        if self._too_far("valid_from") or self._too_far("valid_until"):
            return data
        start, end = data.get("start_time"), data.get("end_time")
        if start and end and end <= start:
            self.add_error("end_time", _("The end time must be after the start time"))
        first, last = data.get("valid_from"), data.get("valid_until")
        if last is not None and last < self.today:
            self.add_error("valid_until", _("The date of the last week must be today or later"))
        elif first and last and last < first:
            self.add_error(
                "valid_until",
                _("The date of the last week must be the same as or after the first week"),
            )
        return data


class ExceptionForm(_ZonedForm):
    """Time away. It has no delivery fields: nothing is offered in it."""

    error_names = {
        "start_date": _("the date your time away starts"),
        "start_time": _("the time your time away starts"),
        "end_date": _("the date you are back"),
        "end_time": _("the time you are back"),
        "reason": _("the reason for your time away"),
    }

    start_date = date_field(
        _("Start date"), missing=_("Enter the date your time away starts"), arranging=True
    )
    start_time = time_field(
        _("Start time"),
        missing=_("Enter the time your time away starts"),
        help_text=_("Use the 24-hour clock. Enter 00:00 for the start of the day."),
    )
    end_date = date_field(_("End date"), missing=_("Enter the date you are back"), arranging=True)
    end_time = time_field(
        _("End time"),
        missing=_("Enter the time you are back"),
        help_text=_("Use the 24-hour clock. For example, 00:00 on the day you are back."),
    )
    reason = forms.CharField(
        label=_("Reason (optional)"),
        max_length=200,
        required=False,
        help_text=_("Only you see this. For example, annual leave."),
    )

    field_order = ["start_date", "start_time", "end_date", "end_time", "reason"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("mode", "meeting_link", "location"):
            del self.fields[name]

    def clean(self):
        data = super().clean()
        if self._too_far("start_date") or self._too_far("end_date"):
            return data
        first = data.get("start_date")
        if first is not None and first < self.today - HORIZON:
            self.add_error(
                "start_date", _("The date your time away starts must be within the last 2 years")
            )
            return data
        starts_at = self._moment("start_date", "start_time")
        ends_at = self._moment("end_date", "end_time")
        if starts_at is None or ends_at is None:
            return data
        if ends_at <= starts_at:
            self.add_error(
                "end_date", _("The date and time you are back must be after your time away starts")
            )
        elif ends_at <= timezone.now():
            self.add_error("end_date", _("The date and time you are back must be in the future"))
        data["starts_at"], data["ends_at"] = starts_at, ends_at
        return data
