"""Groups: recurrence, membership and the waiting list, capacity under concurrency,
meetings, the register, the record, and who sees what."""

import datetime
import threading

import pytest
import time_machine
from django.core import mail
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from icalendar import Calendar

from kernel.models import SupervisionFunction
from notifications.models import Notification
from peergroups.models import Attendance, GroupRecord, GroupSession, Membership
from peergroups.notifications_groups import meeting_when
from peergroups.recurrence import occurrences
from peergroups.services import groups as services
from supervision.models import Commitment, Session
from tests.confidential_records import stored
from tests.factories import RoleGrantFactory, StaffProfileFactory
from tests.outbox import deliver_due
from tests.scenario import NOW

pytestmark = pytest.mark.django_db

UTC = datetime.UTC
LONDON = "Europe/London"


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime.datetime:
    return datetime.datetime(year, month, day, hour, minute, second, tzinfo=UTC)


# --- Recurrence ------------------------------------------------------------------------


def dates(**kwargs):
    defaults = {
        "recurrence": "monthly",
        "weekday": 1,
        "week_of_month": 2,
        "start_time": datetime.time(14),
        "end_time": datetime.time(15, 30),
        "starts_on": datetime.date(2026, 9, 1),
        "ends_on": None,
        "time_zone": LONDON,
        "date_from": datetime.date(2026, 9, 1),
        "date_to": datetime.date(2027, 4, 30),
    }
    return occurrences(**{**defaults, **kwargs})


def test_monthly_second_tuesday():
    found = dates()
    assert [o.date for o in found] == [
        datetime.date(2026, 9, 8),
        datetime.date(2026, 10, 13),
        datetime.date(2026, 11, 10),
        datetime.date(2026, 12, 8),
        datetime.date(2027, 1, 12),
        datetime.date(2027, 2, 9),
        datetime.date(2027, 3, 9),
        datetime.date(2027, 4, 13),
    ]
    assert all(o.starts_at.weekday() == 1 for o in found)


def test_last_friday_of_the_month_handles_five_friday_months():
    found = dates(weekday=4, week_of_month=5, date_to=datetime.date(2027, 1, 31))
    assert [o.date for o in found] == [
        datetime.date(2026, 9, 25),
        datetime.date(2026, 10, 30),  # October 2026 has five Fridays
        datetime.date(2026, 11, 27),
        datetime.date(2026, 12, 25),
        datetime.date(2027, 1, 29),
    ]


def test_fortnightly_counts_from_the_first_meeting_and_respects_the_end_date():
    found = dates(
        recurrence="fortnightly",
        weekday=2,
        starts_on=datetime.date(2026, 10, 1),
        ends_on=datetime.date(2026, 11, 30),
        date_from=datetime.date(2026, 10, 20),
    )
    # First Wednesday on or after 1 October is the 7th; every 14 days from there.
    assert [o.date for o in found] == [
        datetime.date(2026, 10, 21),
        datetime.date(2026, 11, 4),
        datetime.date(2026, 11, 18),
    ]


def test_weekly_meetings_keep_london_wall_clock_time_across_both_clock_changes():
    found = dates(
        recurrence="weekly",
        weekday=1,
        starts_on=datetime.date(2026, 10, 20),
        date_from=datetime.date(2026, 10, 20),
        date_to=datetime.date(2027, 4, 6),
    )
    by_date = {o.date: o.starts_at.astimezone(UTC) for o in found}
    # Clocks go back on Sunday 25 October 2026: 14:00 BST, then 14:00 GMT.
    assert by_date[datetime.date(2026, 10, 20)] == utc(2026, 10, 20, 13)
    assert by_date[datetime.date(2026, 10, 27)] == utc(2026, 10, 27, 14)
    # Clocks go forward on Sunday 28 March 2027.
    assert by_date[datetime.date(2027, 3, 23)] == utc(2027, 3, 23, 14)
    assert by_date[datetime.date(2027, 3, 30)] == utc(2027, 3, 30, 13)
    assert all(o.starts_at.strftime("%H:%M") == "14:00" for o in found)


# --- Fixtures -------------------------------------------------------------------------


def person(organisation, *roles):
    profile = StaffProfileFactory(organisation=organisation)
    for role in roles:
        RoleGrantFactory(user=profile.user, organisation=organisation, role=role)
    return profile.user


def make_group(actor, organisation, programme, facilitators, **overrides):
    fields = {
        "programme": programme,
        "name": "Thursday reflective practice",
        "description": "",
        "group_type": "reflective_practice",
        "capacity": 2,
        "mode": "online",
        "meeting_link": "https://teams.microsoft.com/l/meetup-join/group",
        "location": "",
        "recurrence": "monthly",
        "weekday": 1,
        "week_of_month": 2,
        "start_time": datetime.time(14),
        "end_time": datetime.time(15, 30),
        "starts_on": datetime.date(2026, 12, 1),
        "ends_on": None,
        "open_to_other_organisations": False,
        "offer_hours": 72,
        "absence_threshold": 2,
        **overrides,
    }
    return services.group_create(
        actor=actor, organisation=organisation, facilitators=facilitators, **fields
    )


@pytest.fixture
def group(frozen_now, programme_admin, organisation, group_programme, facilitator, co_facilitator):
    return make_group(programme_admin, organisation, group_programme, [facilitator, co_facilitator])


def join(group, user, actor):
    membership = services.membership_request(actor=user, group=group)
    return services.membership_accept(actor=actor, membership=membership)


@pytest.fixture
def member(group, organisation, facilitator):
    user = person(organisation)
    join(group, user, facilitator)
    return user


