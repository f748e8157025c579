"""The engagement report's time against the time of its bare SQL.

Measured one at a time after the load test, with nothing else of the bench
running, on the lead's unfiltered report (one organisation, twelve months).
Medians of `repeats` runs:

- the report, uncached: engagement_report() in this process (every aggregate,
  its disclosure control, both run charts and the headline figures);
- its bare SQL (the target's denominator): every statement the report runs,
  captured from engagement_report() and replayed straight through psycopg2
  (no ORM, no Python per row). The rest of the report's time is Django and
  Python;
- the report page as users get it (from the shared cache), over HTTP;
- for scale, the activity table alone against ONE hand-written GROUPING SETS
  statement giving the same figures (checked equal before it counts).
"""

import statistics
import time
from urllib.parse import parse_qs, urlsplit

import psycopg2
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

import disclosure
from kernel.models import Organisation
from reports.forms import ReportFilterForm
from reports.permissions import report_choices
from reports.report import engagement_report

BARE_ACTIVITY = """
WITH sessions AS (
    SELECT date_trunc('month', s.starts_at AT TIME ZONE %(zone)s) AS month,
           CASE
               WHEN s.status = 'attended' THEN 'attended'
               WHEN s.status = 'did_not_attend' THEN 'did_not_attend'
               WHEN s.status = 'cancelled' AND s.cancelled_by = 'supervisor'
                   THEN 'cancelled_supervisor'
               WHEN s.status = 'cancelled' AND s.late_cancellation THEN 'cancelled_late'
               WHEN s.status = 'cancelled' THEN 'cancelled_supervisee'
               ELSE 'booked'
           END AS category,
           s.supervisee_id AS person
    FROM supervision_session s
    JOIN supervision_programme p ON p.id = s.programme_id
    JOIN accounts_user u ON u.id = s.supervisee_id
    JOIN supervision_staffprofile sp ON sp.user_id = s.supervisee_id
    WHERE p.organisation_id = %(organisation)s
      AND sp.organisation_id = %(organisation)s
      AND u.is_active
      AND s.starts_at >= %(start)s AND s.starts_at < %(end)s
)
SELECT month, category, COUNT(*) AS n, COUNT(DISTINCT person) AS people
FROM sessions
GROUP BY GROUPING SETS ((month, category), (month), (category), ())
"""


def _dsn() -> str:
    db = settings.DATABASES["default"]
    parts = {
        "dbname": db["NAME"],
        "user": db.get("USER"),
        "password": db.get("PASSWORD"),
        "host": db.get("HOST"),
        "port": db.get("PORT"),
    }
    return " ".join(f"{k}={v}" for k, v in parts.items() if v)


def scope_for(path: str, organisation_slug: str):
    organisations = Organisation.objects.filter(slug=organisation_slug)
    data = {k: v[0] for k, v in parse_qs(urlsplit(path).query).items()}
    form = ReportFilterForm(data, **report_choices(organisations))
    if not form.is_valid():
        raise RuntimeError(f"report filters not valid: {form.errors.as_text()}")
    return form.scope()


def _timed(cursor, sql, params=None) -> tuple[float, list]:
    started = time.perf_counter()
    cursor.execute(sql, params)
    rows = cursor.fetchall()
    return time.perf_counter() - started, rows


def _check_bare_figures(rows, report, scope) -> None:
    """The hand-written statement must count what the report counts (its counts are
    shown rounded to the nearest 5, so the bare counts are rounded the same way)."""
    table = report.tables["activity"]
    mine = {}
    for month, category, n, people in rows:
        key = (month.date().replace(day=1) if month is not None else None, category)
        mine[key] = (disclosure.round_count(n), people)
    expected = {(None, None): (table.totals.total.value, table.totals.total.people)}
    for row in table.rows:
        expected[(row.key, None)] = (row.total.value, row.total.people)
    for index, (column, _label) in enumerate(table.columns):
        total = table.totals.cells[index]
        expected[(None, column)] = (total.value, total.people)
    for key, figures in expected.items():
        if mine.get(key, (0, 0)) != figures:  # (0, 0): a combination with no sessions
            raise RuntimeError(
                f"bare SQL disagrees with the report at {key}: {mine.get(key)} != {figures}"
            )


