"""supervision.allowances.add_months is relativedelta(months=...) in arithmetic: the
same day and time that many months on, clamped to the month's end, zone kept."""

import datetime
import zoneinfo

from dateutil.relativedelta import relativedelta

from supervision.allowances import add_months

LONDON = zoneinfo.ZoneInfo("Europe/London")


def test_every_day_of_four_years_by_every_shift_as_relativedelta():
    day = datetime.date(2023, 1, 1)
    while day < datetime.date(2027, 1, 1):
        for months in (-37, -25, -13, -12, -6, -3, -1, 0, 1, 2, 11, 12, 13, 35, 36, 48):
            assert add_months(day, months) == day + relativedelta(months=months), (day, months)
        day += datetime.timedelta(days=1)


def test_an_aware_time_keeps_its_time_and_zone_across_the_clock_changes():
    for moment in (
        datetime.datetime(2026, 1, 31, 9, 30, tzinfo=LONDON),
        datetime.datetime(2026, 3, 29, 1, 30, tzinfo=datetime.UTC),
        datetime.datetime(2026, 10, 25, 1, 30, fold=1, tzinfo=LONDON),
        datetime.datetime(2024, 2, 29, 23, 59, 59, 999999, tzinfo=LONDON),
    ):
        for months in (-12, -1, 1, 2, 7, 12):
            shifted = add_months(moment, months)
            assert shifted == moment + relativedelta(months=months)
            assert (shifted.tzinfo, shifted.fold, shifted.time()) == (
                moment.tzinfo,
                moment.fold,
                moment.time(),
            )


def test_the_month_end_is_clamped_not_rolled_over():
    assert add_months(datetime.date(2026, 1, 31), 1) == datetime.date(2026, 2, 28)
    assert add_months(datetime.date(2024, 1, 31), 1) == datetime.date(2024, 2, 29)
    assert add_months(datetime.date(2026, 3, 31), -1) == datetime.date(2026, 2, 28)
    assert add_months(datetime.date(2026, 12, 15), 1) == datetime.date(2027, 1, 15)
    assert add_months(datetime.date(2027, 1, 15), -1) == datetime.date(2026, 12, 15)
