"""Role fixtures: the people every access test is written around.

`organisation` is the trust under test; `other_organisation` is a stranger
trust whose admin must never see the first one's records.
"""

import pytest

from supervision.models import Role

from .factories import OrganisationFactory, RoleGrantFactory, StaffProfileFactory


def _person(organisation, *roles, **kwargs):
    profile = StaffProfileFactory(organisation=organisation, **kwargs)
    for role in roles:
        RoleGrantFactory(user=profile.user, organisation=organisation, role=role)
    return profile.user


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
