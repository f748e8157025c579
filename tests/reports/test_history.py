"""Generated history: enough of it, shaped as the services shape it, and only once.

Every test builds the demo organisations, adds a smaller year of history and
checks it against the rules the services keep. The rows are written to the
configured database, so on PostgreSQL its constraints (the exclusion
constraint on overlapping commitments among them) have been checked too.
"""

import bisect
import datetime
import itertools
import zoneinfo
from collections import Counter, defaultdict
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.db.models import Count

from feedback.models import FeedbackAnswer, FeedbackResponse, WellbeingCheckIn
from kernel.models import Organisation, PeriodKind, Programme, StaffProfile
from nonprod.demo import load_demo_data
from nonprod.history import BETTER, HELPED, generate_benchmark_history, generate_demo_history
from notifications.models import Notification
from peergroups.models import (
    Attendance,
    Group,
    GroupRecord,
    GroupSession,
    Membership,
    SupportRequest,
)
from supervision.allowances import add_months, counted_sessions
from supervision.models import (
    Agreement,
    Commitment,
    Session,
    SessionRecord,
    SupervisorProfile,
    WeeklyAvailability,
)
from tests.scenario import NOW

pytestmark = pytest.mark.django_db

LONDON = zoneinfo.ZoneInfo("Europe/London")
SMALL: dict[str, Any] = {"westfield_staff": 120, "northgate_staff": 30, "months": 12, "seed": 7}


@pytest.fixture(scope="class")
def history(django_db_setup, django_db_blocker):
    """Demo data and a smaller year of history, built once for the class (demo data
    alone takes many seconds) and rolled back after it. Each test runs in its own
    savepoint inside, so none can change what the next one sees."""
    with (
        django_db_blocker.unblock(),
        time_machine.travel(NOW, tick=False),
        transaction.atomic(),
    ):
        load_demo_data()
        before = Notification.objects.count()
        yield generate_demo_history(**SMALL), before
        transaction.set_rollback(True)


def _generated(queryset, field="supervisee__email"):
    return queryset.filter(**{f"{field}__startswith": "staff"})


def _overlaps(spans) -> list:
    """Pairs of (start, end) that overlap for the same person, from (person, start, end)."""
    by_person = defaultdict(list)
    for person, start, end in spans:
        by_person[person].append((start, end))
    return [
        (a, b)
        for person_spans in by_person.values()
        for a, b in itertools.pairwise(sorted(person_spans))
        if a[1] > b[0]
    ]


