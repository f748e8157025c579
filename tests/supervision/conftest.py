import datetime

import pytest
import time_machine

from supervision.models import Band, Theme
from tests.factories import (
    AgreementFactory,
    ProgrammeFactory,
    StaffProfileFactory,
    SupervisorProfileFactory,
    WeeklyAvailabilityFactory,
)

# A Monday morning in November 2026, London time = UTC.
NOW = datetime.datetime(2026, 11, 23, 9, 0, tzinfo=datetime.UTC)


@pytest.fixture
def frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield NOW


@pytest.fixture
def pna_programme(organisation):
    return ProgrammeFactory(
        organisation=organisation,
        name="Professional Nurse Advocate programme",
        eligible_everyone=False,
        eligible_bands=[Band.BAND_5, Band.BAND_6],
        allowance_sessions=None,
    )


@pytest.fixture
def programme(organisation, pna_programme):
    """Seed 002: Band 7 and 8 nurses, two one-hour sessions until 31 March."""
    return ProgrammeFactory(
        organisation=organisation,
        name="Band 7-8 one-to-one supervision",
        eligible_everyone=False,
        eligible_bands=[Band.BAND_7, Band.BAND_8A, Band.BAND_8B],
        not_eligible_message="Band 5 and 6 staff reach supervision through the PNA programme.",
        alternative=pna_programme,
        allowance_sessions=2,
        period_start=datetime.date(2026, 4, 1),
        period_end=datetime.date(2027, 3, 31),
    )


@pytest.fixture
def supervisor_profile(supervisor, programme):
    profile = SupervisorProfileFactory(user=supervisor, programmes=[programme])
    WeeklyAvailabilityFactory(supervisor=supervisor)  # Tuesdays 14:00-16:00 London
    return profile


@pytest.fixture
def band7(organisation):
    return StaffProfileFactory(organisation=organisation, band=Band.BAND_7).user


@pytest.fixture
def agreement(band7, supervisor, supervisor_profile, programme):
    return AgreementFactory(programme=programme, supervisor=supervisor, supervisee=band7)


@pytest.fixture
def themes(organisation):
    return [Theme.objects.create(organisation=organisation, name=n) for n in ("Workload", "Career")]


def tuesday(day: int, hour: int, month: int = 12, year: int = 2026) -> datetime.datetime:
    return datetime.datetime(year, month, day, hour, 0, tzinfo=datetime.UTC)
