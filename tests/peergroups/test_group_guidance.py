# The group fixtures come from test_groups.py by import, which ruff reads as redefinitions.
# ruff: noqa: F811
"""Facilitators and members are never left guessing (issue 16).

Past meetings that need a register or a record are reachable; every decision
about a place is told once, through the outbox; joining sends the group's
calendar series and its meetings show on the home page and the list of
sessions; a change of schedule is one message each; groups close with a
reason; the group page says when it meets; "places" means one thing;
meaningless settings are refused; a group with no meetings to come is not
called scheduled; a late joiner does not read earlier records; clash messages
never say what someone else's commitment is.
"""

import datetime

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from icalendar import Calendar

from kernel.models import Role, SupervisionFunction
from notifications.models import Notification
from peergroups.models import Group, GroupSession, Membership
from peergroups.recurrence import describe
from peergroups.reporting import fill
from peergroups.services import groups as services
from peergroups.services.closing import group_close
from reports.scope import ReportScope
from supervision.models import Commitment
from tests.outbox import deliver_due
from tests.peergroups.test_groups import (  # noqa: F401 - fixtures
    excluded,
    full_with_queue,
    group,
    invite_of,
    join,
    make_group,
    member,
    membership_of,
    moved_occurrences,
    one_to_one,
    person,
    utc,
)
from tests.scenario import NOW

pytestmark = pytest.mark.django_db

UTC = datetime.UTC
MINUTE = datetime.timedelta(minutes=1)


def mails_to(user, words=""):
    return [m for m in mail.outbox if user.email in m.to and words in m.subject]


def calendars(message) -> dict:
    """{attachment name: parsed calendar} of a message's invites."""
    return {
        name: Calendar.from_ical(content)
        for name, content, mimetype in message.attachments
        if mimetype.startswith("text/calendar")
    }


def main_event(calendar):
    return next(e for e in calendar.walk("VEVENT") if "RECURRENCE-ID" not in e)


def rule_of(event) -> str:
    return event["RRULE"].to_ical().decode()


def sent(kind, user) -> int:
    return Notification.objects.filter(
        kind=kind, recipient=user, state=Notification.State.SENT
    ).count()


def write_record(facilitator, meeting, notes="", **covered):
    return services.record_save(
        actor=facilitator,
        meeting=meeting,
        functions=covered.get("functions", []),
        themes=covered.get("themes", []),
        notes=notes,
        systemic_issues="",
    )


def page(client, user, url) -> str:
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


# --- Past meetings that need a register or a record ------------------------------------


def test_a_facilitator_reaches_every_past_meeting_without_its_register_or_record(
    client, group, member, facilitator, co_facilitator, themes
):
    december, january, february, march = group.sessions.order_by("starts_at")[:4]
    services.meeting_cancel(actor=facilitator, meeting=february, reason="Snow")
    with time_machine.travel(utc(2026, 12, 8, 16), tick=False):
        services.register_save(actor=facilitator, meeting=december, marks={member.pk: "present"})
        write_record(
            facilitator,
            december,
            functions=[SupervisionFunction.RESTORATIVE],
            themes=themes[:1],
        )
    with time_machine.travel(utc(2027, 1, 12, 16), tick=False):
        services.register_save(actor=facilitator, meeting=january, marks={member.pk: "absent"})

    def link(name, meeting):
        return f'href="{reverse(name, kwargs={"pk": meeting.pk})}"'

    with time_machine.travel(utc(2027, 3, 10, 9), tick=False):
        for facilitating in (facilitator, co_facilitator):
            home = page(client, facilitating, reverse("supervision:home"))
            assert "2 past meetings need their register or record" in home
            assert f'href="{reverse("peergroups:meetings_to_complete")}"' in home
            for url in (reverse("peergroups:meetings_to_complete"), group.get_absolute_url()):
                content = page(client, facilitating, url)
                assert link("peergroups:session_record", january) in content
                assert link("peergroups:session_register", january) not in content
                assert link("peergroups:session_register", march) in content
                assert link("peergroups:session_record", march) in content
                for done in (december, february):  # complete, or cancelled
                    assert link("peergroups:session_record", done) not in content
        # The member sees none of it.
        assert "Meetings to complete" not in page(client, member, group.get_absolute_url())

        services.register_save(actor=facilitator, meeting=march, marks={member.pk: "present"})
        for meeting in (january, march):
            write_record(facilitator, meeting)
        home = page(client, facilitator, reverse("supervision:home"))
        assert "need their register or record" not in home
        assert "needs its register or record" not in home
        content = page(client, facilitator, reverse("peergroups:meetings_to_complete"))
        assert "Every meeting you facilitate has its register and record." in content


