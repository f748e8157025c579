"""Capacity: how many nurse pages a second the server answers with p95 at most 200 ms.

A closed loop: N clients, each a nurse signed in through the real form, ask for
the nurse's pages (bench/pages.py: home, supervisor directory, a supervisor,
booking, session history) one after another with no pause; N steps up until the
p95 of a step passes 200 ms. Capacity is the most pages a second of a step whose
p95 stayed within 200 ms. /healthz is driven the same way in the same run, and
capacity is also given as a share of its throughput: a figure that says how close
the pages are to the floor on whatever machine runs it.

The clients speak HTTP/1.1 over asyncio streams, one connection per request
(gunicorn's sync workers close every connection): a fraction of the CPU httpx
would take, since the clients share the machine with the server they measure.

    .venv/bin/python bench/capacity.py         # after `make bench` has left database bench

`make bench` runs it too (bench/run.py), after the load run, on the same server.
"""

import argparse
import asyncio
import json
import math
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

P95_LIMIT_MS = 200
TARGET_PAGES_PER_SECOND = 100
STEPS = (1, 2, 4, 6, 8, 10, 12, 16, 20, 24, 32, 40, 48)
HEALTHZ_STEPS = (2, 4, 8, 16)
WARM_CLIENTS, WARM_SECONDS = 5, 10
NURSE_PAGES = ("nurse_home", "supervisors", "supervisor", "booking", "sessions")


def address(n: int) -> str:
    """The n-th client's own address, as a load balancer would pass it on: allauth's
    per-address sign-in limits then see many people, as they would be."""
    return f"10.79.{n // 250}.{n % 250 + 1}"


class Client:
    """One simulated person: their cookies, their address and the pages they walk."""

    def __init__(self, n: int, cookies: str, paths: list[str]):
        self.headers = f"X-Forwarded-For: {address(n)}\r\n"
        if cookies:
            self.headers += f"Cookie: {cookies}\r\n"
        self.paths = paths


async def _get(host: str, port: int, path: str, headers: str) -> int:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        request = f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nConnection: close\r\n"
        writer.write(f"{request}{headers}\r\n".encode())
        await writer.drain()
        response = await reader.read()  # to the end: the server closes the connection
    finally:
        writer.close()
    return int(response[9:12]) if response[:5] == b"HTTP/" else 0


async def _step(base_url: str, clients: list[Client], warmup: float, seconds: float) -> dict:
    """Every client asks for its pages in turn, without pause; only answers that
    arrive in the `seconds` after `warmup` count."""
    from bench.load import percentile  # once Django is set up: it imports allauth

    url = urlsplit(base_url)
    host, port = url.hostname or "127.0.0.1", url.port or 80
    latencies: list[float] = []
    errors = 0
    window: dict[str, float] = {}

    async def loop(client: Client, offset: int) -> None:
        nonlocal errors
        n = offset
        while "end" not in window:
            path = client.paths[n % len(client.paths)]
            n += 1
            started = time.perf_counter()
            try:
                status = await _get(host, port, path, client.headers)
            except OSError:
                status = 0
            finished = time.perf_counter()
            if window.get("start", math.inf) <= started and finished <= window.get("end", math.inf):
                latencies.append(finished - started)
                errors += status != 200

    tasks = [asyncio.create_task(loop(c, i)) for i, c in enumerate(clients)]
    await asyncio.sleep(warmup)
    window["start"] = time.perf_counter()
    await asyncio.sleep(seconds)
    window["end"] = time.perf_counter()
    await asyncio.gather(*tasks)
    latencies.sort()
    return {
        "clients": len(clients),
        "requests": len(latencies),
        "errors": errors,
        "per_second": round(len(latencies) / seconds, 1),
        "p50_ms": round(percentile(latencies, 50) * 1000, 1) if latencies else None,
        "p95_ms": round(percentile(latencies, 95) * 1000, 1) if latencies else None,
    }


def _cookies(user, address: str, base_url: str) -> str:
    """Sign `user` in through the real form (bench/load.py) from `address`; their
    cookies as a header."""
    import httpx

    from bench.load import sign_in

    async def go() -> str:
        async with httpx.AsyncClient(
            base_url=base_url, headers={"X-Forwarded-For": address}, timeout=60
        ) as client:
            await sign_in(client, user)
            return "; ".join(f"{name}={value}" for name, value in client.cookies.items())

    return asyncio.run(go())


