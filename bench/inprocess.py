"""Each bench page's cost in this process, one request at a time: where the time goes.

After `make bench` (or `make bench ARGS=--reuse`) has left the `bench`
database: signs one simulated user of each role in through Django's test
client and times their pages with no load and no network, against /healthz;
prints per request this process's CPU milliseconds (the figure issue 19's
targets name: steady on a shared machine, as wall time is not), the wall
milliseconds, the queries and their time. `shell` is a signed-in 404: the
layout, menu, middleware, session and user, and nothing of a page. With a page
key it also prints a cProfile of that page.

    .venv/bin/python -m bench.inprocess            # every page
    .venv/bin/python -m bench.inprocess people     # one page, with its profile
"""

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _setup() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "supervision_site.settings.bench")
    os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bench")
    os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/12")
    os.environ.setdefault("DATABASE_CONN_MAX_AGE", "60")
    import django

    django.setup()
    import logging

    logging.getLogger("django.request").setLevel(logging.ERROR)  # the shell's 404s


def _signed_in(email: str):
    from django.test import Client

    from accounts.models import User

    client = Client(HTTP_HOST="localhost")
    client.force_login(User.objects.get(email=email))
    session = client.session
    # As after the sign-in form and an authenticator code (RequireMFAMiddleware).
    session["account_authentication_methods"] = [
        {"method": "password", "at": time.time()},
        {"method": "mfa", "at": time.time(), "type": "totp"},
    ]
    session.save()
    return client


SHELL_PATH = "/bench-no-such-page/"


def _timed(client, path: str, repeats: int) -> tuple[float, float]:
    """(CPU ms, wall ms) per request: the median of `repeats` requests after 3 to warm up."""
    for _ in range(3):
        client.get(path)
    cpu, wall = [], []
    for _ in range(repeats):
        started, started_cpu = time.perf_counter(), time.process_time()
        client.get(path)
        cpu.append(time.process_time() - started_cpu)
        wall.append(time.perf_counter() - started)
    return statistics.median(cpu) * 1000, statistics.median(wall) * 1000


def _queries(client, path: str) -> tuple[int, float]:
    from django.db import connection

    times = []

    def timed(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            times.append(time.perf_counter() - started)

    with connection.execute_wrapper(timed):
        client.get(path)
    return len(times), sum(times) * 1000


def measure_pages(repeats: int, only: str | None = None):
    """(key, path, client, CPU ms, wall ms, queries, db ms) for /healthz, the signed-in
    shell and each role's bench pages, one request at a time in this process."""
    from django.test import Client

    from bench.pages import ROLE_SHARE
    from bench.users import prepare

    floor, floor_wall = _timed(Client(HTTP_HOST="localhost"), "/healthz", repeats)
    yield "healthz", "/healthz", None, floor, floor_wall, None, None
    for n, user in enumerate(prepare({role: 1 for role in ROLE_SHARE})):
        client = _signed_in(user.email)
        pages = list(user.paths.items())
        if n == 0:
            pages.insert(0, ("shell", [SHELL_PATH]))
        for key, paths in pages:
            if only and key != only:
                continue
            path = paths[0]
            ms, wall = _timed(client, path, repeats)
            count, db_ms = _queries(client, path)
            yield key, path, client, ms, wall, count, db_ms


def _busy_share(seconds: float = 1.0) -> float:
    """The share of the machine's CPU time busy over `seconds` (/proc/stat), or 0.0
    where there is no /proc/stat."""

    def sample() -> tuple[int, int]:
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
        idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
        return sum(fields), idle

    try:
        total, idle = sample()
        time.sleep(seconds)
        total_after, idle_after = sample()
    except OSError:
        return 0.0
    spent = total_after - total
    return 0.0 if spent <= 0 else 1 - (idle_after - idle) / spent


def wait_until_quiet(most: float = 60.0, busy: float = 0.15) -> float:
    """Wait, up to `most` seconds, until the machine is nearly idle (at most `busy` of
    its CPU in use): what ran before (the load, the server stopping, PostgreSQL
    vacuuming after it) shares the cores' caches and slows this process's own CPU
    time. Returns the seconds waited."""
    started = time.monotonic()
    while time.monotonic() - started < most and _busy_share() > busy:
        pass
    return round(time.monotonic() - started, 1)


def cpu_per_page(repeats: int = 15, rounds: int = 3) -> dict:
    """For bench/run.py: {"healthz": {...}, "shell": {...}, <page key>: {...}}, each with
    its CPU ms, wall ms, queries and their ms, on the database the run left.

    Each page is measured in `rounds` rounds (the median of `repeats` requests each),
    once the machine is quiet, and its CPU is the least of the rounds' medians: a
    page cannot take less CPU than it needs, so the least is the figure the machine's
    other work disturbed least; every round's figure is kept beside it.
    """
    _setup()
    waited = wait_until_quiet()
    found: dict = {}
    for _ in range(rounds):
        for key, _path, _client, ms, wall, count, db_ms in measure_pages(repeats):
            page = found.setdefault(key, {"cpu_ms_rounds": [], "wall_ms_rounds": []})
            page["cpu_ms_rounds"].append(round(ms, 2))
            page["wall_ms_rounds"].append(round(wall, 2))
            page["queries"] = count
            page["db_ms"] = None if db_ms is None else round(db_ms, 2)
    for page in found.values():
        page["cpu_ms"] = min(page["cpu_ms_rounds"])
        page["wall_ms"] = min(page["wall_ms_rounds"])
        page["waited_for_quiet_s"] = waited
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("page", nargs="?", help="a page key (bench/pages.py) to profile")
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--top", type=int, default=30, help="profile lines")
    parser.add_argument(
        "--sort", default="cumulative", help="profile order: cumulative, tottime, ncalls..."
    )
    args = parser.parse_args()
    _setup()
    from bench.pages import PAGE_KEYS

    if args.page and args.page not in (*PAGE_KEYS, "shell"):
        parser.error(f"page is shell or one of {', '.join(PAGE_KEYS)}")
    columns = f"{'cpu ms':>6} {'x healthz':>9} {'wall ms':>7} {'queries':>7} {'db ms':>6}"
    print(f"{'page':22} {columns}  path")
    floor = 1.0
    for key, path, client, ms, wall, count, db_ms in measure_pages(args.repeats, args.page):
        if key == "healthz":
            floor = ms
            print(f"{'healthz':22} {ms:6.1f} {1:9.1f} {wall:7.1f} {'':>7} {'':>6}  /healthz")
            continue
        print(
            f"{key:22} {ms:6.1f} {ms / floor:9.1f} {wall:7.1f} {count:7} {db_ms:6.1f}  {path[:60]}"
        )
        if args.page:
            # CPU time, as the figures above: waiting for PostgreSQL is not counted.
            profile = cProfile.Profile(time.process_time)
            profile.enable()
            for _ in range(args.repeats):
                client.get(path)
            profile.disable()
            pstats.Stats(profile).sort_stats(args.sort).print_stats(args.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
