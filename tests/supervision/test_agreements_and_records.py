import datetime
import re

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from audit.models import AuditEntry
from kernel.models import Band, SupervisionFunction
from supervision.models import Agreement, Session, SessionRecord
from supervision.services.agreements import (
    agreement_accept,
    agreement_end,
    agreement_request,
    agreement_update_terms,
)
from supervision.services.sessions import session_book, session_confirm, session_log
from tests.factories import StaffProfileFactory, SupervisorProfileFactory
from tests.scenario import tuesday

pytestmark = pytest.mark.django_db


def test_a_request_needs_both_acceptances_before_booking(
    frozen_now, band7, supervisor, supervisor_profile, programme
):
    agreement = agreement_request(actor=band7, supervisor=supervisor, programme=programme)
    assert agreement.status == Agreement.Status.PROPOSED
    agreement_accept(actor=band7, agreement=agreement)
    agreement.refresh_from_db()
    assert agreement.status == Agreement.Status.PROPOSED
    agreement_accept(actor=supervisor, agreement=agreement)
    agreement.refresh_from_db()
    assert agreement.status == Agreement.Status.ACTIVE


def test_changing_the_terms_asks_both_to_accept_again(agreement):
    agreement_update_terms(
        actor=agreement.supervisor,
        agreement=agreement,
        ground_rules="New rules",
        frequency="Every six weeks",
        confidentiality_limits=agreement.confidentiality_limits,
        start_date=agreement.start_date,
        review_date=agreement.review_date,
    )
    agreement.refresh_from_db()
    assert agreement.status == Agreement.Status.PROPOSED
    with pytest.raises(ValidationError):
        agreement_update_terms(
            actor=agreement.supervisee,
            agreement=agreement,
            ground_rules="x",
            frequency="x",
            confidentiality_limits="x",
            start_date=agreement.start_date,
            review_date=agreement.review_date,
        )


def test_a_line_manager_cannot_be_the_supervisor(band7, supervisor, supervisor_profile, programme):
    band7.profile.line_manager = supervisor.profile
    band7.profile.save()
    with pytest.raises(ValidationError, match="line manager"):
        agreement_request(actor=band7, supervisor=supervisor, programme=programme)


def test_capacity_is_enforced(supervisor, supervisor_profile, programme, organisation):
    supervisor_profile.capacity = 1
    supervisor_profile.save()
    first = StaffProfileFactory(organisation=organisation, band=Band.BAND_7).user
    second = StaffProfileFactory(organisation=organisation, band=Band.BAND_7).user
    agreement_request(actor=first, supervisor=supervisor, programme=programme)
    with pytest.raises(ValidationError, match="not taking on new supervisees"):
        agreement_request(actor=second, supervisor=supervisor, programme=programme)


def test_an_ineligible_person_cannot_ask(supervisor, supervisor_profile, programme, supervisee):
    with pytest.raises(ValidationError, match="PNA programme"):
        agreement_request(actor=supervisee, supervisor=supervisor, programme=programme)


def test_ending_an_agreement_cancels_sessions_still_to_come(frozen_now, agreement):
    session = session_book(
        actor=agreement.supervisee,
        programme=agreement.programme,
        supervisor=agreement.supervisor,
        agreement=agreement,
        starts_at=tuesday(1, 14),
    )
    agreement_end(actor=agreement.supervisee, agreement=agreement, reason="Moving trusts")
    session.refresh_from_db()
    assert session.status == Session.Status.CANCELLED
    assert AuditEntry.objects.filter(action="agreement.ended").exists()


@pytest.fixture
def past_session(agreement):
    with time_machine.travel(datetime.datetime(2026, 11, 23, 9, tzinfo=datetime.UTC)):
        session = session_book(
            actor=agreement.supervisee,
            programme=agreement.programme,
            supervisor=agreement.supervisor,
            agreement=agreement,
            starts_at=tuesday(1, 14),
        )
    with time_machine.travel(datetime.datetime(2026, 12, 1, 16, tzinfo=datetime.UTC)):
        yield session


def _log(session, themes, **overrides):
    values = {
        "attendance": Session.Status.ATTENDED,
        "actual_minutes": 50,
        "functions": [SupervisionFunction.RESTORATIVE],
        "themes": themes,
        "agreed_actions": "Ask for a team debrief",
        "escalated": False,
        "escalated_on": None,
        "escalated_to": "",
    }
    values.update(overrides)
    return session_log(actor=session.supervisor, session=session, **values)


