"""The shared scenario: a Monday in November 2026 and the Tuesdays after it."""

import datetime

# A Monday morning in November 2026, London time = UTC.
NOW = datetime.datetime(2026, 11, 23, 9, 0, tzinfo=datetime.UTC)


def tuesday(day: int, hour: int, month: int = 12, year: int = 2026) -> datetime.datetime:
    return datetime.datetime(year, month, day, hour, 0, tzinfo=datetime.UTC)
