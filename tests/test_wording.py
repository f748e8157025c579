"""Plural and wording slips people noticed (issue 15): no "hour(s)" or "1 minutes"."""

import pytest
from django.template.loader import render_to_string

from kernel.dates import hours_ahead


@pytest.mark.parametrize(
    ("hours", "words"), [(1, "in 1 hour"), (2, "in 2 hours"), (23, "in 23 hours"), (24, "tomorrow")]
)
def test_how_far_off_a_reminder_is(hours, words):
    assert hours_ahead(hours) == words


@pytest.mark.parametrize(
    ("left", "words"), [(1, "1 supervision session left"), (2, "2 supervision sessions left")]
)
@pytest.mark.parametrize("extension", ["txt", "html"])
def test_the_allowance_nudge_counts_properly(left, words, extension):
    import datetime
    from types import SimpleNamespace

    context = {
        "programme": SimpleNamespace(name="Band 7-8 one-to-one supervision"),
        "allowance": SimpleNamespace(
            left=left, period=SimpleNamespace(end_date=datetime.date(2027, 3, 31))
        ),
        "organisation_name": "Westfield",
        "link": "https://example.org/",
        "preferences_link": "https://example.org/p",
        "recipient": SimpleNamespace(first_name="Ann", get_full_name=lambda: "Ann Lee"),
    }
    text = render_to_string(f"notifications/emails/allowance_nudge.{extension}", context)
    assert words in text
    assert "(s)" not in text
