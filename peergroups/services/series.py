"""A group's calendar series: one invite per series, kept in step with its meetings.

Why one RRULE series rather than an invite per meeting: a group meets on a
rule for months, and its meetings are generated on a rolling 6-month horizon.
Per-meeting invites would need a new email each time the horizon moves on and
one attachment per meeting when someone joins (iTIP allows one UID per
message). A series is one calendar entry from the day someone joins, on the
rule itself, so it runs past the horizon without another message; the
exceptions the meetings carry go with it every time it is sent: a meeting
cancelled on its own is an EXDATE, a meeting moved on its own a VEVENT with
its RECURRENCE-ID, and so is a meeting with a Teams meeting of its own (its
LOCATION and URL are that meeting's join link). Each invite is built when
the change is made, from the meetings as they are then, and kept with its message until it is sent
(peergroups.notifications_groups): it tells of that change, with its SEQUENCE.

A change of schedule ends the series at that moment (UNTIL: the meetings
already held stay in calendars) and starts another from the first meeting on
the new rule; while nothing of a series has happened yet it simply takes the
new rule. Closing a group ends its series. Each person's copy covers the time
they take part: a member's from when they joined, until they leave; a series
with nothing left in someone's time is sent to them as a cancellation.

The facilitator who organises the group (the first, by account)
gets the series published (METHOD:PUBLISH), as a supervisor does a session: a
request addressed to oneself would ask them to answer their own meeting.
Others who are not invited (an admin downloading it) get it published too.
"""

import datetime
import zoneinfo
from dataclasses import dataclass

from django.db import IntegrityError, transaction

from kernel.calendar import attachment, invite, invite_method

from ..models import Group, GroupSeries, GroupSession, Membership
from ..recurrence import LAST, RULE_FIELDS, Occurrence, group_rhythm, occurrences, rule_of
from .teams import group_meeting_links

DAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
SEARCH = datetime.timedelta(days=400)  # far enough to find the next meeting of any rule


@dataclass(frozen=True)
class Window:
    """The time someone takes part in a group: from `start` (None: from the
    beginning) until `end` (None: still). `invited`: whether they are one of
    the group's people, rather than someone looking (an admin)."""

    start: datetime.datetime | None = None
    end: datetime.datetime | None = None
    invited: bool = True


@dataclass(frozen=True)
class _Event:
    """What kernel.calendar.invite takes: a UID, a SEQUENCE and the first meeting."""

    uid: object
    sequence: int
    starts_at: datetime.datetime
    ends_at: datetime.datetime


def _zone(group) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(group.organisation.time_zone)


def _end_of(group, day: datetime.date | None) -> datetime.datetime | None:
    if day is None:
        return None
    midnight = datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time(0))
    return midnight.replace(tzinfo=_zone(group)).astimezone(datetime.UTC)


def _rule_dates(source, first_date, group, date_from, date_to) -> list[Occurrence]:
    """The meetings `source`'s rule (a Group or a GroupSeries) gives from `first_date`."""
    return occurrences(
        **rule_of(source),
        starts_on=first_date,
        ends_on=None,
        time_zone=group.organisation.time_zone,
        date_from=date_from,
        date_to=date_to,
    )


def _next_meeting(source, first_date, group, after: datetime.datetime | None):
    """The first meeting of the rule from `first_date` starting at or after `after`."""
    day = first_date
    if after is not None:
        day = max(day, after.astimezone(_zone(group)).date())
    for occurrence in _rule_dates(source, first_date, group, day, day + SEARCH):
        if after is None or occurrence.starts_at >= after:
            return occurrence
    return None


def _new_series(group, first_date) -> GroupSeries:
    series = GroupSeries(
        group=group,
        first_date=first_date,
        until=_end_of(group, group.ends_on),
        **rule_of(group),
    )
    series.full_clean(exclude=["group"])
    series.save()
    return series


def _first_date(group, after=None) -> datetime.date:
    first = _next_meeting(group, group.starts_on, group, after)
    return first.date if first is not None else group.starts_on


def series_start(group: Group) -> GroupSeries:
    """The first series of a new group (its meetings from the first on its rule)."""
    return _new_series(group, _first_date(group))


def current_series(group: Group) -> GroupSeries:
    """The group's latest series; a group set up before series existed gets its own."""
    latest = group.series.order_by("-first_date").first()
    if latest is not None:
        return latest
    try:
        with transaction.atomic():
            return series_start(group)
    except IntegrityError:  # made at the same moment by another request
        return group.series.order_by("-first_date")[0]


def series_of_meeting(meeting: GroupSession) -> GroupSeries:
    """The series a meeting belongs to: the latest to start on or before its date."""
    found = meeting.group.series.filter(first_date__lte=meeting.occurrence).order_by("-first_date")
    return found.first() or current_series(meeting.group)


def series_touch(series: GroupSeries) -> GroupSeries:
    """Something people's calendars hold of the series changed: a meeting, a place."""
    series.sequence += 1
    series.save(update_fields=["sequence"])
    return series


def series_end(series: GroupSeries, at: datetime.datetime) -> GroupSeries:
    """No meeting of the series after `at` (the group closed, or its schedule changed)."""
    if series.until is None or series.until > at:
        series.until = at
    series.sequence += 1
    series.save(update_fields=["until", "sequence"])
    return series


