"""The roll-ups kept off the booking's transaction: a change marks its people stale,
a drain works them out later, and a report drains its own organisation first.

reports.services.rollups_mark_stale writes one row per person and kind
(RollupPending) in the changing transaction; refresh_pending_rollups works them
out (a Celery task every few seconds, and reports.report.caught_up before every
report is read). test_rollups.py holds the drained roll-ups equal to a rebuild
after every kind of change; this file holds the marking, the drain on read, the
words a report shows while changes wait, and the races.
"""

import datetime
import threading

import pytest
import time_machine
from django.core import mail
from django.core.cache import cache
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from reports import locks, services
from reports.models import ActivityRollup, RollupPending
from reports.report import RAW, cached_engagement_report, engagement_report
from reports.scope import ReportScope
from reports.services import rebuild_rollups, refresh_pending_rollups
from reports.tasks import refresh_pending_rollups_task
from supervision.models import Session
from tests.outbox import deliver_due
from tests.rollups import drained
from tests.threads import at_once

from ..factories import StaffProfileFactory
from .small_org import _session, build
from .test_rollups import figures

UTC = datetime.UTC
on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks: SQLite has one writer at a time"
)


def _attended(person, programme, supervisor, day: int) -> Session:
    return _session(
        programme, supervisor, person, datetime.datetime(2026, 11, day, 10, tzinfo=UTC), "attended"
    )


def _stored() -> list[tuple]:
    """The roll-up rows as they are, without draining (rows_now drains first)."""
    return sorted(ActivityRollup.objects.values_list("user_id", "kind", "key", "year", "m11"))


def _pending() -> set[tuple[int, str]]:
    return set(RollupPending.objects.values_list("user_id", "kind"))


@pytest.fixture
def small(organisation, frozen_now):
    built = build(organisation)
    drained()
    return built


@pytest.fixture
def scope(organisation) -> ReportScope:
    return ReportScope(
        organisation_id=organisation.pk,
        time_zone=organisation.time_zone,
        first_month=datetime.date(2026, 9, 1),
        last_month=datetime.date(2026, 11, 1),
    )


# --- marking ----------------------------------------------------------------------


@pytest.mark.django_db
def test_a_booking_marks_its_person_stale_and_leaves_the_rollups_to_the_drain(small):
    person = small["staff"][0].user
    one = small["programmes"][0]
    before = _stored()
    _attended(person, one, small["supervisors"][0].user, 12)
    assert _pending() == {(person.pk, "session")}
    assert _stored() == before  # nothing worked out in the booking's transaction
    assert refresh_pending_rollups() == 1
    assert not _pending()
    kept = _stored()
    assert kept != before
    rebuild_rollups()
    assert _stored() == kept


@pytest.mark.django_db
def test_a_transaction_marks_a_person_and_kind_once_however_often_it_saves(small):
    person = small["staff"][0].user
    one = small["programmes"][0]
    statements = []

    def watch(execute, sql, params, many, context):
        if "reports_rolluppending" in sql:
            statements.append(sql)
        return execute(sql, params, many, context)

    with transaction.atomic(), connection.execute_wrapper(watch):
        session = _attended(person, one, small["supervisors"][0].user, 12)  # session
        session.status = Session.Status.DID_NOT_ATTEND
        session.save()  # session (marked already) and theme
        session.status = Session.Status.ATTENDED
        session.save()  # both marked already: nothing
    assert len(statements) == 2
    assert _pending() == {(person.pk, "session"), (person.pk, "theme")}


@pytest.mark.django_db
def test_a_savepoint_rolled_back_takes_its_marks_with_it(small):
    """The marks a transaction remembers follow Django's own bookkeeping (a new
    `run_on_commit` list when a savepoint rolls back): a change after the rollback
    marks its person again."""
    person = small["staff"][0].user
    one, supervisor = small["programmes"][0], small["supervisors"][0].user

    def marked_then_undone():
        with transaction.atomic():
            _attended(person, one, supervisor, 12)
            assert _pending() == {(person.pk, "session")}
            raise RuntimeError

    with transaction.atomic():
        with pytest.raises(RuntimeError):
            marked_then_undone()
        assert not _pending()
        _attended(person, one, supervisor, 13)
        assert _pending() == {(person.pk, "session")}


@pytest.mark.django_db
def test_rebuild_rollups_leaves_nobody_waiting(small):
    _attended(small["staff"][0].user, small["programmes"][0], small["supervisors"][0].user, 12)
    assert _pending()
    rebuild_rollups()
    assert not _pending()
    person = small["staff"][1].user
    _attended(person, small["programmes"][0], small["supervisors"][0].user, 13)
    assert _pending() == {(person.pk, "session")}  # marked again after the rebuild