def test_a_register_saved_with_nobody_on_it_counts_as_taken(client, group, facilitator):
    """A meeting before anyone joined: the register is empty, and it is done."""
    first = group.sessions.earliest("starts_at")
    with time_machine.travel(utc(2026, 12, 8, 16), tick=False):
        url = reverse("peergroups:session_register", kwargs={"pk": first.pk})
        client.force_login(facilitator)
        assert client.post(url, {}).status_code == 302
        content = page(client, facilitator, reverse("peergroups:meetings_to_complete"))
    assert f'href="{url}"' not in content
    assert reverse("peergroups:session_record", kwargs={"pk": first.pk}) in content


# --- Every decision about a place is told, once ---------------------------------------


def test_each_decision_about_a_place_is_told_once(group, organisation, facilitator, mailoutbox):
    first, second, third, fourth = (person(organisation) for _ in range(4))
    join(group, first, facilitator)
    join(group, second, facilitator)
    with time_machine.travel(NOW + MINUTE, tick=False):
        join(group, third, facilitator)
    with time_machine.travel(NOW + 2 * MINUTE, tick=False):
        join(group, fourth, facilitator)
    deliver_due(NOW + 2 * MINUTE)
    deliver_due(NOW + 2 * MINUTE)  # a second run sends nothing again

    for joined in (first, second):
        [welcome] = mails_to(joined)
        assert welcome.subject == "You are now a member of Thursday reflective practice"
        assert "Every month on the second Tuesday, 14:00\u201315:30" in welcome.body
        assert "Tuesday 8 December 2026, 14:00 to 15:30 GMT" in welcome.body
        [(name, calendar)] = calendars(welcome).items()
        assert name == "invite.ics"
        assert calendar["METHOD"] == "REQUEST"
        event = main_event(calendar)
        assert rule_of(event) == "FREQ=MONTHLY;BYDAY=2TU"
        attendees = [str(a) for a in event.get("ATTENDEE")]
        assert f"mailto:{joined.email}" in attendees
        others = {first.email, second.email} - {joined.email}
        assert not any(f"mailto:{o}" in attendees for o in others)  # members stay private
    [waiting_first] = mails_to(third)
    [waiting_second] = mails_to(fourth)
    assert "You are number 1 on the waiting list." in waiting_first.body
    assert "You are number 2 on the waiting list." in waiting_second.body
    assert not waiting_first.attachments

    with time_machine.travel(NOW + 3 * MINUTE, tick=False):
        services.membership_remove(
            actor=facilitator, membership=membership_of(group, first), reason="Changed teams"
        )
        deliver_due()
        deliver_due()
    [removed] = mails_to(first, "no longer a member")
    assert "You have been removed from Thursday reflective practice" in removed.body
    assert "Changed teams" in removed.body
    # Removed before any meeting: their copy of the series is cancelled.
    assert calendars(removed)["invite.ics"]["METHOD"] == "CANCEL"
    [offered] = mails_to(third, "is yours if you want it")
    assert "Every month on the second Tuesday" in offered.body
    for user, kind in (
        (first, "group_joined"),
        (first, "group_removed"),
        (third, "group_waiting"),
        (third, "group_place_offered"),
        (fourth, "group_waiting"),
    ):
        assert sent(kind, user) == 1, (user, kind)


