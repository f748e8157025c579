"""Simulated users: sign in through the real form, then walk their role's pages.

One asyncio task per user, each with its own httpx.AsyncClient (its own
cookies) and its own X-Forwarded-For address: the web server runs with
TRUSTED_PROXY_COUNT=1 as behind a load balancer, so allauth's per-address
sign-in limits see 50 people, not one machine. A request is an error unless it
answers 200 (a redirect to sign in or to set up two-factor authentication is
an error too).
"""

import asyncio
import math
import random
import re
import statistics
import time
from collections import defaultdict
from dataclasses import dataclass, field

import httpx
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

from .pages import PAGE_KEYS
from .users import PASSWORD, BenchUser

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
TIMING = re.compile(r"(\w+);dur=([\d.]+)")


@dataclass
class PageStats:
    latencies: list[float] = field(default_factory=list)  # seconds, successful or not
    errors: int = 0
    statuses: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    queries: list[int] = field(default_factory=list)
    app_ms: list[float] = field(default_factory=list)
    db_ms: list[float] = field(default_factory=list)

    def summary(self) -> dict:
        lat = sorted(self.latencies)
        queries = sorted(self.queries)
        return {
            "requests": len(lat),
            "errors": self.errors,
            "statuses": dict(self.statuses),
            "p50_ms": round(percentile(lat, 50) * 1000, 1) if lat else None,
            "p95_ms": round(percentile(lat, 95) * 1000, 1) if lat else None,
            "max_ms": round(lat[-1] * 1000, 1) if lat else None,
            # The median: once a minute a request also records the session's activity.
            "queries_median": statistics.median(queries) if queries else None,
            "queries_per_request": round(statistics.mean(queries), 1) if queries else None,
            "queries_min": queries[0] if queries else None,
            "queries_max": queries[-1] if queries else None,
            "server_app_p50_ms": round(percentile(sorted(self.app_ms), 50), 1)
            if self.app_ms
            else None,
            "server_db_p50_ms": round(percentile(sorted(self.db_ms), 50), 1)
            if self.db_ms
            else None,
        }


