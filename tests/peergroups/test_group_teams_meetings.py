"""Teams meetings through Microsoft Graph, one per online group meeting (issue 18).

As for one-to-one sessions (tests/supervision/test_teams_meetings.py): every
Graph call goes over real HTTP, through the app's own client, to the fake
Graph server the test starts (tests/fake_graph.py); the sync task runs here
with Celery's `apply`, as a worker would run the one queued after the commit.
"""

import datetime

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from icalendar import Calendar

from kernel.models import OnlineMeeting
from kernel.services.teams import online_meeting_for as meeting_or_none
from peergroups.models import GroupSession
from peergroups.services import groups as services
from peergroups.tasks import sync_group_meeting_teams
from tests.fake_graph import connected_graph
from tests.outbox import deliver_due
from tests.scenario import NOW

from .test_groups import join, make_group, person

pytestmark = pytest.mark.django_db
GROUP_LINK = "https://teams.microsoft.com/l/meetup-join/group"  # make_group's own link


@pytest.fixture
def graph(settings, organisation):
    yield from connected_graph(settings, organisation)


@pytest.fixture
def group(frozen_now, programme_admin, organisation, group_programme, facilitator, co_facilitator):
    return make_group(programme_admin, organisation, group_programme, [facilitator, co_facilitator])


@pytest.fixture
def member(group, organisation, facilitator):
    user = person(organisation)
    join(group, user, facilitator)
    return user


def online_meeting_for(meeting) -> OnlineMeeting:
    online = meeting_or_none(meeting)
    assert online is not None
    return online


def sync_all(group) -> list[str]:
    """What the workers do with the tasks queued after the commit."""
    return [
        sync_group_meeting_teams.apply(args=(meeting.pk,)).get()
        for meeting in group.sessions.order_by("starts_at")
    ]


def first_meeting(group) -> GroupSession:
    return group.sessions.order_by("starts_at").first()


def test_scheduling_a_group_makes_one_teams_meeting_per_meeting(
    graph, group, member, facilitator, client
):
    meetings = list(group.sessions.order_by("starts_at"))
    assert len(meetings) == 6
    assert [online_meeting_for(m).state for m in meetings] == ["pending"] * 6
    assert sync_all(group) == ["created"] * 6
    assert len(graph.live_meetings()) == 6
    # Organised by the lead facilitator (the first by account), at each meeting's time.
    creates = graph.calls("create")
    assert {path for name, path, _body in graph.requests if name == "create"} == {
        f"/v1.0/users/{facilitator.email}/onlineMeetings/createOrGet"
    }
    assert creates[0]["startDateTime"] == "2026-12-08T14:00:00Z"
    # Run again (a redelivered task): nothing new made.
    assert sync_all(group) == ["unchanged"] * 6
    assert len(graph.calls("create")) == 6

    link = online_meeting_for(meetings[0]).join_url
    assert link.startswith("https://teams.microsoft.com/l/meetup-join/MSo")
    # The member's page carries the meeting's own Teams link, not the group's.
    client.force_login(member)
    page = client.get(meetings[0].get_absolute_url()).content.decode()
    assert link in page
    assert GROUP_LINK not in page
    # Their calendar copy: each meeting an exception with its own LOCATION and URL.
    ics = client.get(reverse("peergroups:session_ics", args=[meetings[0].pk])).content
    events = [e for e in Calendar.from_ical(ics).walk("VEVENT") if e.get("recurrence-id")]
    assert {str(e["url"]) for e in events} == {online_meeting_for(m).join_url for m in meetings}
    assert all(str(e["location"]) == str(e["url"]) for e in events)

    # One email each about the links, however many arrived together, with the invite.
    mail.outbox.clear()
    with time_machine.travel(NOW + datetime.timedelta(minutes=3), tick=False):
        deliver_due()
    about_links = [m for m in mail.outbox if "Microsoft Teams links" in m.subject]
    assert sorted(m.to[0] for m in about_links) == sorted(
        p.email for p in (facilitator, member, *group.facilitators.exclude(pk=facilitator.pk))
    )
    to_member = next(m for m in about_links if m.to == [member.email])
    invite = next(a for a in to_member.attachments if a[0] == "invite.ics")
    urls = {str(e.get("url")) for e in Calendar.from_ical(invite[1]).walk("VEVENT")}
    assert link in urls


def test_reminder_email_carries_the_teams_link(graph, group, member):
    sync_all(group)
    meeting = first_meeting(group)
    link = online_meeting_for(meeting).join_url
    mail.outbox.clear()
    with time_machine.travel(meeting.starts_at - datetime.timedelta(hours=1), tick=False):
        deliver_due()
    reminders = [m for m in mail.outbox if m.to == [member.email] and "Reminder" in m.subject]
    assert reminders
    assert all(link in m.body for m in reminders)