def test_a_request_not_accepted_is_told_so(group, organisation, facilitator, mailoutbox):
    asking = person(organisation)
    request = services.membership_request(actor=asking, group=group)
    services.membership_remove(actor=facilitator, membership=request, reason="Not eligible")
    deliver_due()
    [message] = mails_to(asking)
    assert message.subject == "Your request to join Thursday reflective practice"
    assert "has not been accepted" in message.body
    assert "Not eligible" in message.body
    assert message.attachments == []  # never had the calendar


def test_the_organiser_gets_the_series_published_the_co_facilitator_a_request(
    group, facilitator, co_facilitator, mailoutbox
):
    deliver_due()
    organiser, other = sorted((facilitator, co_facilitator), key=lambda user: user.pk)
    [theirs] = mails_to(organiser, "You now facilitate")
    [mine] = mails_to(other, "You now facilitate")
    assert calendars(theirs)["invite.ics"]["METHOD"] == "PUBLISH"
    assert calendars(mine)["invite.ics"]["METHOD"] == "REQUEST"
    event = main_event(calendars(mine)["invite.ics"])
    assert str(event["ORGANIZER"]) == f"mailto:{organiser.email}"
    assert [str(a) for a in [event["ATTENDEE"]]] == [f"mailto:{other.email}"]


def test_leaving_after_a_meeting_ends_the_series_in_the_leavers_calendar(group, member, mailoutbox):
    with time_machine.travel(utc(2026, 12, 20, 10), tick=False):
        services.membership_leave(actor=member, membership=membership_of(group, member))
        deliver_due()
    [left] = mails_to(member, "You have left")
    calendar = calendars(left)["invite.ics"]
    assert calendar["METHOD"] == "REQUEST"
    event = main_event(calendar)
    # The meeting they went to stays in their calendar; the rest go.
    assert event.decoded("DTSTART").astimezone(UTC) == utc(2026, 12, 8, 14)
    assert rule_of(event) == "FREQ=MONTHLY;UNTIL=20261220T100000Z;BYDAY=2TU"
    assert sent("group_left", member) == 1


def test_the_meeting_page_offers_the_same_series_each_person_is_sent(
    client, group, member, facilitator, programme_admin
):
    meeting = group.sessions.earliest("starts_at")
    url = reverse("peergroups:session_ics", kwargs={"pk": meeting.pk})
    client.force_login(member)
    response = client.get(url)
    assert response["Content-Type"].startswith("text/calendar; method=REQUEST")
    calendar = Calendar.from_ical(response.content)
    assert rule_of(main_event(calendar)) == "FREQ=MONTHLY;BYDAY=2TU"
    client.force_login(programme_admin)  # not invited: published, nobody asked to reply
    response = client.get(url)
    assert Calendar.from_ical(response.content)["METHOD"] == "PUBLISH"


# --- Group meetings on the member's home page and list of sessions ---------------------


def test_group_meetings_show_on_the_members_home_page_and_sessions_list(
    client, group, member, facilitator, programme_admin, organisation, group_programme
):
    in_person = make_group(
        programme_admin,
        organisation,
        group_programme,
        [facilitator],
        name="Ward 7 preceptorship",
        weekday=3,
        mode="in_person",
        meeting_link="",
        location="Education centre, room 4",
    )
    join(in_person, member, facilitator)
    first = group.sessions.earliest("starts_at")
    for url in (reverse("supervision:home"), reverse("supervision:sessions")):
        content = page(client, member, url)
        assert f'href="{first.get_absolute_url()}"' in content
        assert "Tuesday 8 December 2026, 14:00 to 15:30 GMT" in content
        assert 'href="https://teams.microsoft.com/l/meetup-join/group"' in content
        assert "Education centre, room 4" in content
    # The facilitator's list of sessions has the meetings they run.
    assert f'href="{first.get_absolute_url()}"' in page(
        client, facilitator, reverse("supervision:sessions")
    )


def test_the_sessions_list_runs_the_same_queries_however_many_group_meetings(
    client, group, member, facilitator, programme_admin, organisation, group_programme
):
    client.force_login(member)
    url = reverse("supervision:sessions")
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for n in range(3):
        more = make_group(
            programme_admin,
            organisation,
            group_programme,
            [facilitator],
            name=f"Group {n}",
            weekday=n + 2,
            capacity=3,
        )
        join(more, member, facilitator)
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert len(response.context["group_meetings"]) == 24
    assert len(many) == len(few)


