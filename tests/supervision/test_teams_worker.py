"""Teams meetings with real parts: the booking's commit publishes the sync task to the
real broker, a real Celery worker runs it, and it calls the fake Graph over HTTP."""

import time

import pytest
import time_machine
from celery.contrib.testing.worker import start_worker

from kernel.graph import forget_token
from supervision.models import Session
from supervision.services.sessions import session_book, session_reschedule
from supervision_site.celery import app
from tests.fake_graph import CLIENT_ID, CLIENT_SECRET, TENANT, FakeGraphServer
from tests.scenario import NOW, tuesday

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def wait_until(condition, timeout=60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


def test_a_real_worker_makes_the_meeting_once_and_moves_it(settings, agreement, organisation):
    app.control.purge()
    forget_token()
    organisation.teams_meetings = True
    organisation.save()
    with FakeGraphServer() as graph:
        settings.MS_GRAPH_TENANT_ID = TENANT
        settings.MS_GRAPH_CLIENT_ID = CLIENT_ID
        settings.MS_GRAPH_CLIENT_SECRET = CLIENT_SECRET
        settings.MS_GRAPH_BASE_URL = graph.base_url
        settings.MS_GRAPH_LOGIN_URL = graph.login_url
        with time_machine.travel(NOW, tick=False):
            session = session_book(
                actor=agreement.supervisee,
                programme=agreement.programme,
                supervisor=agreement.supervisor,
                agreement=agreement,
                starts_at=tuesday(1, 14),
            )
        # Committed and published; nothing has called Graph yet.
        assert graph.requests == []
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
            assert wait_until(
                lambda: Session.objects.get(pk=session.pk).meeting_link.endswith(
                    next(iter(graph.meetings), "none")
                )
            )
            with time_machine.travel(NOW, tick=False):
                session_reschedule(
                    actor=agreement.supervisee, session=session, starts_at=tuesday(8, 14)
                )
            assert wait_until(lambda: len(graph.calls("update")) == 1)
        [meeting] = graph.live_meetings()
        assert meeting["startDateTime"] == "2026-12-08T14:00:00Z"
        assert len(graph.calls("create")) == 1
    forget_token()