def series_reschedule(group: Group, before: GroupSeries, now) -> list[GroupSeries]:
    """After a change of the group's schedule (the group holds the new rule): the
    series people's calendars need again, oldest first."""
    first = _next_meeting(group, group.starts_on, group, now)
    held = group.sessions.filter(
        occurrence__gte=before.first_date,
        starts_at__lte=now,
        status=GroupSession.Status.SCHEDULED,
    ).exists()
    if not held:
        for name in RULE_FIELDS:
            setattr(before, name, getattr(group, name))
        before.first_date = first.date if first is not None else group.starts_on
        before.until = _end_of(group, group.ends_on)
        before.sequence += 1
        before.full_clean(exclude=["group"])
        before.save()
        return [before]
    series_end(before, now)
    if first is None or first.date <= before.first_date:
        return [before]
    return [before, _new_series(group, first.date)]


# --- Who takes part, and when ------------------------------------------------------


def window_for(group: Group, user, *, facilitated_until=None) -> Window | None:
    """The time `user` takes part in the group, for their copy of its series.

    Facilitators: all of it. `facilitated_until`: a facilitator who has just
    stopped. Members: from joining until they left (or now). None for anyone
    who never had a place (asked, waited, was offered one, or only administers
    the group: such a reader gets Window(invited=False)).
    """
    if facilitated_until is not None:
        return Window(end=facilitated_until)
    if group.facilitators.filter(pk=user.pk).exists():
        return Window()
    membership = (
        group.memberships.filter(user=user, joined_at__isnull=False).order_by("-joined_at").first()
    )
    if membership is None:
        return None
    ended = None if membership.state == Membership.State.ACTIVE else membership.ended_at
    return Window(start=membership.joined_at, end=ended)


# --- The invite ---------------------------------------------------------------------


def _rule(series: GroupSeries, until) -> dict:
    day = DAY_CODES[series.weekday]
    rule: dict = {"freq": "weekly", "byday": day}
    if series.recurrence == "fortnightly":
        rule["interval"] = 2
    elif series.recurrence == "monthly":
        week = -1 if series.week_of_month == LAST else series.week_of_month
        rule = {"freq": "monthly", "byday": f"{week}{day}"}
    if until is not None:
        rule["until"] = until.astimezone(datetime.UTC)
    return rule


def _exceptions(series, first: Occurrence, until):
    """(EXDATEs, overrides) of the meetings of the series from `first` until `until`."""
    group = series.group
    meetings = list(group.sessions.filter(occurrence__gte=first.date).order_by("occurrence"))
    if not meetings:
        return [], []
    rule = {
        o.date: o
        for o in _rule_dates(series, series.first_date, group, first.date, meetings[-1].occurrence)
    }
    # A meeting with a Teams meeting of its own carries its link (peergroups.services.teams).
    links = group_meeting_links(meetings) if group.mode == "online" else {}
    exdates, overrides = [], []
    for meeting in meetings:
        occurrence = rule.get(meeting.occurrence)
        if occurrence is None or (until is not None and occurrence.starts_at > until):
            continue
        if meeting.status == GroupSession.Status.CANCELLED:
            exdates.append(occurrence.starts_at)
        elif (meeting.starts_at, meeting.ends_at) != (
            occurrence.starts_at,
            occurrence.ends_at,
        ) or meeting.pk in links:
            overrides.append(
                (
                    occurrence.starts_at,
                    meeting.starts_at,
                    meeting.ends_at,
                    links.get(meeting.pk, ""),
                )
            )
    return exdates, overrides


def _occurrence_on(series, day) -> Occurrence:
    zone = _zone(series.group)
    return Occurrence(
        date=day,
        starts_at=datetime.datetime.combine(day, series.start_time, tzinfo=zone),
        ends_at=datetime.datetime.combine(day, series.end_time, tzinfo=zone),
    )


def series_invite(series: GroupSeries, recipient, window: Window) -> tuple[bytes, str]:
    """`recipient`'s copy of the series, and its iTIP method."""
    group = series.group
    ends = [moment for moment in (series.until, window.end) if moment is not None]
    until = min(ends) if ends else None
    first = _next_meeting(series, series.first_date, group, window.start)
    cancel = first is None or (until is not None and first.starts_at > until)
    if first is None or cancel:
        first = _occurrence_on(series, series.first_date)
    exdates, overrides = ([], []) if cancel else _exceptions(series, first, until)
    facilitators = list(group.facilitators.order_by("pk"))
    # The first facilitator (by account) organises the group's calendar events.
    lead = facilitators[0] if facilitators else None
    member = window.invited and all(person.pk != recipient.pk for person in facilitators)
    publish = not window.invited or (lead is not None and lead.pk == recipient.pk)
    attendees = [(person, "CHAIR") for person in facilitators]
    if member:
        attendees.append((recipient, "REQ-PARTICIPANT"))
    ics = invite(
        subject=_Event(series.uid, series.sequence, first.starts_at, first.ends_at),
        summary=f"{group.get_group_type_display()}: {group.name}",
        description=f"{group_rhythm(series)} ({group.organisation.time_zone})",
        time_zone=group.organisation.time_zone,
        online=group.mode == "online",
        meeting_link=group.meeting_link,
        location=group.location,
        organizer=lead,
        attendees=attendees,
        rule=_rule(series, until),
        exdates=exdates,
        overrides=overrides,
        cancel=cancel,
        publish=publish,
    )
    return ics, invite_method(cancel=cancel, publish=publish)


def series_attachments(group: Group, recipient, series_ids, window: Window | None) -> list:
    """The invites of these series for `recipient`, the latest as invite.ics; none
    for someone who never had the group's calendar."""
    if window is None:
        return []
    found = list(group.series.filter(pk__in=series_ids).order_by("-first_date"))
    files = []
    for n, series in enumerate(found):
        ics, method = series_invite(series, recipient, window)
        name = "invite.ics"
        if n:  # an ended series, named by the day it ended
            name = (
                f"invite-until-{series.until:%Y-%m-%d}.ics" if series.until else f"invite-{n}.ics"
            )
        files.append((name, *attachment(ics, method)[1:]))
    return files