def test_supervisor_logs_and_supervisee_confirms(past_session, themes):
    record = _log(past_session, themes[:1])
    past_session.refresh_from_db()
    assert past_session.status == Session.Status.ATTENDED
    assert list(record.themes.all()) == themes[:1]
    session_confirm(actor=past_session.supervisee, session=past_session, comment="Thanks")
    record.refresh_from_db()
    assert record.supervisee_confirmed_at is not None


def test_a_log_marks_its_supervisee_for_the_rollups_in_one_statement(past_session, themes):
    """Logging changes the session and its record's themes: the session is saved first,
    which marks both kinds of roll-up row at once, so the themes find them marked
    (reports.services.rollups_mark_stale), one statement on the log's own time."""
    from django.db import connection

    from reports.models import RollupPending
    from reports.services import refresh_pending_rollups

    marks = []

    def watch(execute, sql, params, many, context):
        if "reports_rolluppending" in sql:
            marks.append(sql)
        return execute(sql, params, many, context)

    refresh_pending_rollups()  # the booking's marks worked out, as the worker would
    with connection.execute_wrapper(watch):
        _log(past_session, themes[:2])
    assert len(marks) == 1
    pending = set(RollupPending.objects.values_list("user_id", "kind"))
    assert pending == {
        (past_session.supervisee_id, "session"),
        (past_session.supervisee_id, "theme"),
    }


def test_a_session_the_supervisee_missed_is_logged_without_a_duration(past_session, themes):
    record = _log(past_session, themes, attendance=Session.Status.DID_NOT_ATTEND)
    past_session.refresh_from_db()
    assert past_session.status == Session.Status.DID_NOT_ATTEND
    assert record.actual_minutes is None
    assert record.agreed_actions == ""
    assert list(record.themes.all()) == []


def test_only_the_supervisor_logs_and_not_before_it_starts(frozen_now, agreement, themes):
    session = session_book(
        actor=agreement.supervisee,
        programme=agreement.programme,
        supervisor=agreement.supervisor,
        agreement=agreement,
        starts_at=tuesday(1, 14),
    )
    with pytest.raises(ValidationError, match="once it has started"):
        _log(session, themes)
    with pytest.raises(ValidationError, match="Only the supervisor"):
        session_log(
            actor=agreement.supervisee,
            session=session,
            attendance="attended",
            actual_minutes=1,
            functions=[],
            themes=[],
            agreed_actions="",
            escalated=False,
            escalated_on=None,
            escalated_to="",
        )


def test_escalation_records_when_and_to_whom(past_session, themes):
    record = _log(
        past_session,
        themes,
        escalated=True,
        escalated_on=datetime.date(2026, 12, 1),
        escalated_to="Safeguarding lead",
    )
    assert (record.escalated_on, record.escalated_to) == (
        datetime.date(2026, 12, 1),
        "Safeguarding lead",
    )


def test_the_record_is_for_the_two_of_them_only(
    client, past_session, themes, programme_admin, other_supervisee
):
    _log(past_session, themes)
    url = reverse("supervision:session", kwargs={"pk": past_session.pk})
    client.force_login(past_session.supervisee)
    assert "Ask for a team debrief" in client.get(url).content.decode()
    client.force_login(past_session.supervisor)
    assert "Ask for a team debrief" in client.get(url).content.decode()
    for stranger in (programme_admin, other_supervisee):
        client.force_login(stranger)
        assert client.get(url).status_code == 404


def test_the_log_form_explains_missing_answers_and_keeps_the_rest(client, past_session, themes):
    client.force_login(past_session.supervisor)
    response = client.post(
        reverse("supervision:session_log", kwargs={"pk": past_session.pk}),
        {"attendance": "attended", "agreed_actions": "Keep me", "escalated": "on"},
    )
    content = response.content.decode()
    assert response.status_code == 200
    assert "nhsuk-error-summary" in content
    assert "Enter how long the session lasted" in content
    assert "Enter the date the concern was escalated" in content
    assert "Keep me" in content
    assert not SessionRecord.objects.exists()


