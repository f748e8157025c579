"""Redis killed mid-journey (issue 17): a committed action never answers 500, sign-in
works and is still throttled, pages that use the cache compute instead, and once Redis
is back what waited in the database goes out.

Each test starts its own `redis-server` on a free port, points the cache and the
Celery broker at it, and kills it (SIGKILL) part-way. Nothing here is mocked: the
test client goes through the real middleware, allauth and the real cache backend;
delivery afterwards is by a real Celery worker on the restarted Redis.
"""

import datetime
import logging
import time

import pytest
import time_machine
from celery.contrib.testing.worker import start_worker
from django.core import mail
from django.core.cache import cache
from django.urls import reverse

from kernel.models import Band, Profession, UnpublishedTask
from kernel.queueing import publish_unpublished
from notifications.models import Notification
from notifications.tasks import dispatch_due
from peergroups.services.external import external_facilitator_invite
from supervision.availability import Slot
from supervision.models import Session, SessionRecord
from supervision.services.people import staff_invite
from supervision_site import cache as fail_soft
from supervision_site.celery import app
from supervision_site.settings import base
from tests.factories import PASSWORD
from tests.notifications.test_worker import wait_until
from tests.private_redis import RedisServer
from tests.scenario import NOW, book, tuesday

pytestmark = pytest.mark.django_db(transaction=True)

THROTTLED = "You have tried to sign in too many times"


def _point_celery_at(url: str, options: dict) -> None:
    app.conf.update(broker_url=url, broker_transport_options=options)
    # The connection pools are keyed by URL: built again on next use.
    app._pool = None  # type: ignore[attr-defined]
    app.amqp._producer_pool = None  # type: ignore[attr-defined]


@pytest.fixture
def redis(settings):
    """The cache and the broker on a private Redis; `redis.kill()` and `redis.start()`."""
    server = RedisServer()
    server.start()
    settings.CACHES = {
        "default": {
            "BACKEND": "supervision_site.cache.FailSoftRedisCache",
            "LOCATION": server.url,
            "KEY_PREFIX": "supervision",
            # As deployed, but back to Redis 0.2 s after a failure rather than 5.
            "OPTIONS": {**base.REDIS_CACHE_OPTIONS, "RETRY_AFTER": 0.2},
        }
    }
    settings.REPORT_CACHE_SECONDS = 300
    before = (app.conf.broker_url, app.conf.broker_transport_options)
    _point_celery_at(server.url, base.REDIS_BROKER_OPTIONS)
    try:
        yield server
    finally:
        _point_celery_at(*before)
        server.kill()
        fail_soft._resting_until.pop(server.url, None)


def _slot(starts_at) -> str:
    return Slot(starts_at, starts_at, "online", "", "").key


def _timed(request):
    started = time.monotonic()
    response = request()
    return response, time.monotonic() - started


# --- committed actions ---------------------------------------------------------------


@pytest.mark.worker
def test_a_booking_with_redis_killed_answers_the_booked_page_and_is_sent_once_redis_is_back(
    client, agreement, redis, caplog
):
    with time_machine.travel(NOW, tick=True):
        client.force_login(agreement.supervisee)
        url = reverse("supervision:agreement_book", args=[agreement.pk])
        assert client.get(url).status_code == 200
        redis.kill()
        with caplog.at_level(logging.WARNING):
            response, took = _timed(lambda: client.post(url, {"slot": _slot(tuesday(1, 14))}))
        session = Session.objects.get(supervisee=agreement.supervisee)
        assert response.status_code == 302
        assert response["Location"] == reverse("supervision:session", args=[session.pk])
        assert took < 3  # a dead broker costs milliseconds, not a hung request
        assert "Could not queue notifications.tasks.dispatch_due" in caplog.text
        assert session.status == Session.Status.BOOKED
        # The booked page, still signed in (sessions live in the database).
        assert client.get(response["Location"]).status_code == 200
        waiting = Notification.objects.filter(target_id=session.pk, state="pending")
        assert waiting.filter(kind="session_booked").count() == 2  # both of them, by email
        assert not UnpublishedTask.objects.exists()  # beat's dispatch redoes it anyway

        # Redis comes back: beat's next dispatch sends what waited.
        redis.start()
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
            dispatch_due.delay()
            assert wait_until(lambda: len(mail.outbox) >= 2)
    assert sorted(m.subject.split(":")[0] for m in mail.outbox) == ["Supervision booked"] * 2
    assert not Notification.objects.filter(kind="session_booked", state="pending").exists()


