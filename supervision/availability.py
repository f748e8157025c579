"""Free slots: a supervisor's availability less what is already taken.

Weekly windows are wall-clock times in the organisation's zone, turned into
UTC date by date so a clock change moves nothing a person sees.
"""

import datetime
import zoneinfo
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import ngettext

from kernel.models import Programme
from kernel.prepared import PreparedQuery

from .models import AvailabilityException, AvailabilitySlot, Commitment, WeeklyAvailability

# Nobody can book a slot that starts within this much time from now.
MINIMUM_NOTICE = datetime.timedelta(hours=1)
DEFAULT_HORIZON = datetime.timedelta(weeks=6)


def bookable_from(now: datetime.datetime) -> datetime.datetime:
    """The earliest start anyone can book at `now`: the minimum notice away."""
    return now + MINIMUM_NOTICE


def _notice_hours() -> int:
    return int(MINIMUM_NOTICE.total_seconds() // 3600)


def notice_refusal(starts_at: datetime.datetime, now: datetime.datetime) -> str | None:
    """Why a slot starting at `starts_at` cannot be added at `now`, or None if it can.

    The one rule for adding availability: nothing may start inside the minimum
    notice, where free_slots would never offer it to anyone.
    """
    if starts_at >= bookable_from(now):
        return None
    hours = _notice_hours()
    return ngettext(
        "The slot must start at least %(hours)s hour from now, because people need "
        "%(hours)s hour's notice to book",
        "The slot must start at least %(hours)s hours from now, because people need "
        "%(hours)s hours' notice to book",
        hours,
    ) % {"hours": hours}


@dataclass(frozen=True)
class Slot:
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    mode: str
    meeting_link: str
    location: str

    @property
    def key(self) -> str:
        """A stable form value for the slot: its start as a UTC timestamp."""
        return self.starts_at.astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")


def parse_slot_key(value: str) -> datetime.datetime | None:
    try:
        return datetime.datetime.strptime(value, "%Y%m%dT%H%M%SZ").replace(tzinfo=datetime.UTC)
    except (TypeError, ValueError):
        return None


def _chop(start, end, length, delivery):
    while start + length <= end:
        yield Slot(start, start + length, *delivery)
        start += length


def _delivery(window):
    return (window.mode, window.meeting_link, window.location)


def _weekly_windows(windows, zone, start, end):
    """(start, end, delivery) in UTC for each date a weekly window falls on."""
    first = timezone.localtime(start, zone).date()
    last = timezone.localtime(end, zone).date()
    day = first
    while day <= last:
        for window in windows:
            if window.weekday != day.weekday() or day < window.valid_from:
                continue
            if window.valid_until and day > window.valid_until:
                continue
            local_start = datetime.datetime.combine(day, window.start_time, tzinfo=zone)
            local_end = datetime.datetime.combine(day, window.end_time, tzinfo=zone)
            yield (
                local_start.astimezone(datetime.UTC),
                local_end.astimezone(datetime.UTC),
                _delivery(window),
            )
        day += datetime.timedelta(days=1)


@dataclass(frozen=True)
class SupervisorEntries:
    """A supervisor's own availability as free_slots reads it, for a caller that has
    fetched it already: single slots and time away (at least those that end after
    now, in their model's order) and every weekly window."""

    slots: list
    weekly: list
    away: list  # AvailabilityException rows, or (starts_at, ends_at) pairs


def _times(entry) -> tuple[datetime.datetime, datetime.datetime]:
    return entry if isinstance(entry, tuple) else (entry.starts_at, entry.ends_at)


def _overlaps(slot: Slot, busy) -> bool:
    return any(b_start < slot.ends_at and slot.starts_at < b_end for b_start, b_end in busy)


# What free_slots reads, the same queries on every booking page and supervisor's page,
# their SQL built once per process (kernel/prepared.py).
_single_slots = PreparedQuery(
    lambda supervisor_id, start, end: AvailabilitySlot.objects.filter(
        supervisor=supervisor_id, ends_at__gt=start, starts_at__lt=end
    ),
    types=(int, datetime.datetime, datetime.datetime),
)
_weekly = PreparedQuery(
    lambda supervisor_id: WeeklyAvailability.objects.filter(supervisor=supervisor_id)
)


def weekly_windows(supervisor_id: int) -> list[WeeklyAvailability]:
    """Every weekly window of the supervisor's, ended ones too (by their dates)."""
    return _weekly(supervisor_id)


_away = PreparedQuery(
    lambda supervisor_id, start, end: AvailabilityException.objects.filter(
        supervisor=supervisor_id, ends_at__gt=start, starts_at__lt=end
    ).values_list("starts_at", "ends_at"),
    types=(int, datetime.datetime, datetime.datetime),
)


def _commitments_of(supervisor_id, other_id, start, end):
    """The time the supervisor and the other person (the supervisee, or the supervisor
    again) have promised between start and end."""
    return Commitment.objects.filter(
        user_id__in=[supervisor_id, other_id], ends_at__gt=start, starts_at__lt=end
    )


_commitments = PreparedQuery(
    lambda supervisor_id, other_id, start, end: _commitments_of(
        supervisor_id, other_id, start, end
    ).values_list("starts_at", "ends_at"),
    types=(int, int, datetime.datetime, datetime.datetime),
)


def free_slots(
    *,
    supervisor,
    programme: Programme,
    supervisee=None,
    start: datetime.datetime | None = None,
    end: datetime.datetime | None = None,
    now: datetime.datetime | None = None,
    ignore_session=None,
    entries: SupervisorEntries | None = None,
) -> list[Slot]:
    """Slots of the programme's length that the supervisor offers and both people have free.

    Four queries whatever the data: single slots, weekly windows, exceptions,
    and the commitments of the two people; one, the commitments, when the caller
    has the supervisor's `entries` already (the availability page lists them).
    """
    now = now or timezone.now()
    start = max(start or now, bookable_from(now))
    end = end or now + DEFAULT_HORIZON
    if end <= start:
        return []
    zone = zoneinfo.ZoneInfo(programme.organisation.time_zone)
    length = datetime.timedelta(minutes=programme.session_minutes)

    if entries is None:
        entries = SupervisorEntries(
            slots=_single_slots(supervisor.pk, start, end),
            weekly=weekly_windows(supervisor.pk),
            away=_away(supervisor.pk, start, end),
        )
    windows = [
        (s.starts_at, s.ends_at, _delivery(s))
        for s in entries.slots
        if s.ends_at > start and s.starts_at < end
    ]
    windows += list(_weekly_windows(entries.weekly, zone, start, end))

    busy = [
        (starts_at, ends_at)
        for starts_at, ends_at in map(_times, entries.away)
        if ends_at > start and starts_at < end
    ]
    other = supervisee.pk if supervisee is not None else supervisor.pk
    if ignore_session is None:
        busy += _commitments(supervisor.pk, other, start, end)
    else:
        # The session being moved frees its own time, but is never offered it again.
        busy += list(
            _commitments_of(supervisor.pk, other, start, end)
            .filter(~Q(session=ignore_session))
            .values_list("starts_at", "ends_at")
        )
    current = ignore_session.starts_at if ignore_session is not None else None

    slots: dict[datetime.datetime, Slot] = {}
    for window_start, window_end, delivery in windows:
        for slot in _chop(window_start, window_end, length, delivery):
            if slot.starts_at < start or slot.ends_at > end or _overlaps(slot, busy):
                continue
            if slot.starts_at == current:
                continue
            slots.setdefault(slot.starts_at, slot)
    return [slots[key] for key in sorted(slots)]


def weekly_notice_refusal(window: WeeklyAvailability, zone, now: datetime.datetime) -> str | None:
    """Why a weekly window cannot be added at `now` (notice_refusal's rule), or None if it can.

    A window is refused only when none of its weeks starts outside the minimum
    notice: with a last week, its days may all be past, inside the notice, or
    none of them its weekday.
    """
    if window.valid_until is None:
        return None
    earliest = bookable_from(now)
    end = datetime.datetime.combine(
        window.valid_until + datetime.timedelta(days=1), datetime.time.min, tzinfo=zone
    )
    starts = _weekly_windows([window], zone, earliest, end) if end > earliest else ()
    if any(start >= earliest for start, _, _ in starts):
        return None
    hours = _notice_hours()
    return ngettext(
        "The last week must include a %(day)s that starts at least %(hours)s hour from now, "
        "because people need %(hours)s hour's notice to book",
        "The last week must include a %(day)s that starts at least %(hours)s hours from now, "
        "because people need %(hours)s hours' notice to book",
        hours,
    ) % {"hours": hours, "day": window.get_weekday_display()}


def find_free_slot(*, starts_at: datetime.datetime, **kwargs) -> Slot | None:
    """The free slot starting exactly at `starts_at`, if there is one."""
    candidates = free_slots(start=starts_at, end=starts_at + datetime.timedelta(days=1), **kwargs)
    return next((slot for slot in candidates if slot.starts_at == starts_at), None)