# --- A change of schedule: one message each --------------------------------------------


def test_a_new_schedule_before_the_first_meeting_is_one_message_each(
    group, member, facilitator, co_facilitator, mailoutbox
):
    deliver_due()
    uid = str(main_event(calendars(mails_to(member)[0])["invite.ics"])["UID"])
    mail.outbox.clear()
    with time_machine.travel(NOW + MINUTE, tick=False):
        services.group_update(
            actor=facilitator,
            group=group,
            facilitators=[facilitator, co_facilitator],
            weekday=2,
        )
        deliver_due()
    for user in (member, facilitator, co_facilitator):
        [message] = mails_to(user)
        assert message.subject == "Thursday reflective practice: new dates and times"
        assert "Every month on the second Wednesday, 14:00\u201315:30" in message.body
        assert "Wednesday 9 December 2026, 14:00 to 15:30 GMT" in message.body
        [calendar] = calendars(message).values()
        event = main_event(calendar)
        assert str(event["UID"]) == uid  # nothing had happened: the same series, moved
        assert rule_of(event) == "FREQ=MONTHLY;BYDAY=2WE"
        assert event["SEQUENCE"] == 1
    assert not Notification.objects.filter(kind="group_meeting_changed").exists()
    assert len(mail.outbox) == 3


def test_a_new_schedule_after_meetings_ends_the_old_series_and_starts_a_new_one(
    group, member, facilitator, co_facilitator, mailoutbox
):
    deliver_due()
    old_uid = str(main_event(calendars(mails_to(member)[0])["invite.ics"])["UID"])
    mail.outbox.clear()
    with time_machine.travel(utc(2027, 1, 20, 9), tick=False):
        services.group_update(
            actor=facilitator,
            group=group,
            facilitators=[facilitator, co_facilitator],
            start_time=datetime.time(10),
            end_time=datetime.time(11, 30),
        )
        deliver_due()
    [message] = mails_to(member, "new dates")
    assert "Tuesday 9 February 2027, 10:00 to 11:30 GMT" in message.body
    invites = calendars(message)
    assert set(invites) == {"invite.ics", "invite-until-2027-01-20.ics"}
    new, old = main_event(invites["invite.ics"]), main_event(invites["invite-until-2027-01-20.ics"])
    assert str(old["UID"]) == old_uid
    assert rule_of(old) == "FREQ=MONTHLY;UNTIL=20270120T090000Z;BYDAY=2TU"
    assert str(new["UID"]) != old_uid
    assert new.decoded("DTSTART").astimezone(UTC) == utc(2027, 2, 9, 10)
    assert rule_of(new) == "FREQ=MONTHLY;BYDAY=2TU"
    # The meetings themselves moved, quietly: no email per meeting.
    assert group.sessions.get(occurrence=datetime.date(2027, 2, 9)).starts_at == utc(2027, 2, 9, 10)
    assert not Notification.objects.filter(kind="group_meeting_changed").exists()
    assert Notification.objects.filter(kind="group_changed", due_at__gt=NOW).count() == 3


def test_a_new_facilitator_is_sent_the_series_and_the_one_replaced_is_told(
    group, member, facilitator, co_facilitator, organisation, mailoutbox
):
    newcomer = person(organisation, Role.FACILITATOR)
    deliver_due()
    mail.outbox.clear()
    with time_machine.travel(NOW + MINUTE, tick=False):
        services.group_update(actor=facilitator, group=group, facilitators=[facilitator, newcomer])
        deliver_due()
    [welcome] = mails_to(newcomer)
    assert welcome.subject == "You now facilitate Thursday reflective practice"
    assert calendars(welcome)["invite.ics"]["METHOD"] == "REQUEST"
    [goodbye] = mails_to(co_facilitator)
    assert goodbye.subject == "You no longer facilitate Thursday reflective practice"
    assert calendars(goodbye)["invite.ics"]["METHOD"] == "CANCEL"
    assert mails_to(member) == []


