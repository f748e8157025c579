"""Teams meetings through Microsoft Graph, one per online session (issue 18).

Every Graph call goes over real HTTP, through the app's own client, to a fake
Graph server the test starts on 127.0.0.1 (tests/fake_graph.py). The web
request only plans the work; the sync task, run here in the test process with
Celery's `apply` (its retries run too), calls Graph.
"""

import datetime

import pytest
import time_machine
from django.urls import reverse
from icalendar import Calendar

from audit.models import AuditEntry
from kernel.models import OnlineMeeting
from kernel.services.teams import online_meeting_for
from notifications.models import Notification
from supervision.models import Session
from supervision.services.sessions import session_book, session_cancel, session_reschedule
from supervision.tasks import sync_session_teams_meeting
from tests.factories import AgreementFactory, SupervisorProfileFactory, WeeklyAvailabilityFactory
from tests.fake_graph import connected_graph
from tests.outbox import deliver_due
from tests.scenario import NOW, tuesday

pytestmark = pytest.mark.django_db
OWN_LINK = "https://teams.microsoft.com/l/meetup-join/abc"  # the factories' own link
MINUTE = datetime.timedelta(minutes=1)


@pytest.fixture
def graph(settings, organisation):
    """The fake Graph, the server's app registration pointing at it, and the
    organisation's switch on."""
    yield from connected_graph(settings, organisation)


def book(agreement, starts_at=None) -> Session:
    return session_book(
        actor=agreement.supervisee,
        programme=agreement.programme,
        supervisor=agreement.supervisor,
        agreement=agreement,
        starts_at=starts_at or tuesday(1, 14),
    )


def sync(session) -> str:
    """What the worker does with the task queued after the commit."""
    return sync_session_teams_meeting.apply(args=(session.pk,)).get()


def meeting_of(session) -> OnlineMeeting:
    meeting = online_meeting_for(session)
    assert meeting is not None
    return meeting


def change_emails(mailoutbox, recipient):
    return [
        m
        for m in mailoutbox
        if recipient.email in m.to and m.subject.startswith(("Supervision", "Microsoft"))
    ]


def event_of(message):
    [(_name, content, _mimetype)] = message.attachments
    return next(iter(Calendar.from_ical(content).walk("VEVENT")))


# --- Booking ------------------------------------------------------------------------


