"""ReportScope.month: the month a moment falls in, in the organisation's zone, as
TruncMonth(field, tzinfo=zone) gives it, however the database works it out
(PostgreSQL's width_bucket, a CASE elsewhere), on both sides of both clock changes."""

import datetime
import zoneinfo

import pytest
from django.db.models.functions import TruncMonth

from feedback.models import WellbeingCheckIn
from reports.scope import ReportScope
from supervision.reporting import month_of

from ..factories import StaffProfileFactory

UTC = datetime.UTC
MOMENTS = [
    # The first and last instants of the window, and either side of each month's start.
    datetime.datetime(2025, 12, 1, 0, 0, tzinfo=UTC),  # GMT: 1 December
    datetime.datetime(2025, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
    datetime.datetime(2026, 1, 1, 0, 0, tzinfo=UTC),
    # The clocks go forward (29 March 01:00 UTC) and a month starts in summer time.
    datetime.datetime(2026, 3, 29, 0, 59, tzinfo=UTC),
    datetime.datetime(2026, 3, 29, 1, 0, tzinfo=UTC),
    datetime.datetime(2026, 3, 31, 22, 59, 59, tzinfo=UTC),  # 23:59:59 BST, 31 March
    datetime.datetime(2026, 3, 31, 23, 0, tzinfo=UTC),  # 00:00 BST, 1 April
    datetime.datetime(2026, 5, 31, 23, 30, tzinfo=UTC),  # 00:30 BST, 1 June
    datetime.datetime(2026, 9, 30, 22, 59, 59, tzinfo=UTC),  # 23:59:59 BST, 30 September
    datetime.datetime(2026, 9, 30, 23, 0, tzinfo=UTC),  # 00:00 BST, 1 October
    # The clocks go back (25 October 01:00 UTC): 01:30 local happens twice.
    datetime.datetime(2026, 10, 25, 0, 30, tzinfo=UTC),
    datetime.datetime(2026, 10, 25, 1, 30, tzinfo=UTC),
    datetime.datetime(2026, 10, 31, 23, 59, tzinfo=UTC),  # GMT again: still October
    datetime.datetime(2026, 11, 30, 23, 59, 59, 999999, tzinfo=UTC),  # the last instant
    # Outside the window: no month.
    datetime.datetime(2025, 11, 30, 23, 59, 59, tzinfo=UTC),
    datetime.datetime(2026, 12, 1, 0, 0, tzinfo=UTC),
]


@pytest.mark.django_db
@pytest.mark.parametrize("time_zone", ["Europe/London", "America/New_York", "Australia/Sydney"])
def test_the_month_of_a_moment_is_its_month_in_the_organisations_zone(time_zone):
    profile = StaffProfileFactory()
    profile.organisation.time_zone = time_zone
    profile.organisation.save()
    made = [
        WellbeingCheckIn.objects.create(
            author=profile.user, organisation=profile.organisation, feeling=3
        )
        for _ in MOMENTS
    ]
    for check_in, moment in zip(made, MOMENTS, strict=True):
        WellbeingCheckIn.objects.filter(pk=check_in.pk).update(created_at=moment)
    scope = ReportScope(
        organisation_id=profile.organisation_id,
        time_zone=time_zone,
        first_month=datetime.date(2025, 12, 1),
        last_month=datetime.date(2026, 11, 1),
    )
    zone = zoneinfo.ZoneInfo(time_zone)
    rows = WellbeingCheckIn.objects.filter(pk__in=[c.pk for c in made]).annotate(
        month=scope.month("created_at"), truncated=TruncMonth("created_at", tzinfo=zone)
    )
    found = {row.created_at: (row.month, row.truncated) for row in rows}
    for moment in MOMENTS:
        month, truncated = found[moment]
        local = moment.astimezone(zone)
        expected = datetime.date(local.year, local.month, 1)
        if scope.start <= moment < scope.end:
            assert month == expected == month_of(truncated, scope), moment
        else:
            assert month is None, moment