# --- Setting up a group -------------------------------------------------------------------


def test_creating_a_group_generates_six_months_of_meetings_and_reserves_facilitators(
    group, facilitator, co_facilitator
):
    meetings = list(group.sessions.order_by("starts_at"))
    assert [m.occurrence for m in meetings] == [
        datetime.date(2026, 12, 8),
        datetime.date(2027, 1, 12),
        datetime.date(2027, 2, 9),
        datetime.date(2027, 3, 9),
        datetime.date(2027, 4, 13),
        datetime.date(2027, 5, 11),
    ]
    assert meetings[0].starts_at == utc(2026, 12, 8, 14)
    assert meetings[-1].starts_at == utc(2027, 5, 11, 13)  # 14:00 BST
    for person_ in (facilitator, co_facilitator):
        assert Commitment.objects.filter(user=person_, group_session_id__isnull=False).count() == 6
    # Safe to run again: nothing new.
    assert services.meetings_extend(group=group) == []


def one_to_one(programme, supervisor, supervisee, starts_at):
    session = Session.objects.create(
        programme=programme,
        supervisor=supervisor,
        supervisee=supervisee,
        starts_at=starts_at,
        ends_at=starts_at + datetime.timedelta(hours=1),
    )
    for user in (supervisor, supervisee):
        Commitment.objects.create(
            user=user, starts_at=session.starts_at, ends_at=session.ends_at, session=session
        )
    return session


def test_a_facilitator_with_a_one_to_one_at_meeting_time_cannot_be_double_booked(
    frozen_now,
    programme_admin,
    organisation,
    group_programme,
    programme,
    facilitator,
    supervisor,
):
    one_to_one(programme, supervisor, facilitator, utc(2027, 1, 12, 14, 30))
    # The admin setting it up learns who is busy, not with what (issue 16).
    with pytest.raises(services.GroupRefused, match="is not free at that time") as refused:
        make_group(programme_admin, organisation, group_programme, [facilitator])
    assert facilitator.get_full_name() in str(refused.value)
    assert "one-to-one" not in str(refused.value)
    assert not GroupSession.objects.exists()
    assert not Commitment.objects.filter(group_session_id__isnull=False).exists()


def test_accepting_a_member_whose_one_to_one_clashes_is_refused_naming_it(
    group, organisation, facilitator, programme, supervisor
):
    newcomer = person(organisation)
    one_to_one(programme, supervisor, newcomer, utc(2027, 2, 9, 14))
    membership = services.membership_request(actor=newcomer, group=group)
    with pytest.raises(services.GroupRefused, match="is not free at that time") as refused:
        services.membership_accept(actor=facilitator, membership=membership)
    assert newcomer.get_full_name() in str(refused.value)
    assert "supervision" not in str(refused.value)
    membership.refresh_from_db()
    assert membership.state == Membership.State.REQUESTED


# --- Membership, the waiting list and offers -------------------------------------------------


def test_a_full_group_puts_people_on_the_waiting_list_in_order(group, organisation, facilitator):
    first, second, third, fourth = (person(organisation) for _ in range(4))
    assert join(group, first, facilitator).state == Membership.State.ACTIVE
    assert join(group, second, facilitator).state == Membership.State.ACTIVE
    with time_machine.travel(NOW + datetime.timedelta(minutes=1), tick=False):
        assert join(group, third, facilitator).state == Membership.State.WAITING
    with time_machine.travel(NOW + datetime.timedelta(minutes=2), tick=False):
        assert join(group, fourth, facilitator).state == Membership.State.WAITING
    waiting = group.memberships.filter(state="waiting").order_by("waiting_since")
    assert [m.user for m in waiting] == [third, fourth]
    # An active member's time is reserved for every future meeting.
    assert Commitment.objects.filter(user=first, group_session_id__isnull=False).count() == 6
    assert not Commitment.objects.filter(user=third).exists()


@pytest.fixture
def full_with_queue(group, organisation, facilitator):
    users = [person(organisation) for _ in range(4)]
    for minute, user in enumerate(users):
        with time_machine.travel(NOW + datetime.timedelta(minutes=minute), tick=False):
            join(group, user, facilitator)
    return users


def membership_of(group, user):
    return group.memberships.current().get(user=user)


def test_leaving_offers_the_place_to_the_first_waiting_who_accepts(
    group, full_with_queue, mailoutbox
):
    leaver, _stayer, first_waiting, second_waiting = full_with_queue
    services.membership_leave(actor=leaver, membership=membership_of(group, leaver))
    assert not Commitment.objects.filter(user=leaver).exists()
    offer = membership_of(group, first_waiting)
    assert offer.state == Membership.State.OFFERED
    assert offer.offer_expires_at == NOW + datetime.timedelta(hours=72)
    assert membership_of(group, second_waiting).state == Membership.State.WAITING

    deliver_due()
    offered_mail = [m for m in mail.outbox if first_waiting.email in m.to]
    assert len(offered_mail) == 1
    assert "Thursday reflective practice" in offered_mail[0].subject

    services.offer_accept(actor=first_waiting, membership=offer)
    assert membership_of(group, first_waiting).state == Membership.State.ACTIVE
    assert Commitment.objects.filter(user=first_waiting).count() == 6


def test_declining_passes_the_offer_to_the_next_person(group, full_with_queue, facilitator):
    leaver, _, first_waiting, second_waiting = full_with_queue
    services.membership_remove(
        actor=facilitator, membership=membership_of(group, leaver), reason="Moved away"
    )
    services.offer_decline(actor=first_waiting, membership=membership_of(group, first_waiting))
    assert not group.memberships.current().filter(user=first_waiting).exists()
    assert membership_of(group, second_waiting).state == Membership.State.OFFERED


