#!/usr/bin/env python
"""Dispatch 10,000 due reminders through real Celery workers and Redis.

    make bench-reminders            (or: .venv/bin/python bench/reminders.py --count 10000)

Creates a scratch PostgreSQL database (bench_reminders), schedules COUNT due
notifications, starts a Celery worker process, runs the dispatcher until every
row is sent, then counts the emails by Message-ID: duplicates (an id seen twice)
and losses (a row never emailed) must both be 0. Prints reminders per minute
and writes bench/results/reminders.json.
"""

import argparse
import datetime
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
# Another name for a second copy running on the same PostgreSQL (BENCH_REMINDERS_DB).
DB_NAME = os.environ.get("BENCH_REMINDERS_DB", "bench_reminders")


def recreate_database() -> None:
    import psycopg2

    connection = psycopg2.connect(f"{PG}/postgres")
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
        cursor.execute(f"CREATE DATABASE {DB_NAME}")
    connection.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=4)
    args = parser.parse_args()

    emails = Path(tempfile.mkdtemp(prefix="bench-emails-"))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "supervision_site.settings.bench",
        "DATABASE_URL": f"{PG}/{DB_NAME}",
        "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/13"),
        "BENCH_EMAIL_DIR": str(emails),
    }
    os.environ.update(env)
    recreate_database()
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True
    )

    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from bench.procs import tree_cpu_seconds, tree_peak_rss
    from notifications.models import Notification
    from notifications.tasks import dispatch_due
    from supervision_site.celery import app, worker_command

    count = args.count
    due_outbox(count)
    app.control.purge()
    worker = subprocess.Popen(  # noqa: S603 - our own worker, fixed arguments
        worker_command(f"--concurrency={args.concurrency}", "--loglevel=warning"),
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    try:
        time.sleep(3)  # let the worker connect
        cpu_before = tree_cpu_seconds(worker.pid)
        started = time.monotonic()
        while Notification.objects.exclude(state="sent").exists():
            dispatch_due(time_budget=5)
            time.sleep(0.5)
            if time.monotonic() - started > 600:
                break
        elapsed = time.monotonic() - started
        worker_cpu = tree_cpu_seconds(worker.pid) - cpu_before
        worker_rss = tree_peak_rss(worker.pid)
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(60)

    seen: Counter[str] = Counter()
    for path in emails.iterdir():
        seen.update(re.findall(r"^Message-ID: <notification-(\d+)-\d+@", path.read_text(), re.M))
    duplicates = sum(n - 1 for n in seen.values() if n > 1)
    losses = count - len(seen)
    per_minute = count / elapsed * 60
    result = {
        "reminders": count,
        "seconds": round(elapsed, 2),
        "per_minute": round(per_minute),
        "duplicates": duplicates,
        "losses": losses,
        "worker_concurrency": args.concurrency,
        # The worker's own CPU per reminder: steadier than the rate on a shared machine.
        "worker_cpu_ms_per_reminder": round(worker_cpu / count * 1000, 2),
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        # Peak RSS (VmHWM) of the Celery worker's main process and its pool processes.
        "worker_peak_rss_mb": worker_rss,
        "measured_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
    }
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "reminders.json").write_text(json.dumps(result, indent=2) + "\n")
    shutil.rmtree(emails, ignore_errors=True)
    print(
        f"reminders: {count} sent in {elapsed:.1f} s = {per_minute:,.0f} per minute; "
        f"duplicates {duplicates}; losses {losses}; worker CPU "
        f"{result['worker_cpu_ms_per_reminder']} ms per reminder"
    )
    return 0 if duplicates == 0 and losses == 0 else 1


def due_outbox(count: int) -> None:
    """An outbox of `count` due "booked" emails about one session: not prompts, so
    quiet hours never hold them."""
    from notifications.models import Notification

    session = _scenario()
    due = datetime.datetime(2026, 1, 1, 9, tzinfo=datetime.UTC)
    Notification.objects.bulk_create(
        Notification(
            recipient_id=session.supervisee_id,
            kind="session_booked",
            target_type="supervision.session",
            target_id=session.pk,
            organisation_id=session.programme.organisation_id,
            due_at=due + datetime.timedelta(seconds=i),
            next_attempt_at=due + datetime.timedelta(seconds=i),
        )
        for i in range(count)
    )


def _scenario():
    """One organisation, two people and a session for the notifications to concern."""
    from django.contrib.auth import get_user_model

    from kernel.models import Organisation, Programme
    from supervision.models import Session

    User = get_user_model()
    organisation = Organisation.objects.create(name="Bench Trust", slug="bench")
    programme = Programme.objects.create(
        organisation=organisation, name="Bench programme", period_kind="rolling"
    )
    supervisor = User.objects.create_user(email="supervisor@bench.example", first_name="Sam")
    supervisee = User.objects.create_user(email="supervisee@bench.example", first_name="Alex")
    start = datetime.datetime(2026, 12, 1, 14, tzinfo=datetime.UTC)
    return Session.objects.create(
        programme=programme,
        supervisor=supervisor,
        supervisee=supervisee,
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=1),
        meeting_link="https://teams.microsoft.com/l/meetup-join/bench",
    )


if __name__ == "__main__":
    sys.exit(main())
