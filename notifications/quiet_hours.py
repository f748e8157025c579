"""Quiet hours: 21:00 to 08:00 where the person is; prompts due then wait until 08:00.

Its own module so that scheduling (services) and sending (sending) both use it
without importing each other.
"""

import datetime
import zoneinfo

QUIET_START = datetime.time(21, 0)
QUIET_END = datetime.time(8, 0)


def outside_quiet_hours(moment: datetime.datetime, time_zone: str) -> datetime.datetime:
    """`moment`, or 08:00 local the next morning if it falls between 21:00 and 08:00."""
    zone = zoneinfo.ZoneInfo(time_zone)
    local = moment.astimezone(zone)
    if QUIET_END <= local.time() < QUIET_START:
        return moment
    day = local.date() if local.time() < QUIET_END else local.date() + datetime.timedelta(days=1)
    return datetime.datetime.combine(day, QUIET_END, tzinfo=zone).astimezone(datetime.UTC)
