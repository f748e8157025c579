"""A group's tables' rows (peergroups.presenters): what each column says of a
meeting or a member, and the links and buttons each row offers."""

import datetime

import time_machine
from django.utils import timezone
from django.utils.safestring import SafeString

from accounts.models import User
from peergroups.models import Group, GroupSession, Membership
from peergroups.presenters import (
    attended_rows,
    member_rows,
    past_rows,
    to_complete_rows,
    upcoming_rows,
)

WHEN = "Tuesday 5 May 2026, 14:00 to 15:00 BST"


def _meeting(pk=9, status=GroupSession.Status.SCHEDULED, **annotations):
    meeting = GroupSession(pk=pk, group=Group(pk=3, name="Night <shift>"), status=status)
    meeting.when_text = WHEN
    for name, value in annotations.items():
        setattr(meeting, name, value)
    return meeting


def test_meetings_link_their_time_and_say_how_they_stand():
    (upcoming,) = upcoming_rows([_meeting()])
    assert upcoming == [f'<a href="/groups/meetings/9/">{WHEN}</a>', "Scheduled"]
    assert isinstance(upcoming[0], SafeString)
    held, cancelled, unwritten = past_rows(
        [
            _meeting(recorded=True),
            _meeting(status=GroupSession.Status.CANCELLED, recorded=False),
            _meeting(recorded=False),
        ]
    )
    assert held[1:] == ["Held", "Written"]
    assert cancelled[1:] == ["Cancelled", "\u2013"]
    assert unwritten[1:] == ["Held", "Not written"]


def test_a_member_gives_feedback_and_a_facilitator_finishes_a_meeting_by_links_that_name_it():
    ((_, feedback),) = attended_rows([_meeting()])
    assert feedback == (
        '<a href="/feedback/meetings/9/">Give feedback'
        f'<span class="nhsuk-u-visually-hidden"> {WHEN}</span></a>'
    )
    both, record_only = to_complete_rows(
        [
            _meeting(needs_register=True, needs_record=True),
            _meeting(needs_register=False, needs_record=True),
        ],
        show_group=True,
    )
    assert both[0] == '<a href="/groups/3/">Night &lt;shift&gt;</a>'
    assert both[2].count("<a ") == 2
    assert "Take the register" in both[2]
    assert "<br>" in both[2]
    assert "Take the register" not in record_only[2]
    assert "Write the record" in record_only[2]
    (in_one_group,) = to_complete_rows(
        [_meeting(needs_register=True, needs_record=False)], show_group=False
    )
    assert len(in_one_group) == 2


def _membership(pk, state, name="Amara", offer_expires_at=None):
    user = User(pk=pk, first_name=name, last_name="Okafor")
    return Membership(
        pk=pk, user=user, state=state, offer_expires_at=offer_expires_at, group=Group(pk=3)
    )


@time_machine.travel(datetime.datetime(2026, 5, 1, 12, tzinfo=datetime.UTC), tick=False)
def test_members_rows_flag_missed_meetings_show_offers_and_offer_the_facilitators_actions():
    expires = datetime.datetime(2026, 5, 3, 17, 30, tzinfo=datetime.UTC)  # 18:30 BST
    group = Group(pk=3)
    with timezone.override("Europe/London"):  # as the organisation's zone is, in a request
        active, offered = member_rows(
            [
                _membership(1, Membership.State.ACTIVE),
                _membership(2, Membership.State.OFFERED, "Bo", offer_expires_at=expires),
            ],
            group=group,
            flagged={1},
        )
    assert active[0] == (
        'Amara Okafor <strong class="nhsuk-tag nhsuk-tag--orange">Missed meetings</strong>'
    )
    assert offered[0] == "Bo Okafor", "not flagged, and not marked safe"
    assert not isinstance(offered[0], SafeString)
    assert offered[1].endswith(" (until 3 May 18:30)")
    assert active[2] == (
        '<a href="/groups/3/members/1/remove/">Remove'
        '<span class="nhsuk-u-visually-hidden"> Amara Okafor</span></a>'
    )
    assert "<form" not in active[2]
    ((_, _, actions),) = member_rows(
        [_membership(4, Membership.State.REQUESTED)], group=group, flagged=set(), csrf_token="tok"
    )
    assert '<form method="post" action="/groups/3/members/4/accept/"' in actions
    assert '<input type="hidden" name="csrfmiddlewaretoken" value="tok">' in actions
    assert "Accept" in actions
    assert actions.index("<form") < actions.index("Remove")
