"""Fixtures the groups tests share: a group programme and a second facilitator."""

import pytest

from kernel.models import Modality, Role
from tests.factories import ProgrammeFactory, RoleGrantFactory, StaffProfileFactory


@pytest.fixture
def group_programme(organisation):
    return ProgrammeFactory(
        organisation=organisation,
        name="Reflective practice groups",
        modality=Modality.GROUP,
        allowance_sessions=None,
    )


@pytest.fixture
def co_facilitator(organisation):
    profile = StaffProfileFactory(organisation=organisation)
    RoleGrantFactory(user=profile.user, organisation=organisation, role=Role.FACILITATOR)
    return profile.user