def test_session_history_runs_the_same_queries_for_many_sessions(
    client, agreement, programme, organisation, django_assert_num_queries
):
    client.force_login(agreement.supervisee)
    url = reverse("supervision:sessions")
    supervisors = [SupervisorProfileFactory(programmes=[programme]).user for _ in range(3)]
    start = datetime.datetime(2026, 5, 5, 13, tzinfo=datetime.UTC)

    def past(index):
        Session.objects.create(
            programme=programme,
            supervisor=supervisors[index % 3],
            supervisee=agreement.supervisee,
            starts_at=start + datetime.timedelta(days=index),
            ends_at=start + datetime.timedelta(days=index, hours=1),
            status=Session.Status.ATTENDED,
        )

    past(0)
    # session, user with profile (time zone and layout), roles, upcoming sessions,
    # the count and page of past sessions (each with programme, organisation,
    # both people and the record joined), and the group meetings they go to.
    with django_assert_num_queries(7):
        client.get(url)
    for index in range(1, 30):
        past(index)
    with django_assert_num_queries(7):
        response = client.get(url)
    assert response.context["page"].paginator.count == 30


def test_session_history_says_whether_each_record_is_confirmed_and_not_what_it_says(
    client, past_session, themes, django_assert_num_queries
):
    """A list of sessions shows of each shared record only whether the supervisee has
    confirmed it: the record's content is neither fetched nor decrypted for a list,
    and reading the confirmation asks no query a row."""
    _log(
        past_session,
        themes,
        escalated=True,
        escalated_on=datetime.date(2026, 12, 1),
        escalated_to="Matron",
    )
    url = reverse("supervision:sessions")
    client.force_login(past_session.supervisee)
    with django_assert_num_queries(7):  # as test_session_history_runs_the_same_queries...
        response = client.get(url)
    assert "not yet confirmed" in response.content.decode()
    (listed,) = response.context["page"].object_list
    assert {"agreed_actions", "escalated_to", "supervisee_comment", "functions"} <= (
        listed.record.get_deferred_fields()
    )
    session_confirm(actor=past_session.supervisee, session=past_session, comment="Thanks")
    client.force_login(past_session.supervisor)
    page = client.get(url).content.decode()
    assert ", confirmed" in page
    assert "not yet confirmed" not in page
    assert "Ask for a team debrief" not in page
    assert "Matron" not in page


def test_unlogged_sessions_list_runs_the_same_queries(
    client, agreement, programme, django_assert_num_queries
):
    client.force_login(agreement.supervisor)
    url = reverse("supervision:sessions_unlogged")
    # session, user with profile, roles, the unlogged sessions with everything joined.
    with django_assert_num_queries(4):
        client.get(url)
    start = datetime.datetime(2026, 5, 5, 13, tzinfo=datetime.UTC)
    for index in range(20):
        Session.objects.create(
            programme=programme,
            supervisor=agreement.supervisor,
            supervisee=StaffProfileFactory(organisation=programme.organisation).user,
            starts_at=start + datetime.timedelta(days=index),
            ends_at=start + datetime.timedelta(days=index, hours=1),
        )
    with django_assert_num_queries(4):
        response = client.get(url)
    assert len(response.context["sessions"]) == 20


def test_agreement_pages_are_404_to_everyone_else(client, agreement, other_supervisee):
    client.force_login(other_supervisee)
    assert client.get(reverse("supervision:agreement", args=[agreement.pk])).status_code == 404
    client.force_login(agreement.supervisee)
    assert client.get(reverse("supervision:agreement", args=[agreement.pk])).status_code == 200


def test_asking_twice_explains_instead_of_failing(client, agreement, supervisor_profile):
    client.force_login(agreement.supervisee)
    response = client.post(
        reverse(
            "supervision:supervisor_request", args=[supervisor_profile.pk, agreement.programme.pk]
        ),
        follow=True,
    )
    assert "already have an agreement" in response.content.decode()
    assert Agreement.objects.count() == 1


def test_first_session_without_agreement_where_the_programme_allows(
    frozen_now, programme, supervisor_profile, band7
):
    programme.allow_booking_without_agreement = True
    programme.save()
    session = session_book(
        actor=band7,
        programme=programme,
        supervisor=supervisor_profile.user,
        starts_at=tuesday(1, 14),
    )
    assert session.agreement is None


def test_programme_admin_sees_that_sessions_happened_but_not_what_was_said(
    client, past_session, themes, programme_admin
):
    _log(past_session, themes)
    client.force_login(programme_admin)
    response = client.get(
        reverse("supervision:person", kwargs={"pk": past_session.supervisee.profile.pk})
    )
    content = response.content.decode()
    assert content.count("Supervision attended") == 1
    title = content.split("<title>", 1)[1].split("</title>", 1)[0]
    assert "<" not in title
    assert "Attended" in content
    assert "Tuesday 1 December 2026" in content
    assert "Ask for a team debrief" not in content
    assert "Workload" not in content


