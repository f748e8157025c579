"""Error reports: on only with SENTRY_DSN, and never carrying anything personal.

A real sentry-sdk client (its Django integration included) reports a real
failing request to a transport that keeps what it would have sent.
"""

import json

import pytest
import sentry_sdk
from django.test import Client
from sentry_sdk.transport import Transport

from supervision_site.logs import request_id_var
from supervision_site.sentry import FILTERED, before_send, init_sentry

pytestmark = pytest.mark.django_db

MARKER = "CONFIDENTIAL-MARKER-77c1"


class KeptTransport(Transport):
    sent: list[dict] = []

    def capture_envelope(self, envelope):
        for item in envelope.items:
            if item.type in ("event", "transaction"):
                KeptTransport.sent.append(item.get_event() or json.loads(item.payload.get_bytes()))


@pytest.fixture
def reported():
    KeptTransport.sent = []
    init_sentry(dsn="https://public@sentry.invalid/1", transport=KeptTransport)
    yield KeptTransport.sent
    sentry_sdk.get_client().close()
    sentry_sdk.init()  # off again: no DSN


def test_sentry_is_off_without_a_dsn(settings):
    assert settings.SENTRY_DSN == ""
    assert not sentry_sdk.get_client().is_active()


@pytest.mark.urls("tests.operations.sentry_urls")
def test_a_failing_request_reports_what_failed_and_nothing_personal(reported, supervisee):
    client = Client(raise_request_exception=False)
    client.force_login(supervisee)
    response = client.post(
        "/fails/reset-token-abc/?email=someone@example.org",
        {"agreed_actions": MARKER, "password": MARKER, "notes": MARKER},
        headers={"Authorization": f"Bearer {MARKER}", "X-Request-ID": "req-sentry-1"},
    )
    assert response.status_code == 500
    sentry_sdk.flush()
    [event] = reported
    text = json.dumps(event)
    assert "RuntimeError" in text  # what failed is there
    assert event["tags"]["request_id"] == "req-sentry-1"
    assert MARKER not in text  # no body, header or local variable
    assert supervisee.email not in text  # nor the person's address, even in the message
    assert "reset-token-abc" not in text  # nor the URL's path
    assert "someone@example.org" not in text  # nor its query string
    assert "sessionid" not in text
    assert "csrftoken" not in text
    request = event["request"]
    assert set(request) <= {"method", "url", "headers"}
    assert "Authorization" not in request["headers"]
    assert "Cookie" not in request["headers"]
    assert event.get("user", {}).keys() <= {"id"}


def test_before_send_scrubs_what_an_integration_might_add():
    token = request_id_var.set("req-9")
    try:
        event = before_send(
            {
                "transaction": "/sessions/<int:pk>/",
                "request": {
                    "method": "POST",
                    "url": "https://example.nhs.uk/sessions/12/?token=abc",
                    "data": {"agreed_actions": MARKER},
                    "cookies": {"sessionid": MARKER},
                    "query_string": "token=abc",
                    "headers": {"Cookie": MARKER, "Authorization": MARKER, "User-Agent": "ok"},
                    "env": {"REMOTE_ADDR": "10.1.2.3"},
                },
                "user": {"id": 7, "email": "nurse@example.org", "ip_address": "10.1.2.3"},
                "exception": {
                    "values": [
                        {
                            "type": "ValueError",
                            "value": "no slot for nurse@example.org",
                            "stacktrace": {"frames": [{"function": "f", "vars": {"x": MARKER}}]},
                        }
                    ]
                },
                "extra": {"journal": {"sections": MARKER, "title": MARKER}, "count": 3},
                "contexts": {"celery": {"reflection": {"ground_rules": MARKER}}},
                "logentry": {"message": "saved %s", "params": [MARKER]},
                "breadcrumbs": {"values": [{"message": "mail to nurse@example.org"}]},
            },
            {},
        )
    finally:
        request_id_var.reset(token)
    text = json.dumps(event)
    assert MARKER not in text
    assert "nurse@example.org" not in text
    assert "10.1.2.3" not in text
    assert event["request"]["url"] == "https://example.nhs.uk/sessions/<int:pk>/"
    assert event["request"]["headers"] == {"User-Agent": "ok"}
    assert event["user"] == {"id": "7"}
    assert event["extra"]["journal"] == {"sections": FILTERED, "title": FILTERED}
    assert event["extra"]["count"] == 3
    assert event["tags"]["request_id"] == "req-9"
    assert event["exception"]["values"][0]["value"] == "no slot for [email]"
