"""What the worker and beat do around tasks: logs, request ids, a key check at start.

- Celery leaves logging to Django's LOGGING (the same JSON or text lines as
  the web server), instead of configuring its own.
- A task queued during a request carries the request's id in a message
  header; while it runs, every log line has that id and the task's own.
- The worker and beat refuse to start when FIELD_ENCRYPTION_KEYS do not open
  this database's data (operations.sentinel), naming the problem.
"""

from __future__ import annotations

from contextvars import Token

from celery import signals

from .logs import request_id_var, sane_request_id, task_id_var

REQUEST_ID_HEADER = "request_id"

_task_tokens: dict[str, tuple[Token, Token]] = {}


@signals.setup_logging.connect
def use_django_logging(**kwargs) -> None:
    # Connecting here is what stops Celery configuring logging itself.
    from django.conf import settings
    from django.utils.log import configure_logging

    configure_logging(settings.LOGGING_CONFIG, settings.LOGGING)


@signals.before_task_publish.connect
def carry_request_id(headers: dict | None = None, **kwargs) -> None:
    request_id = request_id_var.get()
    if request_id and headers is not None:
        headers.setdefault(REQUEST_ID_HEADER, request_id)


@signals.task_prerun.connect
def enter_task(task_id: str | None = None, task=None, **kwargs) -> None:
    carried = sane_request_id(getattr(getattr(task, "request", None), REQUEST_ID_HEADER, None))
    # Run in the caller's process (eager), a task keeps the caller's request id.
    tokens = (request_id_var.set(carried or request_id_var.get()), task_id_var.set(task_id))
    if task_id:
        _task_tokens[task_id] = tokens


@signals.task_postrun.connect
def leave_task(task_id: str | None = None, **kwargs) -> None:
    tokens = _task_tokens.pop(task_id, None) if task_id else None
    if tokens is None:
        return
    try:
        request_id_var.reset(tokens[0])
        task_id_var.reset(tokens[1])
    except ValueError:  # set in another context (a thread pool): just clear
        request_id_var.set(None)
        task_id_var.set(None)


def _refuse_with_wrong_keys(process: str) -> None:
    from operations.sentinel import EncryptionKeysMismatch, refuse_to_start_with_wrong_keys

    try:
        refuse_to_start_with_wrong_keys(process)
    except EncryptionKeysMismatch:
        # SystemExit, not an exception: Celery logs and ignores a handler's exceptions.
        raise SystemExit(1) from None


@signals.worker_init.connect
def check_keys_before_working(**kwargs) -> None:
    _refuse_with_wrong_keys("The Celery worker")


@signals.beat_init.connect
def check_keys_before_scheduling(**kwargs) -> None:
    _refuse_with_wrong_keys("Celery beat")
