"""Microsoft Graph for Teams meetings: the switch, and the HTTP client.

Off unless the server has the MS_GRAPH_* credentials AND the organisation has
switched "create Teams meetings" on (`teams_wanted`). A web request only
plans the work (`online_meeting_plan`, in its transaction); the app's Celery
task, queued after the commit, calls `online_meeting_sync`, which makes the
calls to Graph:

- create: POST /users/{organiser}/onlineMeetings/createOrGet with our
  externalId, so a create retried after a worker died returns the meeting
  already made instead of making a second one;
- move: PATCH /users/{organiser}/onlineMeetings/{id} with the new times,
  only when they differ from what Graph holds;
- cancel: DELETE /users/{organiser}/onlineMeetings/{id} (gone already: done).

The client is the standard library's urllib: no new dependency, and the tests
drive it against a local fake Graph server. The app-only token (OAuth 2.0
client credentials) is kept in the worker's memory until a minute before it
expires: never written to the cache or the database, where it could be read.
"""

import datetime
import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

from django.conf import settings
from django.utils.translation import gettext as _

from .models import Organisation

# How long the booking email waits for the Teams link before it goes without it
# (with the supervisor's own link, then an update once the Teams link arrives).
LINK_WAIT = datetime.timedelta(minutes=2)
# Celery retries of one sync after a failure Graph may recover from (429, 5xx,
# no answer): 30 s, 1, 2, 4, 8 minutes; then the meeting is marked failed.
MAX_RETRIES = 5


def retry_delay(retries: int) -> int:
    """Seconds before retry number `retries` + 1 (exponential, at most 10 minutes)."""
    return min(600, 30 * 2**retries)


class GraphError(Exception):
    """A call to Graph that failed; `transient` if trying again later may succeed."""

    def __init__(self, message: str, *, transient: bool, status: int | None = None):
        super().__init__(message)
        self.transient = transient
        self.status = status


def teams_enabled() -> bool:
    """Whether the server has an app registration to call Graph with."""
    return bool(
        settings.MS_GRAPH_TENANT_ID
        and settings.MS_GRAPH_CLIENT_ID
        and settings.MS_GRAPH_CLIENT_SECRET
    )


def teams_wanted(organisation: Organisation) -> bool:
    """Whether this organisation's sessions and group meetings get Teams meetings."""
    return teams_enabled() and organisation.teams_meetings


# --- The HTTP client -------------------------------------------------------------

_token_lock = threading.Lock()
_token: dict[str, tuple[str, float]] = {}


def forget_token() -> None:
    """Drop the cached token (a 401 said it is no good; tests start afresh)."""
    with _token_lock:
        _token.clear()


def _call(method: str, url: str, *, body: bytes | None, headers: dict) -> tuple[int, dict]:
    request = urllib.request.Request(url, data=body, method=method, headers=headers)  # noqa: S310
    try:
        with urllib.request.urlopen(  # noqa: S310 (the URL is ours: https in production)
            request, timeout=settings.MS_GRAPH_TIMEOUT_SECONDS
        ) as response:
            raw = response.read()
            return response.status, json.loads(raw) if raw else {}
    except urllib.error.HTTPError as error:
        raise _http_error(error) from error
    except (urllib.error.URLError, TimeoutError, ConnectionError) as error:
        raise GraphError(
            _("Microsoft Graph did not answer (%(error)s).") % {"error": _reason(error)},
            transient=True,
        ) from error
    except json.JSONDecodeError as error:
        raise GraphError(
            _("Microsoft Graph sent an answer we could not read."), transient=True
        ) from error


def _reason(error: Exception) -> str:
    reason = getattr(error, "reason", None) or error
    return str(reason)[:120]