def test_a_booking_with_redis_hung_answers_within_its_timeouts(client, agreement, redis):
    with time_machine.travel(NOW, tick=True):
        client.force_login(agreement.supervisee)
        url = reverse("supervision:agreement_book", args=[agreement.pk])
        assert client.get(url).status_code == 200
        redis.hang()
        response, took = _timed(lambda: client.post(url, {"slot": _slot(tuesday(1, 14))}))
    assert response.status_code == 302
    assert Session.objects.filter(supervisee=agreement.supervisee).exists()
    # The cache's 1 s read timeout once, then memory; the broker's 2 s once.
    assert took < 6


def test_moving_cancelling_and_logging_with_redis_killed_answer_their_pages(
    client, agreement, redis, themes
):
    to_move = book(agreement, tuesday(1, 14))
    to_cancel = book(agreement, tuesday(8, 14))
    redis.kill()
    with time_machine.travel(NOW, tick=True):
        client.force_login(agreement.supervisee)
        moved = client.post(
            reverse("supervision:session_reschedule", args=[to_move.pk]),
            {"slot": _slot(tuesday(15, 14)), "reason": "Clinic overran"},
        )
        assert moved.status_code == 302
        to_move.refresh_from_db()
        assert to_move.starts_at == tuesday(15, 14)
        cancelled = client.post(
            reverse("supervision:session_cancel", args=[to_cancel.pk]), {"reason": "Unwell"}
        )
        assert cancelled.status_code == 302
        to_cancel.refresh_from_db()
        assert to_cancel.status == Session.Status.CANCELLED
    with time_machine.travel(to_move.ends_at + datetime.timedelta(hours=1), tick=True):
        client.force_login(agreement.supervisor)
        logged = client.post(
            reverse("supervision:session_log", args=[to_move.pk]),
            {"attendance": "attended", "actual_minutes": "50", "themes": [themes[0].pk]},
        )
        assert logged.status_code == 302
        assert SessionRecord.objects.filter(session=to_move).exists()


@pytest.mark.worker
def test_an_invitation_made_with_redis_killed_is_kept_and_sent_once_redis_is_back(
    organisation, programme_admin, redis
):
    redis.kill()
    staff_invite(
        actor=programme_admin,
        organisation=organisation,
        email="new.nurse@example.com",
        first_name="New",
        last_name="Nurse",
        profession=Profession.NURSE,
        band=Band.BAND_5,
    )
    kept = UnpublishedTask.objects.get()
    assert kept.task_name == "supervision.tasks.send_staff_invitation"
    assert publish_unpublished() == 0  # still down: kept, with the error
    kept.refresh_from_db()
    assert kept.attempts == 2
    assert "refused" in kept.last_error.lower()

    redis.start()
    assert publish_unpublished() == 1
    assert not UnpublishedTask.objects.exists()
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
        assert wait_until(lambda: len(mail.outbox) == 1)
    assert mail.outbox[0].to == ["new.nurse@example.com"]


def test_an_esr_import_applied_with_redis_killed_is_kept_and_runs_once_redis_is_back(
    client, organisation, programme_admin, redis
):
    from supervision.models import StaffImport
    from supervision.services.staff_import import staff_import_check

    checked = staff_import_check(
        actor=programme_admin,
        organisation=organisation,
        file_name="esr.csv",
        raw=b"Employee Number,First Name,Last Name,Work Email\n1,Ann,Lee,ann@westfield.example\n",
        whole_organisation=False,
    )
    client.force_login(programme_admin)
    redis.kill()
    response = client.post(reverse("supervision:staff_import_apply", args=[checked.pk]))
    assert response.status_code == 302
    assert UnpublishedTask.objects.get().task_name == "supervision.tasks.apply_staff_import"
    redis.start()
    assert publish_unpublished() == 1
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
        assert wait_until(
            lambda: StaffImport.objects.get(pk=checked.pk).status == StaffImport.Status.APPLIED
        )


def test_an_external_facilitator_invited_with_redis_killed_is_kept_for_later_too(
    organisation, programme_admin, redis
):
    redis.kill()
    external_facilitator_invite(
        actor=programme_admin,
        organisation=organisation,
        email="visiting.facilitator@example.org",
        first_name="Visiting",
        last_name="Facilitator",
    )
    kept = UnpublishedTask.objects.get()
    assert kept.task_name == "peergroups.tasks.send_external_facilitator_invitation"
    redis.start()
    assert publish_unpublished() == 1


# --- sign-in, rate limits and sessions -------------------------------------------------


def _sign_in(client, user, password):
    return client.post(reverse("account_login"), {"login": user.email, "password": password})