@pytest.mark.django_db
def test_the_task_drains_every_batch(small, monkeypatch):
    monkeypatch.setattr(services, "DRAIN_LIMIT", 2)
    monkeypatch.setattr("reports.tasks.DRAIN_LIMIT", 2)
    one, supervisor = small["programmes"][0], small["supervisors"][0].user
    for profile in small["staff"][:5]:
        _attended(profile.user, one, supervisor, 12)
    assert refresh_pending_rollups_task() == 5  # 2, 2 and 1
    assert not _pending()
    kept = _stored()
    rebuild_rollups()
    assert _stored() == kept


# --- the report drains its organisation first -----------------------------------------


@pytest.mark.django_db
def test_the_report_counts_a_booking_made_a_moment_ago_even_from_its_cache(small, scope, settings):
    settings.REPORT_CACHE_SECONDS = 300
    cache.clear()
    before, backlog = cached_engagement_report(scope)
    assert backlog is None
    one, supervisor = small["programmes"][0], small["supervisors"][0].user
    for profile in small["staff"][:6]:
        _attended(profile.user, one, supervisor, 12)
    after, backlog = cached_engagement_report(scope)
    assert backlog is None
    assert not _pending()
    assert figures(after) != figures(before)
    assert figures(after) == figures(engagement_report(scope, source=RAW))


@pytest.mark.django_db
@pytest.mark.parametrize("full_join", [True, False], ids=["full join", "left joins"])
def test_people_moved_by_any_path_are_counted_where_they_are_now_when_a_report_is_built(
    small, scope, settings, monkeypatch, full_join
):
    # Who people are is what each share of the cells records: a move by a bulk
    # update (as an ESR import or SCIM makes: no signal), leaving, or a programme's
    # rules changing is found when the figures are next counted, not when a cached
    # report is read again. Both ways of comparing (cells.moved_people) find them.
    from kernel.models import StaffProfile
    from reports import cells

    monkeypatch.setattr(cells, "_full_join", lambda: full_join)
    settings.REPORT_CACHE_SECONDS = 300
    cache.clear()
    before, _ = cached_engagement_report(scope)
    wards = small["wards"]
    moved = StaffProfile.objects.filter(department=wards["A"]).values_list("pk", flat=True)
    assert StaffProfile.objects.filter(pk__in=list(moved)[:6]).update(department=wards["B"])
    leaver = small["staff"][10].user
    leaver.is_active = False
    leaver.save(update_fields=["is_active"])
    one = small["programmes"][0]
    one.eligible_everyone, one.eligible_bands = False, ["6"]
    one.save()
    assert figures(cached_engagement_report(scope)[0]) == figures(before)  # from the cache
    cache.clear()  # the cached report expires
    after, backlog = cached_engagement_report(scope)
    assert backlog is None
    assert figures(after) != figures(before)
    assert figures(after) == figures(engagement_report(scope, source=RAW))


@pytest.mark.django_db
@pytest.mark.parametrize("full_join", [True, False], ids=["full join", "left joins"])
def test_the_people_moved_are_exactly_those_whose_share_is_not_who_they_are(
    small, monkeypatch, full_join
):
    """cells.moved_people, both ways it can compare: a person moved, one who left,
    a share whose person is no longer in the organisation; nobody else."""
    from kernel.models import StaffProfile
    from reports import cells
    from reports.models import PersonShare

    monkeypatch.setattr(cells, "_full_join", lambda: full_join)
    drained()
    organisation_id = small["staff"][0].organisation_id
    assert cells.moved_people(organisation_id) == []
    moved, leaver = small["staff"][3], small["staff"][7].user
    StaffProfile.objects.filter(pk=moved.pk).update(band="8a" if moved.band != "8a" else "7")
    leaver.is_active = False
    leaver.save(update_fields=["is_active"])
    gone = PersonShare.objects.filter(organisation_id=organisation_id).first()
    stray = PersonShare.objects.create(
        **{
            **{f.attname: getattr(gone, f.attname) for f in PersonShare._meta.concrete_fields},
            "user_id": 10**9,
        }
    )
    assert cells.moved_people(organisation_id) == sorted([moved.user_id, leaver.pk, stray.user_id])


@pytest.mark.django_db
def test_a_report_built_while_moves_are_left_for_the_worker_says_so(
    small, scope, settings, monkeypatch
):
    from kernel.models import StaffProfile

    settings.REPORT_CACHE_SECONDS = 300
    drained()
    cache.clear()
    monkeypatch.setattr(services, "DRAIN_LIMIT", 1)
    wards = small["wards"]
    assert StaffProfile.objects.filter(department=wards["A"]).update(department=wards["B"]) > 1
    report, backlog = cached_engagement_report(scope)  # built now: the moves counted
    assert backlog is not None  # one of them now, the others by the worker
    assert RollupPending.objects.filter(kind=services.SHARE).exists()
    drained()
    cache.clear()
    report, backlog = cached_engagement_report(scope)
    assert backlog is None
    assert figures(report) == figures(engagement_report(scope, source=RAW))


