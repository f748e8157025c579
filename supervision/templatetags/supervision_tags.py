"""Small display helpers: session times in the organisation's zone, allowances in words."""

import zoneinfo

from django import template
from django.utils import formats
from django.utils.translation import gettext as _

register = template.Library()


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


@register.filter
def when(session):
    """A session's time in its organisation's zone, with the zone named."""
    return format_when(session.starts_at, session.ends_at, session.programme.organisation.time_zone)


@register.filter
def allowance_words(allowance):
    """'2 of 2 sessions left until 31 March 2027', '1 of 2 left in the last 12 months'."""
    if allowance is None:
        return ""
    if not allowance.limited:
        return _("No limit on sessions")
    if allowance.period.end_date:
        return _("%(left)s of %(total)s sessions left until %(end)s") % {
            "left": allowance.left,
            "total": allowance.total,
            "end": formats.date_format(allowance.period.end_date, "j F Y"),
        }
    return _("%(left)s of %(total)s sessions left in the last %(months)s months") % {
        "left": allowance.left,
        "total": allowance.total,
        "months": allowance.rolling_months,
    }


@register.simple_tag
def slot_when(slot, programme):
    """A free slot's time in the programme's organisation's zone."""
    return format_when(slot.starts_at, slot.ends_at, programme.organisation.time_zone)


@register.filter
def function_labels(record):
    from ..models import SupervisionFunction

    return [SupervisionFunction(value).label for value in record.functions]