def test_sign_in_with_redis_killed_works_and_a_wrong_password_is_refused_normally(
    client, supervisee, redis, settings, caplog
):
    settings.ACCOUNT_RATE_LIMITS = base.ACCOUNT_RATE_LIMITS
    assert _sign_in(client, supervisee, PASSWORD).status_code == 302
    redis.kill()
    with caplog.at_level(logging.WARNING, logger="supervision_site.cache"):
        # Still signed in: sessions live in the database, not in Redis.
        assert client.get(reverse("supervision:home")).status_code == 200
        client.post(reverse("account_logout"))
        assert "_auth_user_id" not in client.session
        wrong, took = _timed(lambda: _sign_in(client, supervisee, "not-the-password"))
        assert wrong.status_code == 200
        assert "nhsuk-error-summary" in wrong.content.decode()
        assert "_auth_user_id" not in client.session
        assert took < 3
        right = _sign_in(client, supervisee, PASSWORD)
    assert right.status_code == 302
    assert client.session["_auth_user_id"] == str(supervisee.pk)
    assert client.get(reverse("supervision:home")).status_code == 200
    # Logged once when Redis was lost, not once per cache call.
    lost = [r for r in caplog.records if "Redis cache unreachable" in r.getMessage()]
    assert len(lost) == 1


def test_with_redis_killed_failed_sign_ins_are_still_throttled_in_the_process(
    client, supervisee, redis, settings
):
    """The fallback counts failures in this process's memory: guessing stays bounded."""
    settings.ACCOUNT_RATE_LIMITS = base.ACCOUNT_RATE_LIMITS
    redis.kill()
    pages = [_sign_in(client, supervisee, "not-the-password").content.decode() for _ in range(20)]
    throttled = [THROTTLED in page for page in pages]
    assert not throttled[0]
    assert throttled[-1], "20 wrong passwords in a row were never throttled with Redis down"
    assert THROTTLED in _sign_in(client, supervisee, PASSWORD).content.decode()
    assert "_auth_user_id" not in client.session


# --- pages that use the cache -----------------------------------------------------------


def test_the_report_page_is_built_without_redis_and_cached_again_once_it_is_back(
    client, wellbeing_lead, redis
):
    client.force_login(wellbeing_lead)
    url = reverse("reports:engagement")
    assert client.get(url).status_code == 200
    redis.kill()
    assert client.get(url).status_code == 200
    assert client.get(reverse("reports:summary")).status_code == 200
    redis.start()
    time.sleep(0.3)  # past RETRY_AFTER: the next call tries Redis again
    assert client.get(url).status_code == 200
    cache.set("probe", "shared")
    assert cache.get("probe") == "shared"
    assert not fail_soft.FailSoftRedisCache(redis.url, {}).using_memory


def test_a_booking_with_redis_killed_is_counted_by_the_next_report(
    client, agreement, wellbeing_lead, redis
):
    """Keeping the report's roll-ups costs a booking one row in its own transaction
    and nothing of Redis; the report read next works it out (no worker needed)."""
    from reports.models import RollupPending

    redis.kill()
    with time_machine.travel(NOW, tick=True):
        client.force_login(agreement.supervisee)
        url = reverse("supervision:agreement_book", args=[agreement.pk])
        response = client.post(url, {"slot": _slot(tuesday(1, 14))})
        assert response.status_code == 302
        assert RollupPending.objects.filter(user=agreement.supervisee, kind="session").exists()
        client.force_login(wellbeing_lead)
        page = client.get(reverse("reports:engagement"))
    assert page.status_code == 200
    assert "still being counted" not in page.content.decode()
    assert not RollupPending.objects.exists()


def test_the_cache_keeps_one_redis_client_which_answers_again_after_redis_comes_back(redis):
    # supervision_site.cache.KeptClientRedisCacheClient: Django's client made a new
    # redis.Redis for every call; one is kept, through a loss of Redis and its return.
    backend = cache._cache  # type: ignore[attr-defined]
    assert isinstance(backend, fail_soft.KeptClientRedisCacheClient)
    cache.set("kept", "before")
    client = backend.get_client(write=True)
    assert backend.get_client() is client is backend.get_client(write=True)
    assert client.get(cache.make_and_validate_key("kept")) is not None  # the same server
    redis.kill()
    assert cache.get("kept") is None  # memory answers, empty: nothing raised
    redis.start()
    time.sleep(0.3)  # past RETRY_AFTER
    cache.set("kept", "after")
    assert cache.get("kept") == "after"
    assert backend.get_client() is client
    assert not fail_soft.FailSoftRedisCache(redis.url, {}).using_memory
