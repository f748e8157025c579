"""A booking sent twice (two tabs, a second click) answers every request with the
booking's page and "You have already booked this session", not a refusal after
the booking went through (issue 17)."""

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from kernel.models import Band
from supervision.models import Session
from tests.factories import AgreementFactory, StaffProfileFactory
from tests.scenario import NOW, book, tuesday
from tests.threads import at_once

from .test_booking_page import TAKEN, key

pytestmark = pytest.mark.django_db

ALREADY = "You have already booked this session."


def _agreement_book_url(agreement):
    return reverse("supervision:agreement_book", args=[agreement.pk])


def _first_session_url(programme, supervisor_profile):
    return reverse("supervision:first_session_book", args=[supervisor_profile.pk, programme.pk])


def _session_url(session):
    return reverse("supervision:session", args=[session.pk])


def test_the_same_booking_sent_twice_answers_the_booking_page_both_times(
    client, agreement, frozen_now
):
    client.force_login(agreement.supervisee)
    url = _agreement_book_url(agreement)
    first = client.post(url, {"slot": key(tuesday(1, 14))})
    session = Session.objects.get(supervisee=agreement.supervisee)
    assert first.status_code == 302
    assert first["Location"] == _session_url(session)
    assert ALREADY not in [str(m) for m in get_messages(first.wsgi_request)]

    second = client.post(url, {"slot": key(tuesday(1, 14))})
    assert second.status_code == 302
    assert second["Location"] == _session_url(session)
    assert ALREADY in [str(m) for m in get_messages(second.wsgi_request)]
    assert Session.objects.filter(supervisee=agreement.supervisee).count() == 1
    page = client.get(second["Location"]).content.decode()
    assert ALREADY in page


def test_a_first_session_without_agreement_sent_twice_is_not_refused(
    client, programme, supervisor_profile, band7, frozen_now
):
    programme.allow_booking_without_agreement = True
    programme.save()
    client.force_login(band7)
    url = _first_session_url(programme, supervisor_profile)
    first = client.post(url, {"slot": key(tuesday(1, 14))})
    assert first.status_code == 302
    second = client.post(url, {"slot": key(tuesday(1, 14))})
    assert second.status_code == 302  # not 403 "agree an agreement first"
    assert second["Location"] == first["Location"]
    assert ALREADY in [str(m) for m in get_messages(second.wsgi_request)]
    assert Session.objects.filter(supervisee=band7).count() == 1


def test_a_time_someone_else_booked_is_still_refused(client, agreement, organisation, frozen_now):
    """Only the very booking they hold is answered so; someone else's time stays refused."""
    nurse = StaffProfileFactory(organisation=organisation, band=Band.BAND_7).user
    book(
        AgreementFactory(
            programme=agreement.programme, supervisor=agreement.supervisor, supervisee=nurse
        ),
        tuesday(1, 14),
    )
    client.force_login(agreement.supervisee)
    response = client.post(_agreement_book_url(agreement), {"slot": key(tuesday(1, 14))})
    assert response.status_code == 200
    assert TAKEN in response.content.decode()


def _tabs_post_at_once(user, url, data, tabs: int) -> list:
    """`tabs` browser tabs of one person send the same form at the same moment."""
    clients = []
    for _ in range(tabs):
        client = Client()
        client.force_login(user)
        clients.append(client)

    def tab():
        with time_machine.travel(NOW, tick=False):
            response = clients.pop().post(url, data)
        return (
            response.status_code,
            response.get("Location"),
            [str(m) for m in get_messages(response.wsgi_request)],
        )

    return at_once(tab, tabs)


@pytest.mark.django_db(transaction=True)
def test_one_booking_sent_from_four_tabs_at_once_answers_every_tab_with_the_booking(agreement):
    answers = _tabs_post_at_once(
        agreement.supervisee, _agreement_book_url(agreement), {"slot": key(tuesday(1, 14))}, 4
    )
    session = Session.objects.get(supervisee=agreement.supervisee)
    assert len(answers) == 4
    assert {(status, location) for status, location, _ in answers} == {(302, _session_url(session))}
    assert sum(ALREADY in said for _, _, said in answers) == 3


@pytest.mark.django_db(transaction=True)
def test_a_first_session_sent_from_three_tabs_at_once_answers_every_tab_with_it(
    programme, supervisor_profile, band7
):
    programme.allow_booking_without_agreement = True
    programme.save()
    answers = _tabs_post_at_once(
        band7, _first_session_url(programme, supervisor_profile), {"slot": key(tuesday(1, 14))}, 3
    )
    session = Session.objects.get(supervisee=band7)
    assert {(status, location) for status, location, _ in answers} == {(302, _session_url(session))}
