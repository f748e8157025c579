"""Demo examples for issue 16's "never left guessing": one of each, ready on `make run`.

- The group facilitator's (Tom Fletcher's) home page asks for the register and
  record of last month's meeting of the peer supporters' reflective group,
  whose members (Grace Adeyemi, the demo peer supporter, among them) joined
  before it and see its meetings to come on their home page.
- A closed group, with its reason, under "Closed groups" for its facilitator
  (Priya Raman) and the programme admin.
"""

import datetime

from django.contrib.auth import get_user_model
from django.utils import timezone

from peergroups.models import Group, GroupSession, Membership
from peergroups.recurrence import group_occurrences
from peergroups.services.closing import group_close
from peergroups.services.groups import group_create

PAST_MEETING_GROUP = "Peer supporters' reflective group"
CLOSED_GROUP = "Bank staff reflective group"


def load_group_examples(westfield) -> None:
    """Safe to run again: nothing is added twice."""
    group = Group.objects.filter(organisation=westfield, name=PAST_MEETING_GROUP).first()
    if group is None or Group.objects.filter(organisation=westfield, name=CLOSED_GROUP).exists():
        return
    _last_months_meeting(group)
    _closed_group(westfield, group.programme)


def _last_months_meeting(group) -> None:
    today = timezone.localdate()
    group.starts_on = today - datetime.timedelta(days=70)  # as if it had been meeting since
    past = group_occurrences(group, group.starts_on, today)
    past = [o for o in past if o.ends_at < timezone.now()]
    if not past:
        return
    last = past[-1]
    GroupSession.objects.get_or_create(
        group=group,
        occurrence=last.date,
        defaults={
            "starts_at": last.starts_at.astimezone(datetime.UTC),
            "ends_at": last.ends_at.astimezone(datetime.UTC),
        },
    )
    # The group has been meeting for a while: its members joined before that meeting.
    joined = last.starts_at - datetime.timedelta(days=60)
    Group.objects.filter(pk=group.pk).update(starts_on=joined.date())
    group.memberships.filter(state=Membership.State.ACTIVE).update(joined_at=joined)


def _closed_group(westfield, programme) -> None:
    User = get_user_model()
    admin = User.objects.get(email="sam.whitaker@westfield.example")
    priya = User.objects.get(email="priya.raman@westfield.example")
    closed = group_create(
        actor=admin,
        organisation=westfield,
        facilitators=[priya],
        programme=programme,
        name=CLOSED_GROUP,
        description="Monthly reflective practice for bank and agency staff.",
        group_type="reflective_practice",
        capacity=8,
        mode="in_person",
        meeting_link="",
        location="Education centre, room 2",
        recurrence="monthly",
        weekday=0,
        week_of_month=3,
        start_time=datetime.time(12),
        end_time=datetime.time(13),
        starts_on=timezone.localdate(),
        ends_on=None,
        open_to_other_organisations=False,
        offer_hours=72,
        absence_threshold=2,
    )
    group_close(
        actor=admin,
        group=closed,
        reason="Bank staff now join the reflective practice groups on their wards.",
    )
