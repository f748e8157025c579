"""Bench-only middleware: how many queries a request ran, and how long it took.

Listed first in supervision_site.settings.bench (never in the other settings),
so it counts every query of the request, the session and user lookups and the
session save included. The load driver reads the headers:

- `X-Query-Count`: queries executed (execute and executemany calls);
- `Server-Timing: app;dur=…, db;dur=…`: milliseconds in Django and, of those,
  waiting for PostgreSQL.
"""

import time

from django.db import connection


class _Counter:
    def __init__(self):
        self.count = 0
        self.seconds = 0.0

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.count += 1
            self.seconds += time.perf_counter() - started


class QueryCountMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        counter = _Counter()
        started = time.perf_counter()
        with connection.execute_wrapper(counter):
            response = self.get_response(request)
        elapsed = time.perf_counter() - started
        response["X-Query-Count"] = str(counter.count)
        response["Server-Timing"] = (
            f"app;dur={elapsed * 1000:.1f}, db;dur={counter.seconds * 1000:.1f}"
        )
        return response
