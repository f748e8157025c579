"""Dates of things that have happened cannot be in the future (issue 15): the journal's
"when it happened" and a record's escalation date, refused by one rule
(kernel.dates.refuse_future_date) on the service path and on the page, in the
organisation's zone."""

import datetime
from typing import Any

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from feedback.models import JournalEntry
from feedback.services.journal import journal_entry_create
from kernel.dates import refuse_future_date, today_in
from kernel.models import SupervisionFunction
from supervision.services.sessions import session_book, session_log
from tests.scenario import tuesday

pytestmark = pytest.mark.django_db

# 23:30 UTC on 30 June is already 1 July in London (BST)
LATE_EVENING = datetime.datetime(2026, 6, 30, 23, 30, tzinfo=datetime.UTC)


def test_today_is_the_organisations_today():
    with time_machine.travel(LATE_EVENING, tick=False):
        assert today_in("Europe/London") == datetime.date(2026, 7, 1)
        refuse_future_date(
            datetime.date(2026, 7, 1), field="f", message="m", time_zone="Europe/London"
        )
        with pytest.raises(ValidationError):
            refuse_future_date(
                datetime.date(2026, 7, 2), field="f", message="m", time_zone="Europe/London"
            )


def _journal(author, occurred_on):
    return journal_entry_create(
        author=author,
        template="gibbs",
        title="A hard handover",
        sections={"description": "Handover ran late"},
        occurred_on=occurred_on,
    )


def test_the_journal_refuses_tomorrow_on_every_path(client, supervisee, frozen_now):
    tomorrow = frozen_now.date() + datetime.timedelta(days=1)
    with pytest.raises(ValidationError) as refused:
        _journal(supervisee, tomorrow)
    assert "occurred_on" in refused.value.error_dict
    assert _journal(supervisee, frozen_now.date()).occurred_on == frozen_now.date()

    client.force_login(supervisee)
    response = client.post(
        reverse("feedback:journal_add", args=["gibbs"]),
        {
            "title": "Tomorrow's worry",
            "occurred_on_day": str(tomorrow.day),
            "occurred_on_month": str(tomorrow.month),
            "occurred_on_year": str(tomorrow.year),
            "section_description": "Not yet",
            "session": "",
        },
    )
    assert response.status_code == 200
    assert "The date it happened must be today or in the past" in response.content.decode()
    assert not any(e.title == "Tomorrow's worry" for e in JournalEntry.objects.all())


def test_an_escalation_cannot_be_dated_in_the_future(agreement):
    with time_machine.travel(datetime.datetime(2026, 11, 23, 9, tzinfo=datetime.UTC)):
        session = session_book(
            actor=agreement.supervisee,
            programme=agreement.programme,
            supervisor=agreement.supervisor,
            agreement=agreement,
            starts_at=tuesday(1, 14),
        )
    with time_machine.travel(datetime.datetime(2026, 12, 1, 16, tzinfo=datetime.UTC)):
        values: dict[str, Any] = {
            "attendance": "attended",
            "actual_minutes": 50,
            "functions": [SupervisionFunction.RESTORATIVE],
            "themes": [],
            "agreed_actions": "",
            "escalated": True,
            "escalated_to": "Safeguarding lead",
        }
        with pytest.raises(ValidationError) as refused:
            session_log(
                actor=session.supervisor,
                session=session,
                escalated_on=datetime.date(2026, 12, 2),
                **values,
            )
        assert "escalated_on" in refused.value.error_dict
        record = session_log(
            actor=session.supervisor,
            session=session,
            escalated_on=datetime.date(2026, 12, 1),
            **values,
        )
        assert record.escalated_on == datetime.date(2026, 12, 1)
