"""Groups already set up with a meaningless setting when the new bounds came (peergroups 0005).

The real migrations run backwards and forwards on the test database, over a row
written as the old code allowed it: 0 hours to accept an offer, a flag after 0
missed meetings (or after more than a year of them).
"""

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from peergroups.models import Group

BEFORE = "0006_themes_and_external_facilitators"


@pytest.fixture
def before_the_upgrade(transactional_db, organisation):
    from tests.factories import ProgrammeFactory

    programme = ProgrammeFactory(organisation=organisation, modality="group")
    call_command("migrate", "peergroups", BEFORE, verbosity=0)
    try:
        yield programme
    finally:
        call_command("migrate", verbosity=0)


def test_settings_that_mean_nothing_are_brought_within_the_bounds(before_the_upgrade):
    programme = before_the_upgrade
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO peergroups_group (programme_id, organisation_id, name, description, "
            "group_type, capacity, open_to_other_organisations, recurrence, weekday, "
            "week_of_month, start_time, end_time, starts_on, offer_hours, absence_threshold, "
            "is_active, created_at, mode, meeting_link, location) VALUES (%s, %s, 'Old group', "
            "'', 'reflective_practice', 8, %s, 'monthly', 1, 2, '14:00', '15:00', "
            "'2026-01-01', 0, 400, %s, %s, 'online', '', '')",
            [programme.pk, programme.organisation_id, False, True, timezone.now()],
        )

    call_command("migrate", "peergroups", verbosity=0)

    group = Group.objects.get(name="Old group")
    assert (group.offer_hours, group.absence_threshold) == (1, 12)
    with pytest.raises(IntegrityError), transaction.atomic():
        Group.objects.filter(pk=group.pk).update(offer_hours=0)
