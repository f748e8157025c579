"""Sign-in limits that hold on shared hospital networks.

Staff reach the service from a handful of shared addresses (a trust's NAT), so
a limit per address alone would let ten made-up emails lock a whole ward out.
Limits fall primarily on the account (failures, from any address) and on the
(address, account) pair (every attempt); per-address limits are only a high
ceiling on sprays, and do not apply at all to TRUSTED_EGRESS_NETWORKS.

Every limit is an entry of ACCOUNT_RATE_LIMITS (settings, from environment
variables), counted by allauth's rate limiter in the shared cache, a moving
window that lifts by itself. The client address is `audit.context.client_ip`,
the one rule for X-Forwarded-For behind TRUSTED_PROXY_COUNT proxies.
"""

import ipaddress
from functools import cache

from allauth.core.exceptions import ImmediateHttpResponse
from allauth.core.internal import ratelimit
from allauth.core.internal.ratelimit import RateLimitUsage
from django.conf import settings
from django.http import HttpRequest

APP = "allauth.account"  # the limits are read from ACCOUNT_RATE_LIMITS
# Every sign-in attempt of one account from one address.
PER_ADDRESS_AND_ACCOUNT = "signin_address_account"
# Every sign-in attempt from one address (none for trusted egress networks).
PER_ADDRESS = "signin_address"
# Failed sign-ins from one address, whichever accounts (none for trusted egress).
FAILURES_PER_ADDRESS = "signin_failed_address"
# Failed sign-ins of one account from any address: allauth's own `login_failed`,
# which also counts wrong two-factor codes.


@cache
def _networks(cidrs: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(cidr.strip(), strict=False) for cidr in cidrs if cidr.strip())


def is_trusted_egress(address: str | None) -> bool:
    """Whether `address` lies in one of TRUSTED_EGRESS_NETWORKS (a hospital's NAT)."""
    if not address:
        return False
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    networks = _networks(tuple(getattr(settings, "TRUSTED_EGRESS_NETWORKS", ())))
    return any(ip.version == network.version and ip in network for network in networks)


def _consume(request: HttpRequest, *, action: str, key: str) -> RateLimitUsage | None:
    return ratelimit.consume(request, app=APP, action=action, key=key)


def signin_attempt_consume(
    request: HttpRequest, *, address: str, login: str, too_many: Exception
) -> RateLimitUsage:
    """Count one sign-in attempt of `login` from `address` against the limits
    that do not depend on its outcome; refuse it when one is reached.

    Past the pair's limit the form says `too_many` (a validation error); past
    the address's ceiling the whole address gets the "Too many attempts" page
    (429). Returns the failure-only usage of the address, to be given back when
    the password turns out right.
    """
    trusted = is_trusted_egress(address)
    if not trusted and not _consume(request, action=PER_ADDRESS, key=f"address:{address}"):
        raise ImmediateHttpResponse(ratelimit.respond_429(request))
    if not _consume(request, action=PER_ADDRESS_AND_ACCOUNT, key=f"pair:{address}:{login}"):
        raise too_many
    if trusted:
        return RateLimitUsage(usage=[])
    failures = _consume(request, action=FAILURES_PER_ADDRESS, key=f"address:{address}")
    if failures is None:
        raise ImmediateHttpResponse(ratelimit.respond_429(request))
    return failures
