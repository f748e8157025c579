"""Readiness: is this deployment fit to serve? Each check says yes or no, and why.

/healthz is liveness (the process and its database answer); /readyz, built
from these checks, is for load balancers and monitoring:

- database: it answers a query;
- cache: a value written can be read back;
- broker: Redis answers a PING within BROKER_TIMEOUT_SECONDS (or the
  embedded SQLite-file broker opens);
- beat: Celery beat's heartbeat task ran, through a worker, within
  READINESS_MAX_BEAT_AGE_SECONDS;
- notifications: nothing has been due and unsent for longer than
  READINESS_MAX_UNSENT_AGE_SECONDS;
- encryption: FIELD_ENCRYPTION_KEYS open this database's sentinel.

What a check reports is for the public: no exception text (it can name hosts),
nothing personal; the details go to the log.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.utils import timezone

logger = logging.getLogger(__name__)

BROKER_TIMEOUT_SECONDS = 1


@dataclass(frozen=True)
class Result:
    ok: bool
    detail: str


def check_database() -> Result:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return Result(True, "answers")


def check_cache() -> Result:
    key = f"readyz:{uuid.uuid4().hex}"
    cache.set(key, "1", timeout=10)
    read = cache.get(key)
    cache.delete(key)
    if read != "1":
        return Result(False, "a value written could not be read back")
    if getattr(cache, "using_memory", False):
        # supervision_site.cache.FailSoftRedisCache answered from this process's memory:
        # pages work, but sign-in limits and report caches are per process.
        return Result(False, "Redis is unreachable: this process is using its own memory")
    return Result(True, "answers")


@lru_cache(maxsize=4)
def _redis_client(url: str):
    import redis

    return redis.Redis.from_url(
        url, socket_timeout=BROKER_TIMEOUT_SECONDS, socket_connect_timeout=BROKER_TIMEOUT_SECONDS
    )


def check_broker() -> Result:
    url = settings.CELERY_BROKER_URL
    if url.startswith(("redis://", "rediss://", "unix://")):
        _redis_client(url).ping()
        return Result(True, "Redis answers")
    from kombu import Connection

    with Connection(url, connect_timeout=BROKER_TIMEOUT_SECONDS) as broker:
        broker.ensure_connection(max_retries=1, timeout=BROKER_TIMEOUT_SECONDS)
        broker.default_channel  # noqa: B018 - opening a channel is the check
    return Result(True, f"{url.split(':', 1)[0]} broker opens")


def check_beat() -> Result:
    from operations.services import heartbeat_age_seconds
    from operations.tasks import BEAT

    limit = settings.READINESS_MAX_BEAT_AGE_SECONDS
    age = heartbeat_age_seconds(name=BEAT)
    if age is None:
        return Result(False, "beat's heartbeat task has never run")
    if age > limit:
        return Result(False, f"beat's heartbeat last ran {age:.0f} s ago (limit {limit} s)")
    return Result(True, f"heartbeat {age:.0f} s ago")


def check_notifications() -> Result:
    from notifications.metrics import oldest_unsent_age_seconds

    limit = settings.READINESS_MAX_UNSENT_AGE_SECONDS
    age = oldest_unsent_age_seconds(timezone.now())
    if age > limit:
        return Result(
            False, f"a notification has been due and unsent for {age:.0f} s (limit {limit} s)"
        )
    return Result(True, f"oldest due and unsent: {age:.0f} s")


def check_encryption() -> Result:
    from operations.sentinel import keys_problem

    problem = keys_problem()
    if problem is not None:
        logger.error("Readiness: %s", problem)
        return Result(False, "FIELD_ENCRYPTION_KEYS cannot decrypt this database's data")
    return Result(True, "the keys open the sentinel")


CHECKS: dict[str, Callable[[], Result]] = {
    "database": check_database,
    "cache": check_cache,
    "broker": check_broker,
    "beat": check_beat,
    "notifications": check_notifications,
    "encryption": check_encryption,
}


def run_checks() -> dict[str, Result]:
    """Every check's result; a check that raises has failed (its error is logged)."""
    results = {}
    for name, check in CHECKS.items():
        try:
            results[name] = check()
        except Exception as error:  # any failure of a dependency means not ready
            logger.warning(
                "Readiness: the %s check failed: %s: %s", name, type(error).__name__, error
            )
            results[name] = Result(False, f"unavailable ({type(error).__name__})")
    return results