def test_moving_a_meeting_patches_its_teams_meeting(graph, group, facilitator):
    sync_all(group)
    meeting = first_meeting(group)
    link = online_meeting_for(meeting).join_url
    services.meeting_move(
        actor=facilitator,
        meeting=meeting,
        starts_at=meeting.starts_at + datetime.timedelta(days=1),
        ends_at=meeting.ends_at + datetime.timedelta(days=1),
        reason="Room clash",
    )
    assert online_meeting_for(meeting).state == "pending"
    assert sync_group_meeting_teams.apply(args=(meeting.pk,)).get() == "updated"
    patch = graph.calls("update")[-1]
    assert patch["startDateTime"] == "2026-12-09T14:00:00Z"
    assert online_meeting_for(meeting).join_url == link  # the same meeting, moved


def test_cancelling_a_meeting_deletes_its_teams_meeting(graph, group, facilitator, member, client):
    sync_all(group)
    meeting = first_meeting(group)
    graph_id = online_meeting_for(meeting).graph_id
    services.meeting_cancel(actor=facilitator, meeting=meeting, reason="Snow")
    assert sync_group_meeting_teams.apply(args=(meeting.pk,)).get() == "cancelled"
    assert graph.calls("delete") == [{"id": graph_id}]
    assert graph_id not in graph.meetings
    assert online_meeting_for(meeting).state == OnlineMeeting.State.CANCELLED


def test_a_group_going_in_person_cancels_every_teams_meeting(
    graph, group, facilitator, co_facilitator
):
    sync_all(group)
    fields = {name: getattr(group, name) for name in services.GROUP_FIELDS}
    fields.update(mode="in_person", location="Seminar room 2")
    services.group_update(
        actor=facilitator, group=group, facilitators=[facilitator, co_facilitator], **fields
    )
    assert sync_all(group) == ["cancelled"] * 6
    assert graph.live_meetings() == []


def test_failure_is_shown_to_the_facilitator_with_the_group_link_and_a_retry(
    graph, group, facilitator, member, client
):
    graph.fail("create", status=403, times=1)
    meeting = first_meeting(group)
    assert sync_group_meeting_teams.apply(args=(meeting.pk,)).get() == "failed"
    assert online_meeting_for(meeting).state == "failed"
    # The member still has the group's own link.
    client.force_login(member)
    page = client.get(meeting.get_absolute_url()).content.decode()
    assert GROUP_LINK in page
    assert "Teams meeting failed" not in page
    # The facilitator sees why, that the group's link stands, and can try again.
    client.force_login(facilitator)
    page = client.get(meeting.get_absolute_url()).content.decode()
    assert "The Microsoft Teams meeting failed" in page
    assert "application access policy" in page
    assert GROUP_LINK in page
    retry = reverse("peergroups:session_teams_retry", args=[meeting.pk])
    assert retry in page
    # And is told once by email.
    deliver_due()
    told = [m for m in mail.outbox if "could not make the Microsoft Teams" in m.subject]
    assert sorted(m.to[0] for m in told) == sorted(
        group.facilitators.values_list("email", flat=True)
    )
    # A redelivered task neither tries nor tells again.
    assert sync_group_meeting_teams.apply(args=(meeting.pk,)).get() == "unchanged"
    assert len(graph.calls("create")) == 1

    response = client.post(retry)
    assert response.status_code == 302
    assert online_meeting_for(meeting).state == "pending"
    assert sync_group_meeting_teams.apply(args=(meeting.pk,)).get() == "created"
    page = client.get(meeting.get_absolute_url()).content.decode()
    assert online_meeting_for(meeting).join_url in page


def test_a_member_cannot_retry_and_another_organisation_sees_nothing(
    graph, group, member, client, other_organisation
):
    graph.fail("create", status=403, times=1)
    meeting = first_meeting(group)
    sync_group_meeting_teams.apply(args=(meeting.pk,)).get()
    retry = reverse("peergroups:session_teams_retry", args=[meeting.pk])
    client.force_login(member)
    assert client.post(retry).status_code == 403
    outsider = person(other_organisation)
    client.force_login(outsider)
    assert client.post(retry).status_code == 404
    assert online_meeting_for(meeting).state == "failed"


def test_without_the_connection_the_group_link_is_used_as_today(group, member, client):
    meeting = first_meeting(group)
    assert meeting_or_none(meeting) is None
    client.force_login(member)
    page = client.get(meeting.get_absolute_url()).content.decode()
    assert GROUP_LINK in page
    ics = client.get(reverse("peergroups:session_ics", args=[meeting.pk])).content
    assert not [e for e in Calendar.from_ical(ics).walk("VEVENT") if e.get("recurrence-id")]


def test_the_home_page_joins_each_meeting_by_its_own_teams_link(graph, group, member, client):
    sync_all(group)
    client.force_login(member)
    page = client.get(reverse("supervision:home")).content.decode()
    assert online_meeting_for(first_meeting(group)).join_url in page
