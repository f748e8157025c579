"""Calendar invites for sessions (RFC 5545 objects, RFC 5546 methods).

One UID per session for its whole life; METHOD:REQUEST with a SEQUENCE that
grows on every change, METHOD:CANCEL when it is cancelled. Times carry the
organisation's time zone, with its VTIMEZONE, so calendars show the right
local time on both sides of a clock change. A time in the hour the clocks go
back happens twice, and RFC 5545 reads a bare local time as the first: such
times are written in UTC instead, so the invite holds the right instant.
"""

import calendar as month_calendar
import datetime
import functools
import zoneinfo

from django.conf import settings
from django.utils import timezone
from icalendar import (
    Calendar,
    Event,
    Timezone,
    TimezoneDaylight,
    TimezoneStandard,
    vCalAddress,
    vText,
)

from kernel.dates import is_ambiguous_locally

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


# --- VTIMEZONE: the zone's current rule, as RRULEs -----------------------------


@functools.lru_cache(maxsize=32)
def _changes(zone: zoneinfo.ZoneInfo, year: int) -> tuple[datetime.datetime, ...]:
    """The UTC instants in `year` at which the zone's offset changes (to the minute).

    Worked out once per zone and year (730 conversions and a search): every
    invite an outbox worker sends carries the zone, so this was a few percent of
    its CPU per email."""
    found = []
    day = datetime.timedelta(days=1)
    moment = datetime.datetime(year, 1, 1, tzinfo=datetime.UTC)
    while moment.year == year:
        later = moment + day
        if later.astimezone(zone).utcoffset() != moment.astimezone(zone).utcoffset():
            low, high = moment, later
            while high - low > datetime.timedelta(minutes=1):
                middle = low + (high - low) / 2
                middle = middle.replace(second=0, microsecond=0)
                if middle == low:
                    middle += datetime.timedelta(minutes=1)
                if middle.astimezone(zone).utcoffset() == low.astimezone(zone).utcoffset():
                    low = middle
                else:
                    high = middle
            found.append(high)
        moment = later
    return tuple(found)


def _yearly_rule(local: datetime.datetime) -> dict:
    """RRULE for 'this weekday of this week of this month, every year' (-1 is the last)."""
    days_in_month = month_calendar.monthrange(local.year, local.month)[1]
    week = -1 if local.day + 7 > days_in_month else (local.day - 1) // 7 + 1
    weekday = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")[local.weekday()]
    return {"freq": "yearly", "bymonth": local.month, "byday": f"{week}{weekday}"}


def vtimezone(time_zone: str, year: int) -> Timezone:
    """A compact VTIMEZONE for the zone as it stands in `year`: one STANDARD and one
    DAYLIGHT part, each a yearly RRULE (RFC 5545 3.6.5), or one fixed STANDARD part."""
    zone = zoneinfo.ZoneInfo(time_zone)
    component = Timezone()
    component.add("tzid", time_zone)
    changes = _changes(zone, year)
    if not changes:
        fixed = TimezoneStandard()
        moment = datetime.datetime(year, 1, 1, tzinfo=datetime.UTC).astimezone(zone)
        # Onsets are local wall-clock times, without a zone (RFC 5545 3.6.5)
        fixed.add("dtstart", datetime.datetime(1970, 1, 1))  # noqa: DTZ001
        fixed.add("tzoffsetfrom", moment.utcoffset())
        fixed.add("tzoffsetto", moment.utcoffset())
        fixed.add("tzname", moment.tzname())
        component.add_component(fixed)
        return component
    for change in changes:
        before = (change - datetime.timedelta(minutes=1)).astimezone(zone)
        after = change.astimezone(zone)
        part: TimezoneDaylight | TimezoneStandard = (
            TimezoneDaylight() if after.dst() else TimezoneStandard()
        )
        # DTSTART is the local time on the old clock at which the change happens;
        # the rule's first year is a year before, so the whole year is covered.
        wall = (change + (before.utcoffset() or datetime.timedelta(0))).replace(tzinfo=None)
        rule = _yearly_rule(wall)
        part.add("dtstart", _same_rule_in(wall, year - 1, rule))
        part.add("rrule", rule)
        part.add("tzoffsetfrom", before.utcoffset())
        part.add("tzoffsetto", after.utcoffset())
        part.add("tzname", after.tzname())
        component.add_component(part)
    return component


@functools.lru_cache(maxsize=32)
def _vtimezone_ical(time_zone: str, year: int) -> bytes:
    """vtimezone's lines, as an invite carries them: the same for every invite of the
    zone and year, so written once (a third of an invite's CPU was this)."""
    return vtimezone(time_zone, year).to_ical()