def test_an_expired_offer_passes_to_the_next_person(group, full_with_queue):
    leaver, _, first_waiting, second_waiting = full_with_queue
    services.membership_leave(actor=leaver, membership=membership_of(group, leaver))
    assert services.offers_expire(group_id=group.pk) == 0  # not yet
    later = NOW + datetime.timedelta(hours=73)
    with time_machine.travel(later, tick=False):
        from peergroups.tasks import expire_group_offers

        assert expire_group_offers() == 1
        assert expire_group_offers() == 0  # safe to run twice
        with pytest.raises(services.GroupRefused, match="no place on offer"):
            services.offer_accept(
                actor=first_waiting,
                membership=group.memberships.get(user=first_waiting),
            )
    assert group.memberships.get(user=first_waiting).state == Membership.State.DECLINED
    assert membership_of(group, second_waiting).state == Membership.State.OFFERED


def test_removing_needs_a_reason(group, member, facilitator):
    with pytest.raises(services.ValidationError):
        services.membership_remove(
            actor=facilitator, membership=membership_of(group, member), reason=" "
        )


# --- Capacity under concurrency ------------------------------------------------------------


def two_requests_for_the_last_place(group, organisation, facilitator):
    join(group, person(organisation), facilitator)  # one of two places taken
    return [services.membership_request(actor=person(organisation), group=group) for _ in range(2)]


def assert_exactly_one_took_the_place(group, requests):
    states = sorted(Membership.objects.get(pk=r.pk).state for r in requests)
    assert states == [Membership.State.ACTIVE, Membership.State.WAITING]
    assert group.memberships.filter(state="active").count() == group.capacity


def test_two_accepts_of_the_last_place_one_after_the_other(group, organisation, facilitator):
    requests = two_requests_for_the_last_place(group, organisation, facilitator)
    for request in requests:
        services.membership_accept(actor=facilitator, membership=request)
    assert_exactly_one_took_the_place(group, requests)


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks need PostgreSQL's concurrency"
)
def test_two_simultaneous_accepts_of_the_last_place_cannot_overfill_the_group(
    programme_admin, organisation, group_programme, facilitator, co_facilitator
):
    with time_machine.travel(NOW, tick=False):
        group = make_group(
            programme_admin, organisation, group_programme, [facilitator, co_facilitator]
        )
        requests = two_requests_for_the_last_place(group, organisation, facilitator)
    start_line = threading.Barrier(len(requests))
    errors = []

    def accept(request):
        try:
            start_line.wait()
            with time_machine.travel(NOW, tick=False):
                services.membership_accept(actor=facilitator, membership=request)
        except Exception as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=accept, args=(r,)) for r in requests]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert_exactly_one_took_the_place(group, requests)


# --- Meetings: move and cancel ------------------------------------------------------------


def invite_of(message):
    """The calendar in a message's invite.ics, and its series' main event."""
    for name, content, mimetype in message.attachments:
        if name == "invite.ics":
            assert mimetype.startswith("text/calendar")
            calendar = Calendar.from_ical(content)
            main = [e for e in calendar.walk("VEVENT") if "RECURRENCE-ID" not in e]
            assert len(main) == 1
            return calendar, main[0]
    raise AssertionError("no invite")


def moved_occurrences(calendar) -> dict:
    """{original start: new start} of the series' moved meetings (RECURRENCE-ID events)."""
    return {
        event.decoded("RECURRENCE-ID").astimezone(UTC): event.decoded("DTSTART").astimezone(UTC)
        for event in calendar.walk("VEVENT")
        if "RECURRENCE-ID" in event
    }


def excluded(event) -> set:
    """The start times of the occurrences the series no longer has (EXDATE)."""
    values = event.get("EXDATE", [])
    values = values if isinstance(values, list) else [values]
    return {moment.dt.astimezone(UTC) for value in values for moment in value.dts}


def test_moving_then_cancelling_a_meeting_updates_the_series_under_the_same_uid(
    group, member, facilitator, mailoutbox
):
    """Calendars hold the group as one series (issue 16): a meeting moved on its own is
    an exception with its RECURRENCE-ID, a meeting cancelled on its own an EXDATE, and
    each change raises the series' SEQUENCE."""
    meeting = group.sessions.get(occurrence=datetime.date(2027, 1, 12))
    services.meeting_move(
        actor=facilitator,
        meeting=meeting,
        starts_at=utc(2027, 1, 14, 10),
        ends_at=utc(2027, 1, 14, 11, 30),
        reason="Room booked",
    )
    assert set(
        Commitment.objects.filter(group_session_id=meeting.pk).values_list("starts_at", flat=True)
    ) == {utc(2027, 1, 14, 10)}
    deliver_due()
    moved = [m for m in mail.outbox if member.email in m.to and "moved" in m.subject]
    assert len(moved) == 1
    calendar, event = invite_of(moved[0])
    assert calendar["METHOD"] == "REQUEST"
    assert str(event["RRULE"].to_ical(), "ascii") == "FREQ=MONTHLY;BYDAY=2TU"
    assert moved_occurrences(calendar) == {utc(2027, 1, 12, 14): utc(2027, 1, 14, 10)}
    sequence, uid = event["SEQUENCE"], str(event["UID"])

    with time_machine.travel(NOW + datetime.timedelta(hours=1), tick=False):
        services.meeting_cancel(actor=facilitator, meeting=meeting, reason="Facilitators away")
        deliver_due()
    assert not Commitment.objects.filter(group_session_id=meeting.pk).exists()
    cancelled = [m for m in mail.outbox if member.email in m.to and "cancelled" in m.subject]
    assert len(cancelled) == 1
    calendar, event = invite_of(cancelled[0])
    assert calendar["METHOD"] == "REQUEST"  # the series goes on, without that meeting
    assert str(event["UID"]) == uid
    assert event["SEQUENCE"] > sequence
    assert excluded(event) == {utc(2027, 1, 12, 14)}
    assert moved_occurrences(calendar) == {}