# --- Closing a group -----------------------------------------------------------------


@pytest.fixture
def closed(group, member, organisation, facilitator, themes):
    """The group after its first meeting (with a record), closed with someone waiting."""
    waiting = person(organisation)
    join(group, person(organisation), facilitator)  # full
    with time_machine.travel(NOW + MINUTE, tick=False):
        join(group, waiting, facilitator)
    first = group.sessions.earliest("starts_at")
    with time_machine.travel(utc(2026, 12, 8, 16), tick=False):
        write_record(facilitator, first, "We talked about handovers 7a1")
    deliver_due()
    mail.outbox.clear()
    with time_machine.travel(utc(2026, 12, 20, 10), tick=False):
        group_close(actor=facilitator, group=group, reason="Both facilitators have moved on")
        deliver_due()
        deliver_due()
    group.refresh_from_db()
    return group, waiting, first


def test_closing_needs_a_reason(group, facilitator):
    with pytest.raises(ValidationError):
        group_close(actor=facilitator, group=group, reason="  ")
    group.refresh_from_db()
    assert group.is_active


def test_closing_tells_everyone_once_and_cancels_the_future_meetings_quietly(
    closed, member, facilitator, co_facilitator, mailoutbox
):
    group, waiting, _ = closed
    assert not group.sessions.filter(
        status=GroupSession.Status.SCHEDULED, starts_at__gt=utc(2026, 12, 20, 10)
    ).exists()
    assert not Commitment.objects.filter(
        group_session_id__in=group.sessions.values("pk"), starts_at__gt=utc(2026, 12, 20, 10)
    ).exists()
    assert not Notification.objects.filter(kind="group_meeting_changed").exists()
    for user in (member, facilitator, co_facilitator, waiting):
        [message] = mails_to(user, "has closed")
        assert "Both facilitators have moved on" in message.body
        assert sent("group_closed", user) == 1
    calendar = calendars(mails_to(member, "has closed")[0])["invite.ics"]
    event = main_event(calendar)
    assert rule_of(event) == "FREQ=MONTHLY;UNTIL=20261220T100000Z;BYDAY=2TU"
    assert calendars(mails_to(waiting, "has closed")[0]) == {}
    assert group.memberships.get(user=waiting).state == Membership.State.CLOSED
    assert group.memberships.get(user=member).state == Membership.State.ACTIVE  # history


def test_a_closed_group_leaves_the_lists_and_the_active_groups_figure(
    client, closed, member, supervisee, programme_admin, organisation
):
    group, _, _ = closed
    for user in (member, supervisee, programme_admin):
        content = page(client, user, reverse("peergroups:groups"))
        assert group.get_absolute_url() not in content
    for user in (member, programme_admin):
        assert group.get_absolute_url() in page(client, user, reverse("peergroups:groups_closed"))
    assert group.get_absolute_url() not in page(
        client, supervisee, reverse("peergroups:groups_closed")
    )
    scope = ReportScope(
        organisation_id=organisation.pk,
        time_zone="Europe/London",
        first_month=datetime.date(2026, 1, 1),
        last_month=datetime.date(2026, 12, 1),
    )
    assert fill(scope)["groups"] == 0
    Group.objects.filter(pk=group.pk).update(is_active=True, closed_at=None)
    assert fill(scope)["groups"] == 1


def test_a_closed_groups_history_stays_readable_and_it_takes_no_changes(
    client, closed, member, facilitator, programme_admin, organisation
):
    group, _, first = closed
    content = page(client, member, first.get_absolute_url())
    assert "We talked about handovers 7a1" in content
    content = page(client, programme_admin, group.get_absolute_url())
    assert "This group closed on 20 December 2026." in content
    assert "Both facilitators have moved on" in content
    assert reverse("peergroups:group_edit", kwargs={"pk": group.pk}) not in content
    with pytest.raises(services.GroupRefused):
        services.membership_request(actor=person(organisation), group=group)
    with pytest.raises(services.GroupRefused):
        group_close(actor=facilitator, group=group, reason="Again")
    with pytest.raises(services.GroupRefused):
        services.group_update(
            actor=programme_admin, group=group, facilitators=[facilitator], name="Renamed"
        )


