"""The request an audit entry is written in: the client's IP address, and who
acted when no person did.

The middleware sets the address for the length of a request; `audit_log` reads
it, so services need no request argument. Background tasks have none (None).
A change made by another system (Microsoft Entra ID through SCIM) has no
person as its actor: `acting_as("SCIM (Entra ID)")` names that system in the
`via` detail of every entry written meanwhile, whichever service writes it.
"""

import contextvars
import ipaddress
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings

_client_ip: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "audit_client_ip", default=None
)


_acting_as: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "audit_acting_as", default=None
)


@contextmanager
def acting_as(label: str) -> Iterator[None]:
    """Entries written inside this block say they were made through `label`."""
    token = _acting_as.set(label)
    try:
        yield
    finally:
        _acting_as.reset(token)


def current_via() -> str | None:
    return _acting_as.get()


def current_ip() -> str | None:
    return _client_ip.get()


def set_ip(value: str | None) -> contextvars.Token:
    return _client_ip.set(value)


def reset_ip(token: contextvars.Token) -> None:
    _client_ip.reset(token)


def _valid(value: str) -> str | None:
    value = value.strip()
    if value.startswith("[") and "]" in value:  # "[2001:db8::1]:443"
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # "203.0.113.9:443"
        value = value.split(":", 1)[0]
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def client_ip(request) -> str | None:
    """The client's address: REMOTE_ADDR, or X-Forwarded-For behind trusted proxies.

    With TRUSTED_PROXY_COUNT = n > 0, each of the n proxies in front of the app
    appends the address it saw, so the client is the n-th entry from the right;
    anything to its left was sent by the client and could be made up. With too
    few entries the header did not come through the proxies: REMOTE_ADDR is used.
    """
    proxies = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    if proxies > 0:
        hops = [hop for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop]
        if len(hops) >= proxies:
            return _valid(hops[-proxies])
    return _valid(request.META.get("REMOTE_ADDR", ""))
