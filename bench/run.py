#!/usr/bin/env python
"""The whole benchmark: a large trust on PostgreSQL, gunicorn, 50 simulated users.

    make bench                       (or: .venv/bin/python bench/run.py [--reuse])

1. Database `bench` on the local PostgreSQL (BENCH_POSTGRES): dropped, created,
   migrated and filled by `manage.py generate_history` (5 organisations, 10,000
   staff, about 100,000 one-to-one sessions and group meetings over 24 months,
   feedback and check-ins in proportion); `--reuse` keeps it when it already
   holds that history. Then ANALYZE: the planner needs statistics after a bulk
   load, and this machine's PostgreSQL runs without autovacuum.
2. Bench users (bench/users.py) sign in through the real sign-in form, with a
   two-factor code for admins and leads.
3. gunicorn with (2 x cores + 1) sync workers, supervision_site.settings.bench
   (which adds the X-Query-Count header), Redis db 12 for the cache.
4. 50 users with short think times walk their role's pages (bench/pages.py)
   and /healthz, the floor, in the same run; per page: requests, errors, p50
   and p95, queries per request and p95 against /healthz's p95.
5. The report alone against the bare SQL of its heaviest aggregate
   (bench/report_sql.py); peak RSS of the web workers.
6. bench/reminders.py: 5,000 reminders (--reminders) through a real Celery worker (its own
   database bench_reminders): per minute, duplicates, losses, the worker's RSS.
7. bench/esr_import.py: a 10,000-row ESR file (--esr-rows; its own database
   bench_esr_import): the dry run and applying it, then next month's file, timed.

Writes bench/results/latest.json and ends with one summary line. Exits 0 when
the run completed (targets missed or not; --strict: 1 when one is missed).
"""

import argparse
import datetime
import json
import os
import platform
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PG = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
DB_NAME = "bench"
REDIS = os.environ.get("BENCH_REDIS", "redis://127.0.0.1:6379/12")
SCALE = {"organisations": 5, "staff": 10_000, "sessions": 100_000, "months": 24, "seed": 1}
TARGETS = {
    "errors": 0,
    "p95_ms": 500,
    "p95_over_healthz": 4.0,
    "report_over_bare_sql": 3.0,
    "reminders_per_minute": 1500,
    "web_worker_rss_mb": 250,
    "esr_import_seconds": 60,  # the dry run and applying it, per file of 10,000 rows
    "report_uncached_ms": 100,  # at 10,000 staff (issue 19)
}


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def _env() -> dict:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "supervision_site.settings.bench",
        "DATABASE_URL": f"{PG}/{DB_NAME}",
        "REDIS_URL": REDIS,
        "CELERY_BROKER_URL": REDIS,
        # As behind a load balancer: each simulated user has its own address.
        "TRUSTED_PROXY_COUNT": "1",
        # Persistent connections, as a production deployment should use.
        "DATABASE_CONN_MAX_AGE": "60",
        "BENCH_EMAIL_DIR": tempfile.mkdtemp(prefix="bench-emails-"),
        "PYTHONPATH": str(ROOT),
    }


# --- 1. the database -------------------------------------------------------------------


def _admin_connection():
    import psycopg2

    connection = psycopg2.connect(f"{PG}/postgres")
    connection.autocommit = True
    return connection


def _history_present() -> bool:
    import psycopg2

    connection = _admin_connection()
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DB_NAME])
        exists = cursor.fetchone() is not None
    connection.close()
    if not exists:
        return False
    try:
        with psycopg2.connect(f"{PG}/{DB_NAME}") as bench, bench.cursor() as cursor:
            cursor.execute(
                "SELECT COUNT(*) FROM supervision_organisation WHERE slug LIKE 'generated-%%'"
            )
            organisations = cursor.fetchall()[0][0]  # COUNT(*): always one row
            cursor.execute("SELECT COUNT(*) FROM supervision_staffprofile")
            staff = cursor.fetchall()[0][0]
    except psycopg2.Error:
        return False
    return organisations == SCALE["organisations"] and staff >= SCALE["staff"]


