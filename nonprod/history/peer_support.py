"""Peer support: requests after hard events or from wellbeing check-ins, taken by
trained colleagues from other departments, with their check-ins and outcomes."""

import datetime
import math

from peergroups.models import CheckIn, SupportRequest
from peergroups.services.peer_support import FIRST_CONTACT_WITHIN, FOLLOW_UP_AFTER

from .constants import CONTACT_MODES, DAY, EVENT_KINDS, HOUR, SUPPORT_OUTCOMES, UTC
from .plan import OrgPlan, weighted
from .state import History


def event_requests(h: History, org: OrgPlan, months) -> list:
    """Requests after hard events, about `support_rate` a person a month."""
    rng = h.rng
    staff = [p for p in org.people if p.role != "supporter"]
    requests = []
    for _year, _month, first, end in months:
        mean = len(org.people) * org.support_rate * (end - first) / (30.4 * DAY)
        for _n in range(max(0, round(rng.gauss(mean, math.sqrt(mean))))):
            created = h.in_waking_hours(org, h.between(first, end))
            kind, mode = weighted(rng, EVENT_KINDS), weighted(rng, CONTACT_MODES)
            requests.append([created, rng.choice(staff), kind, mode, None])
    return requests


def support_requests(h: History, org: OrgPlan, requests) -> list:
    """Requests, who took them and when, check-ins and how they closed. Nobody
    supports their own department, and no supporter holds more open requests
    at once than their capacity (3)."""
    rng, now = h.rng, h.now
    # supporter -> [(assigned, closed)]
    busy: dict[int, list[tuple[datetime.datetime, datetime.datetime]]] = {
        s.user_id: [] for s in org.supporters
    }
    rows: list[SupportRequest | None] = []
    plans: list[tuple[SupportRequest, list[datetime.datetime]]] = []
    for created, person, kind, mode, _checkin in requests:
        request = SupportRequest(
            organisation=org.organisation,
            requester_id=person.user_id,
            event_kind=kind,
            contact_mode=mode,
            contact_detail=f"07700 900{rng.randrange(1000):03d}" if mode == "phone" else "",
            first_contact_due=created + FIRST_CONTACT_WITHIN,
            created_at=created,
        )
        assigned = h.after(created, 5)
        supporters = [
            s
            for s in org.supporters
            if s.department.pk != person.department.pk
            and s is not person
            and sum(1 for a, c in busy[s.user_id] if a <= assigned < c) < 3
        ]
        if assigned >= now or not supporters:
            if now - created > 7 * DAY:
                rows.append(None)  # nobody free: not plausible to leave it waiting
                continue
            rows.append(request)
            plans.append((request, []))
            continue
        supporter = rng.choice(supporters)
        request.supporter_id, request.assigned_at = supporter.user_id, assigned
        request.status = SupportRequest.Status.ASSIGNED
        # As the services do: the deadline runs from the assignment.
        request.first_contact_due = assigned + FIRST_CONTACT_WITHIN
        visits = []
        happened = assigned + datetime.timedelta(hours=rng.lognormvariate(math.log(16), 0.9))
        for _visit in range(1 + min(4, int(rng.expovariate(1 / 1.2)))):
            if happened >= now:
                break
            visits.append(happened)
            happened += rng.uniform(7, 35) * DAY
        if visits:  # the first check-in is first contact
            request.first_contacted_on = visits[0].astimezone(org.zone).date()
        closed = None
        if visits and rng.random() < 0.88:
            closed = visits[-1] + rng.uniform(0, 3) * DAY
            if closed < now:
                request.status = SupportRequest.Status.CLOSED
                request.closed_at, request.outcome = closed, weighted(rng, SUPPORT_OUTCOMES)
            else:
                closed = None
        busy[supporter.user_id].append(
            (assigned, closed or datetime.datetime.max.replace(tzinfo=UTC))
        )
        rows.append(request)
        plans.append((request, visits))
    h.writer.add(SupportRequest, [r for r in rows if r is not None])
    _write_checkins(h, org, plans)
    return rows


def _write_checkins(h: History, org: OrgPlan, plans) -> None:
    """The supporters' check-ins, each but a closing one with the next one due."""
    checkins = []
    for request, visits in plans:
        for n, happened in enumerate(visits):
            last = n == len(visits) - 1
            next_due = None
            if not last or request.status != SupportRequest.Status.CLOSED:
                next_due = happened.astimezone(org.zone).date() + FOLLOW_UP_AFTER
            checkins.append(
                CheckIn(
                    request_id=request.pk,
                    happened_at=happened,
                    mode=request.contact_mode,
                    notes="Talked it through; agreed to speak again." if not last else "",
                    next_due=next_due,
                    logged_by_id=request.supporter_id,
                    created_at=min(happened + HOUR, h.now),
                )
            )
    h.writer.add(CheckIn, checkins)
