import datetime
import zoneinfo
from typing import Any, cast

from django import forms
from django.db.models import QuerySet
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kernel.dates import month_and_year
from kernel.forms import Form, ListedModelChoiceField
from kernel.models import Band, Department, Organisation, Profession, Programme
from supervision.allowances import add_months
from supervision.standards import DUE_SOON, OVERDUE, UP_TO_DATE, financial_year

from .models import DEFAULT_COVERAGE_TARGET
from .scope import ReportScope

MONTHS_OFFERED = 36
DEFAULT_MONTHS = 12


def _months(today: datetime.date) -> list[datetime.date]:
    current = today.replace(day=1)
    return [add_months(current, -back) for back in range(MONTHS_OFFERED)]


def _today(organisations) -> datetime.date:
    """Today where the (first) organisation is: a month ends at its midnight."""
    first = next(iter(organisations), None) if organisations is not None else None
    if first is None:
        return timezone.localdate()
    return timezone.localdate(timezone=zoneinfo.ZoneInfo(first.time_zone))


class ReportFilterForm(Form):
    """The report's filters, read from the query string; every field is optional."""

    # As the page lays them out (templates/reports/includes/filters.html), so that
    # the error summary lists its errors in the order the fields come.
    field_order = [
        "organisation",
        "programme",
        "department",
        "band",
        "profession",
        "first_month",
        "last_month",
    ]

    error_names = {
        "first_month": _("the first month"),
        "last_month": _("the last month"),
        "status": _("who to show"),
    }

    organisation: "forms.ModelChoiceField[Organisation]" = ListedModelChoiceField(
        label=_("Organisation"), queryset=None, required=False, empty_label=None
    )
    department: "forms.ModelChoiceField[Department]" = ListedModelChoiceField(
        label=_("Department"),
        queryset=None,
        required=False,
        empty_label=_("All departments"),
    )
    band = forms.ChoiceField(
        label=_("Band"), choices=[("", _("All bands")), *Band.choices], required=False
    )
    profession = forms.ChoiceField(
        label=_("Profession"),
        choices=[("", _("All professions")), *Profession.choices],
        required=False,
    )
    programme: "forms.ModelChoiceField[Programme]" = ListedModelChoiceField(
        label=_("Programme"), queryset=None, required=False, empty_label=_("All programmes")
    )
    first_month = forms.ChoiceField(label=_("From"), required=False)
    last_month = forms.ChoiceField(label=_("To"), required=False)

    def __init__(
        self,
        *args,
        organisations,
        departments,
        programmes,
        today: datetime.date | None = None,
        **kwargs,
    ):
        """The choices come from reports.permissions.report_choices."""
        super().__init__(*args, **kwargs)
        fields = cast(dict[str, ListedModelChoiceField], self.fields)
        fields["organisation"].queryset = organisations
        fields["department"].queryset = departments
        fields["programme"].queryset = programmes
        # The field's own copy, read once: its rows serve the choices, the cleaning,
        # today's date and the default organisation.
        self.organisations = cast("QuerySet[Organisation]", fields["organisation"].queryset)
        self.months = _months(today or _today(self.organisations))
        choices = [(m.strftime("%Y-%m"), month_and_year(m)) for m in self.months]
        cast(forms.ChoiceField, self.fields["first_month"]).choices = choices
        cast(forms.ChoiceField, self.fields["last_month"]).choices = choices
        first, last = self.default_range()
        self.fields["first_month"].initial = first.strftime("%Y-%m")
        self.fields["last_month"].initial = last.strftime("%Y-%m")
        if len(self.organisations) < 2:
            self.fields["organisation"].widget = forms.HiddenInput()
        if self.is_bound:
            # Filters chosen without a range keep the default range, in the form as
            # shown too (an unselected <select> would otherwise submit its first month).
            # Bound from request.GET (a QueryDict), or a dict in tests: both copy().
            data = cast("QueryDict | dict[str, Any]", self.data).copy()
            for name in ("first_month", "last_month"):
                if not data.get(name):
                    data[name] = self.fields[name].initial
            self.data = data

    def default_range(self) -> tuple[datetime.date, datetime.date]:
        """By default the last 12 complete months: the month under way can be
        chosen, and is then marked incomplete."""
        return self.months[DEFAULT_MONTHS], self.months[1]

    @staticmethod
    def _month(value: str) -> datetime.date:
        return datetime.date(int(value[:4]), int(value[5:7]), 1)

    def clean(self):
        super().clean()
        data = self.cleaned_data
        organisation = data.get("organisation") or self.organisations[0]
        data["organisation"] = organisation
        for name in ("department", "programme"):
            chosen = data.get(name)
            if chosen is not None and chosen.organisation_id != organisation.pk:
                self.add_error(
                    name,
                    _("Select one of this organisation's %(things)s")
                    % {"things": _("departments") if name == "department" else _("programmes")},
                )
        first = self._month(data.get("first_month") or self.fields["first_month"].initial)
        last = self._month(data.get("last_month") or self.fields["last_month"].initial)
        if first > last:
            self.add_error(
                "last_month", _("The last month must be the same as or after the first month")
            )
        data["first"], data["last"] = first, last
        return data

    def scope(self) -> ReportScope:
        """The scope the valid filters describe."""
        data = self.cleaned_data
        organisation = data["organisation"]
        return ReportScope(
            organisation_id=organisation.pk,
            time_zone=organisation.time_zone,
            first_month=data["first"],
            last_month=data["last"],
            department_id=data["department"].pk if data.get("department") else None,
            band=data.get("band") or "",
            profession=data.get("profession") or "",
            programme_id=data["programme"].pk if data.get("programme") else None,
        )


