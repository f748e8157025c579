"""The learning community (seed 001): peer supporters of several organisations together.

A person sees a community, the resources shared with it and its threads if and
only if they support or coordinate peer support in a member organisation.
"""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from kernel.models import Role
from peergroups.models import LearningCommunity, Resource
from peergroups.services.resources import resource_create
from tests.factories import OrganisationFactory, RoleGrantFactory, StaffProfileFactory, UserFactory

pytestmark = pytest.mark.django_db


def url(name, *args):
    return reverse(f"peergroups:{name}", args=args)


def person(organisation, *roles):
    profile = StaffProfileFactory(organisation=organisation)
    for role in roles:
        RoleGrantFactory(user=profile.user, organisation=organisation, role=role)
    return profile.user


@pytest.fixture
def northgate(db):
    return OrganisationFactory(name="Northgate Community Health", slug="northgate")


@pytest.fixture
def community(organisation, northgate, programme_admin):
    """Westfield (the `organisation`) and Northgate; Westfield's programme admin moderates."""
    community = LearningCommunity.objects.create(name="North region peer support")
    community.organisations.add(organisation, northgate)
    community.coordinators.add(programme_admin)
    return community


@pytest.fixture
def northgate_supporter(northgate):
    return person(northgate, Role.PEER_SUPPORTER)


@pytest.fixture
def shared(community, northgate, northgate_supporter):
    """A resource Northgate shared with the community (for Northgate's supporters only)."""
    admin = person(northgate, Role.PROGRAMME_ADMIN)
    return resource_create(
        actor=admin,
        organisation=northgate,
        title="Listening after a difficult birth",
        link="https://www.england.nhs.uk/supporting-our-nhs-people/",
        audience=Resource.Audience.SUPPORTERS,
        communities=[community],
    )


# --- Who sees the community ------------------------------------------------------------


def test_a_supporter_of_either_member_organisation_sees_the_community(
    client, community, peer_supporter, northgate_supporter
):
    for user in (peer_supporter, northgate_supporter):
        client.force_login(user)
        page = client.get(url("community", community.pk)).content.decode()
        assert "Westfield Hospitals NHS Trust" in page
        assert "Northgate Community Health" in page


def test_everyone_else_gets_404(
    client, community, supervisee, facilitator, other_organisation, outsider
):
    staff = UserFactory(is_staff=True, is_superuser=True)
    elsewhere = person(other_organisation, Role.PEER_SUPPORTER)
    for user in (supervisee, facilitator, staff, elsewhere, outsider):
        client.force_login(user)
        assert client.get(url("community", community.pk)).status_code == 404


# --- The shared compendium ----------------------------------------------------------------


def test_a_shared_resource_is_in_every_member_supporters_library_marked_with_who_shared_it(
    client, shared, peer_supporter, northgate_supporter
):
    client.force_login(peer_supporter)
    page = client.get(url("resources")).content.decode()
    assert "Listening after a difficult birth" in page
    assert "Shared by Northgate Community Health" in page
    client.force_login(northgate_supporter)
    page = client.get(url("resources")).content.decode()
    assert "Listening after a difficult birth" in page
    assert "Shared by" not in page  # their own organisation's


def test_a_shared_resource_is_not_seen_outside_the_community(
    client, shared, supervisee, other_organisation
):
    for user in (supervisee, person(other_organisation, Role.PEER_SUPPORTER)):
        client.force_login(user)
        assert "Listening after" not in client.get(url("resources")).content.decode()
    client.force_login(supervisee)
    assert client.get(url("resource_edit", shared.pk)).status_code == 404


def test_unsharing_takes_it_out_of_the_other_libraries(client, shared, peer_supporter):
    shared.communities.clear()
    client.force_login(peer_supporter)
    assert "Listening after" not in client.get(url("resources")).content.decode()


def test_an_admin_shares_through_the_resource_form(client, community, programme_admin):
    client.force_login(programme_admin)
    page = client.get(url("resource_add")).content.decode()
    assert "North region peer support" in page
    response = client.post(
        url("resource_add"),
        {
            "title": "Defusing after an incident",
            "link": "https://www.england.nhs.uk/",
            "audience": "supporters",
            "communities": [community.pk],
        },
    )
    assert response.status_code == 302
    resource = Resource.objects.get(title="Defusing after an incident")
    assert list(resource.communities.all()) == [community]


def test_an_organisation_shares_only_with_its_own_communities(
    community, other_organisation, outsider
):
    with pytest.raises(ValidationError):
        resource_create(
            actor=outsider,
            organisation=other_organisation,
            title="Not ours to share",
            link="https://www.england.nhs.uk/",
            audience="everyone",
            communities=[community],
        )


def test_site_staff_name_only_member_organisations_coordinators_as_moderators(
    organisation, northgate, programme_admin, outsider, peer_supporter
):
    from peergroups.admin import LearningCommunityAdminForm

    def form(*coordinators):
        return LearningCommunityAdminForm(
            data={
                "name": "North region",
                "organisations": [organisation.pk, northgate.pk],
                "coordinators": [user.pk for user in coordinators],
            }
        )

    assert form(programme_admin).is_valid()
    for stranger in (outsider, peer_supporter):
        refused = form(programme_admin, stranger)
        assert not refused.is_valid()
        assert "coordinators" in refused.errors
