"""What peer support's tests share: the confidential text that must never leak, the
forms as posted, and the outbox as a test reads it."""

import time_machine
from django.core import mail
from django.urls import reverse

from notifications.models import Notification
from peergroups import notifications_peer
from peergroups.models import EventKind
from peergroups.services import peer_support as services
from tests.outbox import deliver_due

NOTE = "I gave the wrong dose of gentamicin on bed 4"
CONTACT = "07700 900461 after 6pm"
CHECKIN_NOTES = "Talked through the incident review; sleeping badly"
SECRETS = (NOTE, CONTACT, CHECKIN_NOTES, "gentamicin", "07700")


def url(name, **kwargs):
    return reverse(f"peergroups:{name}", kwargs=kwargs or None)


def ask_form(**overrides):
    data = {
        "event_kind": EventKind.ADVERSE_EVENT,
        "contact_mode": "phone",
        "contact_detail": CONTACT,
        "note": NOTE,
        "supporter": "",
    }
    data.update(overrides)
    return data


def make_request(requester, supporter=None):
    return services.support_request_create(
        actor=requester,
        event_kind=EventKind.ADVERSE_EVENT,
        contact_mode="phone",
        contact_detail=CONTACT,
        note=NOTE,
        supporter=supporter,
    )


def checkin_form(**overrides):
    data = {
        "date": "2026-11-24",
        "time": "18:30",
        "mode": "phone",
        "notes": CHECKIN_NOTES,
        "next_due": "2026-12-22",
    }
    data.update(overrides)
    return data


def pending(support_request):
    return sorted(
        Notification.objects.for_target(support_request)
        .filter(state=Notification.State.PENDING)
        .values_list("kind", "recipient_id", "due_at")
    )


def all_mail():
    parts = []
    for message in mail.outbox:
        assert isinstance(message, mail.EmailMultiAlternatives)  # each has its HTML part
        html = message.alternatives[0][0]
        assert isinstance(html, str)
        parts.append(f"{message.subject}\n{message.body}\n{html}")
    return "\n".join(parts)


def kinds(support_request, kind):
    return [(r, due) for k, r, due in pending(support_request) if k == kind]


def scan(at):
    with time_machine.travel(at, tick=False):
        return notifications_peer.schedule_first_contact_prompts()


def deliver_at(at):
    with time_machine.travel(at, tick=False):
        return deliver_due()
