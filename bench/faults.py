#!/usr/bin/env python
"""The reminders benchmark's fault run: workers killed and Redis lost mid-dispatch.

    make bench-faults               (or: .venv/bin/python bench/faults.py --count 12000)

As bench/reminders.py (its scratch database bench_reminders, COUNT due
notifications, real Celery workers), but on a private redis-server without
persistence, and with faults on the way: the worker and its pool processes are
`kill -9`ed --kills times (and started again), then Redis itself is killed
with tasks in it and started again empty, as a crashed Redis comes back.
Prints, and writes to bench/results/faults.json:

- duplicates: emails sent twice (a Message-ID seen twice);
- losses: notifications never sent;
- worst delay after the broker loss: from Redis being back until the last
  notification that was in it when it died was sent;
- notifications in the broker when it died.
"""

import argparse
import datetime
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.reminders import DB_NAME, PG, ROOT, due_outbox, recreate_database

REDIS = "/usr/bin/redis-server"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_redis(port: int) -> subprocess.Popen:
    server = subprocess.Popen(  # noqa: S603 - a fixed binary and arguments
        [REDIS, "--port", str(port), "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return server
        time.sleep(0.05)
    raise RuntimeError("redis-server did not start")


def start_worker(env: dict, concurrency: int, log) -> subprocess.Popen:
    from supervision_site.celery import worker_command

    return subprocess.Popen(  # noqa: S603 - our own worker, fixed arguments
        worker_command(f"--concurrency={concurrency}", "--loglevel=warning"),
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def kill(process: subprocess.Popen, how=signal.SIGKILL) -> None:
    try:
        os.killpg(process.pid, how)
    except ProcessLookupError:
        return
    process.wait(60)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=12_000)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--kills", type=int, default=4, help="workers killed with kill -9")
    parser.add_argument("--redis-down", type=float, default=3.0, help="seconds Redis stays down")
    args = parser.parse_args()

    emails = Path(tempfile.mkdtemp(prefix="bench-fault-emails-"))
    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "supervision_site.settings.bench",
        "DATABASE_URL": f"{PG}/{DB_NAME}",
        "REDIS_URL": f"redis://127.0.0.1:{port}/0",
        "CELERY_BROKER_URL": f"redis://127.0.0.1:{port}/0",
        "BENCH_EMAIL_DIR": str(emails),
    }
    os.environ.update(env)
    recreate_database()
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True
    )
    import django

    django.setup()
    from django.utils import timezone

    from notifications.models import Notification
    from notifications.tasks import dispatch_due

    count = args.count
    due_outbox(count)

    def sent() -> int:
        return Notification.objects.filter(state="sent").count()

    # Faults at fixed shares of the run: the kills spread over its first half,
    # then the broker loss at 60 %.
    kills_at = [count * (i + 1) // (2 * args.kills + 2) for i in range(args.kills)]
    loss_at = count * 6 // 10
    log = open(ROOT / "var" / "bench-faults-worker.log", "ab")  # noqa: SIM115
    redis = start_redis(port)
    worker = start_worker(env, args.concurrency, log)
    kills = 0
    in_broker: list[int] = []
    back_at = lost_at = None
    started = time.monotonic()
    try:
        time.sleep(3)  # let the worker connect
        while Notification.objects.exclude(state="sent").exists():
            done = sent()
            if kills < len(kills_at) and done >= kills_at[kills]:
                kill(worker)  # kill -9: the worker and its pool, mid-send
                kills += 1
                worker = start_worker(env, args.concurrency, log)
            if lost_at is None and done >= loss_at:
                in_broker = list(
                    Notification.objects.filter(
                        state="sending", attempt_started_at=None
                    ).values_list("pk", flat=True)
                )
                kill(redis)
                lost_at = time.monotonic()
                time.sleep(args.redis_down)
                redis = start_redis(port)  # back, empty
                back_at = timezone.now()
            dispatch_due(time_budget=2)  # as the beat would, more often
            time.sleep(1)
            if time.monotonic() - started > 900:
                break
        elapsed = time.monotonic() - started
    finally:
        kill(worker, signal.SIGTERM)
        kill(redis)
        log.close()

    seen: Counter[str] = Counter()
    for path in emails.iterdir():
        seen.update(re.findall(r"^Message-ID: <notification-(\d+)-\d+@", path.read_text(), re.M))
    duplicates = sum(n - 1 for n in seen.values() if n > 1)
    losses = count - len(seen)
    worst = None
    if in_broker and back_at is not None:
        last = max(
            Notification.objects.filter(pk__in=in_broker).exclude(sent_at=None),
            key=lambda row: row.sent_at,
            default=None,
        )
        if last is not None:
            worst = round(max((last.sent_at - back_at).total_seconds(), 0), 1)
    result = {
        "notifications": count,
        "seconds": round(elapsed, 1),
        "workers_killed": kills,
        "redis_down_seconds": args.redis_down,
        "in_broker_when_lost": len(in_broker),
        "worst_delay_after_broker_loss_s": worst,
        "duplicates": duplicates,
        "losses": losses,
        "measured_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
    }
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "faults.json").write_text(json.dumps(result, indent=2) + "\n")
    shutil.rmtree(emails, ignore_errors=True)
    print(
        f"faults: {count} notifications, {kills} workers killed with kill -9, Redis killed "
        f"with {len(in_broker)} in it and down {args.redis_down:g} s; "
        f"duplicates {duplicates}; losses {losses}; "
        f"worst delay after the broker loss {worst} s"
    )
    return 0 if losses == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
