"""kernel.dates writes days and clock times itself, not through Django's formatter
(a table of sessions writes one a row): the words must be Django's to the letter."""

import datetime
import zoneinfo

import pytest
from django.utils import formats, translation

from kernel.dates import clock, long_date, month_and_year


@pytest.mark.parametrize("language", ["en-gb", "fr", "cy"])
def test_days_and_times_read_as_djangos_formatter_writes_them(language):
    zone = zoneinfo.ZoneInfo("Europe/London")
    start = datetime.datetime(2026, 1, 1, 0, 7, tzinfo=datetime.UTC)
    # Every day of two years (each weekday, month and both sides of each clock
    # change), at a time that moves through the day's hours and minutes.
    moments = [
        (start + datetime.timedelta(days=n, minutes=37 * n)).astimezone(zone) for n in range(731)
    ]
    moments.append(datetime.datetime(987, 6, 5, 4, 3, tzinfo=datetime.UTC))  # a short year
    with translation.override(language):
        for moment in moments:
            assert long_date(moment) == formats.date_format(moment, "l j F Y")
            assert clock(moment) == formats.time_format(moment, "H:i")
            assert month_and_year(moment) == formats.date_format(moment, "F Y")
            day = moment.date()  # the report's months are dates
            assert month_and_year(day) == formats.date_format(day, "F Y")
        if language == "fr":
            assert long_date(moments[0]) == "jeudi 1 janvier 2026"