def compare(page_times: list[float], path: str, organisation_slug: str, repeats: int) -> dict:
    """The report page's time (already measured) against its bare SQL."""
    scope = scope_for(path, organisation_slug)
    engagement_report(scope)  # warm the database's caches as the page runs were
    with CaptureQueriesContext(connection) as captured:
        report = engagement_report(scope)
    statements = [q["sql"] for q in captured.captured_queries]
    params = {
        "zone": scope.time_zone,
        "organisation": scope.organisation_id,
        "start": scope.start,
        "end": scope.end,
    }
    with psycopg2.connect(_dsn()) as raw, raw.cursor() as cursor:
        _, rows = _timed(cursor, BARE_ACTIVITY, params)
        _check_bare_figures(rows, report, scope)
        bare = [_timed(cursor, BARE_ACTIVITY, params)[0] for _ in range(repeats)]
        replays, per_statement = [], [0.0] * len(statements)
        for _ in range(repeats):
            total = 0.0
            for index, sql in enumerate(statements):
                elapsed, _rows = _timed(cursor, sql)
                per_statement[index] += elapsed
                total += elapsed
            replays.append(total)
    raw.close()
    heaviest = max(range(len(statements)), key=lambda i: per_statement[i])
    builds, activity = [], []
    for _ in range(repeats):
        started = time.perf_counter()
        engagement_report(scope)  # uncached: every aggregate, suppression, both charts
        builds.append(time.perf_counter() - started)
        started = time.perf_counter()
        engagement_report(scope, only=["activity"])
        activity.append(time.perf_counter() - started)
    rollups = rollup_figures(scope, repeats)
    page = statistics.median(page_times)
    build = statistics.median(builds)
    bare_median = statistics.median(bare)
    replay = statistics.median(replays)
    return {
        "path": path,
        "repeats": repeats,
        "page_ms": round(page * 1000, 1),
        "report_ms": round(build * 1000, 1),
        "bare_sql_ms": round(replay * 1000, 1),
        "ratio": round(build / replay, 2),
        "bare_sql_definition": (
            "every aggregate statement the report runs, replayed straight through psycopg2 "
            "(no ORM, no Python per row); the report is engagement_report() uncached"
        ),
        "activity_ms": round(statistics.median(activity) * 1000, 1),
        "activity_bare_sql_ms": round(bare_median * 1000, 1),
        "activity_ratio": round(statistics.median(activity) / bare_median, 2),
        "activity_bare_sql_definition": (
            "one-to-one sessions by month x outcome with distinct people and all row, column "
            "and grand totals, as one hand-written GROUPING SETS statement via psycopg2; "
            "figures checked equal to the report's activity table"
        ),
        "report_statements": len(statements),
        "report_sql_replayed_ms": round(replay * 1000, 1),
        "report_minus_replay_ms": round((build - replay) * 1000, 1),
        "heaviest_statement_ms": round(per_statement[heaviest] / repeats * 1000, 1),
        "heaviest_statement": statements[heaviest][:300],
        "rollups": rollups,
        # bench/run.py's names (HOOKS): the report from its roll-ups
        "cached_ms": rollups["cached_ms"],
        "buffers_read": rollups["pages"],
        "buffers_read_raw": rollups["pages_raw"],
    }


# --- roll-ups: the report's own cost, and what keeping them costs -------------------


def _explained(cursor, sql: str) -> tuple[int, float]:
    """(database pages read, hit or from disk; execution ms) of one statement."""
    cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {sql}")
    plan = cursor.fetchone()[0][0]
    top = plan["Plan"]
    pages = top.get("Shared Hit Blocks", 0) + top.get("Shared Read Blocks", 0)
    pages += top.get("Local Hit Blocks", 0) + top.get("Temp Read Blocks", 0)
    return pages, plan["Execution Time"]


def report_buffers(scope, source: str) -> dict:
    """Every statement of one uncached report from `source` ("rollups" or "raw"), run under
    EXPLAIN (ANALYZE, BUFFERS): pages read in all (a figure the machine's noise does not
    move) and per table, with the statements' own execution time."""
    from reports.report import BUILDERS, _tables, engagement_report

    with CaptureQueriesContext(connection) as captured:
        engagement_report(scope, source=source)
    per_table = {}
    with connection.cursor() as cursor:
        total_pages, total_ms = 0, 0.0
        for query in captured.captured_queries:
            if not query["sql"].lstrip().upper().startswith(("SELECT", "WITH")):
                continue
            pages, ms = _explained(cursor, query["sql"])
            total_pages += pages
            total_ms += ms
        for name in BUILDERS:
            with CaptureQueriesContext(connection) as one:
                _tables(scope, [name], source)
            pages = sum(_explained(cursor, q["sql"])[0] for q in one.captured_queries)
            per_table[name] = pages
    return {
        "statements": len(captured.captured_queries),
        "pages": total_pages,
        "sql_ms": round(total_ms, 1),
        "pages_by_table": per_table,
    }


def report_times(scope, source: str, repeats: int) -> float:
    """Median ms of engagement_report(scope, source=source), uncached."""
    engagement_report(scope, source=source)
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        engagement_report(scope, source=source)
        times.append(time.perf_counter() - started)
    return round(statistics.median(times) * 1000, 1)


def report_cached_ms(scope, repeats: int) -> float:
    """Median ms of cached_engagement_report(scope) once it is in the shared cache."""
    from reports.report import cached_engagement_report

    cached_engagement_report(scope)
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        cached_engagement_report(scope)
        times.append(time.perf_counter() - started)
    return round(statistics.median(times) * 1000, 2)