def test_home_runs_the_same_queries_however_many_sessions(
    client, agreement, programme, django_assert_num_queries
):
    start = datetime.datetime(2027, 1, 5, 14, tzinfo=datetime.UTC)

    def upcoming(index):
        Session.objects.create(
            programme=programme,
            agreement=agreement,
            supervisor=agreement.supervisor,
            supervisee=agreement.supervisee,
            starts_at=start + datetime.timedelta(days=7 * index),
            ends_at=start + datetime.timedelta(days=7 * index, hours=1),
        )

    upcoming(0)
    client.force_login(agreement.supervisee)
    with time_machine.travel(datetime.datetime(2026, 11, 23, 9, tzinfo=datetime.UTC)):
        # session, user with profile, roles, upcoming sessions, the programmes (with
        # their departments and their alternatives' departments prefetched: who
        # may be pointed to an alternative), the eligible programme's used sessions and
        # extra grants, records to confirm (with how many), the agreements not
        # ended (to accept, or with nothing booked yet), sessions to give feedback
        # on, the group meetings they go to; and three for their standing against a minimum
        # frequency (supervision.standards.standing_of: the programmes with a
        # standard, the profession defaults, their held sessions; the
        # organisation's zone comes with their profile). It grows with the number
        # of programmes a trust runs, never with sessions.
        with django_assert_num_queries(15):
            client.get(reverse("supervision:home"))
        for index in range(1, 12):
            upcoming(index)
        with django_assert_num_queries(15):
            client.get(reverse("supervision:home"))


@pytest.mark.parametrize(("minutes", "words"), [(1, "1 minute"), (50, "50 minutes")])
def test_the_record_says_how_long_in_plain_english(client, past_session, themes, minutes, words):
    _log(past_session, themes[:1], actual_minutes=minutes)
    client.force_login(past_session.supervisee)
    page = client.get(past_session.get_absolute_url()).content.decode()
    assert re.search(rf">\s*{words}\s*<", page)
    assert "1 minutes" not in page


def test_sessions_to_log_are_the_supervisors_own_that_have_ended_unlogged(
    client, agreement, programme, supervisor, other_supervisee, frozen_now
):
    # The list's query is built once (supervision.views.sessions._unlogged_of) with the
    # time and the supervisor as parameters.
    from kernel.models import Role
    from tests.factories import RoleGrantFactory

    other_supervisor = SupervisorProfileFactory(
        user=StaffProfileFactory(organisation=programme.organisation).user, programmes=[programme]
    ).user
    RoleGrantFactory(
        user=other_supervisor, organisation=programme.organisation, role=Role.SUPERVISOR
    )

    def session(who, days, status=Session.Status.BOOKED):
        starts = frozen_now + datetime.timedelta(days=days)
        cancelled = status == Session.Status.CANCELLED
        return Session.objects.create(
            programme=programme,
            supervisor=who,
            supervisee=other_supervisee,
            starts_at=starts,
            ends_at=starts + datetime.timedelta(hours=1),
            status=status,
            cancelled_at=starts - datetime.timedelta(days=2) if cancelled else None,
            cancelled_by="supervisor" if cancelled else "",
        )

    older, recent = session(supervisor, -9), session(supervisor, -2)
    session(supervisor, -3, Session.Status.ATTENDED)  # logged
    session(supervisor, -4, Session.Status.CANCELLED)
    session(supervisor, 2)  # still to come
    session(other_supervisor, -2)  # another supervisor's
    client.force_login(supervisor)
    response = client.get(reverse("supervision:sessions_unlogged"))
    assert [s.pk for s in response.context["sessions"]] == [older.pk, recent.pk]
    client.force_login(other_supervisor)
    response = client.get(reverse("supervision:sessions_unlogged"))
    assert len(response.context["sessions"]) == 1


def test_a_supervisors_page_knows_the_agreements_not_ended_with_that_supervisor(
    client, agreement, supervisor, supervisor_profile, band7, programme
):
    from supervision.permissions import current_agreements_with

    assert current_agreements_with(band7, supervisor) == [agreement]
    assert current_agreements_with(supervisor, band7) == []  # the other way round
    agreement.ended_at = agreement.created_at
    agreement.save()
    assert current_agreements_with(band7, supervisor) == []
    client.force_login(band7)
    response = client.get(reverse("supervision:supervisor", args=[supervisor_profile.pk]))
    assert response.status_code == 200
    assert all(option["agreement"] is None for option in response.context["options"])
