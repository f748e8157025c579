"""Issue 18: a page of Users costs the same queries with 100 people as with 1."""

import pytest

from tests.factories import StaffProfileFactory

from .scim import call, switch_on

pytestmark = pytest.mark.django_db


def test_listing_users_runs_the_same_queries_however_many_people(
    client, organisation, programme_admin, django_assert_num_queries
):
    token = switch_on(organisation, programme_admin)
    call(client, "GET", "Users", token)  # notes the token's first use (one write a minute)
    # 1 the settings the token belongs to (with the organisation)
    # 2 how many people there are
    # 3 a page of them, with each one's user, department and SCIM identity
    with django_assert_num_queries(3):
        assert call(client, "GET", "Users", token).status_code == 200
    StaffProfileFactory.create_batch(100, organisation=organisation)
    with django_assert_num_queries(3):
        listed = call(client, "GET", "Users?count=200", token).json()
    assert listed["itemsPerPage"] > 100
