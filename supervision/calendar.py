"""Calendar invites for sessions (RFC 5545 objects, RFC 5546 methods).

One UID per session for its whole life; METHOD:REQUEST with a SEQUENCE that
grows on every change, METHOD:CANCEL when it is cancelled. Times carry the
organisation's time zone, with its VTIMEZONE, so calendars show the right
local time on both sides of a clock change.
"""

import zoneinfo

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event, vCalAddress, vText

PRODID = "-//Clinical supervision//Sessions//EN"


def session_uid(session) -> str:
    host = settings.SITE_URL.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0]
    return f"{session.uid}@{host or 'clinical-supervision'}"


def _attendee(user, role: str) -> vCalAddress:
    attendee = vCalAddress(f"mailto:{user.email}")
    attendee.params["cn"] = vText(user.get_full_name() or user.email)
    attendee.params["role"] = vText(role)
    attendee.params["partstat"] = vText("NEEDS-ACTION")
    attendee.params["rsvp"] = vText("FALSE")
    return attendee


def session_invite(session, *, cancel: bool = False) -> bytes:
    """The .ics file for a session: a request, or a cancellation."""
    zone = zoneinfo.ZoneInfo(session.programme.organisation.time_zone)
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if cancel else "REQUEST")

    event = Event()
    event.add("uid", session_uid(session))
    event.add("sequence", session.sequence)
    event.add("dtstamp", timezone.now())
    event.add("dtstart", session.starts_at.astimezone(zone))
    event.add("dtend", session.ends_at.astimezone(zone))
    event.add("summary", f"Clinical supervision: {session.programme.name}")
    # Nothing confidential: who, when and where only.
    event.add(
        "description",
        f"One-to-one clinical supervision with {session.supervisor.get_full_name()} "
        f"and {session.supervisee.get_full_name()}.",
    )
    if session.mode == "online":
        event.add("location", session.meeting_link)
        event.add("url", session.meeting_link)
    else:
        event.add("location", session.location)
    organizer = vCalAddress(f"mailto:{session.supervisor.email}")
    organizer.params["cn"] = vText(session.supervisor.get_full_name() or session.supervisor.email)
    event.add("organizer", organizer)
    event.add("attendee", _attendee(session.supervisor, "CHAIR"))
    event.add("attendee", _attendee(session.supervisee, "REQ-PARTICIPANT"))
    event.add("status", "CANCELLED" if cancel else "CONFIRMED")
    calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()
