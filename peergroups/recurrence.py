"""When a group meets: a pure function from its recurrence to local datetimes.

Times are the host organisation's wall-clock times. Each meeting is built in
that zone with zoneinfo, so a 14:00 meeting stays at 14:00 local on both sides
of a clock change (its UTC time moves instead).
"""

import datetime
import zoneinfo
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

WEEK = datetime.timedelta(days=7)
LAST = 5  # week_of_month: the last such weekday of the month


@dataclass(frozen=True)
class Occurrence:
    date: datetime.date  # the date the recurrence gives (a meeting's identity)
    starts_at: datetime.datetime  # aware, in the organisation's zone
    ends_at: datetime.datetime


def _first_on_or_after(day: datetime.date, weekday: int) -> datetime.date:
    return day + datetime.timedelta(days=(weekday - day.weekday()) % 7)


def nth_weekday(year: int, month: int, weekday: int, week_of_month: int) -> datetime.date | None:
    """The 1st-4th `weekday` of the month, or the last when `week_of_month` is 5."""
    if week_of_month == LAST:
        next_month = datetime.date(year + month // 12, month % 12 + 1, 1)
        last_day = next_month - datetime.timedelta(days=1)
        return last_day - datetime.timedelta(days=(last_day.weekday() - weekday) % 7)
    day = _first_on_or_after(datetime.date(year, month, 1), weekday) + WEEK * (week_of_month - 1)
    return day if day.month == month else None


def _dates(recurrence, weekday, week_of_month, starts_on, last):
    if recurrence in ("weekly", "fortnightly"):
        step = WEEK if recurrence == "weekly" else 2 * WEEK
        day = _first_on_or_after(starts_on, weekday)
        while day <= last:
            yield day
            day += step
        return
    year, month = starts_on.year, starts_on.month
    while datetime.date(year, month, 1) <= last:
        nth = nth_weekday(year, month, weekday, week_of_month)
        if nth is not None and starts_on <= nth <= last:
            yield nth
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def occurrences(
    *,
    recurrence: str,
    weekday: int,
    week_of_month: int,
    start_time: datetime.time,
    end_time: datetime.time,
    starts_on: datetime.date,
    ends_on: datetime.date | None,
    time_zone: str,
    date_from: datetime.date,
    date_to: datetime.date,
) -> list[Occurrence]:
    """Meetings from `date_from` to `date_to` inclusive, within the group's own dates.

    Fortnightly groups count their fortnights from the first meeting on or after
    `starts_on`, whatever `date_from` is, so the rhythm never shifts.
    """
    zone = zoneinfo.ZoneInfo(time_zone)
    last = min(date_to, ends_on) if ends_on else date_to
    found = []
    for day in _dates(recurrence, weekday, week_of_month, starts_on, last):
        if day < date_from:
            continue
        found.append(
            Occurrence(
                date=day,
                starts_at=datetime.datetime.combine(day, start_time, tzinfo=zone),
                ends_at=datetime.datetime.combine(day, end_time, tzinfo=zone),
            )
        )
    return found


# The fields of a rule, as a Group (and a calendar series, GroupSeries) holds them.
RULE_FIELDS = ("recurrence", "weekday", "week_of_month", "start_time", "end_time")


def rule_of(source) -> dict:
    """The rule a Group or a GroupSeries holds, as keyword arguments of `occurrences`."""
    return {name: getattr(source, name) for name in RULE_FIELDS}


def group_occurrences(group, date_from: datetime.date, date_to: datetime.date):
    """`occurrences` for a Group, in its host organisation's zone."""
    return occurrences(
        **rule_of(group),
        starts_on=group.starts_on,
        ends_on=group.ends_on,
        time_zone=group.organisation.time_zone,
        date_from=date_from,
        date_to=date_to,
    )


DAY_NAMES = (
    gettext_lazy("Monday"),
    gettext_lazy("Tuesday"),
    gettext_lazy("Wednesday"),
    gettext_lazy("Thursday"),
    gettext_lazy("Friday"),
    gettext_lazy("Saturday"),
    gettext_lazy("Sunday"),
)
ORDINALS = {
    1: gettext_lazy("first"),
    2: gettext_lazy("second"),
    3: gettext_lazy("third"),
    4: gettext_lazy("fourth"),
    LAST: gettext_lazy("last"),
}


def describe(
    *,
    recurrence: str,
    weekday: int,
    week_of_month: int,
    start_time: datetime.time,
    end_time: datetime.time,
) -> str:
    """Which day a group meets, in words: "Every month on the second Wednesday,
    14:00-15:30" (with an en dash between the times)."""
    times = f"{start_time:%H:%M}\u2013{end_time:%H:%M}"
    day = DAY_NAMES[weekday]
    if recurrence == "weekly":
        rhythm = _("Every %(day)s") % {"day": day}
    elif recurrence == "fortnightly":
        rhythm = _("Every other %(day)s") % {"day": day}
    else:
        rhythm = _("Every month on the %(nth)s %(day)s") % {
            "nth": ORDINALS[week_of_month],
            "day": day,
        }
    return _("%(rhythm)s, %(times)s") % {"rhythm": rhythm, "times": times}


def group_rhythm(group) -> str:
    """`describe` for a Group (or a series, which carries the same fields)."""
    return describe(**rule_of(group))