def test_a_meetings_move_reason_reaches_members_and_is_then_gone_from_the_outbox(
    group, member, facilitator, mailoutbox
):
    """Kept encrypted until sent, then not at all (issue 15)."""
    words = "One of us has a family funeral 61e0"
    meeting = group.sessions.get(occurrence=datetime.date(2027, 1, 12))
    services.meeting_move(
        actor=facilitator,
        meeting=meeting,
        starts_at=utc(2027, 1, 14, 10),
        ends_at=utc(2027, 1, 14, 11, 30),
        reason=words,
    )
    changed = Notification.objects.for_target(meeting).filter(kind="group_meeting_changed")
    assert changed.count() == 3  # the facilitators and the member
    for notification in changed:
        assert notification.payload["reason"] == words
        assert words not in stored(Notification, "payload", notification.pk)

    deliver_due()

    moved = [m for m in mail.outbox if member.email in m.to and "moved" in m.subject]
    assert words in moved[0].body
    assert {(n.state, str(n.payload)) for n in changed.all()} == {(Notification.State.SENT, "{}")}


def test_moving_onto_a_members_one_to_one_is_refused(
    group, member, facilitator, programme, supervisor
):
    one_to_one(programme, supervisor, member, utc(2027, 1, 14, 10))
    meeting = group.sessions.get(occurrence=datetime.date(2027, 1, 12))
    with pytest.raises(services.GroupRefused, match=f"{member.get_full_name()} is not free"):
        services.meeting_move(
            actor=facilitator,
            meeting=meeting,
            starts_at=utc(2027, 1, 14, 10),
            ends_at=utc(2027, 1, 14, 11),
        )


def test_reminders_go_to_facilitators_and_members_a_day_and_an_hour_before(
    group, member, facilitator, mailoutbox
):
    deliver_due(utc(2026, 12, 7, 14, 1))
    reminded = {address for m in mail.outbox if "Reminder" in m.subject for address in m.to}
    assert member.email in reminded
    assert facilitator.email in reminded


# --- Register and record ------------------------------------------------------------------


def test_register_flags_a_member_who_misses_two_meetings_without_apologies(
    group, member, organisation, facilitator, co_facilitator, mailoutbox
):
    apologetic = person(organisation)
    group.capacity = 3
    group.save()
    join(group, apologetic, facilitator)
    first, second = group.sessions.order_by("starts_at")[:2]
    with time_machine.travel(utc(2026, 12, 8, 16), tick=False):
        flagged = services.register_save(
            actor=facilitator,
            meeting=first,
            marks={member.pk: "absent", apologetic.pk: "apologies"},
        )
    assert flagged == []
    with time_machine.travel(utc(2027, 1, 12, 16), tick=False):
        flagged = services.register_save(
            actor=facilitator,
            meeting=second,
            marks={member.pk: "absent", apologetic.pk: "absent"},
        )
        assert flagged == [member.pk]
        assert services.absence_flags(group) == [member.pk]
        current = list(group.memberships.current())  # as the group page has them
        assert services.absence_flags(group, current) == [member.pk]
        deliver_due()
    flags = [m for m in mail.outbox if "missed" in m.subject]
    assert sorted(address for m in flags for address in m.to) == sorted(
        [facilitator.email, co_facilitator.email]
    )
    assert member.get_full_name() not in flags[0].body  # names stay in the app
    # Saving the same register again does not flag again.
    with time_machine.travel(utc(2027, 1, 12, 17), tick=False):
        assert (
            services.register_save(actor=facilitator, meeting=second, marks={member.pk: "absent"})
            == []
        )


def test_absence_streaks_of_some_members_are_those_the_group_s_marks_give(
    group, member, organisation, facilitator, group_programme, co_facilitator, programme_admin
):
    """Through SQL built once for each number of members: the marks of those members of
    this group only, a cancelled meeting's left out, latest first."""
    group.capacity = 4
    group.save()
    others = [person(organisation) for _ in range(3)]
    for user in others:
        join(group, user, facilitator)
    first, second, third, fourth = group.sessions.order_by("starts_at")[:4]
    marks = {
        first: {member.pk: "absent", others[0].pk: "present", others[1].pk: "absent"},
        second: {member.pk: "absent", others[0].pk: "absent", others[1].pk: "apologies"},
        third: {member.pk: "present", others[0].pk: "absent", others[1].pk: "absent"},
    }
    for meeting, marked in marks.items():
        with time_machine.travel(meeting.ends_at + datetime.timedelta(hours=1), tick=False):
            services.register_save(actor=facilitator, meeting=meeting, marks=marked)
    # A cancelled meeting's marks do not count; nor do another group's.
    Attendance.objects.create(session=fourth, user=member, status="absent")
    fourth.status = GroupSession.Status.CANCELLED
    fourth.save()
    elsewhere = make_group(
        programme_admin,
        organisation,
        group_programme,
        [co_facilitator],
        start_time=datetime.time(9),
        end_time=datetime.time(10),
    )
    Attendance.objects.create(
        session=elsewhere.sessions.earliest("starts_at"), user=others[2], status="absent"
    )
    every = services.absence_streaks(group)
    assert every == {others[0].pk: 2, others[1].pk: 1}
    everyone = [member.pk, *(user.pk for user in others)]
    for count in range(len(everyone) + 1):
        ids = everyone[:count]
        expected = {pk: streak for pk, streak in every.items() if pk in ids}
        assert services.absence_streaks(group, ids) == expected
        assert services.absence_streaks(group, list(reversed(ids))) == expected