class ComplianceFilterForm(ReportFilterForm):
    STATUS_CHOICES = [
        ("", _("Everyone eligible")),
        ("without", _("Not yet had supervision in the period")),
        ("with", _("Had supervision in the period")),
    ]
    STANDING_CHOICES = [
        ("", _("Any")),
        (OVERDUE, _("Overdue")),
        (DUE_SOON, _("Due soon")),
        (UP_TO_DATE, _("Up to date")),
    ]
    error_names = {**ReportFilterForm.error_names, "standing": _("the status")}

    status = forms.ChoiceField(label=_("Show"), choices=STATUS_CHOICES, required=False)
    standing = forms.ChoiceField(
        label=_("Status against the standard"), choices=STANDING_CHOICES, required=False
    )

    def default_range(self) -> tuple[datetime.date, datetime.date]:
        """The NHS financial year (from 1 April) up to the last complete month; in
        April, when none of this year's months is complete, the whole of last year."""
        last = self.months[1]
        first = financial_year(last)[0]
        return first, last


class TargetsForm(Form):
    """One coverage target per programme, as a percentage of eligible staff."""

    def __init__(self, *args, programmes, current: dict[int, int], **kwargs):
        """`current`: {programme id: percent} of the targets already set."""
        super().__init__(*args, **kwargs)
        self.programmes = list(programmes)
        # Each field's label is a programme's name: errors name its target.
        self.error_names = {
            f"programme_{p.pk}": _("the target for “%(programme)s”") % {"programme": p.name}
            for p in self.programmes
        }
        for programme in self.programmes:
            self.fields[f"programme_{programme.pk}"] = forms.IntegerField(
                label=programme.name,
                min_value=1,
                max_value=100,
                initial=current.get(programme.pk, DEFAULT_COVERAGE_TARGET),
                help_text=_("Percentage of eligible staff to have at least one session."),
                widget=forms.NumberInput(
                    attrs={"inputmode": "numeric", "class": "nhsuk-input--width-3"}
                ),
            )

    def targets(self):
        for programme in self.programmes:
            yield programme, self.cleaned_data[f"programme_{programme.pk}"]