def p95_ms(values: list[float]) -> float:
    """The 95th percentile of timings in seconds, in milliseconds."""
    ordered = sorted(values)
    return round(ordered[max(0, int(len(ordered) * 0.95) - 1)] * 1000, 2)


def rollup_update_cost(organisation_id: int, operations: int = 200) -> dict:
    """What keeping the roll-ups adds to a bare Session save, p95 over `operations` of each.

    In one transaction rolled back at the end: `operations` people of the
    organisation each get a session booked (Session saved, as session_book saves
    it) and then logged as attended (saved again, as session_log does), once
    with the roll-ups kept (the signals of reports.rollup_signals: the person
    marked stale) and once with them disconnected, on different people. Times
    are the saves alone, without the rest of each service (checks, audit,
    notifications), so the share is an upper bound of what the roll-ups add to
    a real booking; bench/rollup_upkeep.py times the real services, the figure
    issue 19 names.
    """
    import datetime

    from django.db import transaction
    from django.db.models.signals import post_save

    from kernel.models import Programme, StaffProfile
    from reports import rollup_signals
    from supervision.models import Session

    programme = Programme.objects.filter(
        organisation_id=organisation_id, modality="one_to_one"
    ).first()
    if programme is None:
        return {"operations": 0, "skipped": "no one-to-one programme"}
    people = list(
        StaffProfile.objects.filter(organisation_id=organisation_id, user__is_active=True)
        .order_by("user_id")
        .values_list("user_id", flat=True)[: 2 * operations + 1]
    )
    supervisor, people = people[0], people[1:]
    starts = datetime.datetime.now(datetime.UTC).replace(microsecond=0) - datetime.timedelta(days=3)
    timings: dict[str, dict[str, list[float]]] = {}
    with transaction.atomic():
        for kept, group in (("with_rollups", people[::2]), ("without", people[1::2])):
            if kept == "without":
                post_save.disconnect(sender=Session, dispatch_uid="rollups-session")
            book, log = [], []
            try:
                for index, person in enumerate(group):
                    when = starts + datetime.timedelta(minutes=index)
                    started = time.perf_counter()
                    session = Session.objects.create(
                        programme=programme,
                        supervisor_id=supervisor,
                        supervisee_id=person,
                        starts_at=when,
                        ends_at=when + datetime.timedelta(minutes=30),
                    )
                    book.append(time.perf_counter() - started)
                    started = time.perf_counter()
                    session.status = Session.Status.ATTENDED
                    session.save(update_fields=["status"])
                    log.append(time.perf_counter() - started)
            finally:
                rollup_signals.connect()
            timings[kept] = {"book": book, "log": log}
        transaction.set_rollback(True)
    result: dict = {"operations": operations}
    for action in ("book", "log"):
        with_ms = p95_ms(timings["with_rollups"][action])
        without_ms = p95_ms(timings["without"][action])
        result[f"{action}_p95_ms"] = with_ms
        result[f"{action}_without_rollups_p95_ms"] = without_ms
        result[f"{action}_rollups_add_ms"] = round(with_ms - without_ms, 2)
    return result


def rollup_figures(scope, repeats: int) -> dict:
    """The report from its roll-ups against the same report counted from the sessions:
    uncached and cached times, pages read, and the cost of keeping the roll-ups."""
    from reports.report import RAW, ROLLUPS

    rolled = report_buffers(scope, ROLLUPS)
    raw = report_buffers(scope, RAW)
    return {
        "uncached_ms": report_times(scope, ROLLUPS, repeats),
        "uncached_raw_ms": report_times(scope, RAW, repeats),
        "cached_ms": report_cached_ms(scope, repeats),
        "pages": rolled["pages"],
        "pages_raw": raw["pages"],
        "statements": rolled["statements"],
        "pages_by_table": rolled["pages_by_table"],
        "pages_by_table_raw": raw["pages_by_table"],
        "update_cost": rollup_update_cost(scope.organisation_id),
    }


def describe_rollups(figures: dict) -> list[str]:
    cost = figures["update_cost"]
    if cost.get("skipped"):
        cost = {**cost, **dict.fromkeys(("book_p95_ms", "book_without_rollups_p95_ms"), "-")}
        cost |= dict.fromkeys(("log_p95_ms", "log_without_rollups_p95_ms"), "-")
    return [
        f"report from its roll-ups, uncached: {figures['uncached_ms']} ms "
        f"({figures['pages']:,} database pages read in {figures['statements']} statements); "
        f"counted from the sessions: {figures['uncached_raw_ms']} ms "
        f"({figures['pages_raw']:,} pages); cached: {figures['cached_ms']} ms",
        f"  keeping the roll-ups, p95 of {cost['operations']} saves: booking "
        f"{cost['book_p95_ms']} ms against {cost['book_without_rollups_p95_ms']} ms without; "
        f"logging {cost['log_p95_ms']} ms against {cost['log_without_rollups_p95_ms']} ms",
    ]
