"""Dates with no sensible bound are refused everywhere (issue 17): a meeting moved to
31 December 9999 emailed every member; staff start dates and programme periods
were taken from year 1. One rule (kernel.dates.date_bounds) in the one date field
every form uses (kernel.forms.DateField)."""

import datetime
import zoneinfo

import pytest
import time_machine
from django import forms

from kernel.forms import ArrangedDateField, DateField
from kernel.models import StaffProfile
from tests.test_app_dependencies import LAYERS

pytestmark = pytest.mark.django_db

TODAY = datetime.datetime(2026, 11, 23, 9, tzinfo=datetime.UTC)
LONDON = zoneinfo.ZoneInfo("Europe/London")


def typed(name: str, day: int, month: int, year: str) -> dict:
    return {f"{name}_day": str(day), f"{name}_month": str(month), f"{name}_year": year}


def _move_meeting(data, organisation):
    from peergroups.group_forms import MoveMeetingForm

    return MoveMeetingForm(data)


def _slot(data, organisation):
    from supervision.supervisor_forms import SlotForm

    return SlotForm(data, zone=LONDON)


def _time_away(data, organisation):
    from supervision.supervisor_forms import ExceptionForm

    return ExceptionForm(data, zone=LONDON)


def _weekly(data, organisation):
    from supervision.supervisor_forms import WeeklyForm

    return WeeklyForm(data, zone=LONDON)


def _staff(data, organisation):
    from supervision.forms import StaffForm

    return StaffForm(data, organisation=organisation, colleagues=StaffProfile.objects.none())


def _programme(data, organisation):
    from supervision.manage_forms import ProgrammeForm

    return ProgrammeForm(data, organisation=organisation, programmes=organisation.programmes.all())


def _agreement(data, organisation):
    from supervision.forms import AgreementTermsForm

    return AgreementTermsForm(data)


def _audit_range(data, organisation):
    from audit.forms import AuditFilterForm

    return AuditFilterForm(data, actions=[])


def _first_contact(data, organisation):
    from peergroups.peer_forms import FirstContactForm

    return FirstContactForm(data)


# (path, form, field, how errors name it)
ARRANGED = [
    ("move a group meeting", _move_meeting, "date", "The new date"),
    ("a single slot", _slot, "date", "The date of the slot"),
    ("time away", _time_away, "start_date", "The date your time away starts"),
    ("a weekly window", _weekly, "valid_from", "The date of the first week"),
]
ANY = [
    ("a staff start date", _staff, "start_date", "The start date"),
    ("a programme period", _programme, "period_start", "The date the period starts"),
    ("a programme period's end", _programme, "period_end", "The date the period ends"),
    ("an agreement", _agreement, "review_date", "The review date"),
    ("the audit log's date range", _audit_range, "date_from", "The from date"),
    (
        "a peer supporter's first contact",
        _first_contact,
        "first_contacted_on",
        "The date of first contact",
    ),
]


def _error(make, organisation, field, year: str, day=31, month=12) -> list[str]:
    with time_machine.travel(TODAY, tick=False):
        form = make(typed(field, day, month, year), organisation)
        form.is_valid()
    return form.errors.get(field, [])


@pytest.mark.parametrize(("path", "make", "field", "name"), ARRANGED + ANY)
def test_a_date_in_9999_is_refused_with_the_bound(organisation, path, make, field, name):
    errors = _error(make, organisation, field, "9999")
    assert errors == [f"{name} must be before 1 January 2029"], (path, errors)


@pytest.mark.parametrize(("path", "make", "field", "name"), ARRANGED + ANY)
def test_the_last_day_inside_the_bound_is_not_refused_for_it(organisation, path, make, field, name):
    errors = _error(make, organisation, field, "2028")
    assert not any("must be before" in error for error in errors), (path, errors)


@pytest.mark.parametrize(("path", "make", "field", "name"), ANY)
def test_a_date_in_year_1_is_refused(organisation, path, make, field, name):
    errors = _error(make, organisation, field, "0001", day=1, month=1)
    assert errors == [f"{name} must be the same as or after 1 January 1900"], (path, errors)


@pytest.mark.parametrize(("path", "make", "field", "name"), ARRANGED)
def test_something_arranged_is_not_years_in_the_past(organisation, path, make, field, name):
    errors = _error(make, organisation, field, "2024")
    assert errors == [f"{name} must be the same as or after 1 January 2025"], (path, errors)


def test_the_bound_moves_on_with_the_years(organisation):
    with time_machine.travel(datetime.datetime(2030, 2, 1, tzinfo=datetime.UTC), tick=False):
        form = _staff(typed("start_date", 31, 12, "2032"), organisation)
        form.is_valid()
    assert "start_date" not in form.errors


def test_every_date_field_of_every_form_is_the_kernels():
    """Every form's date goes through the one rule: no stock Django date field."""
    import importlib

    from django.apps import apps

    stock: list[str] = []
    checked = 0
    for config in apps.get_app_configs():
        if config.name.split(".")[0] not in LAYERS:
            continue
        for module_name in ("forms", "manage_forms", "supervisor_forms", "group_forms"):
            try:
                module = importlib.import_module(f"{config.name}.{module_name}")
            except ModuleNotFoundError:
                continue
            for value in vars(module).values():
                if isinstance(value, type) and issubclass(value, forms.Form | forms.ModelForm):
                    for name, field in value.base_fields.items():
                        checked += isinstance(field, DateField)
                        if isinstance(field, forms.DateField) and not isinstance(field, DateField):
                            stock.append(f"{module.__name__}.{value.__name__}.{name}")
                        if isinstance(field, forms.DateTimeField | forms.SplitDateTimeField):
                            stock.append(f"{module.__name__}.{value.__name__}.{name}")
    assert not stock
    assert checked >= 10  # the walk found the forms
    assert issubclass(ArrangedDateField, DateField)
