"""Supervisors and who they supervise: generated supervisors with their weekly
windows, training and programmes, participants shared among them, and a few past
supervisees for the demo's own supervisors."""

import datetime
import math

from supervision.availability import DEFAULT_HORIZON as BOOKING_HORIZON
from supervision.models import Mode, SupervisorProfile, TrainingRecord, WeeklyAvailability

from .constants import DAY
from .plan import OrgPlan, Pair, ProgrammePlan, SupervisorPlan, Window, weighted
from .state import History
from .writer import meeting_link


def _windows(h: History, org, user_id) -> list:
    """Two or three weekly windows in working hours, mostly online."""
    rng = h.rng
    valid_from = (org.start - 30 * DAY).astimezone(org.zone).date()
    windows = []
    for weekday in sorted(rng.sample(range(5), rng.choice((2, 2, 3)))):
        hour = rng.choice((9, 10, 11, 13, 14, 15))
        length = 2 if hour == 15 else rng.choice((2, 3))
        in_person = rng.random() < 0.15
        windows.append(
            Window(
                weekday=weekday,
                start=datetime.time(hour),
                end=datetime.time(hour + length),
                valid_from=valid_from,
                mode=Mode.IN_PERSON if in_person else Mode.ONLINE,
                link="" if in_person else meeting_link(user_id),
                location="Education centre, room 3" if in_person else "",
            )
        )
    return windows


def make_pairs(h: History, org: OrgPlan) -> list:
    """The generated supervisors, and a supervisor for each participant."""
    rng, now = h.rng, h.now
    for person in org.people:
        if person.role == "supervisor":
            org.supervisors.append(
                SupervisorPlan(
                    user_id=person.user_id,
                    windows=_windows(h, org, person.user_id),
                    quality=min(4.8, max(3.4, rng.gauss(4.25, 0.25))),
                    capacity=rng.randint(8, 10),
                    programmes=[person.supervises],
                    person=person,
                )
            )
    pairs = []
    for programme, people in _participants(h, org).items():
        supervisors = [s for s in org.supervisors if programme in s.programmes]
        if not supervisors:
            continue
        room = sum(s.capacity for s in supervisors)
        if len(people) > room:
            extra = math.ceil((len(people) - room) / len(supervisors))
            for s in supervisors:
                s.capacity += extra
        until = min(programme.closes, now + BOOKING_HORIZON)
        latest = max(min(programme.closes, now) - 14 * DAY, programme.opens + DAY)
        for person in people:
            supervisor = weighted(
                rng, [(s, s.capacity - s.pairs) for s in supervisors if s.pairs < s.capacity]
            )
            supervisor.pairs += 1
            joins = _joins(h, org, programme, latest)
            pairs.append(_pair(h, programme, person, supervisor, joins, until))
    return pairs + _past_pairs(h, org)


def _participants(h: History, org: OrgPlan) -> dict:
    """Who takes part in which programme: of two they are eligible for, more often
    the narrower one."""
    rng = h.rng
    wanted: dict[ProgrammePlan, list] = {programme: [] for programme in org.programmes}
    for person in org.people:
        if person.role == "supervisor":
            continue
        eligible = [p for p in org.programmes if p.eligible(person)]
        if not eligible or rng.random() >= max(p.participation for p in eligible):
            continue
        narrow = [p for p in eligible if not p.programme.eligible_everyone]
        programme = rng.choice(narrow if narrow and rng.random() < 0.6 else eligible)
        wanted[programme].append(person)
    return wanted


def _past_pairs(h: History, org: OrgPlan) -> list:
    """Demo supervisors: a few supervisees whose agreements have ended, so their own
    pages have history without taking up their capacity."""
    rng, now = h.rng, h.now
    pairs = []
    for supervisor in org.existing_supervisors:
        people = [p for p in org.people if p.role != "supervisor" and not p.supervised_from]
        rng.shuffle(people)
        chosen = 0
        for person in people:
            if chosen == 3:
                break
            mine = [p for p in supervisor.programmes if p.eligible(person)]
            if not mine:
                continue
            programme = mine[0]
            opens = max(
                programme.opens,
                min(h.local(org, w.valid_from, w.start) for w in supervisor.windows),
            )
            until = min(programme.closes, now) - 14 * DAY
            if until - opens < 30 * DAY:
                continue
            joins = h.between(opens, opens + (until - opens) / 3)
            pair = _pair(h, programme, person, supervisor, joins, until)
            pair.history_only, pair.weight = True, pair.weight * 3
            pairs.append(pair)
            chosen += 1
    return pairs


def _joins(h: History, org, programme, latest) -> datetime.datetime:
    """When a participant's supervision begins. A third were in it already when
    the history begins; the rest join, most of them early, except that a launch
    (Westfield's Band 7 and 8 programme) draws people in from its month on."""
    rng, opens = h.rng, programme.opens
    if opens <= org.start and rng.random() < 0.35:
        return opens
    if org.launch is not None and opens < org.launch < latest and rng.random() < 0.6:
        opens = org.launch
    return opens + (latest - opens) * rng.random() ** 2


def _pair(h: History, programme, person, supervisor, joins, until) -> Pair:
    person.supervised_from = joins
    months = max((until - joins).days / 30.4, 0.25)
    return Pair(
        programme=programme,
        supervisee=person,
        supervisor=supervisor,
        joins=joins,
        until=until,
        weight=h.rng.lognormvariate(0, 0.45) * months,
    )


def insert_supervisors(h: History, org: OrgPlan) -> None:
    """Generated supervisors' profiles, programmes, training and weekly windows."""
    rng = h.rng
    mine = [s for s in org.supervisors if s.person is not None]
    profiles = h.writer.add(
        SupervisorProfile,
        (
            SupervisorProfile(
                user_id=s.user_id,
                meeting_link=meeting_link(s.user_id),
                capacity=s.capacity,
                accepting_new=s.pairs < s.capacity,
            )
            for s in mine
        ),
    )
    h.writer.links(
        SupervisorProfile.programmes,
        [profile.pk for profile in profiles],
        [[p.programme.pk for p in s.programmes] for s in mine],
    )
    training = []
    for profile, s in zip(profiles, mine, strict=True):
        kind = rng.choice((TrainingRecord.Kind.RESTORATIVE, "clinical_supervision"))
        if "PNA" in s.programmes[0].programme.name:
            kind = TrainingRecord.Kind.PNA
        completed = org.start.date() - rng.randint(90, 1000) * DAY
        training.append(
            TrainingRecord(
                supervisor_id=profile.pk,
                kind=kind,
                completed_on=completed,
                renewal_due=completed + 3 * 365 * DAY,
            )
        )
    h.writer.add(TrainingRecord, training)
    h.writer.add(
        WeeklyAvailability,
        (
            WeeklyAvailability(
                supervisor_id=s.user_id,
                weekday=w.weekday,
                start_time=w.start,
                end_time=w.end,
                valid_from=w.valid_from,
                mode=w.mode,
                meeting_link=w.link,
                location=w.location,
            )
            for s in mine
            for w in s.windows
        ),
    )