@pytest.mark.django_db
def test_a_rebuild_forgets_the_cached_reports(
    small, scope, settings, django_capture_on_commit_callbacks
):
    # A rebuild (after a restore, or generate_history's bulk writes) replaces every row a
    # cached report was counted from; what it changes was never marked, so only the
    # rebuild can say so.
    settings.REPORT_CACHE_SECONDS = 300
    cache.clear()
    before, _ = cached_engagement_report(scope)
    changed = Session.objects.filter(status="attended").update(status="did_not_attend")
    assert changed >= 5
    assert not _pending()  # an update() sends no signal: nothing is marked
    assert figures(cached_engagement_report(scope)[0]) == figures(before)  # still cached
    with django_capture_on_commit_callbacks(execute=True):
        rebuild_rollups()
    after, _ = cached_engagement_report(scope)
    assert figures(after) != figures(before)
    assert figures(after) == figures(engagement_report(scope, source=RAW))


@pytest.mark.django_db
def test_the_report_says_how_far_behind_it_is_while_more_changes_wait_than_it_drains(
    client, small, wellbeing_lead, monkeypatch
):
    drained()  # the shares of the cells counted, as a first report would have
    monkeypatch.setattr(services, "DRAIN_LIMIT", 1)
    one, supervisor = small["programmes"][0], small["supervisors"][0].user
    for profile in small["staff"][:3]:
        _attended(profile.user, one, supervisor, 12)  # at 09:00 in London (frozen_now)
    client.force_login(wellbeing_lead)
    page = client.get(reverse("reports:engagement")).content.decode()
    # When it has got to, not how many people wait: that count is not the reader's.
    assert (
        "Figures include changes up to 09:00; changes made since are still being counted." in page
    )
    assert len(_pending()) == 2
    summary = client.get(reverse("reports:summary")).content.decode()
    assert "changes made since are still being counted." in summary
    page = client.get(reverse("reports:engagement")).content.decode()
    assert "still being counted" not in page
    assert not _pending()


@pytest.mark.django_db
def test_a_failed_drain_still_shows_the_report_with_its_backlog(
    client, small, wellbeing_lead, monkeypatch
):
    from django.db import DatabaseError

    def fails(*args, **kwargs):
        raise DatabaseError("deadlock detected")

    monkeypatch.setattr(services, "refresh_pending_rollups", fails)
    _attended(small["staff"][0].user, small["programmes"][0], small["supervisors"][0].user, 12)
    client.force_login(wellbeing_lead)
    response = client.get(reverse("reports:engagement"))
    assert response.status_code == 200
    assert "changes made since are still being counted" in response.content.decode()
    export = client.get(reverse("reports:export", args=["activity"]))
    assert "still being counted" in export.content.decode()


@pytest.mark.django_db
def test_the_monthly_email_says_when_changes_are_still_being_counted(
    small, wellbeing_lead, monkeypatch
):
    from supervision.notifications import schedule_wellbeing_digests

    def fails(*args, **kwargs):
        raise DatabaseError("deadlock detected")

    monkeypatch.setattr(services, "refresh_pending_rollups", fails)
    _attended(small["staff"][0].user, small["programmes"][0], small["supervisors"][0].user, 12)
    with time_machine.travel(datetime.datetime(2026, 12, 1, 9, 5, tzinfo=UTC)):
        schedule_wellbeing_digests(datetime.date(2026, 12, 1))
        deliver_due()
    (message,) = [m for m in mail.outbox if wellbeing_lead.email in m.to]
    words = "changes made since are still being counted"
    assert words in message.body
    assert isinstance(message, mail.EmailMultiAlternatives)
    assert words in str(message.alternatives[0][0])


@pytest.mark.django_db
def test_a_report_drains_only_its_own_organisation(small, scope, other_organisation):
    one, supervisor = small["programmes"][0], small["supervisors"][0].user
    elsewhere = StaffProfileFactory(organisation=other_organisation).user
    _attended(small["staff"][0].user, one, supervisor, 12)
    _attended(elsewhere, one, supervisor, 12)  # booked into this programme, say
    engagement_report(scope)
    assert _pending() == {(elsewhere.pk, "session")}


# --- races (PostgreSQL) -------------------------------------------------------------