class TestDemoHistory:
    """After demo_data and generate_history."""

    def test_history_adds_people_sessions_and_activity_in_plausible_numbers(self, history):
        summary, _ = history
        assert not summary.skipped
        assert summary.staff == 150
        assert StaffProfile.objects.filter(user__email__startswith="staff").count() == 150
        assert 100 <= summary.sessions <= 600
        assert summary.group_meetings >= 20
        assert summary.feedback >= 40
        assert 300 <= summary.wellbeing_checkins <= 1000
        assert summary.support_requests >= 10
        assert Session.objects.count() >= summary.sessions  # plus the demo's own
        westfield = Organisation.objects.get(slug="westfield")
        statuses = Counter(
            _generated(Session.objects.filter(programme__organisation=westfield)).values_list(
                "status", flat=True
            )
        )
        assert statuses[Session.Status.ATTENDED] > statuses[Session.Status.CANCELLED] > 0
        assert statuses[Session.Status.DID_NOT_ATTEND] > 0
        assert statuses[Session.Status.BOOKED] > 0  # some still to come
        assert Session.objects.filter(late_cancellation=True).exists()
        assert set(
            Session.objects.filter(status=Session.Status.CANCELLED).values_list(
                "cancelled_by", flat=True
            )
        ) == {"supervisor", "supervisee"}

    def test_generated_people_cannot_sign_in_and_do_not_clash_with_demo_logins(self, history):
        profiles = StaffProfile.objects.filter(user__email__startswith="staff").select_related(
            "user"
        )
        assert all(not p.user.has_usable_password() for p in profiles)
        assert {p.user.email.split("@")[1] for p in profiles} == {
            "westfield.example",
            "northgate.example",
        }
        assert all(
            p.department and p.department.organisation_id == p.organisation_id for p in profiles
        )
        bands = Counter(p.band for p in profiles if p.organisation.slug == "westfield")
        assert bands["5"] + bands["6"] + bands["7"] > sum(bands.values()) / 2
        # The demo people are untouched: still their own sessions only.
        assert not Session.objects.filter(
            supervisee__email="amara.okafor@westfield.example"
        ).exists()

    def test_history_is_idempotent(self, history, frozen_now):
        counts = (
            StaffProfile.objects.count(),
            Session.objects.count(),
            GroupSession.objects.count(),
        )
        again = generate_demo_history(**SMALL)
        assert again.skipped
        assert (
            StaffProfile.objects.count(),
            Session.objects.count(),
            GroupSession.objects.count(),
        ) == counts

    def test_sessions_are_consistent_with_their_status(self, history, frozen_now):
        now = frozen_now
        sessions = _generated(Session.objects.select_related("programme", "agreement"))
        records = set(SessionRecord.objects.values_list("session_id", flat=True))
        for session in sessions:
            if session.status in (Session.Status.ATTENDED, Session.Status.DID_NOT_ATTEND):
                assert session.ends_at <= now
                assert session.pk in records  # logged, as session_log leaves it
            elif session.status == Session.Status.BOOKED:
                assert session.pk not in records
                if session.ends_at <= now:  # not logged yet: only recent ones
                    assert now - session.ends_at < datetime.timedelta(days=14)
            else:
                assert session.cancelled_at is not None
                assert session.cancelled_at <= now
                assert session.cancelled_at < session.starts_at
                assert session.created_at < session.cancelled_at
                notice = datetime.timedelta(hours=session.programme.late_cancellation_hours)
                assert session.late_cancellation == (
                    session.cancelled_by == "supervisee"
                    and session.starts_at - session.cancelled_at < notice
                )
            if session.starts_at > now:
                assert session.status in (Session.Status.BOOKED, Session.Status.CANCELLED)
            agreement = session.agreement
            assert agreement.supervisor_id == session.supervisor_id
            assert agreement.supervisee_id == session.supervisee_id
            assert agreement.supervisee_accepted_at < session.created_at
            if agreement.ended_at:
                assert session.ends_at < agreement.ended_at
        dna = SessionRecord.objects.filter(session__status=Session.Status.DID_NOT_ATTEND)
        assert not dna.filter(themes__isnull=False).exists()
        attended = SessionRecord.objects.filter(session__status=Session.Status.ATTENDED)
        assert not attended.filter(functions=[]).exists()
        assert attended.filter(themes__isnull=False).exists()
        assert attended.filter(escalated=True).exclude(escalated_on=None).count() == (
            attended.filter(escalated=True).count()
        )

    def test_future_sessions_and_meetings_hold_commitments_that_never_overlap(
        self, history, frozen_now
    ):
        now = frozen_now
        future = _generated(Session.objects.filter(status=Session.Status.BOOKED, ends_at__gt=now))
        assert future.exists()
        held = dict(
            Commitment.objects.filter(session__in=future)
            .values_list("session_id")
            .annotate(n=Count("id"))
        )
        assert all(held.get(pk) == 2 for pk in future.values_list("pk", flat=True))
        # Nothing in the past or cancelled keeps anyone's time.
        assert not Commitment.objects.filter(session__status=Session.Status.CANCELLED).exists()
        past = _generated(Session.objects.filter(ends_at__lte=now))
        assert not Commitment.objects.filter(session__in=past).exists()
        generated_groups = Group.objects.filter(starts_on__lt=now.date())
        meetings = GroupSession.objects.filter(group__in=generated_groups)
        assert Commitment.objects.filter(
            group_session_id__in=meetings.filter(starts_at__gt=now).values("pk")
        ).exists()
        assert not Commitment.objects.filter(
            group_session_id__in=meetings.filter(ends_at__lte=now).values("pk")
        ).exists()
        assert not _overlaps(Commitment.objects.values_list("user_id", "starts_at", "ends_at"))

    def test_nobody_is_in_two_sessions_or_meetings_at_once_in_the_past_either(self, history):
        sessions = Session.objects.not_cancelled().values_list(
            "supervisor_id", "supervisee_id", "starts_at", "ends_at"
        )
        present = Attendance.objects.filter(status=Attendance.Status.PRESENT).values_list(
            "user_id", "session__starts_at", "session__ends_at"
        )
        spans = [
            (person, start, end)
            for supervisor, supervisee, start, end in sessions
            for person in (supervisor, supervisee)
        ]
        assert not _overlaps([*spans, *present])

    def test_sessions_fall_in_the_supervisors_weekly_windows_in_london_time(self, history):
        windows = defaultdict(list)
        for w in WeeklyAvailability.objects.all():
            windows[w.supervisor_id].append(w)
        sessions = _generated(Session.objects.all())
        assert sessions.exists()
        for session in sessions:
            start = session.starts_at.astimezone(LONDON)
            end = session.ends_at.astimezone(LONDON)
            assert start.weekday() < 5
            assert start.hour >= 9
            assert end.hour <= 18
            assert any(
                w.weekday == start.weekday()
                and w.start_time <= start.time()
                and end.time() <= w.end_time
                and w.valid_from <= start.date()
                for w in windows[session.supervisor_id]
            )

    def test_allowances_are_respected_as_the_booking_service_counts_them(self, history):
        for programme in Programme.objects.filter(allowance_sessions__isnull=False):
            assert programme.allowance_sessions is not None
            counted = defaultdict(list)
            for supervisee, start in (
                _generated(Session.objects.filter(programme=programme))
                .filter(counted_sessions(programme))
                .values_list("supervisee_id", "starts_at")
            ):
                counted[supervisee].append(start)
            for starts in counted.values():
                starts.sort()
                if programme.period_kind == PeriodKind.FIXED:
                    assert programme.period_start is not None
                    assert len(starts) <= programme.allowance_sessions
                    assert starts[0].date() >= programme.period_start
                    continue
                for n, start in enumerate(starts):
                    earlier = n - bisect.bisect_left(
                        starts, add_months(start, -programme.rolling_months)
                    )
                    assert earlier < programme.allowance_sessions

    def test_supervisors_stay_within_capacity_and_demo_supervisors_keep_their_room(self, history):
        for profile in SupervisorProfile.objects.all():
            current = Agreement.objects.current().filter(supervisor=profile.user).count()
            assert current <= profile.capacity
        helen = SupervisorProfile.objects.get(user__email="helen.marsh@westfield.example")
        assert Agreement.objects.current().filter(supervisor=helen.user).count() == 0
        assert Agreement.objects.filter(supervisor=helen.user, ended_at__isnull=False).exists()

    def test_the_band_7_and_8_launch_shows_as_a_rise_in_westfield_sessions(
        self, history, frozen_now
    ):
        senior = Programme.objects.get(name__startswith="Band 7 and 8")
        assert senior.period_start is not None
        launch = datetime.datetime.combine(senior.period_start, datetime.time(), tzinfo=LONDON)
        sessions = _generated(
            Session.objects.filter(
                programme__organisation__slug="westfield", status=Session.Status.ATTENDED
            )
        )
        assert not sessions.filter(programme=senior, starts_at__lt=launch).exists()
        start = datetime.datetime(2025, 11, 1, tzinfo=LONDON)  # 12 months before this one
        per_day_before = sessions.filter(starts_at__lt=launch).count() / (launch - start).days
        per_day_after = sessions.filter(starts_at__gte=launch).count() / (frozen_now - launch).days
        assert per_day_after > 1.5 * per_day_before

    def test_feedback_follows_attended_sessions_and_meetings(self, history, frozen_now):
        responses = FeedbackResponse.objects.select_related("session")
        assert responses.filter(session__isnull=False).exists()
        assert responses.filter(group_session_id__isnull=False).exists()
        for response in responses.filter(session__isnull=False):
            assert response.session is not None
            assert response.session.status in (Session.Status.ATTENDED, Session.Status.BOOKED)
            assert response.session.ends_at <= response.submitted_at <= frozen_now
            assert response.author_id == response.session.supervisee_id
            assert response.supervisor_id == response.session.supervisor_id
            assert response.answers.filter(rating__isnull=False).exists()
        present = set(
            Attendance.objects.filter(status=Attendance.Status.PRESENT).values_list(
                "session_id", "user_id"
            )
        )
        for meeting, author in responses.filter(group_session_id__isnull=False).values_list(
            "group_session_id", "author_id"
        ):
            assert (meeting, author) in present
        # Free text is stored encrypted, as the fields store it, and reads back as text.
        texts = set(FeedbackAnswer.objects.exclude(text="").values_list("text", flat=True))
        assert texts
        assert texts <= set(HELPED) | set(BETTER)

    def test_groups_have_stable_members_registers_and_systemic_issues(self, history, frozen_now):
        groups = Group.objects.filter(starts_on__lt=frozen_now.date())
        assert groups.exists()
        for group in groups:
            active = group.memberships.filter(state=Membership.State.ACTIVE).count()
            assert 2 <= active <= group.capacity
            assert 1 <= group.facilitators.count() <= 2
        registers = Attendance.objects.filter(session__group__in=groups)
        assert not registers.filter(session__ends_at__gt=frozen_now).exists()
        assert not registers.filter(session__status=GroupSession.Status.CANCELLED).exists()
        records = GroupRecord.objects.filter(session__group__in=groups)
        assert records.exclude(systemic_issues="").exists()
        assert not records.filter(session__ends_at__gt=frozen_now).exists()

    def test_wellbeing_and_peer_support_look_like_what_the_services_write(
        self, history, frozen_now
    ):
        checkins = WellbeingCheckIn.objects.filter(author__email__startswith="staff")
        profiles = {
            p.user_id: p for p in StaffProfile.objects.filter(user__email__startswith="staff")
        }
        months: Counter[str] = Counter()
        for checkin in checkins:
            profile = profiles[checkin.author_id]
            assert (checkin.department_id, checkin.band, checkin.profession) == (
                profile.department_id,
                profile.band,
                profile.profession,
            )
            assert 1 <= checkin.feeling <= 5
            assert checkin.created_at <= frozen_now
            months[checkin.created_at.astimezone(LONDON).strftime("%Y-%m")] += 1
            if checkin.wants_peer_support:
                assert checkin.support_request_id is not None
                assert SupportRequest.objects.filter(
                    pk=checkin.support_request_id, requester_id=checkin.author_id
                ).exists()
        assert len(months) == 13  # each month of the year and this one
        requests = SupportRequest.objects.filter(requester__email__startswith="staff")
        assert requests.filter(status=SupportRequest.Status.CLOSED).exists()
        assert requests.filter(status=SupportRequest.Status.ASSIGNED).exists()
        assert len(set(requests.values_list("event_kind", flat=True))) >= 4
        for request in requests.exclude(supporter=None).prefetch_related("checkins"):
            supporter = profiles[request.supporter_id]
            assert supporter.department_id != profiles[request.requester_id].department_id
            assert request.assigned_at is not None
            assert request.assigned_at >= request.created_at
            first = request.checkins.first()
            if first is not None:
                assert first.happened_at >= request.assigned_at
            if request.status == SupportRequest.Status.CLOSED:
                assert request.outcome
                last = request.checkins.last()
                assert request.closed_at is not None
                assert last is not None
                assert request.closed_at >= last.happened_at

    def test_generated_rows_pass_model_validation(self, history):
        for model in (Session, Agreement, Group, GroupSession, SupportRequest, WellbeingCheckIn):
            for obj in model.objects.order_by("-pk")[:25]:
                obj.full_clean()
        for record in SessionRecord.objects.order_by("-pk")[:25]:
            # session_log leaves a did-not-attend record without minutes, which the
            # model field does not mark blank=True (a gap in supervision, not here).
            record.full_clean(exclude=["actual_minutes"] if record.actual_minutes is None else [])

    def test_history_queues_no_notifications(self, history):
        _, before = history
        assert Notification.objects.count() == before


