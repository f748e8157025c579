"""Role fixtures: the people every access test is written around.

`organisation` is the trust under test; `other_organisation` is a stranger
trust whose admin must never see the first one's records.
"""

import datetime

import pytest
import time_machine

from kernel.models import Band, Role, Theme

from .factories import (
    AgreementFactory,
    OrganisationFactory,
    ProgrammeFactory,
    RoleGrantFactory,
    StaffProfileFactory,
    SupervisorProfileFactory,
    WeeklyAvailabilityFactory,
)
from .records import records  # noqa: F401 - a fixture, shared with every test module
from .scenario import NOW


def _person(organisation, *roles, **kwargs):
    profile = StaffProfileFactory(organisation=organisation, **kwargs)
    for role in roles:
        RoleGrantFactory(user=profile.user, organisation=organisation, role=role)
    return profile.user


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts with an empty cache: SQLite reuses primary keys after a
    rollback, so a report cached by one test could answer for another."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def organisation(db):
    return OrganisationFactory(name="Westfield Hospitals NHS Trust", slug="westfield")


@pytest.fixture
def other_organisation(db):
    return OrganisationFactory(name="Eastbrook Healthcare NHS Trust", slug="eastbrook")


@pytest.fixture
def supervisee(organisation):
    return _person(organisation)


@pytest.fixture
def other_supervisee(organisation):
    return _person(organisation)


@pytest.fixture
def supervisor(organisation):
    return _person(organisation, Role.SUPERVISOR)


@pytest.fixture
def facilitator(organisation):
    return _person(organisation, Role.FACILITATOR)


@pytest.fixture
def peer_supporter(organisation):
    return _person(organisation, Role.PEER_SUPPORTER)


@pytest.fixture
def programme_admin(organisation):
    return _person(organisation, Role.PROGRAMME_ADMIN)


@pytest.fixture
def wellbeing_lead(organisation):
    return _person(organisation, Role.WELLBEING_LEAD)


@pytest.fixture
def outsider(other_organisation):
    """A programme admin of another organisation: powerful, but not here."""
    return _person(other_organisation, Role.PROGRAMME_ADMIN)


@pytest.fixture
def role_users(
    supervisee, supervisor, facilitator, peer_supporter, programme_admin, wellbeing_lead, outsider
):
    return {
        "anonymous": None,
        "supervisee": supervisee,
        "supervisor": supervisor,
        "facilitator": facilitator,
        "peer_supporter": peer_supporter,
        "programme_admin": programme_admin,
        "wellbeing_lead": wellbeing_lead,
        "outsider": outsider,
    }


# --- One-to-one supervision: seed 002's programmes and a supervisor ----------


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
