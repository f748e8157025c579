"""One-to-one sessions, planned: each pair's sessions in the supervisor's slots,
spread over the months by the seasons, within the allowance, with nobody in two
places at once, and what became of each (attended, cancelled, not attended)."""

import bisect
import datetime
from collections import Counter
from itertools import accumulate

from supervision.availability import MINIMUM_NOTICE
from supervision.models import Session

from .constants import DAY, HOUR, SEASON, SUPERVISOR_CANCELS
from .plan import PlannedSession, ProgrammePlan, christmas, month_key, next_month
from .state import History


def _slots(h: History, org, supervisor, key: tuple[int, int], minutes):
    """The supervisor's slots in a month, chopped as supervision.availability does."""
    cached = supervisor.slots.get((key, minutes))
    if cached is None:
        length = datetime.timedelta(minutes=minutes)
        day, found = datetime.date(*key, 1), []
        while day.month == key[1]:
            for w in supervisor.windows:
                if w.weekday != day.weekday() or day < w.valid_from or christmas(day):
                    continue
                start, end = h.local(org, day, w.start), h.local(org, day, w.end)
                while start + length <= end:
                    found.append((start, start + length, w))
                    start += length
            day += DAY
        found.sort(key=lambda slot: slot[0])
        cached = ([slot[0] for slot in found], found)
        supervisor.slots[key, minutes] = cached
    return cached


def _pair_months(h: History, org, pair):
    """The pair's months and their cumulative weights: seasons, a launch, growth."""
    if pair.months is None:
        keys, weights = [], []
        key, last = month_key(pair.joins, org.zone), month_key(pair.until, org.zone)
        first = key
        while key <= last:
            weight = SEASON[key[1]]
            if org.launch is not None and key >= month_key(org.launch, org.zone):
                weight *= 1.15
            if org.growth:
                elapsed = (key[0] - first[0]) * 12 + key[1] - first[1]
                weight *= 1 + org.growth * elapsed / max(h.months, 1)
            keys.append(key)
            weights.append(weight)
            key = next_month(*key)
        pair.months = (keys, list(accumulate(weights)))
    return pair.months


def share_target(org, pairs, sessions) -> None:
    """Share a benchmark's one-to-one sessions among programmes by what their
    participants can take (a PNA allowance of 4 a year takes fewer)."""
    load: Counter[ProgrammePlan] = Counter()
    for pair in pairs:
        load[pair.programme] += pair.programme.rate * max((pair.until - pair.joins).days, 0)
    total = sum(load.values()) or 1
    for programme in org.programmes:
        programme.target = round(sessions * load[programme] / total)


def plan_sessions(h: History, org, pairs, target) -> list:
    """About `target` sessions among a programme's pairs (by default what its
    participants are aimed at), as many as fit."""
    if not pairs:
        return []
    rng = h.rng
    if target is None:
        months = sum(max((p.until - p.joins).days / 30.4, 0) for p in pairs)
        target = round(pairs[0].programme.rate * months)
    weights = list(accumulate(p.weight for p in pairs))
    planned: list[PlannedSession] = []
    misses = 0
    while len(planned) < target and misses < 20 * target + 200:
        pair = rng.choices(pairs, cum_weights=weights)[0]
        session = _try_session(h, org, pair)
        if session is None:
            misses += 1
        else:
            planned.append(session)
    return planned


def _try_session(h: History, org, pair):
    """One session for the pair in a free slot of a month, or None if it does not fit."""
    rng, now = h.rng, h.now
    keys, weights = _pair_months(h, org, pair)
    key = rng.choices(keys, cum_weights=weights)[0]
    minutes = pair.programme.programme.session_minutes
    starts, slots = _slots(h, org, pair.supervisor, key, minutes)
    low = bisect.bisect_left(starts, pair.joins)
    high = bisect.bisect_left(starts, pair.until - datetime.timedelta(minutes=minutes))
    if low >= high:
        return None
    start, end, window = slots[rng.randrange(low, high)]
    if now < start < now + MINIMUM_NOTICE:
        return None
    planned = _outcome(h, org, pair, start, end, window)
    people = (pair.supervisor.user_id, pair.supervisee.user_id)
    active = planned.status != Session.Status.CANCELLED
    if active and not h.busy.free(people, start, end):
        return None
    # Every session was booked first, so the allowance had room for it then,
    # whatever became of it; it keeps using allowance only if it still counts.
    if not pair.programme.allows(pair.counted, start):
        return None
    counted = pair.programme.counts(planned.status, planned.by, planned.late)
    if active:
        h.busy.take(people, start, end)
    if counted:
        bisect.insort(pair.counted, start)
    pair.sessions.append(planned)
    return planned


def _outcome(h: History, org, pair, start, end, window) -> PlannedSession:
    """What became of a session: as the booking, cancelling and logging services leave it."""
    rng, now = h.rng, h.now
    created = start - datetime.timedelta(hours=rng.uniform(48, 960))
    if created >= now:
        created = now - datetime.timedelta(hours=rng.uniform(1, 48))
    s = PlannedSession(pair, start, end, window, created)
    notice = datetime.timedelta(hours=pair.programme.programme.late_cancellation_hours)
    if end > now:
        if start > now and rng.random() < 0.06:
            by = rng.choice(Session.CancelledBy.values)
            _cancel(s, by, h.between(created, now), notice)
        return s
    month = start.astimezone(org.zone).month
    by_supervisor = SUPERVISOR_CANCELS.get(month, 0.06)
    r = rng.random()
    if r < by_supervisor:
        at = start - datetime.timedelta(hours=rng.uniform(2, 144))
        _cancel(s, Session.CancelledBy.SUPERVISOR, at, notice)
    elif r < by_supervisor + 0.09:
        hours = notice.total_seconds() / 3600
        if rng.random() < 0.35:
            at = start - datetime.timedelta(hours=rng.uniform(0.5, hours))
        else:
            at = start - datetime.timedelta(hours=rng.uniform(hours + 1, 12 * 24))
        _cancel(s, Session.CancelledBy.SUPERVISEE, at, notice)
    else:
        logged = h.after(end, 20)
        if logged < now:  # not logged yet otherwise: still booked, as the app shows it
            s.logged = logged
            dna = r < by_supervisor + 0.14
            s.status = Session.Status.DID_NOT_ATTEND if dna else Session.Status.ATTENDED
    return s


def _cancel(s, by, at, notice):
    """Cancelled by `by` at about `at`: after booking, before the start; late if the
    supervisee gave less notice than the programme asks."""
    at = min(max(at, s.created + HOUR), s.start - datetime.timedelta(minutes=5))
    s.status, s.by, s.cancelled_at = Session.Status.CANCELLED, by, at
    s.late = by == Session.CancelledBy.SUPERVISEE and s.start - at < notice