def _steps(base_url: str, make_clients, steps, warmup: float, seconds: float, log) -> list[dict]:
    rows = []
    for n in steps:
        row = asyncio.run(_step(base_url, make_clients(n), warmup, seconds))
        log(
            f"  {n:3} clients: {row['per_second']:7.1f}/s, p50 {row['p50_ms']} ms, "
            f"p95 {row['p95_ms']} ms, {row['errors']} errors"
        )
        rows.append(row)
        if row["p95_ms"] is None or row["p95_ms"] > P95_LIMIT_MS:
            break
    return rows


def _best(rows: list[dict]) -> dict | None:
    within = [
        r
        for r in rows
        if r["p95_ms"] is not None and r["p95_ms"] <= P95_LIMIT_MS and not r["errors"]
    ]
    return max(within, key=lambda r: r["per_second"]) if within else None


def measure(base_url: str, *, warmup: float = 3, seconds: float = 15, log=print) -> dict:
    """Step the nurse page mix and /healthz up on the server at `base_url` (Django set up
    against the bench database); the steps and the best of each."""
    from bench.users import prepare

    nurses = prepare({"nurse": max(STEPS)})
    clients: list[Client] = []

    def nurse_clients(n: int) -> list[Client]:
        while len(clients) < n:  # signed in as each step needs them
            n, user = len(clients), nurses[len(clients)]
            paths = [user.paths[key][0] for key in NURSE_PAGES if key in user.paths]
            clients.append(Client(n, _cookies(user, address(n), base_url), paths))
        return clients[:n]

    # Every worker answers each page a few times first: a worker's first requests
    # import and compile what the rest then reuse.
    asyncio.run(_step(base_url, nurse_clients(WARM_CLIENTS), 0, WARM_SECONDS))
    log(f"capacity: nurse page mix, {seconds:.0f} s a step, until p95 > {P95_LIMIT_MS} ms")
    pages = _steps(base_url, nurse_clients, STEPS, warmup, seconds, log)
    log("capacity: /healthz, the same way")
    healthz = _steps(
        base_url,
        lambda n: [Client(i, "", ["/healthz"]) for i in range(n)],
        HEALTHZ_STEPS,
        warmup,
        seconds / 2,
        log,
    )
    best, floor = _best(pages), _best(healthz)
    pages_per_second = best["per_second"] if best else 0
    healthz_per_second = floor["per_second"] if floor else None
    return {
        "method": (
            f"closed loop, no think time; clients step up {list(STEPS)} until p95 > "
            f"{P95_LIMIT_MS} ms; {seconds:.0f} s measured a step after {warmup:.0f} s"
        ),
        "pages": list(NURSE_PAGES),
        "steps": pages,
        "healthz_steps": healthz,
        "pages_per_second": pages_per_second,
        "at_clients": best["clients"] if best else None,
        "p95_ms": best["p95_ms"] if best else None,
        "healthz_per_second": healthz_per_second,
        "share_of_healthz": round(pages_per_second / healthz_per_second, 3)
        if healthz_per_second
        else None,
    }


def measure_capacity(base_url: str, users=None, seconds: float = 15) -> dict:
    """For bench/run.py (its HOOKS): `measure` with the run's log; `users` are the load's
    simulated users, unused (capacity signs in its own nurses)."""

    def log(message: str) -> None:
        print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)

    return measure(base_url, seconds=seconds, log=log)


def summary(result: dict) -> str:
    share = result["share_of_healthz"]
    return (
        f"capacity: {result['pages_per_second']} nurse pages/s at p95 {result['p95_ms']} ms "
        f"({result['at_clients']} clients); /healthz {result['healthz_per_second']}/s in the "
        f"same run; pages = {share:.1%} of /healthz"
        if share is not None
        else f"capacity: {result['pages_per_second']} nurse pages/s; /healthz not measured"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=15, help="measured per step")
    parser.add_argument(
        "--database-url",
        help="a copy of the bench database to use instead (default: database bench)",
    )
    args = parser.parse_args()
    import os

    from bench import run

    env = run._env("bench")
    if args.database_url:
        env["DATABASE_URL"] = args.database_url
    os.environ.update(env)
    import django

    django.setup()
    import logging

    logging.getLogger("httpx").setLevel(logging.WARNING)
    workers = 2 * (os.cpu_count() or 1) + 1
    server, base_url = run.start_gunicorn(env, workers)
    try:
        result = measure(base_url, seconds=args.seconds, log=run.log)
    finally:
        run.stop(server)
    result["gunicorn_workers"] = workers
    result["machine"] = run.machine()
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "capacity.json").write_text(json.dumps(result, indent=2) + "\n")
    print(summary(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