def test_register_cannot_be_taken_before_the_meeting(group, member, facilitator):
    meeting = group.sessions.earliest("starts_at")
    with pytest.raises(services.ValidationError):
        services.register_save(actor=facilitator, meeting=meeting, marks={member.pk: "present"})


@pytest.fixture
def held_meeting_with_record(group, member, facilitator, themes):
    meeting = group.sessions.earliest("starts_at")
    with time_machine.travel(utc(2026, 12, 8, 16), tick=False):
        services.record_save(
            actor=facilitator,
            meeting=meeting,
            functions=[SupervisionFunction.RESTORATIVE],
            themes=themes[:1],
            notes="Talked about handovers",
            systemic_issues="Rota gaps on nights",
        )
    return meeting


def test_the_record_is_read_by_facilitators_and_members_only(
    client, held_meeting_with_record, member, facilitator, programme_admin, supervisee, outsider
):
    url = reverse("peergroups:session", kwargs={"pk": held_meeting_with_record.pk})
    for reader in (member, facilitator):
        client.force_login(reader)
        assert "Rota gaps on nights" in client.get(url).content.decode()
    client.force_login(programme_admin)  # sees the meeting, not what was said
    response = client.get(url)
    assert response.status_code == 200
    assert "Rota gaps on nights" not in response.content.decode()
    for stranger in (supervisee, outsider):
        client.force_login(stranger)
        assert client.get(url).status_code == 404


def test_facilitator_takes_the_register_and_writes_the_record_through_the_pages(
    client, group, member, facilitator, themes
):
    meeting = group.sessions.earliest("starts_at")
    with time_machine.travel(utc(2026, 12, 8, 16), tick=False):
        client.force_login(facilitator)
        register = reverse("peergroups:session_register", kwargs={"pk": meeting.pk})
        assert client.get(register).status_code == 200
        bad = client.post(register, {f"member_{member.pk}": "asleep"})
        assert bad.status_code == 200  # the form explains, no 500
        response = client.post(register, {f"member_{member.pk}": "present"})
        assert response.status_code == 302
        record = reverse("peergroups:session_record", kwargs={"pk": meeting.pk})
        response = client.post(
            record,
            {
                "functions": ["formative"],
                "themes": [themes[0].pk],
                "notes": "",
                "systemic_issues": "Parking",
            },
        )
        assert response.status_code == 302
    assert Attendance.objects.get(session=meeting, user=member).status == "present"
    assert GroupRecord.objects.get(session=meeting).systemic_issues == "Parking"


# --- Pages ---------------------------------------------------------------------------


def test_admin_sets_up_a_group_through_the_form(
    client, frozen_now, programme_admin, group_programme, facilitator
):
    client.force_login(programme_admin)
    url = reverse("peergroups:group_add")
    assert client.get(url).status_code == 200
    data = {
        "name": "Preceptorship group A",
        "programme": group_programme.pk,
        "group_type": "preceptorship",
        "capacity": 8,
        "facilitators": [facilitator.pk],
        "mode": "online",
        "meeting_link": "http://not-secure.example",
        "recurrence": "monthly",
        "weekday": 1,
        "week_of_month": 2,
        "start_time": "14:00",
        "end_time": "15:30",
        "starts_on": "2026-12-01",
        "offer_hours": 72,
        "absence_threshold": 2,
    }
    response = client.post(url, data)
    assert response.status_code == 200  # an http link is refused, with a message
    response = client.post(url, {**data, "meeting_link": "https://zoom.us/j/1"})
    assert response.status_code == 302
    assert GroupSession.objects.filter(group__name="Preceptorship group A").count() == 6


def test_joining_and_leaving_through_the_pages(client, group, supervisee, facilitator):
    client.force_login(supervisee)
    client.post(reverse("peergroups:group_join", kwargs={"pk": group.pk}))
    membership = membership_of(group, supervisee)
    client.force_login(facilitator)
    client.post(
        reverse("peergroups:member_accept", kwargs={"pk": group.pk, "membership_pk": membership.pk})
    )
    assert membership_of(group, supervisee).state == Membership.State.ACTIVE
    client.force_login(supervisee)
    response = client.post(reverse("peergroups:group_leave", kwargs={"pk": group.pk}), {})
    assert response.status_code == 302
    assert not group.memberships.current().filter(user=supervisee).exists()


def test_group_page_runs_the_same_queries_however_many_members_and_meetings(
    client, group, member, facilitator, organisation, django_assert_num_queries
):
    client.force_login(facilitator)
    url = reverse("peergroups:group", kwargs={"pk": group.pk})
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    group.capacity = 10
    group.save()
    for _ in range(8):
        join(group, person(organisation), facilitator)
    for _ in range(3):
        services.membership_request(actor=person(organisation), group=group)
    services.meetings_extend(group=group, now=NOW)
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert len(response.context["member_rows"]) == 9
    assert len(many) == len(few), (
        "\n".join(q["sql"][:150] for q in many.captured_queries)
        + "\n----\n"
        + "\n".join(q["sql"][:150] for q in few.captured_queries)
    )


