"""Every log line carries the request's id (or the task's), and the response says it.

The log lines are read as an operator's collector would: the handler that
LOGGING builds, with LOG_FORMAT=json, writing JSON lines.
"""

import io
import json
import logging
import logging.config
import os
import subprocess
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import OperationalError

from operations.models import Heartbeat
from operations.tasks import BEAT, beat_heartbeat
from supervision_site.celery import app, worker_command
from supervision_site.logs import logging_config, request_id_var
from tests.test_celery import _database_url

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.django_db


def _configure(log_format: str) -> io.StringIO:
    """LOGGING as the settings build it for `log_format`, its console writing to a buffer."""
    config = logging_config(log_format, "INFO")
    stream = io.StringIO()
    config["handlers"]["console"]["stream"] = stream
    logging.config.dictConfig(config)
    return stream


@pytest.fixture
def json_log_lines():
    """The JSON lines the site logs from here on."""
    stream = _configure("json")

    def lines() -> list[dict]:
        text = stream.getvalue()
        stream.seek(0)
        stream.truncate()
        return [json.loads(line) for line in text.splitlines() if line]

    yield lines
    logging.config.dictConfig(settings.LOGGING)


def test_a_response_carries_a_new_request_id(client):
    response = client.get("/healthz")
    assert len(response["X-Request-ID"]) == 32
    assert client.get("/healthz")["X-Request-ID"] != response["X-Request-ID"]


def test_a_sane_incoming_request_id_is_kept_and_anything_else_replaced(client):
    kept = client.get("/healthz", headers={"X-Request-ID": "lb-7f3a9c-01"})
    assert kept["X-Request-ID"] == "lb-7f3a9c-01"
    for hostile in ("two words", "x" * 101, "<script>", "id\nFAKE LOG LINE"):
        replaced = client.get("/healthz", headers={"X-Request-ID": hostile})
        assert replaced["X-Request-ID"] != hostile
        assert len(replaced["X-Request-ID"]) == 32


def test_every_line_a_request_logs_has_its_id(client, json_log_lines, monkeypatch):
    from supervision_site import readiness

    class BrokenConnection:
        def cursor(self):
            raise OperationalError("connection refused")

    # A readiness check that fails logs a warning from deep inside the request.
    monkeypatch.setattr(readiness, "connection", BrokenConnection())
    response = client.get("/readyz", headers={"X-Request-ID": "req-abc-123"})
    assert response["X-Request-ID"] == "req-abc-123"
    lines = json_log_lines()
    warning = next(line for line in lines if "database check failed" in line["message"])
    assert warning["request_id"] == "req-abc-123"
    assert warning["level"] == "WARNING"
    assert warning["logger"] == "supervision_site.readiness"
    access = next(line for line in lines if line["logger"] == "supervision_site.requests")
    assert access["request_id"] == "req-abc-123"
    assert (access["method"], access["route"], access["status"]) == ("GET", "readyz", 503)
    # Outside a request, no id.
    logging.getLogger("tests").warning("between requests")
    assert "request_id" not in json_log_lines()[-1]


def test_the_access_line_names_the_route_never_the_path(client, json_log_lines):
    client.get("/accounts/password/reset/key/1-not-a-real-key/")
    access = [line for line in json_log_lines() if line["logger"] == "supervision_site.requests"]
    assert access
    assert "not-a-real-key" not in json.dumps(access)


def test_text_logs_for_a_person_at_a_console_carry_the_id_too():
    stream = _configure("text")
    try:
        token = request_id_var.set("req-text-1")
        logging.getLogger("tests").warning("hello")
        request_id_var.reset(token)
        line = stream.getvalue().strip().splitlines()[-1]
    finally:
        logging.config.dictConfig(settings.LOGGING)
    assert line.endswith("WARNING tests [req-text-1] hello")


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_task_queued_by_a_request_logs_with_its_request_id(tmp_path):
    """A real worker, through the configured broker, writing JSON lines."""
    app.control.purge()
    log = tmp_path / "worker.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "supervision_site.settings.test",
        "DATABASE_URL": _database_url(),
        "LOG_FORMAT": "json",
    }
    with log.open("w") as output:
        worker = subprocess.Popen(  # noqa: S603 - our own interpreter and code
            worker_command("--pool=solo", "--loglevel=INFO"),
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        try:
            token = request_id_var.set("req-to-worker-42")
            result = beat_heartbeat.delay()
            request_id_var.reset(token)
            deadline = time.monotonic() + 60
            while not Heartbeat.objects.filter(name=BEAT).exists():
                assert worker.poll() is None, log.read_text()
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.3)
            time.sleep(0.5)  # the success line follows the write
        finally:
            worker.terminate()
            worker.wait(timeout=30)
    lines = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    success = [line for line in lines if "succeeded" in line["message"]]
    assert success, log.read_text()
    assert success[0]["request_id"] == "req-to-worker-42"
    assert success[0]["task_id"] == result.id
