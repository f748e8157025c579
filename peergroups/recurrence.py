"""When a group meets: a pure function from its recurrence to local datetimes.

Times are the host organisation's wall-clock times. Each meeting is built in
that zone with zoneinfo, so a 14:00 meeting stays at 14:00 local on both sides
of a clock change (its UTC time moves instead).
"""

import datetime
import zoneinfo
from dataclasses import dataclass

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


def group_occurrences(group, date_from: datetime.date, date_to: datetime.date):
    """`occurrences` for a Group, in its host organisation's zone."""
    return occurrences(
        recurrence=group.recurrence,
        weekday=group.weekday,
        week_of_month=group.week_of_month,
        start_time=group.start_time,
        end_time=group.end_time,
        starts_on=group.starts_on,
        ends_on=group.ends_on,
        time_zone=group.organisation.time_zone,
        date_from=date_from,
        date_to=date_to,
    )