def test_group_list_runs_the_same_queries_however_many_groups(
    client,
    group,
    supervisee,
    programme_admin,
    organisation,
    group_programme,
    facilitator,
):
    client.force_login(supervisee)
    url = reverse("peergroups:groups")
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for n in range(4):
        make_group(
            programme_admin,
            organisation,
            group_programme,
            [facilitator],
            name=f"Group {n}",
            weekday=n + 2,
        )
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert len(response.context["rows"]) == 5
    assert len(many) == len(few)


# --- Who may reach what ------------------------------------------------------------------

LOGIN = "login"
GROUP_URLS = {
    # name: (method, kwargs kind, {role: status})
    "peergroups:groups": ("get", None, {}),
    "peergroups:group_add": ("get", None, {"programme_admin": 200, "outsider": 200}),
    "peergroups:group": ("get", "group", {"outsider": 404}),
    "peergroups:group_edit": ("get", "group", {"programme_admin": 200, "outsider": 404}),
    "peergroups:group_join": ("post", "group", {"outsider": 404}),
    "peergroups:group_leave": ("get", "group", {"outsider": 404}),
    "peergroups:group_offer": ("get", "group", {"outsider": 404}),
    "peergroups:member_accept": (
        "post",
        "membership",
        {"facilitator": 302, "programme_admin": 302, "outsider": 404},
    ),
    "peergroups:member_remove": (
        "get",
        "membership",
        {"facilitator": 200, "programme_admin": 200, "outsider": 404},
    ),
    "peergroups:session": ("get", "meeting", {"facilitator": 200, "programme_admin": 200}),
    "peergroups:session_ics": ("get", "meeting", {"facilitator": 200, "programme_admin": 200}),
    "peergroups:session_register": ("get", "held", {"facilitator": 200, "programme_admin": 403}),
    "peergroups:session_record": ("get", "held", {"facilitator": 200, "programme_admin": 403}),
    "peergroups:session_move": ("get", "meeting", {"facilitator": 200, "programme_admin": 403}),
    "peergroups:session_cancel": ("get", "meeting", {"facilitator": 200, "programme_admin": 403}),
}
# Signed-in people not listed get: 200 for the list, 403 for group actions in scope
# (their organisation's group), 404 for meetings they are not part of.
DEFAULTS = {
    "peergroups:groups": 200,
    "peergroups:group_add": 403,
    "peergroups:group": 200,
    "peergroups:group_edit": 403,
    "peergroups:group_join": 302,
    "peergroups:group_leave": 403,
    "peergroups:group_offer": 403,
    "peergroups:member_accept": 403,
    "peergroups:member_remove": 403,
}
ROLES = (
    "supervisee",
    "facilitator",
    "peer_supporter",
    "programme_admin",
    "wellbeing_lead",
    "outsider",
)


@pytest.fixture
def walk(group, member, facilitator):
    """The objects the URLs point at: this group, a request to join it, its meetings."""
    requester = person(group.organisation)
    request = services.membership_request(actor=requester, group=group)
    return {
        "group": {"pk": group.pk},
        "membership": {"pk": group.pk, "membership_pk": request.pk},
        "meeting": {"pk": group.sessions.earliest("starts_at").pk},
        "held": {"pk": group.sessions.earliest("starts_at").pk},
    }


@pytest.mark.parametrize("name", sorted(GROUP_URLS))
def test_every_group_url_answers_each_role_as_expected(client, name, walk, role_users):
    method, kind, overrides = GROUP_URLS[name]
    url = reverse(name, kwargs=walk[kind] if kind else None)
    when = utc(2026, 12, 8, 16) if kind == "held" else NOW
    with time_machine.travel(when, tick=False):
        response = getattr(client, method)(url)
        assert response.status_code == 302, f"anonymous {name}"
        assert "login" in response.url
        for role in ROLES:
            client.force_login(role_users[role])
            expected = overrides.get(role, DEFAULTS.get(name, 404))
            response = getattr(client, method)(url)
            assert response.status_code == expected, f"{role} {name}"
            client.logout()


def test_the_offered_person_answers_on_the_offer_page(client, group, full_with_queue):
    leaver, _, first_waiting, _ = full_with_queue
    client.force_login(leaver)
    assert client.get(reverse("peergroups:group_leave", kwargs={"pk": group.pk})).status_code == 200
    client.post(reverse("peergroups:group_leave", kwargs={"pk": group.pk}), {"reason": ""})
    client.force_login(first_waiting)
    url = reverse("peergroups:group_offer", kwargs={"pk": group.pk})
    assert "accept it by" in client.get(url).content.decode()
    assert client.post(url, {"answer": "maybe"}).status_code == 302  # no 500
    client.post(url, {"answer": "accept"})
    assert membership_of(group, first_waiting).state == Membership.State.ACTIVE
    page = client.get(reverse("peergroups:group", kwargs={"pk": group.pk}))
    assert page.status_code == 200
    assert len(page.context["meetings"]) == 6


def test_group_meetings_use_up_a_group_programmes_allowance(
    group, member, group_programme, facilitator
):
    from supervision.allowances import allowance

    group_programme.allowance_sessions = 10
    group_programme.period_kind = "rolling"
    group_programme.save()
    upcoming = GroupSession.objects.filter(group=group, status="scheduled").count()
    assert allowance(group_programme, member).used == upcoming
    # Apologies for the first meeting: it no longer counts.
    first = GroupSession.objects.filter(group=group).order_by("starts_at").first()
    assert first is not None
    Attendance.objects.create(session=first, user=member, status="apologies")
    assert allowance(group_programme, member).used == upcoming - 1
    # A one-to-one programme is not affected by group meetings.
    assert group_programme.modality == "group"


