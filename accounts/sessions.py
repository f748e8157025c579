"""Signed-in sessions: when they started and were last used, and ending them all.

Sessions end after SESSION_IDLE_MINUTES without a request and, however busy,
SESSION_MAX_HOURS after signing in (accounts.middleware.SessionLifetimeMiddleware).
"""

import time

from allauth.usersessions.adapter import get_adapter
from allauth.usersessions.models import UserSession

# Keys in the session, in whole seconds since the epoch (they survive JSON).
SIGNED_IN_AT = "accounts.signed_in_at"
LAST_SEEN_AT = "accounts.last_seen_at"


def session_mark_signed_in(request) -> None:
    """Start the idle and absolute clocks of a session that has just signed in.

    Django's `login()` reaches this through its `user_logged_in` signal for
    every way in: allauth's sign-in (after its two-factor stage), an accepted
    invitation, and the test client's `force_login`.
    """
    if request is None or not hasattr(request, "session"):
        return
    now = int(time.time())
    request.session[SIGNED_IN_AT] = now
    request.session[LAST_SEEN_AT] = now
    user = getattr(request, "user", None)
    # allauth lists the sessions it signs in itself; an invitation signs in
    # through Django, so list that session too. (force_login's bare request
    # has neither a user nor a client address: there is nothing to list.)
    if user is not None and user.is_authenticated and "REMOTE_ADDR" in request.META:
        UserSession.objects.create_from_request(request)


def session_record_activity(request, now: int) -> None:
    """Move the idle clock on and show the session's last use on the sessions page."""
    request.session[LAST_SEEN_AT] = now
    UserSession.objects.create_from_request(request)


def user_sessions_end(*, user) -> int:
    """End every signed-in session of `user` at once; returns how many there were.

    The session rows are deleted, so each of them is signed out on its very
    next request, whatever still holds the cookie.
    """
    sessions = list(UserSession.objects.filter(user_id=user.pk))
    get_adapter().end_sessions(sessions)
    return len(sessions)
