"""Seed 001 in the demo: peer support after harm, ready to walk through.

Westfield's urgent-help contacts (its employee assistance line, occupational
health, the coordinator's phone) are set, so every peer-support page starts
with them. Kwame Boateng, a peer supporter on Ward 7, has three colleagues:
one whose first contact is overdue (the coordinator's queue flags it, and
beat's scan alerts the coordinator once), one due tomorrow (he is reminded),
and one he first contacted five days ago. A fourth request he declined (a
conflict of interest) waits for the coordinator, Sam Whitaker, to reassign.
Grace Adeyemi, the demo's peer supporter login, is left free for the journey
in which the junior doctor asks for help.

Made through the services, as the app would; only the dates are moved back.
The phone numbers are from Ofcom's ranges for drama, never a real line.
"""

import datetime

from django.contrib.auth import get_user_model
from django.utils import timezone

from kernel.models import StaffProfile

KWAME = "kwame.boateng@westfield.example"
COORDINATOR = "sam.whitaker@westfield.example"
# The demo logins ask for support in the browser journeys: not them.
LOGINS = (
    "amara.okafor@westfield.example",
    "ife.adebayo@westfield.example",
    "jordan.lee@westfield.example",
)

SETTINGS = {
    "westfield": {
        "eap_name": "Westfield staff support line",
        "eap_phone": "0808 157 0192",
        "eap_hours": "24 hours a day, every day",
        "occupational_health_phone": "020 7946 0321",
        "occupational_health_email": "occupational.health@westfield.example",
        "coordinator_phone": "020 7946 0555",
        "first_contact_hours": 72,
    },
    "northgate": {
        "eap_name": "Northgate employee assistance programme",
        "eap_phone": "0808 157 0847",
        "eap_hours": "Monday to Friday, 8am to 8pm",
        "occupational_health_phone": "0117 496 0123",
        "occupational_health_email": "",
        "coordinator_phone": "",
        "first_contact_hours": 48,
    },
}


def load_peer_support_after_harm(organisations) -> None:
    from peergroups.models import PeerSupportSettings

    westfield = organisations["westfield"]
    if PeerSupportSettings.objects.filter(organisation=westfield).exists():
        return
    _settings(organisations)
    _requests(westfield)


def _settings(organisations) -> None:
    from peergroups.permissions.peer_support import support_settings_for
    from peergroups.services.support_changes import peer_support_settings_update

    for slug, values in SETTINGS.items():
        peer_support_settings_update(
            actor=None, settings=support_settings_for(organisations[slug].pk), **values
        )


def _move_back(support_request, *, days: float) -> None:
    """The request as if asked two hours before it was assigned, `days` ago."""
    from peergroups.models import SupportRequest
    from peergroups.services.peer_support import FIRST_CONTACT_WITHIN

    assigned = timezone.now() - datetime.timedelta(days=days)
    SupportRequest.objects.filter(pk=support_request.pk).update(
        created_at=assigned - datetime.timedelta(hours=2),
        assigned_at=assigned,
        first_contact_due=assigned + FIRST_CONTACT_WITHIN,
    )
    support_request.refresh_from_db()


def _requests(westfield) -> None:
    from peergroups.services.peer_support import checkin_log, support_request_create
    from peergroups.services.support_changes import support_request_hand_back

    User = get_user_model()
    kwame = User.objects.get(email=KWAME)
    colleagues = [
        profile.user
        for profile in StaffProfile.objects.filter(organisation=westfield, user__is_active=True)
        .exclude(department=kwame.profile.department)
        .exclude(user__email__in=[*LOGINS, KWAME, COORDINATOR])
        .exclude(user__role_grants__isnull=False)
        .select_related("user")
        .order_by("user__email")[:4]
    ]
    if len(colleagues) < 4:
        return
    overdue, due_soon, in_touch, declined = colleagues

    def ask(requester, *, event_kind, contact_mode, contact_detail, note):
        return support_request_create(
            actor=requester,
            event_kind=event_kind,
            contact_mode=contact_mode,
            contact_detail=contact_detail,
            note=note,
            supporter=kwame,
        )

    # Declined first, while he has room for it (he supports three at most).
    fourth = ask(
        declined,
        event_kind="adverse_event",
        contact_mode="email",
        contact_detail="My work email, please",
        note="",
    )
    support_request_hand_back(actor=kwame, support_request=fourth, reason="conflict")

    first = ask(
        overdue,
        event_kind="patient_death",
        contact_mode="phone",
        contact_detail="07700 900318, evenings",
        note="A patient I had looked after for weeks died on my shift.",
    )
    _move_back(first, days=4)

    second = ask(
        due_soon,
        event_kind="violence",
        contact_mode="in_person",
        contact_detail="The staff room on my ward, after 2pm",
        note="",
    )
    _move_back(second, days=2)

    third = ask(
        in_touch,
        event_kind="adverse_event",
        contact_mode="teams",
        contact_detail="Teams, any weekday lunchtime",
        note="A medication error on a night shift; the incident review is next week.",
    )
    _move_back(third, days=6)
    now = timezone.now()
    checkin_log(
        actor=kwame,
        support_request=third,
        happened_at=now - datetime.timedelta(days=5, hours=3),
        mode="teams",
        notes="Talked it through; agreed to speak again after the incident review.",
        next_due=timezone.localdate() + datetime.timedelta(days=16),
    )