def prepare_database(env: dict, reuse: bool) -> dict:
    started = time.monotonic()
    generated = not (reuse and _history_present())
    if generated:
        connection = _admin_connection()
        with connection.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
            cursor.execute(f"CREATE DATABASE {DB_NAME}")
        connection.close()
        log("migrating the bench database")
        _manage(env, "migrate", "--noinput", "-v0")
        log("generating history: {organisations} organisations, {staff:,} staff".format(**SCALE))
        args = [f"--{k}={v}" for k, v in SCALE.items()]
        _manage(env, "generate_history", *args, "--force")
    else:
        log("reusing the generated history in database bench")
        _manage(env, "migrate", "--noinput", "-v0")
    import psycopg2

    with psycopg2.connect(f"{PG}/{DB_NAME}") as bench, bench.cursor() as cursor:
        bench.autocommit = True
        cursor.execute("ANALYZE")
    return {"generated": generated, "seconds": round(time.monotonic() - started, 1)}


def _manage(env, *args) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True)  # noqa: S603


# --- 3. gunicorn -----------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(env: dict, workers: int) -> tuple[subprocess.Popen, str]:
    import httpx

    port = _free_port()
    log_file = ROOT / "var" / "bench-gunicorn.log"
    log_file.parent.mkdir(exist_ok=True)
    server = subprocess.Popen(  # noqa: S603 - our own server, fixed arguments
        [
            sys.executable,
            "-m",
            "gunicorn",
            "supervision_site.wsgi:application",
            f"--workers={workers}",
            f"--bind=127.0.0.1:{port}",
            f"--chdir={ROOT}",
            "--worker-tmp-dir=/dev/shm",
            "--timeout=120",
            f"--error-logfile={log_file}",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    base_url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base_url}/healthz", timeout=5).status_code == 200:
                return server, base_url
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    stop(server)
    raise RuntimeError(f"gunicorn did not answer /healthz within 60 s (see {log_file})")


def stop(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(60)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(process.pid, signal.SIGKILL)


# --- 6. reminders ------------------------------------------------------------------------


def run_reminders(env: dict, count: int) -> dict:
    """bench/reminders.py as it is (`make bench-reminders`), on the bench's Redis db."""
    result = subprocess.run(  # noqa: S603
        [sys.executable, str(ROOT / "bench" / "reminders.py"), f"--count={count}"],
        cwd=ROOT,
        env={k: v for k, v in env.items() if k not in ("DATABASE_URL", "CELERY_BROKER_URL")},
        check=False,
    )
    data = json.loads((ROOT / "bench" / "results" / "reminders.json").read_text())
    data["exit_status"] = result.returncode
    return data


# --- 7. the ESR import ------------------------------------------------------------------


def run_esr_import(env: dict, rows: int) -> dict:
    """bench/esr_import.py as it is (`make bench-esr`), on its own database."""
    result = subprocess.run(  # noqa: S603
        [sys.executable, str(ROOT / "bench" / "esr_import.py"), f"--rows={rows}"],
        cwd=ROOT,
        env={k: v for k, v in env.items() if k not in ("DATABASE_URL", "CELERY_BROKER_URL")},
        check=False,
    )
    data = json.loads((ROOT / "bench" / "results" / "esr_import.json").read_text())
    data["exit_status"] = result.returncode
    return data


def _esr_seconds(esr: dict) -> float:
    """The slowest file's dry run plus applying it."""
    steps = ("first_import", "next_month", "same_again")
    return max(esr[step]["total_seconds"] for step in steps)


# --- the output --------------------------------------------------------------------------


def machine() -> dict:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    memory_kb = next(
        int(line.split()[1])
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal:")
    )
    return {
        "cores": os.cpu_count(),
        "cpu": cpu,
        "memory_gb": round(memory_kb / 1024 / 1024, 1),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "python": platform.python_version(),
    }


def check_targets(results: dict) -> list[dict]:
    pages = results["load"]["pages"]
    checks = []

    def check(name, value, target, ok):
        checks.append({"target": name, "value": value, "limit": target, "met": bool(ok)})

    errors = sum(p["errors"] for p in pages.values()) + len(results["load"]["sign_in_errors"])
    check("errors", errors, TARGETS["errors"], errors == 0)
    for key, page in pages.items():
        if page["p95_ms"] is None:
            continue
        check(f"{key} p95 ms", page["p95_ms"], TARGETS["p95_ms"], page["p95_ms"] <= 500)
        if key != "healthz":
            ratio = page["p95_over_healthz"]
            check(f"{key} p95 / healthz p95", ratio, TARGETS["p95_over_healthz"], ratio <= 4)
    report = results["report_vs_sql"]
    check(
        "report / bare SQL",
        report["ratio"],
        TARGETS["report_over_bare_sql"],
        report["ratio"] <= TARGETS["report_over_bare_sql"],
    )
    uncached = report["rollups"]["uncached_ms"]
    limit = TARGETS["report_uncached_ms"]
    check("report uncached ms (from its roll-ups)", uncached, limit, uncached <= limit)
    esr = results.get("esr_import", {"skipped": True})
    if not esr.get("skipped"):
        seconds = _esr_seconds(esr)
        limit = TARGETS["esr_import_seconds"]
        check(f"ESR import of {esr['rows']:,} rows, seconds", seconds, limit, seconds <= limit)
    reminders = results["reminders"]
    if reminders.get("skipped"):
        web = results["rss"]["web_worker_max_mb"]
        check("web worker RSS MB", web, TARGETS["web_worker_rss_mb"], web <= 250)
        return checks
    check(
        "reminders per minute",
        reminders["per_minute"],
        TARGETS["reminders_per_minute"],
        reminders["per_minute"] >= TARGETS["reminders_per_minute"],
    )
    check("reminder duplicates", reminders["duplicates"], 0, reminders["duplicates"] == 0)
    check("reminder losses", reminders["losses"], 0, reminders["losses"] == 0)
    web = results["rss"]["web_worker_max_mb"]
    check("web worker RSS MB", web, TARGETS["web_worker_rss_mb"], web <= 250)
    return checks


def print_results(results: dict) -> None:
    from bench.pages import PAGES
    from bench.report_sql import describe_rollups

    load = results["load"]
    print()
    print(
        f"{sum(results['users'].values())} users (think {results['think_seconds']} s), "
        f"{load['measured_seconds']} s measured, "
        f"{load['requests']} requests ({load['requests_per_second']}/s), "
        f"{results['gunicorn_workers']} gunicorn workers, machine load at start "
        f"{results['machine']['load_average_at_start']}"
    )
    header = (
        f"{'page':<44}{'reqs':>6}{'errs':>6}{'p50 ms':>9}{'p95 ms':>9}{'queries':>9}{'p95/hz':>8}"
    )
    if results["skipped_pages"]:
        print(f"left out (--skip): {', '.join(results['skipped_pages'])}")
    print(header)
    print("-" * len(header))
    for page in PAGES:
        row = load["pages"].get(page.key)
        if not row:
            continue
        queries = row["queries_median"]
        print(
            f"{page.label:<44}{row['requests']:>6}{row['errors']:>6}{row['p50_ms']:>9}"
            f"{row['p95_ms']:>9}{queries!s:>9}{row['p95_over_healthz']:>8}"
        )
    report = results["report_vs_sql"]
    print()
    print(
        f"report built uncached: {report['report_ms']} ms; its bare SQL: {report['bare_sql_ms']} "
        f"ms = {report['ratio']}x ({report['bare_sql_definition']}); the page from the cache, "
        f"one request at a time: {report['page_ms']} ms"
    )
    print(
        f"  its activity table alone: {report['activity_ms']} ms against one hand-written "
        f"GROUPING SETS statement, {report['activity_bare_sql_ms']} ms = "
        f"{report['activity_ratio']}x"
    )
    print(
        f"  the report runs {report['report_statements']} statements; replayed through psycopg2 "
        f"they take {report['report_sql_replayed_ms']} ms (the rest, "
        f"{report['report_minus_replay_ms']} ms, is Django and Python); "
        f"heaviest {report['heaviest_statement_ms']} ms"
    )
    for line in describe_rollups(report["rollups"]):
        print(line)
    reminders = results["reminders"]
    if reminders.get("skipped"):
        print("reminders: skipped (--reminders 0)")
    else:
        print(
            f"reminders: {reminders['reminders']} in {reminders['seconds']} s = "
            f"{reminders['per_minute']:,} per minute; duplicates {reminders['duplicates']}; "
            f"losses {reminders['losses']}"
        )
    esr = results.get("esr_import", {"skipped": True})
    if esr.get("skipped"):
        print("ESR import: skipped (--esr-rows 0)")
    else:
        for step in ("first_import", "next_month", "same_again"):
            r = esr[step]
            print(
                f"ESR import, {step.replace('_', ' ')}: {r['rows']:,} rows, dry run "
                f"{r['dry_run_seconds']} s, applying {r['apply_seconds']} s"
            )
    rss = results["rss"]
    print(
        f"peak RSS: web worker {rss['web_worker_max_mb']} MB (workers {rss['web_workers_mb']}); "
        f"Celery worker {rss['celery_max_mb']} MB (main {rss['celery_main_mb']}, "
        f"pool {rss['celery_pool_mb']})"
    )
    missed = [c for c in results["targets"] if not c["met"]]
    print()
    for c in missed:
        print(f"MISSED {c['target']}: {c['value']} (limit {c['limit']})")
    print(results["summary"])


def summary_line(results: dict) -> str:
    pages = results["load"]["pages"]
    worst = max(
        (k for k in pages if k != "healthz"), key=lambda k: pages[k]["p95_ms"] or 0, default=None
    )
    met = sum(c["met"] for c in results["targets"])
    sent = results["reminders"]
    reminders = (
        "skipped"
        if sent.get("skipped")
        else f"{sent['per_minute']:,}/min (dup {sent['duplicates']}, lost {sent['losses']})"
    )
    errors = sum(p["errors"] for p in pages.values())
    esr = results.get("esr_import", {"skipped": True})
    esr_text = "skipped" if esr.get("skipped") else f"{_esr_seconds(esr)} s per 10,000-row file"
    return (
        f"bench: {met}/{len(results['targets'])} targets met; {results['load']['requests']} "
        f"requests, {errors} errors; healthz p95 {pages['healthz']['p95_ms']} ms; worst page "
        f"{worst} p95 {pages[worst]['p95_ms']} ms ({pages[worst]['p95_over_healthz']}x); "
        f"report {results['report_vs_sql']['ratio']}x bare SQL; "
        f"reminders {reminders}; ESR import {esr_text}; "
        f"RSS web {results['rss']['web_worker_max_mb']} MB, "
        f"celery {results['rss']['celery_max_mb']} MB; {results['seconds']:.0f} s in all"
    )


# --- main ----------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reuse", action="store_true", help="keep database bench if generated")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--duration", type=float, default=120, help="seconds measured")
    parser.add_argument("--warmup", type=float, default=15)
    parser.add_argument(
        "--think",
        default="1,3",
        help="seconds a user waits between pages: uniform between these two (default 1,3)",
    )
    parser.add_argument(
        "--reminders", type=int, default=5_000, help="how many to dispatch (0: skip them)"
    )
    parser.add_argument(
        "--esr-rows", type=int, default=10_000, help="rows of the ESR import (0: skip it)"
    )
    parser.add_argument(
        "--skip",
        default="",
        help="pages to leave out, comma-separated keys of bench/pages.py (for diagnosis)",
    )
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args()
    started = time.monotonic()
    env = _env()
    os.environ.update(env)
    results: dict[str, Any] = {
        "measured_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "scale": SCALE,
        "targets_set": TARGETS,
    }
    results["database"] = prepare_database(env, args.reuse)

    import django

    django.setup()
    import logging

    import redis

    logging.getLogger("httpx").setLevel(logging.WARNING)  # not a line per request

    from bench.load import run_load, time_sequentially
    from bench.pages import ROLE_SHARE
    from bench.procs import tree_peak_rss
    from bench.report_sql import compare
    from bench.users import prepare

    redis.Redis.from_url(REDIS).flushdb()  # allauth's used codes and rate limits
    total = sum(ROLE_SHARE.values())
    shares = {role: round(n * args.users / total) for role, n in ROLE_SHARE.items()}
    shares["nurse"] += args.users - sum(shares.values())
    # One more lead, who signs in once the load is over to time the report alone.
    users = prepare({**shares, "lead": shares["lead"] + 1})
    timer = users.pop(max(i for i, u in enumerate(users) if u.role == "lead"))
    skipped = {key for key in args.skip.split(",") if key}
    for user in users:
        user.paths = {k: v for k, v in user.paths.items() if k not in skipped}
    results["skipped_pages"] = sorted(skipped)
    results["users"] = {role: n for role, n in shares.items()}
    think = tuple(float(x) for x in args.think.split(","))
    results["think_seconds"] = list(think)
    workers = 2 * (os.cpu_count() or 1) + 1
    results["gunicorn_workers"] = workers
    log(f"starting gunicorn with {workers} workers")
    server, base_url = start_gunicorn(env, workers)
    try:
        log(f"{len(users)} users sign in, warm up {args.warmup:.0f} s, then {args.duration:.0f} s")
        load = run_load(
            users, base_url, warmup=args.warmup, duration=args.duration, think=think
        ).summary()
        floor = load["pages"]["healthz"]["p95_ms"]
        for page in load["pages"].values():
            measured = floor and page["p95_ms"] is not None
            page["p95_over_healthz"] = round(page["p95_ms"] / floor, 2) if measured else None
        results["load"] = load
        web = tree_peak_rss(server.pid)
        log("timing the report alone")
        path = timer.paths["report"][0]
        page_times = time_sequentially(timer, base_url, path, repeats=5)
        results["report_vs_sql"] = compare(page_times, path, timer.organisation, repeats=5)
    finally:
        stop(server)
    if args.reminders:
        log(f"dispatching {args.reminders:,} reminders through a Celery worker")
        results["reminders"] = run_reminders(env, args.reminders)
    else:
        results["reminders"] = {"skipped": True}
    if args.esr_rows:
        log(f"importing an ESR file of {args.esr_rows:,} rows")
        results["esr_import"] = run_esr_import(env, args.esr_rows)
    else:
        results["esr_import"] = {"skipped": True}
    celery = results["reminders"].get("worker_peak_rss_mb") or {}
    results["rss"] = {
        "web_worker_max_mb": web["max_child_mb"],
        "web_workers_mb": web["children_mb"],
        "web_master_mb": web["master_mb"],
        "celery_max_mb": max([celery.get("master_mb") or 0, *celery.get("children_mb", [])]),
        "celery_main_mb": celery.get("master_mb"),
        "celery_pool_mb": celery.get("children_mb"),
    }
    results["seconds"] = round(time.monotonic() - started, 1)
    results["targets"] = check_targets(results)
    results["summary"] = summary_line(results)
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "latest.json").write_text(json.dumps(results, indent=2, default=str) + "\n")
    print_results(results)
    if args.strict and not all(c["met"] for c in results["targets"]):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
