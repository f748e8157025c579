"""Error reports to Sentry (or a Sentry-compatible tracker), only when SENTRY_DSN is set.

What a report may carry is decided here, and it is little: what failed (the
exception, its stack without local variables), where (the URL's pattern, not
its path: paths hold tokens), and the request and task ids that find the
matching log lines. Never a request body, cookie, query string, the headers
that authenticate, a person's email address or IP address, nor any value under
a key named like a password, a token or one of our encrypted (confidential)
fields. Sentry is told not to collect these (`data_collection`, which supersedes
`send_default_pii=False`: no user details, request bodies, cookies or local
variables) and `before_send` removes them again in
case an integration does.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, cast
from urllib.parse import urlsplit

from .logs import request_id_var, task_id_var

FILTERED = "[Filtered]"
EMAIL = re.compile(r"[A-Za-z0-9._%+'-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
# Headers worth keeping; every other header goes (Authorization, Cookie, X-Forwarded-For...).
SAFE_HEADERS = frozenset(
    {"host", "user-agent", "content-type", "content-length", "accept", "x-request-id"}
)
SENSITIVE_KEY_PARTS = (
    "password",
    "passwd",
    "secret",
    "token",
    "authorization",
    "cookie",
    "csrf",
    "session",
    "email",
    "api_key",
    "apikey",
    "private_key",
    "dsn",
    "phone",
    "address",
    "otp",
    "recovery",
)


@lru_cache(maxsize=1)
def confidential_field_names() -> frozenset[str]:
    """The names of every encrypted field (their values are never sent, whatever holds them)."""
    from .encryption import models_with_encrypted_fields

    return frozenset(
        name
        for _model, fields in models_with_encrypted_fields()
        for field in fields
        for name in (field.name, field.attname)
    )


def _sensitive(key: str) -> bool:
    lowered = key.lower()
    return lowered in confidential_field_names() or any(
        part in lowered for part in SENSITIVE_KEY_PARTS
    )


def _scrub(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            key: FILTERED if isinstance(key, str) and _sensitive(key) else _scrub(item)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        return [_scrub(item) for item in value]
    if isinstance(value, str):
        return EMAIL.sub("[email]", value)
    return value


def _scrub_request(request: dict, transaction: str | None) -> dict:
    kept: dict[str, Any] = {"method": request.get("method")}
    url = urlsplit(request.get("url") or "")
    if url.scheme and url.netloc:
        kept["url"] = f"{url.scheme}://{url.netloc}{transaction or ''}"
    headers = request.get("headers") or {}
    kept["headers"] = {k: v for k, v in headers.items() if k.lower() in SAFE_HEADERS}
    return kept  # no data, cookies, query_string or env (which has REMOTE_ADDR)


def before_send(event: dict[str, Any], hint: dict[str, Any] | None) -> dict[str, Any]:
    """Strip an event of anything personal or confidential (also for transactions)."""
    if "request" in event:
        event["request"] = _scrub_request(event["request"], event.get("transaction"))
    user = event.get("user") or {}
    if user.get("id"):
        event["user"] = {"id": str(user["id"])}
    else:
        event.pop("user", None)
    for exception in (event.get("exception") or {}).get("values") or []:
        for frame in (exception.get("stacktrace") or {}).get("frames") or []:
            frame.pop("vars", None)
    for thread in (event.get("threads") or {}).get("values") or []:
        for frame in (thread.get("stacktrace") or {}).get("frames") or []:
            frame.pop("vars", None)
    if "logentry" in event:
        event["logentry"].pop("params", None)
    tags = event.setdefault("tags", {})
    if isinstance(tags, dict):
        for name, var in (("request_id", request_id_var), ("task_id", task_id_var)):
            if var.get():
                tags[name] = var.get()
    return _scrub(event)


def init_sentry(
    *,
    dsn: str,
    environment: str | None = None,
    release: str | None = None,
    traces_sample_rate: float = 0.0,
    **options: Any,
) -> None:
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        release=release,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        # send_default_pii=False, in the form that supersedes it: collect
        # nothing personal, no bodies, cookies, query strings or local variables.
        data_collection={
            "user_info": False,
            "cookies": {"mode": "off"},
            "http_headers": {"request": {"mode": "allowlist", "terms": sorted(SAFE_HEADERS)}},
            "http_bodies": [],
            "url_query_params": {"mode": "off"},
            "database_query_data": False,
            "queues": False,
            "stack_frame_variables": False,
            "gen_ai": {"inputs": False, "outputs": False},
        },
        max_request_body_size="never",
        include_local_variables=False,
        traces_sample_rate=traces_sample_rate,
        before_send=cast(Any, before_send),
        before_send_transaction=cast(Any, before_send),
        **options,
    )
