"""Django's Redis cache, made so that losing Redis degrades the site instead of failing it.

Everything that uses the cache (allauth's sign-in rate limits and its one-time
TOTP codes, the download allowance, the engagement report cache) would
otherwise answer 500 the moment Redis is unreachable. Here a connection error
or a timeout from Redis switches this process to its own local-memory cache
(the same keys, timeouts and versions), so:

- rate limits still count, per process: brute force stays bounded by the
  configured limits times the number of web processes, never unlimited;
- cached reports are built again and kept in this process's memory;
- nothing raises.

While Redis is down the process does not wait for it on every call: after a
failure it uses memory for RETRY_AFTER seconds, then tries Redis again. The
switch is logged once each way (a warning when Redis is lost, an info line
when it answers again), not once per call. What was written to memory during
the outage stays in memory: when Redis answers again the shared values it held
come back (a rate-limit window or a report cached before the outage).
"""

import logging
import threading
import time
from typing import Any

from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis import exceptions as redis_errors

logger = logging.getLogger(__name__)

# What Redis raises when it is unreachable, restarting, failing over or full.
UNAVAILABLE = (
    redis_errors.ConnectionError,  # includes BusyLoadingError (still loading its data)
    redis_errors.TimeoutError,
    redis_errors.ReadOnlyError,  # a replica during failover
    redis_errors.OutOfMemoryError,
)
DEFAULT_RETRY_AFTER = 5.0

# Per process and per Redis location: until when memory answers instead of Redis.
_resting_until: dict[str, float] = {}
_state_lock = threading.Lock()


def _fail_soft(name: str) -> Any:
    """A cache method that asks Redis, or this process's memory when Redis is down."""

    def method(self: "FailSoftRedisCache", *args: Any, **kwargs: Any) -> Any:
        return self._call(name, *args, **kwargs)

    method.__name__ = name
    return method


class KeptClientRedisCacheClient(RedisCacheClient):
    """Django's client, keeping one redis.Redis per server. Django's makes a new one
    for every cache call, and each copies redis-py's few hundred reply parsers: a
    report page's one cache read cost more than the read itself. redis.Redis is
    safe to share between threads (each command takes a connection from the pool)
    and after a fork (the pool notices the new process and opens its own)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        django: Any = self  # Django's own private attributes, which its stubs leave out
        pool = django._get_connection_pool(write)  # kept by Django for the process
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = django._client(connection_pool=pool)
        return client


class FailSoftRedisCache(RedisCache):
    """Redis when it answers, this process's memory when it does not (see the module)."""

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        params = dict(params)
        options = dict(params.get("OPTIONS") or {})
        self._retry_after = float(options.pop("RETRY_AFTER", DEFAULT_RETRY_AFTER))
        params["OPTIONS"] = options
        super().__init__(server, params)
        # After Django's __init__, which sets its own client class on the instance (a
        # class attribute here would be overridden and silently never used).
        self._class = KeptClientRedisCacheClient
        self._where = str(server)
        # LocMemCache instances with the same name share one store in the process.
        self._memory = LocMemCache(
            f"redis-fallback:{self._where}",
            {
                "TIMEOUT": params.get("TIMEOUT", 300),
                "KEY_PREFIX": params.get("KEY_PREFIX", ""),
                "VERSION": params.get("VERSION", 1),
                "KEY_FUNCTION": params.get("KEY_FUNCTION"),
                "OPTIONS": {"MAX_ENTRIES": 5000},
            },
        )

    @property
    def using_memory(self) -> bool:
        """Whether this process is answering from memory because Redis failed lately."""
        return time.monotonic() < _resting_until.get(self._where, 0.0)

    def _call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        if self.using_memory:
            return getattr(self._memory, name)(*args, **kwargs)
        try:
            result = getattr(super(), name)(*args, **kwargs)
        except UNAVAILABLE as error:
            self._lost(error)
            return getattr(self._memory, name)(*args, **kwargs)
        self._answered()
        return result

    def _lost(self, error: Exception) -> None:
        with _state_lock:
            was_down = self._where in _resting_until
            _resting_until[self._where] = time.monotonic() + self._retry_after
        if not was_down:
            logger.warning(
                "Redis cache unreachable (%s: %s): this process uses its own memory for the "
                "cache and sign-in rate limits until Redis answers again",
                type(error).__name__,
                error,
            )

    def _answered(self) -> None:
        if self._where not in _resting_until:
            return
        with _state_lock:
            was_down = _resting_until.pop(self._where, None) is not None
        if was_down:
            logger.info("Redis cache answers again: shared cache and rate limits resume")

    add = _fail_soft("add")
    get = _fail_soft("get")
    set = _fail_soft("set")
    touch = _fail_soft("touch")
    delete = _fail_soft("delete")
    get_many = _fail_soft("get_many")
    has_key = _fail_soft("has_key")
    incr = _fail_soft("incr")
    set_many = _fail_soft("set_many")
    delete_many = _fail_soft("delete_many")

    def clear(self) -> Any:
        self._memory.clear()
        return self._call("clear")