def test_an_admin_closes_a_group_through_its_page(client, group, member, programme_admin):
    url = reverse("peergroups:group_close", kwargs={"pk": group.pk})
    client.force_login(programme_admin)
    response = client.post(url, {"reason": ""})
    assert response.status_code == 200
    assert "Enter the reason for closing the group" in response.content.decode()
    response = client.post(url, {"reason": "Merged with the Thursday group"})
    assert response.status_code == 302
    group.refresh_from_db()
    assert not group.is_active
    assert group.closed_reason == "Merged with the Thursday group"
    assert group.closed_by == programme_admin


# --- What the group page says -------------------------------------------------------------


@pytest.mark.parametrize(
    ("recurrence", "weekday", "week", "words"),
    [
        ("monthly", 2, 2, "Every month on the second Wednesday, 14:00\u201315:30"),
        ("monthly", 4, 5, "Every month on the last Friday, 14:00\u201315:30"),
        ("weekly", 0, 1, "Every Monday, 14:00\u201315:30"),
        ("fortnightly", 3, 1, "Every other Thursday, 14:00\u201315:30"),
    ],
)
def test_which_day_a_group_meets_in_words(recurrence, weekday, week, words):
    assert (
        describe(
            recurrence=recurrence,
            weekday=weekday,
            week_of_month=week,
            start_time=datetime.time(14),
            end_time=datetime.time(15, 30),
        )
        == words
    )


def test_the_group_page_says_which_day_it_meets_and_when_next(client, group, supervisee):
    content = page(client, supervisee, group.get_absolute_url())
    assert "Every month on the second Tuesday, 14:00\u201315:30" in content
    assert "Tuesday 8 December 2026, 14:00 to 15:30 GMT" in content


def test_places_left_is_the_same_count_on_the_list_and_the_group_page(
    client, group, full_with_queue, supervisee, facilitator
):
    leaver = full_with_queue[0]
    services.membership_leave(actor=leaver, membership=membership_of(group, leaver))
    # One member and one person offered the other place: no place is left.
    assert group.memberships.filter(state="active").count() == 1
    listed = page(client, supervisee, reverse("peergroups:groups"))
    assert "Places left" in listed
    assert "0 of 2" in listed
    assert "0 places left of 2" in page(client, supervisee, group.get_absolute_url())
    assert services.places_left(group) == 0
    # A facilitator's page counts the memberships it lists: the same count.
    assert "0 places left of 2" in page(client, facilitator, group.get_absolute_url())
    assert services.places_left(group, list(group.memberships.current())) == 0


def group_form(programme, facilitator, **changes):
    return {
        "name": "Preceptorship group B",
        "programme": programme.pk,
        "group_type": "preceptorship",
        "capacity": 8,
        "facilitators": [facilitator.pk],
        "mode": "online",
        "meeting_link": "https://zoom.us/j/2",
        "recurrence": "monthly",
        "weekday": 1,
        "week_of_month": 2,
        "start_time": "14:00",
        "end_time": "15:30",
        "starts_on": "2026-12-01",
        "offer_hours": 72,
        "absence_threshold": 2,
        **changes,
    }


def test_an_offer_time_or_missed_meetings_threshold_of_zero_is_refused(
    client, frozen_now, programme_admin, group_programme, facilitator
):
    client.force_login(programme_admin)
    url = reverse("peergroups:group_add")
    response = client.post(
        url, group_form(group_programme, facilitator, offer_hours=0, absence_threshold=0)
    )
    content = response.content.decode()
    assert response.status_code == 200
    assert "The number of hours to accept an offered place must be between 1 and 336" in content
    assert (
        "The number of missed meetings before a member is flagged must be between 1 and 12"
        in content
    )
    assert not Group.objects.filter(name="Preceptorship group B").exists()


