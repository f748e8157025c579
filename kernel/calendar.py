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


def _person(user, **params) -> vCalAddress:
    address = vCalAddress(f"mailto:{user.email}")
    address.params["cn"] = vText(user.get_full_name() or user.email)
    for name, value in params.items():
        address.params[name] = vText(value)
    return address


def invite(
    *,
    subject,
    summary: str,
    time_zone: str,
    online: bool,
    meeting_link: str,
    location: str,
    organizer=None,
    attendees=(),
    description: str = "",
    cancel: bool = False,
) -> bytes:
    """The .ics file for anything with a `uid`, `sequence`, `starts_at` and `ends_at`:
    a request, or a cancellation. `attendees` are (user, role) pairs."""
    zone = zoneinfo.ZoneInfo(time_zone)
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if cancel else "REQUEST")
    event = Event()
    event.add("uid", session_uid(subject))
    event.add("sequence", subject.sequence)
    event.add("dtstamp", timezone.now())
    event.add("dtstart", subject.starts_at.astimezone(zone))
    event.add("dtend", subject.ends_at.astimezone(zone))
    event.add("summary", summary)
    if description:
        event.add("description", description)
    if online:
        event.add("location", meeting_link)
        event.add("url", meeting_link)
    else:
        event.add("location", location)
    if organizer is not None:
        event.add("organizer", _person(organizer))
    for user, role in attendees:
        event.add("attendee", _person(user, role=role, partstat="NEEDS-ACTION", rsvp="FALSE"))
    event.add("status", "CANCELLED" if cancel else "CONFIRMED")
    calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()


def session_invite(session, *, cancel: bool = False) -> bytes:
    """The .ics file for a session: a request, or a cancellation."""
    return invite(
        subject=session,
        summary=f"Clinical supervision: {session.programme.name}",
        time_zone=session.programme.organisation.time_zone,
        # Nothing confidential: who, when and where only.
        description=f"One-to-one clinical supervision with {session.supervisor.get_full_name()} "
        f"and {session.supervisee.get_full_name()}.",
        online=session.mode == "online",
        meeting_link=session.meeting_link,
        location=session.location,
        organizer=session.supervisor,
        attendees=[(session.supervisor, "CHAIR"), (session.supervisee, "REQ-PARTICIPANT")],
        cancel=cancel,
    )