# --- Invites frozen when the change is made (issue 17) ---------------------------------


def test_a_meeting_moved_then_cancelled_before_the_email_went_is_told_only_as_cancelled(
    group, member, facilitator, mailoutbox
):
    deliver_due()
    mail.outbox.clear()
    meeting = group.sessions.get(occurrence=datetime.date(2027, 1, 12))
    with time_machine.travel(NOW + datetime.timedelta(minutes=1), tick=False):
        services.meeting_move(
            actor=facilitator,
            meeting=meeting,
            starts_at=utc(2027, 1, 14, 10),
            ends_at=utc(2027, 1, 14, 11, 30),
            reason="Room booked",
        )
    with time_machine.travel(NOW + datetime.timedelta(minutes=2), tick=False):
        services.meeting_cancel(actor=facilitator, meeting=meeting, reason="Facilitators away")
    with time_machine.travel(NOW + datetime.timedelta(minutes=30), tick=False):
        deliver_due()
    to_member = [m for m in mail.outbox if member.email in m.to]
    assert [m.subject for m in to_member] == [f"{group.name}: meeting cancelled"]
    calendar, event = invite_of(to_member[0])
    assert excluded(event) == {utc(2027, 1, 12, 14)}
    assert moved_occurrences(calendar) == {}
    assert event.decoded("DTSTAMP") == NOW + datetime.timedelta(minutes=2)


def test_each_meeting_change_carries_the_series_as_that_change_left_it(
    group, member, facilitator, mailoutbox
):
    """Two meetings moved a minute apart and sent later: each email's invite has its own
    SEQUENCE and DTSTAMP (before: both the later one's, stamped when sent)."""
    deliver_due()
    mail.outbox.clear()
    first = group.sessions.get(occurrence=datetime.date(2027, 1, 12))
    second = group.sessions.get(occurrence=datetime.date(2027, 2, 9))
    for minutes, meeting, day in ((1, first, 14), (2, second, 11)):
        with time_machine.travel(NOW + datetime.timedelta(minutes=minutes), tick=False):
            services.meeting_move(
                actor=facilitator,
                meeting=meeting,
                starts_at=utc(2027, meeting.occurrence.month, day, 10),
                ends_at=utc(2027, meeting.occurrence.month, day, 11, 30),
            )
    with time_machine.travel(NOW + datetime.timedelta(minutes=30), tick=False):
        deliver_due()
    to_member = sorted(
        (invite_of(m) for m in mail.outbox if member.email in m.to),
        key=lambda found: found[1]["SEQUENCE"],
    )
    assert len(to_member) == 2
    (one, one_event), (two, two_event) = to_member
    assert two_event["SEQUENCE"] == one_event["SEQUENCE"] + 1
    assert one_event.decoded("DTSTAMP") == NOW + datetime.timedelta(minutes=1)
    assert two_event.decoded("DTSTAMP") == NOW + datetime.timedelta(minutes=2)
    assert moved_occurrences(one) == {utc(2027, 1, 12, 14): utc(2027, 1, 14, 10)}
    assert moved_occurrences(two) == {
        utc(2027, 1, 12, 14): utc(2027, 1, 14, 10),
        utc(2027, 2, 9, 14): utc(2027, 2, 11, 10),
    }


def test_ones_meetings_are_those_of_the_groups_one_is_in_or_facilitates_and_no_others(
    group, member, facilitator, organisation, group_programme, programme_admin
):
    """peergroups.permissions.meetings_of: an active member's groups, and with
    `facilitated` the groups one facilitates; not a group one only asked to join."""
    from peergroups.permissions import meetings_of

    def another(name, week):  # another week of the month: the facilitator is free
        return make_group(
            programme_admin,
            organisation,
            group_programme,
            [facilitator],
            name=name,
            week_of_month=week,
        )

    other = another("Other", 3)
    asking = person(organisation)
    services.membership_request(actor=asking, group=other)
    both = another("Both", 4)
    join(both, member, facilitator)

    def groups(user, **kwargs):
        return set(meetings_of(user, **kwargs).values_list("group__name", flat=True))

    names = {group.name, "Both"}
    assert groups(member) == names
    assert groups(member, facilitated=False) == names
    assert groups(facilitator) == {group.name, "Other", "Both"}
    assert groups(facilitator, facilitated=False) == set()
    assert groups(asking) == set()
    assert meetings_of(member).count() == len(set(meetings_of(member).values_list("pk", flat=True)))


# --- The group page reads what it has already fetched -----------------------------------


def _next_meeting_both_ways(group, now, shown):
    """(from the query, from the page's list of meetings not yet ended)."""
    upcoming = list(group.sessions.filter(ends_at__gt=now).order_by("starts_at")[:shown])
    return (
        services.next_meeting(group, now),
        services.next_meeting(group, now, upcoming=upcoming, shown=shown),
    )


def test_the_next_meeting_read_from_the_pages_list_is_the_one_the_query_finds(group):
    meetings = list(group.sessions.order_by("starts_at"))
    first, second, third = meetings[:3]
    # While the first meeting is under way the next one is the second.
    during = first.starts_at + datetime.timedelta(minutes=5)
    assert _next_meeting_both_ways(group, during, 12) == (second, second)
    # A cancelled meeting is not the next one.
    second.status = GroupSession.Status.CANCELLED
    second.save()
    assert _next_meeting_both_ways(group, during, 12) == (third, third)
    # Every meeting in a full list cancelled: the one after the list, from the query.
    group.sessions.filter(pk__in=[m.pk for m in meetings[:2]]).update(
        status=GroupSession.Status.CANCELLED
    )
    before = first.starts_at - datetime.timedelta(days=1)
    assert _next_meeting_both_ways(group, before, 2) == (third, third)
    # None to come: a short list holds them all, so no query is needed to say so.
    after = meetings[-1].ends_at
    found, read = _next_meeting_both_ways(group, after, 12)
    assert found is None
    assert read is None