def test_the_database_and_the_service_refuse_meaningless_settings(
    group, programme_admin, organisation, group_programme, facilitator
):
    with pytest.raises(ValidationError):
        make_group(programme_admin, organisation, group_programme, [facilitator], offer_hours=0)
    with pytest.raises(IntegrityError), transaction.atomic():
        Group.objects.filter(pk=group.pk).update(absence_threshold=0)


def test_a_group_with_no_meetings_to_come_is_not_called_scheduled(
    client, frozen_now, programme_admin, group_programme, facilitator
):
    client.force_login(programme_admin)
    response = client.post(
        reverse("peergroups:group_add"),
        group_form(group_programme, facilitator, starts_on="2028-12-01"),
        follow=True,
    )
    content = response.content.decode()
    assert "It has no meetings in the next 6 months" in content
    assert "its meetings are scheduled" not in content
    assert "No meetings are planned" in content


# --- Records and clashes ----------------------------------------------------------------


def test_a_member_who_joins_later_does_not_read_earlier_records(
    client, group, member, organisation, facilitator
):
    first, second = group.sessions.order_by("starts_at")[:2]
    with time_machine.travel(utc(2026, 12, 8, 16), tick=False):
        write_record(facilitator, first, "Before you came b3c")
    with time_machine.travel(utc(2026, 12, 20, 9), tick=False):
        later = person(organisation)
        join(group, later, facilitator)
    with time_machine.travel(utc(2027, 1, 12, 16), tick=False):
        write_record(facilitator, second, "After you came d4e")
        assert "Before you came b3c" not in page(client, later, first.get_absolute_url())
        assert "After you came d4e" in page(client, later, second.get_absolute_url())
        assert "Before you came b3c" in page(client, member, first.get_absolute_url())
        group_page = page(client, later, group.get_absolute_url())
    assert f'href="{second.get_absolute_url()}"' in group_page
    assert f'href="{first.get_absolute_url()}"' not in group_page


def test_a_clash_is_named_only_to_the_person_whose_commitment_it_is(
    group, full_with_queue, facilitator, programme, supervisor, organisation, programme_admin
):
    leaver, stayer, first_waiting, _ = full_with_queue
    one_to_one(programme, supervisor, first_waiting, utc(2027, 2, 9, 14))
    services.membership_leave(actor=leaver, membership=membership_of(group, leaver))
    with pytest.raises(services.GroupRefused, match="You have a one-to-one supervision session"):
        services.offer_accept(actor=first_waiting, membership=membership_of(group, first_waiting))
    # A member's other group: the facilitator moving a meeting onto it is not told which.
    other = make_group(
        programme_admin,
        organisation,
        group.programme,
        [person(organisation, Role.FACILITATOR)],
        name="Night staff peer support",
        weekday=3,
        capacity=3,
    )
    join(other, stayer, facilitator)
    meeting = group.sessions.get(occurrence=datetime.date(2027, 1, 12))
    busy = other.sessions.earliest("starts_at")
    with pytest.raises(services.GroupRefused) as refused:
        services.meeting_move(
            actor=facilitator,
            meeting=meeting,
            starts_at=busy.starts_at,
            ends_at=busy.ends_at,
        )
    assert "Night staff peer support" not in str(refused.value)
    assert "is not free at that time" in str(refused.value)


# --- The demo ---------------------------------------------------------------------


def test_the_demo_has_a_meeting_to_complete_a_member_with_meetings_and_a_closed_group():
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from nonprod.demo import load_demo_data
    from peergroups.permissions import meetings_to_complete
    from peergroups.summaries import member_meetings

    logins = dict(load_demo_data())
    User = get_user_model()
    tom = User.objects.get(email=logins["Group facilitator"])
    [meeting] = meetings_to_complete(tom, timezone.now())
    assert meeting.group.name == "Peer supporters' reflective group"
    grace = User.objects.get(email=logins["Peer supporter"])
    assert member_meetings(grace)
    closed = Group.objects.closed().get()
    assert closed.closed_reason
    load_demo_data()  # again: nothing added twice
    assert Group.objects.closed().count() == 1
