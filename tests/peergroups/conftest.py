"""Fixtures the peergroups tests share.

Peer support: a junior doctor in the emergency department (the requester), the
`peer_supporter` from another ward, a supporter who is the doctor's line manager
and one who works in the doctor's own department. Groups: a group programme and
a second facilitator."""

import pytest

from kernel.models import Modality, Profession, Role
from peergroups.models import PeerSupporterProfile, PeerSupportSettings
from tests.factories import (
    DepartmentFactory,
    ProgrammeFactory,
    RoleGrantFactory,
    StaffProfileFactory,
)

from .support import make_request


@pytest.fixture
def emergency(organisation):
    return DepartmentFactory(organisation=organisation, name="Emergency department")


@pytest.fixture
def manager_supporter(organisation, emergency):
    """A peer supporter who line-manages the junior doctor."""
    profile = StaffProfileFactory(organisation=organisation, department=emergency)
    RoleGrantFactory(user=profile.user, organisation=organisation, role=Role.PEER_SUPPORTER)
    PeerSupporterProfile.objects.create(user=profile.user)
    return profile.user


@pytest.fixture
def colleague_supporter(organisation, emergency):
    """A peer supporter who works in the junior doctor's own department."""
    profile = StaffProfileFactory(organisation=organisation, department=emergency)
    RoleGrantFactory(user=profile.user, organisation=organisation, role=Role.PEER_SUPPORTER)
    PeerSupporterProfile.objects.create(user=profile.user)
    return profile.user


@pytest.fixture
def junior_doctor(organisation, emergency, manager_supporter):
    return StaffProfileFactory(
        organisation=organisation,
        department=emergency,
        profession=Profession.DOCTOR,
        job_title="Foundation year 2 doctor",
        line_manager=manager_supporter.profile,
    ).user


@pytest.fixture
def supporter(peer_supporter):
    """The `peer_supporter` (their own ward, not the doctor's), trained and available."""
    PeerSupporterProfile.objects.create(
        user=peer_supporter, training="TRiM practitioner", capacity=2
    )
    return peer_supporter


@pytest.fixture
def assigned(frozen_now, junior_doctor, supporter):
    """A request the doctor made naming the supporter: assigned now, no contact yet."""
    return make_request(junior_doctor, supporter=supporter)


@pytest.fixture
def second_supporter(organisation):
    profile = StaffProfileFactory(organisation=organisation)
    RoleGrantFactory(user=profile.user, organisation=organisation, role=Role.PEER_SUPPORTER)
    PeerSupporterProfile.objects.create(user=profile.user)
    return profile.user


@pytest.fixture
def trust_settings(organisation):
    return PeerSupportSettings.objects.create(
        organisation=organisation,
        eap_name="Westfield staff support line",
        eap_phone="0808 157 0192",
        eap_hours="24 hours a day",
        occupational_health_phone="020 7946 0321",
        occupational_health_email="occhealth@westfield.example",
        coordinator_phone="020 7946 0555",
    )


@pytest.fixture
def waiting_request(frozen_now, junior_doctor, programme_admin):
    return make_request(junior_doctor)


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
