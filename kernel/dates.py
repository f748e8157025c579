"""Dates and times as people read them: in the organisation's zone, with the zone named."""

import datetime
import functools
import zoneinfo

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.dates import MONTHS, WEEKDAYS
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _


@functools.lru_cache(maxsize=16)
def _names(language: str | None) -> tuple[dict, dict]:
    """The day and month names in `language` (the active one): Django's WEEKDAYS and
    MONTHS are lazy, and each name written translated itself again, twice a table
    row."""
    return (
        {day: str(name) for day, name in WEEKDAYS.items()},
        {month: str(name) for month, name in MONTHS.items()},
    )


def long_date(value) -> str:
    """'Tuesday 1 December 2026': formats.date_format(value, "l j F Y") written
    directly, with the same translated day and month names. Django's formatter
    costs 20 microseconds a call, and a table of sessions writes one a row."""
    days, months = _names(get_language())
    return f"{days[value.weekday()]} {value.day} {months[value.month]} {value.year:04d}"


def month_and_year(value) -> str:
    """'December 2026': formats.date_format(value, "F Y") written directly (the
    report's filters write 36 of them a page)."""
    return f"{_names(get_language())[1][value.month]} {value.year:04d}"


def clock(value) -> str:
    """'14:05': formats.time_format(value, "H:i") written directly (10 microseconds
    less a call)."""
    return f"{value.hour:02d}:{value.minute:02d}"


def format_times(starts_at, ends_at, zone_name: str) -> str:
    """'14:00 to 15:00 GMT' in the given zone; '01:30 BST to 01:30 GMT' when the
    clocks change in between, so no time is ambiguous on a clock-change night."""
    zone = zoneinfo.ZoneInfo(zone_name)
    start, end = starts_at.astimezone(zone), ends_at.astimezone(zone)
    if start.tzname() != end.tzname():
        return _("%(start)s %(start_zone)s to %(end)s %(end_zone)s") % {
            "start": clock(start),
            "start_zone": start.tzname(),
            "end": clock(end),
            "end_zone": end.tzname(),
        }
    return _("%(start)s to %(end)s %(zone)s") % {
        "start": clock(start),
        "end": clock(end),
        "zone": end.tzname(),
    }


def format_when(starts_at, ends_at, zone_name: str) -> str:
    """'Tuesday 1 December 2026, 14:00 to 15:00 GMT' in the given zone: the one
    way pages, emails and invites write when something happens (format_times)."""
    start = starts_at.astimezone(zoneinfo.ZoneInfo(zone_name))
    return _("%(day)s, %(times)s") % {
        "day": long_date(start),
        "times": format_times(starts_at, ends_at, zone_name),
    }


def format_moment(moment, zone_name: str) -> str:
    """'Sunday 25 October 2026, 01:30 GMT': one instant, its zone always named."""
    local = moment.astimezone(zoneinfo.ZoneInfo(zone_name))
    return _("%(day)s, %(time)s %(zone)s") % {
        "day": long_date(local),
        "time": clock(local),
        "zone": local.tzname(),
    }


def is_ambiguous_locally(moment, zone_name: str) -> bool:
    """Whether `moment`'s wall-clock time in the zone happens twice (the hour the
    clocks go back): written as a bare local time it could mean either."""
    local = moment.astimezone(zoneinfo.ZoneInfo(zone_name))
    return local.replace(fold=1 - local.fold).utcoffset() != local.utcoffset()


def hours_ahead(hours: int) -> str:
    """'tomorrow', 'in 1 hour', 'in 2 hours': how far off a reminder's event is."""
    if hours >= 24:
        return _("tomorrow")
    return ngettext("in %(hours)s hour", "in %(hours)s hours", hours) % {"hours": hours}


def today_in(time_zone: str) -> datetime.date:
    """Today's date where the organisation is (not the server's, not UTC's)."""
    return timezone.now().astimezone(zoneinfo.ZoneInfo(time_zone)).date()


# --- Dates with a sensible bound (kernel.forms.DateField) -----------------------
# Every typed date lies in a window: from 1900 for anything (a start date, a
# training record, a report range), from 1 January last year for something
# being arranged (a meeting, a slot, time away, a weekly window), and for both
# before 1 January of the year after next: nothing is planned years ahead, and
# a meeting moved to 9999 is a typing slip, not a plan.
EARLIEST_DATE = datetime.date(1900, 1, 1)
YEARS_AHEAD = 2  # whole calendar years after this one
ARRANGED_YEARS_BACK = 1  # whole calendar years before this one, for arrangements


def date_bounds(*, arranging: bool) -> tuple[datetime.date, datetime.date]:
    """(earliest allowed, first refused) for a typed date, as of today."""
    year = timezone.localdate().year
    earliest = datetime.date(year - ARRANGED_YEARS_BACK, 1, 1) if arranging else EARLIEST_DATE
    return earliest, datetime.date(year + YEARS_AHEAD + 1, 1, 1)


def refuse_future_date(value, *, field: str, message: str, time_zone: str) -> None:
    """The one rule for dates of things that have happened: today or before, in the
    organisation's zone. Raises a ValidationError on `field` with `message`."""
    if value is not None and value > today_in(time_zone):
        raise ValidationError({field: message})