def test_command_refuses_without_demo_data_or_debug(settings, frozen_now):
    with pytest.raises(CommandError, match="demo_data"):
        call_command("generate_history", force=True)
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("generate_history")


def test_benchmark_scale_creates_organisations_staff_and_sessions(frozen_now, capsys):
    call_command(
        "generate_history",
        organisations=2,
        staff=200,
        sessions=1000,
        months=6,
        seed=3,
        force=True,
    )
    line = capsys.readouterr().out
    assert "Generated history for 2 organisations" in line
    organisations = Organisation.objects.filter(slug__startswith="generated-")
    assert organisations.count() == 2
    assert StaffProfile.objects.filter(organisation__in=organisations).count() == 200
    for organisation in organisations:
        assert set(organisation.programmes.values_list("modality", flat=True)) == {
            "one_to_one",
            "group",
            "peer_support",
        }
    sessions = Session.objects.filter(programme__organisation__in=organisations).count()
    meetings = GroupSession.objects.filter(group__organisation__in=organisations).count()
    assert 900 <= sessions + meetings <= 1100
    assert meetings > 0
    assert WellbeingCheckIn.objects.filter(organisation__in=organisations).exists()
    assert FeedbackResponse.objects.filter(programme__organisation__in=organisations).exists()
    # Again: nothing more.
    assert generate_benchmark_history(organisations=2, staff=200, sessions=1000).skipped


def _fingerprint():
    """The history without its ids, which sequences hand out afresh."""
    return sorted(
        Session.objects.filter(programme__organisation__slug__startswith="generated-").values_list(
            "supervisee__email", "supervisor__email", "starts_at", "status", "late_cancellation"
        )
    ), sorted(WellbeingCheckIn.objects.values_list("author__email", "created_at", "feeling"))


def test_the_same_seed_at_the_same_moment_gives_the_same_history(frozen_now):
    prints = []
    for _run in range(2):
        with transaction.atomic():
            generate_benchmark_history(organisations=1, staff=120, sessions=400, months=6, seed=5)
            prints.append(_fingerprint())
            transaction.set_rollback(True)
    assert prints[0][0]
    assert prints[0] == prints[1]