def _http_error(error: urllib.error.HTTPError) -> GraphError:
    status = error.code
    try:
        detail = json.loads(error.read() or b"{}").get("error", {})
    except (json.JSONDecodeError, AttributeError):
        detail = {}
    message = detail.get("message", "") if isinstance(detail, dict) else ""
    words = f" ({str(message)[:160]})" if message else ""
    if status == 429:
        return GraphError(
            _("Microsoft Graph asked us to slow down; we will try again."),
            transient=True,
            status=status,
        )
    if status >= 500:
        return GraphError(
            _("Microsoft Graph had a problem (error %(status)s)%(words)s.")
            % {"status": status, "words": words},
            transient=True,
            status=status,
        )
    if status in (401, 403):
        return GraphError(
            _(
                "Microsoft 365 did not allow the app to manage this meeting (error "
                "%(status)s)%(words)s. Your Teams administrators need to grant it an "
                "application access policy for the organiser's account."
            )
            % {"status": status, "words": words},
            transient=status == 401,
            status=status,
        )
    if status == 404:
        return GraphError(
            _("Microsoft 365 does not know the organiser's account or the meeting%(words)s.")
            % {"words": words},
            transient=False,
            status=status,
        )
    return GraphError(
        _("Microsoft Graph refused the request (error %(status)s)%(words)s.")
        % {"status": status, "words": words},
        transient=False,
        status=status,
    )


def _access_token() -> str:
    """An app-only token, from memory until a minute before it expires."""
    key = f"{settings.MS_GRAPH_TENANT_ID}:{settings.MS_GRAPH_CLIENT_ID}"
    with _token_lock:
        cached = _token.get(key)
        if cached and cached[1] > time.monotonic():
            return cached[0]
    login = settings.MS_GRAPH_LOGIN_URL.rstrip("/")
    tenant = urllib.parse.quote(settings.MS_GRAPH_TENANT_ID, safe="")
    form = urllib.parse.urlencode(
        {
            "client_id": settings.MS_GRAPH_CLIENT_ID,
            "client_secret": settings.MS_GRAPH_CLIENT_SECRET,
            "scope": "https://graph.microsoft.com/.default",
            "grant_type": "client_credentials",
        }
    ).encode()
    _status, data = _call(
        "POST",
        f"{login}/{tenant}/oauth2/v2.0/token",
        body=form,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    token = data.get("access_token")
    if not token:
        raise GraphError(_("Microsoft 365 gave the app no access token."), transient=True)
    lifetime = int(data.get("expires_in", 3599))
    with _token_lock:
        _token[key] = (token, time.monotonic() + max(0, lifetime - 60))
    return token


def graph_call(method: str, path: str, payload: dict | None = None) -> tuple[int, dict]:
    """One call to Graph with the app's token; a refused token is fetched again once."""
    url = settings.MS_GRAPH_BASE_URL.rstrip("/") + path
    body = json.dumps(payload).encode() if payload is not None else None
    for attempt in (1, 2):
        headers = {"Authorization": f"Bearer {_access_token()}", "Accept": "application/json"}
        if body is not None:
            headers["Content-Type"] = "application/json"
        try:
            return _call(method, url, body=body, headers=headers)
        except GraphError as error:
            if error.status == 401 and attempt == 1:
                forget_token()
                continue
            raise
    raise AssertionError("unreachable")  # pragma: no cover


def meetings_path(organiser: str, graph_id: str = "") -> str:
    path = f"/users/{urllib.parse.quote(organiser, safe='@.')}/onlineMeetings"
    return f"{path}/{urllib.parse.quote(graph_id, safe='')}" if graph_id else path


def graph_utc(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def graph_time(value) -> datetime.datetime | None:
    """A Graph dateTime ("2026-05-01T09:00:00.0000000Z"), or None if unreadable."""
    if not isinstance(value, str) or not value:
        return None
    whole = value.rstrip("Z").split(".")[0]
    try:
        return datetime.datetime.fromisoformat(whole).replace(tzinfo=datetime.UTC)
    except ValueError:
        return None