def test_a_facilitators_group_page_asks_for_the_facilitators_and_memberships_once(
    client, group, member, facilitator, co_facilitator
):
    client.force_login(facilitator)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("peergroups:group", kwargs={"pk": group.pk}))
    sql = [q["sql"] for q in queries.captured_queries]
    facilitator_reads = [
        s for s in sql if 'FROM "accounts_user" INNER JOIN "peergroups_group_facilitators"' in s
    ]
    membership_reads = [s for s in sql if s.lstrip().startswith('SELECT "peergroups_membership"')]
    assert len(facilitator_reads) == 1, facilitator_reads
    assert len(membership_reads) == 1, membership_reads
    meetings_to_come = [
        s for s in sql if 'FROM "peergroups_groupsession"' in s and s.rstrip().endswith("LIMIT 1")
    ]
    assert meetings_to_come == []
    assert response.context["facilitators"] == sorted(
        [facilitator, co_facilitator], key=lambda u: (u.first_name, u.last_name, u.pk)
    )
    assert response.context["facilitating"]
    assert response.context["manage"]
    assert response.context["next_meeting"]


def test_a_members_group_page_shows_their_place_and_the_next_meeting(client, group, member):
    client.force_login(member)
    response = client.get(reverse("peergroups:group", kwargs={"pk": group.pk}))
    assert response.context["mine"].user == member
    assert response.context["member"]
    assert not response.context["manage"]
    assert response.context["next_meeting"] == meeting_when(services.next_meeting(group))


def test_a_group_by_its_id_is_found_for_exactly_those_who_may_browse_it(
    group, organisation, facilitator
):
    # get_group_for_user runs groups_visible_to's rule as a query compiled once for
    # each shape of scope: on a staff or not, running programmes in 0, 1 or 2 places.
    from django.http import Http404

    from kernel.models import Role
    from peergroups.models import Group
    from peergroups.permissions import get_group_for_user, groups_visible_to
    from peergroups.permissions.groups import _group_in_scope
    from tests.factories import OrganisationFactory, UserFactory

    other = OrganisationFactory()

    def copy(**changes):
        made = Group.objects.get(pk=group.pk)
        made.pk = None
        for name, value in changes.items():
            setattr(made, name, value)
        made.save()
        return made

    theirs_private = copy(organisation=other)
    groups = [
        group,
        theirs_private,
        copy(organisation=other, open_to_other_organisations=True),
        copy(organisation=other, open_to_other_organisations=True, is_active=False),
        copy(is_active=False),
    ]
    external = UserFactory()  # on no organisation's staff
    theirs_private.facilitators.add(external)
    admin_of_both = person(organisation, Role.PROGRAMME_ADMIN)
    RoleGrantFactory(user=admin_of_both, organisation=other, role=Role.PROGRAMME_ADMIN)
    member = person(organisation)
    Membership.objects.create(group=theirs_private, user=member, state=Membership.State.ACTIVE)
    people = [
        facilitator,
        external,
        admin_of_both,
        person(other),
        person(other, Role.PROGRAMME_ADMIN),
        member,
        person(organisation),
    ]
    seen = 0
    for user in people:
        visible = set(groups_visible_to(user).values_list("pk", flat=True))
        seen += len(visible)
        for each in groups:
            try:
                found = get_group_for_user(user, each.pk) == each
            except Http404:
                found = False
            assert found == (each.pk in visible), (user, each.name, each.organisation_id)
    assert 0 < seen < len(people) * len(groups)
    assert {(False, 0), (True, 0), (True, 1), (True, 2)} <= set(_group_in_scope)
    with pytest.raises(Http404):
        get_group_for_user(facilitator, 10**30)


def test_past_meetings_are_the_latest_ended_with_whether_each_has_its_record(
    held_meeting_with_record, group, member, facilitator, organisation
):
    """Through SQL built once for each shape: a facilitator's (all), an active member's
    (since joining, or all when it is not known), nobody else's."""
    from peergroups.permissions.groups import PAST_SHOWN
    from peergroups.views.groups import _past_meetings

    now = utc(2027, 9, 1)
    meetings = group.sessions.filter(ends_at__lte=now).order_by("-starts_at")
    every = list(meetings[:PAST_SHOWN])
    assert len(every) >= 6

    def shown(found):
        return [(m.pk, m.recorded) for m in found]

    recorded = {held_meeting_with_record.pk}
    expected = [(m.pk, m.pk in recorded) for m in every]
    assert shown(_past_meetings(group, None, True, now)) == expected
    mine = membership_of(group, member)
    mine.joined_at = every[2].starts_at
    since = [(m.pk, m.pk in recorded) for m in meetings.filter(starts_at__gte=mine.joined_at)]
    assert shown(_past_meetings(group, mine, False, now)) == since == expected[:3]
    mine.joined_at = None
    assert shown(_past_meetings(group, mine, False, now)) == expected
    mine.state = Membership.State.WAITING
    assert _past_meetings(group, mine, False, now) == []
    assert _past_meetings(group, None, False, now) == []
    assert _past_meetings(group, None, True, utc(2026, 11, 1)) == []
