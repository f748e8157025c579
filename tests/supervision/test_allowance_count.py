"""The allowance's count of sessions used (supervision.allowances) runs SQL built once for
each shape of a programme's rules and period: every shape counts what the queryset
counts, and the allowance a person sees follows each rule."""

import datetime
import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from supervision.allowances import (
    Period,
    _count_counted,
    _counted_q,
    _sessions_counted,
    allowance,
)
from supervision.models import AllowanceExtra, Session

pytestmark = pytest.mark.django_db

UTC = datetime.UTC
NOW = datetime.datetime(2026, 6, 15, 12, tzinfo=UTC)


def _session(agreement, days, status, **fields):
    starts = NOW + datetime.timedelta(days=days)
    if status == Session.Status.CANCELLED:
        fields["cancelled_at"] = starts - datetime.timedelta(hours=2)
    return Session.objects.create(
        programme=agreement.programme,
        supervisor=agreement.supervisor,
        supervisee=agreement.supervisee,
        agreement=agreement,
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=1),
        status=status,
        **fields,
    )


@pytest.fixture
def sessions(agreement, other_supervisee):
    """One session of each kind the rules tell apart, at times inside and outside the
    periods tried, and one of someone else's."""
    cancelled = Session.Status.CANCELLED
    made = [
        _session(agreement, -200, Session.Status.ATTENDED),
        _session(agreement, -40, Session.Status.ATTENDED),
        _session(agreement, -30, Session.Status.DID_NOT_ATTEND),
        _session(agreement, -20, cancelled, cancelled_by="supervisee", late_cancellation=True),
        _session(agreement, -15, cancelled, cancelled_by="supervisee", late_cancellation=False),
        _session(agreement, -10, cancelled, cancelled_by="supervisor", late_cancellation=True),
        _session(agreement, 5, Session.Status.BOOKED),
        _session(agreement, 90, Session.Status.BOOKED),
    ]
    Session.objects.create(
        programme=agreement.programme,
        supervisor=agreement.supervisor,
        supervisee=other_supervisee,
        starts_at=NOW,
        ends_at=NOW + datetime.timedelta(hours=1),
        status=Session.Status.BOOKED,
    )
    return made


@pytest.mark.parametrize("shape", list(itertools.product((False, True), repeat=5)))
def test_every_shape_of_the_count_counts_what_the_queryset_counts(agreement, sessions, shape):
    did_not_attend, late, has_start, has_end, excluding = shape
    programme = agreement.programme
    programme.did_not_attend_counts, programme.late_cancellation_counts = did_not_attend, late
    period = Period(
        NOW - datetime.timedelta(days=35) if has_start else None,
        NOW + datetime.timedelta(days=30) if has_end else None,
        None,
    )
    # Leaving out one the count would otherwise include, so that leaving out tells.
    excluded = sessions[6].pk if excluding else None
    user = agreement.supervisee.pk
    expected = _sessions_counted(
        _counted_q(did_not_attend, late), programme.pk, user, period, excluded
    )
    assert _count_counted(programme, user, period, excluded) == expected.count()
    # and again, from the SQL kept, for another person (nothing of the first kept)
    assert _count_counted(programme, agreement.supervisor.pk, period, excluded) == 0


def test_the_allowance_counts_each_rule_and_leaves_out_the_session_being_moved(agreement, sessions):
    programme = agreement.programme
    programme.allowance_sessions = 20
    programme.rolling_months = 3
    programme.did_not_attend_counts = programme.late_cancellation_counts = False
    programme.save()
    person = agreement.supervisee
    # rolling three months back from now: the two attended, one booked (the one in 90
    # days is counted too: a rolling window is open-ended)
    assert allowance(programme, person, at=NOW).used == 3
    programme.did_not_attend_counts = True
    assert allowance(programme, person, at=NOW).used == 4
    programme.late_cancellation_counts = True
    assert allowance(programme, person, at=NOW).used == 5
    assert allowance(programme, person, at=NOW, exclude_session=sessions[6]).used == 4
    with CaptureQueriesContext(connection) as queries:
        allowance(programme, person, at=NOW)
    assert "COUNT(*)" in queries[0]["sql"]


def test_extra_sessions_count_on_the_days_they_are_valid_until_revoked(
    agreement, sessions, pna_programme, other_supervisee
):
    programme = agreement.programme
    programme.allowance_sessions = 2
    programme.save()
    person = agreement.supervisee
    today = NOW.date()
    day = datetime.timedelta(days=1)

    def extra(sessions, start, end, **fields):
        return AllowanceExtra.objects.create(
            programme=fields.pop("programme", programme),
            user=fields.pop("user", person),
            sessions=sessions,
            valid_from=start,
            valid_until=end,
            **fields,
        )

    extra(1, today, today)  # valid today only
    extra(2, today - 10 * day, today + 10 * day)
    extra(4, today - 10 * day, today - day)  # ended yesterday
    extra(8, today + day, today + 10 * day)  # from tomorrow
    extra(16, today, today, revoked_at=NOW)
    extra(32, today, today, programme=pna_programme)
    extra(64, today, today, user=other_supervisee)
    assert allowance(programme, person, at=NOW).total == 2 + 1 + 2
    assert allowance(programme, person, at=NOW + day).total == 2 + 2 + 8
    assert allowance(programme, person, at=NOW - 5 * day).total == 2 + 2 + 4
