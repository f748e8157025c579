"""The shared scenario: a Monday in November 2026 and the Tuesdays after it."""

import datetime

# A Monday morning in November 2026, London time = UTC.
NOW = datetime.datetime(2026, 11, 23, 9, 0, tzinfo=datetime.UTC)


def tuesday(day: int, hour: int, month: int = 12, year: int = 2026) -> datetime.datetime:
    return datetime.datetime(year, month, day, hour, 0, tzinfo=datetime.UTC)


def book(agreement, starts_at: datetime.datetime, *, at: datetime.datetime = NOW):
    """The agreement's supervisee books the slot starting at `starts_at`, on the day `at`."""
    import time_machine

    from supervision.services.sessions import session_book

    with time_machine.travel(at, tick=False):
        return session_book(
            actor=agreement.supervisee,
            programme=agreement.programme,
            supervisor=agreement.supervisor,
            agreement=agreement,
            starts_at=starts_at,
        )
