"""Nobody waits in silence over an agreement (issue 15): each step reaches the other
person once, by email and in the app, with a link; words stay in the agreement."""

import pytest
from django.core import mail
from django.urls import reverse

from notifications import registry
from notifications.models import Notification
from notifications.sending import deliver
from supervision.services.agreements import (
    agreement_accept,
    agreement_end,
    agreement_request,
    agreement_update_terms,
)

pytestmark = pytest.mark.django_db


def _sent(recipient, kind):
    return Notification.objects.filter(recipient=recipient, kind=kind)


def _render(notification):
    kind = registry.get(notification.kind)
    assert kind is not None
    return kind.render(notification)


@pytest.fixture
def asked(band7, supervisor, supervisor_profile, programme):
    return agreement_request(
        actor=band7,
        supervisor=supervisor,
        programme=programme,
        message="I would like to talk about a difficult week on the ward.",
    )


def test_a_request_reaches_the_supervisor_with_its_message(asked, supervisor, band7):
    notification = _sent(supervisor, "agreement_requested").get()
    assert not _sent(band7, "agreement_requested").exists()
    # The message is read from the agreement, where it is encrypted: not kept in the outbox
    assert "difficult week" not in str(notification.payload)
    message = _render(notification)
    assert band7.get_full_name() in message.subject
    assert message.url == asked.get_absolute_url()
    assert "difficult week" in message.context["message"]


def test_each_acceptance_tells_the_other_person_once(asked, supervisor, band7):
    agreement_accept(actor=band7, agreement=asked)
    agreement_accept(actor=band7, agreement=asked)  # again: nothing new to say
    assert _sent(supervisor, "agreement_accepted").count() == 1
    agreement_accept(actor=supervisor, agreement=asked)
    assert _sent(band7, "agreement_accepted").count() == 1


def test_changed_terms_ask_the_supervisee_to_accept_again(agreement):
    agreement_update_terms(
        actor=agreement.supervisor,
        agreement=agreement,
        ground_rules="New rules",
        frequency="Every six weeks",
        confidentiality_limits=agreement.confidentiality_limits,
        start_date=agreement.start_date,
        review_date=agreement.review_date,
    )
    assert _sent(agreement.supervisee, "agreement_changed").count() == 1
    assert not _sent(agreement.supervisor, "agreement_changed").exists()


def test_a_declined_request_says_so_with_the_reason(asked, supervisor, band7):
    agreement_end(actor=supervisor, agreement=asked, reason="My list is full until spring")
    notification = _sent(band7, "agreement_declined").get()
    message = _render(notification)
    assert "declined" in message.subject
    assert message.context["reason"] == "My list is full until spring"
    assert "spring" not in str(notification.payload)


def test_an_ended_agreement_tells_the_supervisor(agreement):
    agreement_end(actor=agreement.supervisee, agreement=agreement, reason="Changing jobs")
    assert _sent(agreement.supervisor, "agreement_ended").count() == 1
    assert not _sent(agreement.supervisee, "agreement_ended").exists()


def test_the_request_form_carries_the_message(
    client, band7, supervisor, supervisor_profile, programme
):
    client.force_login(band7)
    url = reverse(
        "supervision:supervisor_request",
        kwargs={"pk": supervisor_profile.pk, "programme_pk": programme.pk},
    )
    page = client.get(reverse("supervision:supervisor", kwargs={"pk": supervisor_profile.pk}))
    assert "Message to the supervisor (optional)" in page.content.decode()
    too_long = client.post(url, {"message": "x" * 1001}, follow=True)
    assert "1,000 characters or fewer" in too_long.content.decode()
    client.post(url, {"message": "Tuesdays suit me"})
    notification = _sent(supervisor, "agreement_requested").get()
    assert notification.target_id == supervisor.agreements_as_supervisor.get().pk
    assert supervisor.agreements_as_supervisor.get().request_message == "Tuesdays suit me"
    assert deliver(notification.pk) == "sent"
    [email] = mail.outbox
    assert email.to == [supervisor.email]
    assert "Tuesdays suit me" in email.body
    assert supervisor.agreements_as_supervisor.get().get_absolute_url() in email.body
    notification.refresh_from_db()
    assert notification.state == Notification.State.SENT  # in the app's list too


def test_the_agreement_page_shows_the_message_to_both(client, asked, supervisor, band7):
    for person in (supervisor, band7):
        client.force_login(person)
        page = client.get(asked.get_absolute_url()).content.decode()
        assert "Message with the request" in page
        assert "difficult week on the ward" in page
