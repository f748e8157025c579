"""/metrics: Prometheus text for operators (a bearer token or a superuser), 404 for others."""

import datetime

import pytest
from django.utils import timezone

from notifications.models import Notification
from supervision.models import Session
from tests.factories import ProgrammeFactory, UserFactory

pytestmark = pytest.mark.django_db

TOKEN = "metrics-token-for-tests-0123456789"


@pytest.fixture
def superuser(db):
    return UserFactory(is_staff=True, is_superuser=True)


@pytest.fixture
def token(settings):
    settings.METRICS_TOKEN = TOKEN
    return TOKEN


def _samples(text: str) -> dict[str, float]:
    return {
        line.rsplit(" ", 1)[0]: float(line.rsplit(" ", 1)[1])
        for line in text.splitlines()
        if line and not line.startswith("#")
    }


def test_a_scraper_with_the_token_reads_the_metrics(client, token):
    response = client.get("/metrics", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=0.0.4")
    assert "# TYPE supervision_notifications_due gauge" in response.content.decode()


@pytest.mark.parametrize("authorization", [None, "Bearer wrong-token", f"Basic {TOKEN}", "Bearer "])
def test_anyone_else_is_told_nothing_is_there(client, token, authorization):
    headers = {"Authorization": authorization} if authorization else {}
    assert client.get("/metrics", headers=headers).status_code == 404


def test_no_token_configured_lets_no_token_in(client, settings):
    settings.METRICS_TOKEN = ""
    assert client.get("/metrics", headers={"Authorization": "Bearer "}).status_code == 404


def test_a_superuser_reads_them_and_a_programme_admin_does_not(client, superuser, programme_admin):
    client.force_login(programme_admin)
    assert client.get("/metrics").status_code == 404
    client.force_login(superuser)
    assert client.get("/metrics").status_code == 200


def test_the_figures_count_what_happened(client, token, organisation, supervisee, supervisor):
    now = timezone.now()

    def row(state, minutes_ago, target_id):
        return Notification.objects.create(
            recipient=supervisee,
            kind="session_reminder",
            target_type="supervision.session",
            target_id=target_id,
            due_at=now - datetime.timedelta(minutes=minutes_ago),
            next_attempt_at=now - datetime.timedelta(minutes=minutes_ago),
            state=state,
        )

    row(Notification.State.PENDING, 7, 1)
    row(Notification.State.PENDING, 2, 2)
    row(Notification.State.PENDING, -30, 3)  # not due yet
    row(Notification.State.SENT, 60, 4)
    row(Notification.State.FAILED, 60, 5)
    Session.objects.create(
        programme=ProgrammeFactory(organisation=organisation),
        supervisor=supervisor,
        supervisee=supervisee,
        starts_at=now + datetime.timedelta(days=1),
        ends_at=now + datetime.timedelta(days=1, hours=1),
    )
    # A wrong password, as a person would type it.
    client.post("/accounts/login/", {"login": supervisee.email, "password": "not-it"})

    text = client.get("/metrics", headers={"Authorization": f"Bearer {token}"}).content.decode()
    samples = _samples(text)
    assert samples["supervision_notifications_due"] == 2
    assert samples["supervision_notifications_sent"] == 1
    assert samples["supervision_notifications_failed"] == 1
    assert 7 * 60 <= samples["supervision_notifications_oldest_unsent_age_seconds"] < 8 * 60
    assert samples['supervision_sessions{status="booked"}'] == 1
    assert samples['supervision_sessions{status="cancelled"}'] == 0
    assert samples['supervision_signin_refusals_total{reason="bad_credentials"}'] == 1
    assert samples['supervision_signin_refusals_total{reason="rate_limited"}'] == 0
    assert samples["supervision_beat_heartbeat_age_seconds"] == -1  # never ran here
    # Every sample has its HELP and TYPE.
    for name in {key.split("{")[0] for key in samples}:
        assert f"# HELP {name} " in text
        assert f"# TYPE {name} " in text


def test_sign_ins_refused_for_too_many_attempts_are_counted(client, token, settings, supervisee):
    settings.ACCOUNT_RATE_LIMITS = {"login_failed": "2/m/key"}
    for _ in range(3):
        client.post("/accounts/login/", {"login": supervisee.email, "password": "not-it"})
    samples = _samples(
        client.get("/metrics", headers={"Authorization": f"Bearer {token}"}).content.decode()
    )
    assert samples['supervision_signin_refusals_total{reason="bad_credentials"}'] == 2
    assert samples['supervision_signin_refusals_total{reason="rate_limited"}'] == 1