def _committed_world(count: int):
    """People of an organisation with a programme and a supervisor, committed."""
    from ..factories import ProgrammeFactory

    supervisor = StaffProfileFactory().user
    organisation = supervisor.profile.organisation
    programme = ProgrammeFactory(organisation=organisation)
    people = [StaffProfileFactory(organisation=organisation).user for _ in range(count)]
    return programme, supervisor, people


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_two_drains_at_once_work_each_person_out_once():
    programme, supervisor, people = _committed_world(20)
    for day, person in enumerate(people, start=1):
        _attended(person, programme, supervisor, day)
    taken = at_once(lambda: refresh_pending_rollups(limit=100))
    assert sorted(taken)[0] + sorted(taken)[1] == 20  # every row taken by one drain
    assert not _pending()
    kept = _stored()
    rebuild_rollups()
    assert _stored() == kept


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_booking_committed_after_a_drain_read_its_person_is_counted_later():
    """The booking marks its person while the row is there already and commits only
    after a drain has read the person's sessions: its mark locks the row, so the
    drain leaves it for the next one instead of deleting it."""
    programme, supervisor, (person,) = _committed_world(1)
    _attended(person, programme, supervisor, 2)  # marked, committed
    marked, release = threading.Event(), threading.Event()

    def book_and_wait():
        try:
            with transaction.atomic():
                _attended(person, programme, supervisor, 3)
                marked.set()
                assert release.wait(20)
        finally:
            connection.close()

    booking = threading.Thread(target=book_and_wait)
    booking.start()
    assert marked.wait(20)
    assert refresh_pending_rollups() == 0  # the row is the booking's until it commits
    release.set()
    booking.join(20)
    assert _pending() == {(person.pk, "session")}
    drained()
    kept = _stored()
    assert sum(row[4] for row in kept if row[0] == person.pk) == 2  # both November sessions
    rebuild_rollups()
    assert _stored() == kept


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_booking_made_while_a_drain_holds_its_person_is_marked_again_after():
    """The drain holds the person's row (here: waiting for the person's roll-up lock,
    which the test holds); the booking's mark waits for the drain to commit, then
    writes the row again, so the next drain counts the booking."""
    programme, supervisor, (person,) = _committed_world(1)
    _attended(person, programme, supervisor, 2)
    blocker = connection.copy()  # a connection of its own, holding the person's lock
    blocker.connect()
    blocker.set_autocommit(False)
    with blocker.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [locks.ROLLUP_LOCK, person.pk])

    def drain():
        try:
            return refresh_pending_rollups()
        finally:
            connection.close()

    def book():
        try:
            _attended(person, programme, supervisor, 3)
        finally:
            connection.close()

    draining, booking = threading.Thread(target=drain), threading.Thread(target=book)
    try:
        draining.start()
        for _ in range(200):  # until the drain, holding the row, waits for the person's lock
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
                )
                if cursor.fetchone()[0]:
                    break
            threading.Event().wait(0.05)
        booking.start()
        booking.join(0.5)
        waited = booking.is_alive()  # for the drain to commit
    finally:
        blocker.rollback()
        blocker.close()
        draining.join(20)
        booking.join(20)
    assert waited
    assert _pending() == {(person.pk, "session")}
    drained()
    assert sum(row[4] for row in _stored() if row[0] == person.pk) == 2


# --- a real worker ------------------------------------------------------------------


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_works_out_what_a_booking_marked(agreement):
    from celery.contrib.testing.worker import start_worker

    from supervision_site.celery import app
    from tests.notifications.test_worker import wait_until
    from tests.scenario import book, tuesday

    app.control.purge()
    person = agreement.supervisee
    book(agreement, tuesday(1, 14))
    assert _pending() == {(person.pk, "session")}
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
        refresh_pending_rollups_task.delay()  # as beat sends it every few seconds
        assert wait_until(lambda: not _pending())
    rows = ActivityRollup.objects.filter(user=person, kind="session", year=2026)
    assert [(row.key, row.m12) for row in rows] == [("booked", 1)]


def test_the_backlog_counts_the_organisations_waiting_rows_and_the_oldest(
    organisation, other_organisation
):
    """reports.reporting.rollup_backlog (a query built once): its own organisation's rows
    only, every kind, since the oldest; nothing waiting is none."""
    from reports.reporting import rollup_backlog

    assert rollup_backlog(organisation.pk) == {"rows": 0, "since": None}
    ours = [StaffProfileFactory(organisation=organisation).user for _ in range(2)]
    theirs = StaffProfileFactory(organisation=other_organisation).user
    oldest = datetime.datetime(2026, 3, 1, 9, tzinfo=datetime.UTC)
    for user, kind, at in [
        (ours[0], "session", oldest + datetime.timedelta(hours=2)),
        (ours[0], "group", oldest),
        (ours[1], "session", oldest + datetime.timedelta(days=1)),
        (theirs, "session", oldest - datetime.timedelta(days=9)),
    ]:
        RollupPending.objects.create(user=user, kind=kind, created_at=at)
    assert rollup_backlog(organisation.pk) == {"rows": 3, "since": oldest}
    assert rollup_backlog(other_organisation.pk) == {
        "rows": 1,
        "since": oldest - datetime.timedelta(days=9),
    }
