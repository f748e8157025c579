"""The demo has seed 001 ready: urgent-help contacts, and a supporter's colleagues in each
state the coordinator and the supporter need to see."""

import pytest
from django.core.management import call_command
from django.utils import timezone

from notifications.models import Notification
from peergroups import notifications_peer
from peergroups.models import PeerSupportSettings, SupportHandback, SupportRequest

pytestmark = pytest.mark.django_db

KWAME = "kwame.boateng@westfield.example"


def test_the_demo_shows_peer_support_after_harm_in_every_state(capsys):
    call_command("demo_data", force=True)
    westfield = PeerSupportSettings.objects.get(organisation__slug="westfield")
    assert westfield.eap_phone
    assert westfield.occupational_health_phone
    now = timezone.now()
    kwames = SupportRequest.objects.filter(supporter__email=KWAME).with_overdue(now)
    assert kwames.filter(status="assigned").count() == 3
    assert kwames.filter(overdue=True).count() == 1
    assert kwames.filter(first_contacted_on__isnull=False).count() == 1
    declined = SupportHandback.objects.get(supporter__email=KWAME)
    assert declined.request.status == SupportRequest.Status.NEW
    # Grace, the peer supporter login, is free for the junior doctor's journey; the
    # junior doctor has asked for nothing yet.
    assert not SupportRequest.objects.filter(supporter__email__startswith="grace.").exists()
    assert not SupportRequest.objects.filter(requester__email__startswith="ife.").exists()
    # Beat's first scan reminds Kwame of one and alerts the coordinator of another.
    notifications_peer.schedule_first_contact_prompts()
    assert (
        Notification.objects.filter(
            kind="support_first_contact_reminder", recipient__email=KWAME
        ).count()
        == 1
    )
    assert (
        Notification.objects.filter(
            kind="support_first_contact_overdue", recipient__email="sam.whitaker@westfield.example"
        ).count()
        == 1
    )
    # Idempotent.
    counts = (SupportRequest.objects.count(), SupportHandback.objects.count())
    call_command("demo_data", force=True)
    assert (SupportRequest.objects.count(), SupportHandback.objects.count()) == counts
