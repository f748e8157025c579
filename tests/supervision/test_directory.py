"""The supervisor directory: a page of supervisors at a time, filters kept."""

import pytest
from django.urls import reverse

from supervision.views.supervisors import DIRECTORY_PAGE_SIZE

from ..factories import StaffProfileFactory, SupervisorProfileFactory

pytestmark = pytest.mark.django_db


def test_the_directory_shows_a_page_of_supervisors_at_a_time(
    client, organisation, programme, band7
):
    for _ in range(DIRECTORY_PAGE_SIZE + 5):
        user = StaffProfileFactory(organisation=organisation).user
        SupervisorProfileFactory(user=user, programmes=[programme])
    client.force_login(band7)
    url = reverse("supervision:supervisors")
    first = client.get(url, {"programme": programme.pk})
    html = first.content.decode()
    assert f"{DIRECTORY_PAGE_SIZE + 5} supervisors" in html
    assert html.count('class="nhsuk-card"') == DIRECTORY_PAGE_SIZE
    assert f"programme={programme.pk}&amp;page=2" in html  # the filter is kept
    second = client.get(url, {"programme": programme.pk, "page": 2}).content.decode()
    assert second.count('class="nhsuk-card"') == 5
    beyond = client.get(url, {"page": "999"})
    assert beyond.status_code == 200  # the last page, not an error