def percentile(ordered: list[float], p: float) -> float:
    """Nearest-rank percentile of an ascending list."""
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def totp_now(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // mfa_settings.TOTP_PERIOD))


class SignInFailed(Exception):
    pass


async def _post_form(client: httpx.AsyncClient, url: str, data: dict) -> httpx.Response:
    page = await client.get(url)
    found = CSRF.search(page.text)
    if page.status_code != 200 or not found:
        raise SignInFailed(f"GET {url} answered {page.status_code} without a form")
    return await client.post(url, data={"csrfmiddlewaretoken": found.group(1), **data})


async def sign_in(client: httpx.AsyncClient, user: BenchUser) -> None:
    """The allauth sign-in form, then the two-factor code where the role needs one."""
    response = await _post_form(
        client, "/accounts/login/", {"login": user.email, "password": PASSWORD}
    )
    if response.status_code != 302:
        raise SignInFailed(f"{user.email}: sign-in answered {response.status_code}")
    location = response.headers["location"]
    if "/2fa/" in location:
        if not user.totp_secret:
            raise SignInFailed(f"{user.email}: asked for a code it does not have")
        response = await _post_form(client, location, {"code": totp_now(user.totp_secret)})
        if response.status_code != 302:
            raise SignInFailed(f"{user.email}: two-factor code answered {response.status_code}")
        location = response.headers["location"]
    if "/accounts/" in location:
        raise SignInFailed(f"{user.email}: sent on to {location} after signing in")


@dataclass
class LoadResult:
    pages: dict[str, PageStats]
    sign_ins: list[float]
    sign_in_errors: list[str]
    seconds: float

    def summary(self) -> dict:
        requests = sum(len(s.latencies) for s in self.pages.values())
        return {
            "pages": {
                key: self.pages[key].summary()
                for key in PAGE_KEYS
                if key in self.pages and self.pages[key].latencies
            },
            "sign_ins": len(self.sign_ins),
            "sign_in_errors": self.sign_in_errors,
            "sign_in_p50_ms": round(percentile(sorted(self.sign_ins), 50) * 1000, 1)
            if self.sign_ins
            else None,
            "measured_seconds": round(self.seconds, 1),
            "requests": requests,
            "requests_per_second": round(requests / self.seconds, 1) if self.seconds else None,
        }


async def _get(client, path, stats: PageStats, record: bool) -> None:
    started = time.perf_counter()
    try:
        response = await client.get(path)
    except httpx.HTTPError as error:
        if record:
            stats.latencies.append(time.perf_counter() - started)
            stats.errors += 1
            stats.statuses[type(error).__name__] += 1
        return
    elapsed = time.perf_counter() - started
    if not record:
        return
    stats.latencies.append(elapsed)
    stats.statuses[str(response.status_code)] += 1
    if response.status_code != 200:
        stats.errors += 1
    if "x-query-count" in response.headers:
        stats.queries.append(int(response.headers["x-query-count"]))
    timing = dict(TIMING.findall(response.headers.get("server-timing", "")))
    if "app" in timing:
        stats.app_ms.append(float(timing["app"]))
        stats.db_ms.append(float(timing.get("db", 0)))


async def _user(n, user, base_url, result, phases, think, sign_in_gate, seed):
    rng = random.Random(seed * 1000 + n)  # noqa: S311 - think times, not security
    headers = {"X-Forwarded-For": f"10.77.{n // 250}.{n % 250 + 1}"}
    # /healthz is asked as a load balancer asks it: no cookies, so no session.
    async with (
        httpx.AsyncClient(
            base_url=base_url, headers=headers, timeout=60, follow_redirects=False
        ) as client,
        httpx.AsyncClient(base_url=base_url, headers=headers, timeout=60) as bare,
    ):
        async with sign_in_gate:
            started = time.perf_counter()
            try:
                await sign_in(client, user)
            except Exception as error:  # any failure is this user's error
                result.sign_in_errors.append(f"{user.email}: {error!r}")
                return
            result.sign_ins.append(time.perf_counter() - started)
        await phases["start"].wait()
        # Each round: every page of the role (rotating through its variants), then /healthz.
        rounds = 0
        await asyncio.sleep(rng.uniform(0, think[1]))
        while not phases["stop"].is_set():
            plan = [(key, paths[rounds % len(paths)]) for key, paths in user.paths.items()]
            plan.append(("healthz", "/healthz"))
            for key, path in plan:
                if phases["stop"].is_set():
                    break
                asker = bare if key == "healthz" else client
                await _get(asker, path, result.pages[key], phases["measuring"].is_set())
                await asyncio.sleep(rng.uniform(*think))
            rounds += 1


async def _drive(users, base_url, *, warmup, duration, think, seed) -> LoadResult:
    result = LoadResult(defaultdict(PageStats), [], [], 0.0)
    phases = {name: asyncio.Event() for name in ("start", "measuring", "stop")}
    gate = asyncio.Semaphore(5)  # sign-ins hash a password: a few at a time
    tasks = [
        asyncio.create_task(_user(n, user, base_url, result, phases, think, gate, seed))
        for n, user in enumerate(users)
    ]
    while len(result.sign_ins) + len(result.sign_in_errors) < len(users):
        await asyncio.sleep(0.2)
    phases["start"].set()
    await asyncio.sleep(warmup)
    phases["measuring"].set()
    started = time.perf_counter()
    await asyncio.sleep(duration)
    phases["measuring"].clear()
    result.seconds = time.perf_counter() - started
    phases["stop"].set()
    await asyncio.gather(*tasks)
    return result


def run_load(users, base_url, *, warmup=15.0, duration=120.0, think=(1.0, 3.0), seed=1):
    """Drive `users` against `base_url`; only requests made during `duration` count."""
    return asyncio.run(
        _drive(users, base_url, warmup=warmup, duration=duration, think=think, seed=seed)
    )


def time_sequentially(user: BenchUser, base_url: str, path: str, repeats: int) -> list[float]:
    """Sign `user` in, then time `path` `repeats` times, one request at a time."""

    async def go():
        async with httpx.AsyncClient(
            base_url=base_url, headers={"X-Forwarded-For": "10.78.0.1"}, timeout=120
        ) as client:
            await sign_in(client, user)
            await client.get(path)  # warm: templates, connections
            times = []
            for _ in range(repeats):
                started = time.perf_counter()
                response = await client.get(path)
                times.append(time.perf_counter() - started)
                if response.status_code != 200:
                    raise SignInFailed(f"{path} answered {response.status_code}")
            return times

    return asyncio.run(go())
