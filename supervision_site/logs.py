"""Log lines that an operator can follow: one request or task id on every line.

`RequestIdMiddleware` (supervision_site.middleware) puts the request's id in
`request_id_var`; Celery tasks carry it in a message header and a worker puts
it back, with the task's own id in `task_id_var` (supervision_site.celery).
`ContextFilter` adds both to every record, whoever logged it (Django, Celery,
allauth or our code), and the handler writes either JSON lines
(`LOG_FORMAT=json`, production's default) or readable text (`make run`).

Nothing here imports Django models: the settings build LOGGING from it.
"""

from __future__ import annotations

import datetime
import json
import logging
import re
from contextvars import ContextVar
from typing import Any

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)
task_id_var: ContextVar[str | None] = ContextVar("task_id", default=None)

# An incoming X-Request-ID is kept only if it looks like an id (a load
# balancer's or a client's): no spaces, no markup, no room for a log injection.
REQUEST_ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:@/+=-]{0,99}$")

# What every LogRecord has; anything else on a record came from `extra=`.
_RECORD_ATTRIBUTES = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {
    "message",
    "asctime",
    "request_id",
    "task_id",
}


def sane_request_id(value: str | None) -> str | None:
    """`value` if it is usable as a request id, else None."""
    if value and REQUEST_ID_PATTERN.match(value):
        return value
    return None


class ContextFilter(logging.Filter):
    """Adds `request_id` and `task_id` ("-" when none) to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get() or "-"
        record.task_id = task_id_var.get() or "-"
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC), level, logger, message, ids, extras."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.datetime.fromtimestamp(record.created, tz=datetime.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in ("request_id", "task_id"):
            value = getattr(record, name, "-")
            if value and value != "-":
                line[name] = value
        for name, value in vars(record).items():
            if name not in _RECORD_ATTRIBUTES and not name.startswith("_"):
                line[name] = value
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        return json.dumps(line, default=str, ensure_ascii=False)


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"


def logging_config(log_format: str, level: str) -> dict[str, Any]:
    """The LOGGING setting: `log_format` is "json" or "text"."""
    if log_format not in ("json", "text"):
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured('LOG_FORMAT must be "json" or "text".')
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"context": {"()": "supervision_site.logs.ContextFilter"}},
        "formatters": {
            "json": {"()": "supervision_site.logs.JsonFormatter"},
            "text": {"format": TEXT_FORMAT},
        },
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": log_format,
                "filters": ["context"],
            }
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            # One line per request (method, route, status, time): for JSON logs
            # only; `make run`'s console has runserver's own lines.
            "supervision_site.requests": {"level": "INFO" if log_format == "json" else "WARNING"},
        },
    }
