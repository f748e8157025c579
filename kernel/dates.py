"""Dates and times as people read them: in the organisation's zone, with the zone named."""

import datetime
import zoneinfo

from django.core.exceptions import ValidationError
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext


def format_when(starts_at, ends_at, zone_name: str) -> str:
    """'Tuesday 1 December 2026, 14:00 to 15:00 GMT' in the given zone."""
    zone = zoneinfo.ZoneInfo(zone_name)
    start, end = starts_at.astimezone(zone), ends_at.astimezone(zone)
    return _("%(day)s, %(start)s to %(end)s %(zone)s") % {
        "day": formats.date_format(start, "l j F Y"),
        "start": formats.time_format(start, "H:i"),
        "end": formats.time_format(end, "H:i"),
        "zone": end.tzname(),
    }


def hours_ahead(hours: int) -> str:
    """'tomorrow', 'in 1 hour', 'in 2 hours': how far off a reminder's event is."""
    if hours >= 24:
        return _("tomorrow")
    return ngettext("in %(hours)s hour", "in %(hours)s hours", hours) % {"hours": hours}


def today_in(time_zone: str) -> datetime.date:
    """Today's date where the organisation is (not the server's, not UTC's)."""
    return timezone.now().astimezone(zoneinfo.ZoneInfo(time_zone)).date()


def refuse_future_date(value, *, field: str, message: str, time_zone: str) -> None:
    """The one rule for dates of things that have happened: today or before, in the
    organisation's zone. Raises a ValidationError on `field` with `message`."""
    if value is not None and value > today_in(time_zone):
        raise ValidationError({field: message})