def _same_rule_in(wall: datetime.datetime, year: int, rule: dict) -> datetime.datetime:
    """The date the yearly rule gives in `year`, at the same wall-clock time."""
    week = int(rule["byday"][:-2])
    weekday = ("MO", "TU", "WE", "TH", "FR", "SA", "SU").index(rule["byday"][-2:])
    days = [
        day
        for day in range(1, month_calendar.monthrange(year, wall.month)[1] + 1)
        if datetime.date(year, wall.month, day).weekday() == weekday
    ]
    day = days[week] if week < 0 else days[week - 1]
    return wall.replace(year=year, day=day)


def attachment(ics: bytes, method: str) -> tuple[str, bytes, str]:
    """The invite as an email attachment. The charset is the mail library's to add,
    once: the content type carries only the iTIP method."""
    return ("invite.ics", ics, f"text/calendar; method={method}")


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
    publish: bool = False,
    rule: dict | None = None,
    exdates=(),
    overrides=(),
    dtstamp: datetime.datetime | None = None,
) -> bytes:
    """The .ics file for anything with a `uid`, `sequence`, `starts_at` and `ends_at`:
    a request, or a cancellation. `attendees` are (user, role) pairs; the organiser
    is never one of them. `publish` is the organiser's own copy (METHOD:PUBLISH):
    a request addressed to oneself would ask them to reply to their own meeting.

    A recurring event (RFC 5545 3.8.5): `rule` is its RRULE (`until`, if any, in
    UTC), `exdates` the start times of the occurrences it no longer has, and
    `overrides` (original start, new start, new end, meeting link or "") the
    occurrences that moved or have a link of their own (a Teams meeting each),
    each sent as a VEVENT of the same UID with a RECURRENCE-ID and, online, its
    own LOCATION and URL.

    `dtstamp`: when the change it carries was made (RFC 5546 orders two messages
    of one SEQUENCE by it); now, if not given.
    """
    stamp = dtstamp or timezone.now()
    zone = zoneinfo.ZoneInfo(time_zone)

    def at(moment: datetime.datetime) -> datetime.datetime:
        """The organisation's wall-clock time, or UTC where that time happens twice."""
        if is_ambiguous_locally(moment, time_zone):
            return moment.astimezone(datetime.UTC)
        return moment.astimezone(zone)

    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", invite_method(cancel=cancel, publish=publish))

    def event_at(starts_at, ends_at, link: str = "") -> Event:
        event = Event()
        event.add("uid", session_uid(subject))
        event.add("sequence", subject.sequence)
        event.add("dtstamp", stamp)
        event.add("dtstart", at(starts_at))
        event.add("dtend", at(ends_at))
        event.add("summary", summary)
        if description:
            event.add("description", description)
        if online:
            event.add("location", link or meeting_link)
            event.add("url", link or meeting_link)
        else:
            event.add("location", location)
        if organizer is not None:
            event.add("organizer", _person(organizer))
        for user, role in attendees:
            if organizer is not None and user.pk == organizer.pk:
                continue
            event.add("attendee", _person(user, role=role, partstat="NEEDS-ACTION", rsvp="FALSE"))
        event.add("status", "CANCELLED" if cancel else "CONFIRMED")
        return event

    master = event_at(subject.starts_at, subject.ends_at)
    if rule is not None:
        master.add("rrule", rule)
    if exdates:
        # One EXDATE carries one TZID: all in UTC if any of them happens twice.
        utc = any(is_ambiguous_locally(moment, time_zone) for moment in exdates)
        master.add(
            "exdate", [moment.astimezone(datetime.UTC if utc else zone) for moment in exdates]
        )
    calendar.add_component(master)
    if not cancel:
        for original, starts_at, ends_at, link in overrides:
            moved = event_at(starts_at, ends_at, link)
            moved.add("recurrence-id", at(original))
            calendar.add_component(moved)
    # The zone's VTIMEZONE goes before the events, written once per zone and year.
    ics = calendar.to_ical()
    events = ics.index(b"BEGIN:VEVENT\r\n")
    year = subject.starts_at.astimezone(zone).year
    return ics[:events] + _vtimezone_ical(time_zone, year) + ics[events:]


def invite_method(*, cancel: bool, publish: bool = False) -> str:
    if publish:
        return "PUBLISH"
    return "CANCEL" if cancel else "REQUEST"


def session_invite(session, *, cancel: bool = False, recipient=None, dtstamp=None) -> bytes:
    """The .ics file for a session: a request, or a cancellation; the supervisor, who
    organises it, gets their own copy published rather than a request. `dtstamp`:
    when the change it tells of was made."""
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
        attendees=[(session.supervisee, "REQ-PARTICIPANT")],
        cancel=cancel,
        publish=recipient is not None and recipient.pk == session.supervisor_id,
        dtstamp=dtstamp,
    )