def test_booking_queues_the_meeting_and_calls_no_graph_in_the_request(
    frozen_now, agreement, graph, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        session = book(agreement)
    # The outbox's dispatch, and the Teams sync: published after the commit.
    assert len(callbacks) == 2
    assert graph.requests == []
    meeting = meeting_of(session)
    assert meeting.state == OnlineMeeting.State.PENDING
    assert session.meeting_link == OWN_LINK  # until the Teams link exists


def test_the_task_creates_one_meeting_and_the_session_gets_its_link(frozen_now, agreement, graph):
    session = book(agreement)

    assert sync(session) == "created"

    [made] = graph.live_meetings()
    assert made["subject"] == f"Clinical supervision: {agreement.programme.name}"
    assert made["startDateTime"].startswith("2026-12-01T14:00:00")
    assert made["endDateTime"].startswith("2026-12-01T15:00:00")
    assert made["organiser"] == agreement.supervisor.email
    session.refresh_from_db()
    assert session.meeting_link == made["joinWebUrl"]
    assert session.sequence == 1
    meeting = meeting_of(session)
    assert (meeting.state, meeting.graph_id, meeting.attempts) == ("created", made["id"], 0)
    assert AuditEntry.objects.filter(
        action="session.teams_meeting_created", target_id=str(session.pk)
    ).exists()


def test_running_the_task_twice_makes_no_second_meeting(frozen_now, agreement, graph):
    session = book(agreement)
    sync(session)
    # A worker that died after Graph answered, before its commit: the row forgot.
    OnlineMeeting.objects.filter(pk=meeting_of(session).pk).update(
        graph_id="", join_url="", state="pending"
    )
    sync(session)
    sync(session)
    assert len(graph.live_meetings()) == 1
    # The second create asked with the same externalId and got the same meeting.
    assert len({body["externalId"] for body in graph.calls("create")}) == 1


def test_the_token_is_fetched_once_and_kept_until_it_expires(frozen_now, agreement, graph):
    first = book(agreement, tuesday(1, 14))
    sync(first)
    session_reschedule(actor=agreement.supervisee, session=first, starts_at=tuesday(8, 14))
    sync(first)
    session_cancel(actor=agreement.supervisee, session=first, reason="")
    sync(first)
    assert len(graph.calls("token")) == 1
    assert len(graph.requests) == 4  # token, create, update, delete


def test_each_person_gets_one_booking_email_and_it_carries_the_teams_link(
    frozen_now, agreement, graph, mailoutbox
):
    """The booking email waits (LINK_WAIT) for the link; the link's arrival replaces it."""
    session = book(agreement)
    sync(session)
    with time_machine.travel(NOW + 3 * MINUTE, tick=False):
        deliver_due()
    link = graph.live_meetings()[0]["joinWebUrl"]
    for person in (agreement.supervisor, agreement.supervisee):
        [email] = change_emails(mailoutbox, person)
        assert email.subject.startswith("Supervision booked")
        assert link in email.body
        event = event_of(email)
        assert str(event["location"]) == link
        assert str(event["url"]) == link
        assert int(event["sequence"]) == 1
    page = reverse("supervision:session", args=[session.pk])
    assert page  # the page shows the link too: test_session_page_shows_the_teams_link


def test_a_link_that_arrives_after_the_booking_email_comes_as_one_update(
    frozen_now, agreement, graph, mailoutbox
):
    graph.fail("create", status=503, times=99)  # Graph down while the booking email waits
    session = book(agreement)
    with time_machine.travel(NOW + 3 * MINUTE, tick=False):
        deliver_due()
    graph.failures.clear()
    with time_machine.travel(NOW + 4 * MINUTE, tick=False):
        assert sync(session) == "created"
        deliver_due()
    link = graph.live_meetings()[0]["joinWebUrl"]
    [booked, update] = change_emails(mailoutbox, agreement.supervisee)
    assert OWN_LINK in booked.body
    assert link not in booked.body
    assert update.subject.startswith("Microsoft Teams link for your supervision")
    assert link in update.body
    assert int(event_of(update)["sequence"]) > int(event_of(booked)["sequence"])
    assert str(event_of(update)["location"]) == link


def test_session_page_shows_the_teams_link(client, frozen_now, agreement, graph):
    session = book(agreement)
    sync(session)
    client.force_login(agreement.supervisee)
    page = client.get(reverse("supervision:session", args=[session.pk])).content.decode()
    assert graph.live_meetings()[0]["joinWebUrl"] in page
    assert "Join online (Microsoft Teams)" in page


# --- Moving and cancelling -------------------------------------------------------------


def test_moving_the_session_moves_the_meeting_and_keeps_its_link(frozen_now, agreement, graph):
    session = book(agreement)
    sync(session)
    link = graph.live_meetings()[0]["joinWebUrl"]

    moved = session_reschedule(
        actor=agreement.supervisee, session=session, starts_at=tuesday(8, 14)
    )
    assert moved.meeting_link == link  # not the slot's own link
    assert sync(moved) == "updated"

    [meeting] = graph.live_meetings()
    assert meeting["startDateTime"] == "2026-12-08T14:00:00Z"
    assert meeting["endDateTime"] == "2026-12-08T15:00:00Z"
    assert len(graph.calls("create")) == 1
    assert sync(moved) == "unchanged"  # nothing more to send
    assert len(graph.calls("update")) == 1


def test_moving_to_an_in_person_time_cancels_the_meeting_and_drops_its_link(
    frozen_now, agreement, graph
):
    WeeklyAvailabilityFactory(
        supervisor=agreement.supervisor,
        weekday=3,  # Thursdays, in Room 4
        mode="in_person",
        meeting_link="",
        location="Room 4",
    )
    session = book(agreement)
    sync(session)
    moved = session_reschedule(
        actor=agreement.supervisee,
        session=session,
        starts_at=datetime.datetime(2026, 12, 3, 14, tzinfo=datetime.UTC),
    )
    assert (moved.mode, moved.location, moved.meeting_link) == ("in_person", "Room 4", "")
    assert sync(moved) == "cancelled"
    assert graph.live_meetings() == []


def test_cancelling_the_session_cancels_the_meeting(frozen_now, agreement, graph):
    session = book(agreement)
    sync(session)
    session_cancel(actor=agreement.supervisor, session=session, reason="Unwell")
    assert sync(session) == "cancelled"
    assert graph.live_meetings() == []
    assert meeting_of(session).state == "cancelled"
    assert sync(session) == "unchanged"
    assert len(graph.calls("delete")) == 1


def test_a_session_cancelled_before_its_meeting_was_made_makes_none(frozen_now, agreement, graph):
    session = book(agreement)
    session_cancel(actor=agreement.supervisee, session=session, reason="")
    assert sync(session) == "cancelled"
    assert graph.requests == []


def test_a_meeting_already_deleted_in_teams_counts_as_cancelled(frozen_now, agreement, graph):
    session = book(agreement)
    sync(session)
    graph.meetings.clear()  # someone deleted it in Teams
    session_cancel(actor=agreement.supervisee, session=session, reason="")
    assert sync(session) == "cancelled"


# --- Failures ---------------------------------------------------------------------------


@pytest.mark.parametrize("status", [500, 503, 429, 0], ids=["500", "503", "429", "timeout"])
def test_a_failure_graph_recovers_from_is_retried_and_succeeds(
    frozen_now, agreement, graph, status
):
    graph.fail("create", status=status, times=2)
    session = book(agreement)
    assert sync(session) == "created"
    assert len(graph.calls("create")) == 3
    assert len(graph.live_meetings()) == 1
    assert meeting_of(session).attempts == 0


def test_after_the_last_retry_the_meeting_fails_visibly_and_the_own_link_stands(
    client, frozen_now, agreement, graph, mailoutbox
):
    graph.fail("create", status=500, times=99)
    session = book(agreement)

    assert sync(session) == "failed"

    meeting = meeting_of(session)
    assert meeting.state == "failed"
    assert meeting.attempts == 6  # the first try and 5 retries
    assert "Microsoft Graph had a problem (error 500)" in meeting.last_error
    session.refresh_from_db()
    assert session.meeting_link == OWN_LINK
    # The supervisor sees it, with the fallback and a way to try again.
    client.force_login(agreement.supervisor)
    page = client.get(reverse("supervision:session", args=[session.pk])).content.decode()
    assert "We could not create the Teams meeting" in page
    assert f"Your own link, {OWN_LINK}, is used instead." in page
    assert "Try the Teams meeting again" in page
    # A redelivered task neither tries again nor tells again.
    assert sync(session) == "unchanged"
    assert len(graph.calls("create")) == 6
    # and is told by email, once
    with time_machine.travel(NOW + 3 * MINUTE, tick=False):
        deliver_due()
    told = [m for m in mailoutbox if "could not make the Microsoft Teams meeting" in m.subject]
    assert [m.to for m in told] == [[agreement.supervisor.email]]
    # The supervisee's page says nothing of it.
    client.force_login(agreement.supervisee)
    page = client.get(reverse("supervision:session", args=[session.pk])).content.decode()
    assert "Teams meeting failed" not in page
    assert OWN_LINK in page


def test_a_refusal_is_not_retried_and_says_what_to_ask_for(frozen_now, agreement, graph):
    graph.fail("create", status=403, times=99)
    session = book(agreement)
    assert sync(session) == "failed"
    assert len(graph.calls("create")) == 1
    assert "application access policy" in meeting_of(session).last_error


def test_the_supervisor_can_try_a_failed_meeting_again(client, frozen_now, agreement, graph):
    graph.fail("create", status=403, times=1)
    session = book(agreement)
    sync(session)
    client.force_login(agreement.supervisor)
    retry = reverse("supervision:session_teams_retry", args=[session.pk])

    response = client.post(retry)

    assert response.status_code == 302
    assert meeting_of(session).state == "pending"
    assert sync(session) == "created"
    session.refresh_from_db()
    assert session.meeting_link == graph.live_meetings()[0]["joinWebUrl"]
    assert AuditEntry.objects.filter(action="session.teams_meeting_retried").count() == 1


def test_retrying_a_meeting_that_has_not_failed_is_refused_in_words(
    client, frozen_now, agreement, graph
):
    session = book(agreement)
    sync(session)
    client.force_login(agreement.supervisor)
    response = client.post(
        reverse("supervision:session_teams_retry", args=[session.pk]), follow=True
    )
    assert "The Teams meeting has not failed" in response.content.decode()


def test_only_the_supervisor_may_retry_and_another_organisation_gets_404(
    client, frozen_now, agreement, graph, other_organisation
):
    session = book(agreement)
    retry = reverse("supervision:session_teams_retry", args=[session.pk])
    client.force_login(agreement.supervisee)
    assert client.post(retry).status_code == 403
    from tests.factories import StaffProfileFactory

    stranger = StaffProfileFactory(organisation=other_organisation).user
    client.force_login(stranger)
    assert client.post(retry).status_code == 404
    assert client.get(retry).status_code in (404, 405)


def test_a_failed_move_says_the_link_still_works(client, frozen_now, agreement, graph):
    session = book(agreement)
    sync(session)
    graph.fail("update", status=400, times=1)
    moved = session_reschedule(
        actor=agreement.supervisee, session=session, starts_at=tuesday(8, 14)
    )
    assert sync(moved) == "failed"
    client.force_login(agreement.supervisor)
    page = client.get(reverse("supervision:session", args=[session.pk])).content.decode()
    assert "We could not update the Teams meeting" in page
    assert "Its link still works" in page


# --- Off: today's behaviour ---------------------------------------------------------------


def test_without_the_organisations_switch_nothing_is_queued_and_the_own_link_is_used(
    frozen_now, agreement, graph, organisation, django_capture_on_commit_callbacks, mailoutbox
):
    organisation.teams_meetings = False
    organisation.save()
    with django_capture_on_commit_callbacks() as callbacks:
        session = book(agreement)
    assert len(callbacks) == 1  # the outbox's dispatch only
    assert online_meeting_for(session) is None
    deliver_due()  # the booking email is not held
    [email] = change_emails(mailoutbox, agreement.supervisee)
    assert OWN_LINK in email.body
    assert graph.requests == []


def test_without_the_servers_app_registration_nothing_is_made(
    frozen_now, agreement, graph, settings
):
    settings.MS_GRAPH_CLIENT_SECRET = ""
    session = book(agreement)
    assert online_meeting_for(session) is None
    assert graph.requests == []


def test_an_in_person_session_gets_no_teams_meeting(frozen_now, graph, programme, band7):
    supervisor_profile = SupervisorProfileFactory(programmes=[programme], mode="in_person")
    WeeklyAvailabilityFactory(
        supervisor=supervisor_profile.user, mode="in_person", meeting_link="", location="Room 4"
    )
    agreement = AgreementFactory(
        programme=programme, supervisor=supervisor_profile.user, supervisee=band7
    )
    session = book(agreement)
    assert session.mode == "in_person"
    assert online_meeting_for(session) is None


def test_another_organisations_switch_does_not_turn_it_on(
    frozen_now, agreement, graph, organisation, other_organisation
):
    organisation.teams_meetings = False
    organisation.save()
    other_organisation.teams_meetings = True
    other_organisation.save()
    session = book(agreement)
    assert online_meeting_for(session) is None


def test_the_organiser_is_the_supervisors_own_microsoft_account_when_given(
    frozen_now, agreement, graph
):
    profile = agreement.supervisor.supervisor_profile
    profile.teams_organiser = "0c3b3f5e-1111-2222-3333-444444444444"
    profile.save()
    session = book(agreement)
    sync(session)
    assert graph.live_meetings()[0]["organiser"] == profile.teams_organiser
    assert Notification.objects.exists()


def test_a_supervisor_names_their_microsoft_account_only_where_teams_meetings_are_made(
    client, agreement, graph, organisation
):
    supervisor = agreement.supervisor
    client.force_login(supervisor)
    url = reverse("supervision:supervisor_profile")
    assert "Microsoft 365 account for Teams meetings" in client.get(url).content.decode()
    form = {
        "capacity": 6,
        "accepting_new": "on",
        "bio": "",
        "mode": "online",
        "meeting_link": OWN_LINK,
        "location": "",
        "teams_organiser": "  sam.supervisor@nhs.net ",
    }
    assert client.post(url, form).status_code == 302
    supervisor.supervisor_profile.refresh_from_db()
    assert supervisor.supervisor_profile.teams_organiser == "sam.supervisor@nhs.net"

    organisation.teams_meetings = False
    organisation.save()
    assert "Microsoft 365 account" not in client.get(url).content.decode()
    del form["teams_organiser"]
    assert client.post(url, form).status_code == 302
    supervisor.supervisor_profile.refresh_from_db()
    assert supervisor.supervisor_profile.teams_organiser == "sam.supervisor@nhs.net"
