"""Groups: reflective practice, group supervision, preceptorship and peer-support
groups meeting since they started, with members who come and go, registers,
records and feedback, and their meetings still to come."""

import datetime
import string
from collections import Counter

from kernel.models import Band
from peergroups.models import Attendance, Group, GroupRecord, GroupSession, GroupType, Membership
from peergroups.recurrence import occurrences
from peergroups.services.groups import HORIZON as GROUP_HORIZON
from supervision.models import Commitment, Mode

from .constants import DAY, GROUP_KINDS, GROUP_NOTES, LEAVING_REASONS, MEETING, SYSTEMIC_ISSUES, UTC
from .feedback import feedback_row, write_feedback
from .plan import OrgPlan, weighted
from .state import History
from .writer import commitment_row, meeting_link


def add_groups(h: History, org: OrgPlan) -> None:
    """Groups at their monthly (or fortnightly) rhythm since they started, with
    registers, records and feedback, and their meetings for the next 6 months."""
    programme = org.group_programme
    if programme is None or not org.groups or not org.facilitators:
        return
    rng = h.rng
    today = h.now.astimezone(org.zone).date()
    first_day = org.start.astimezone(org.zone).date()
    pool = [p for p in org.people if p.role in ("", "supporter")]
    rng.shuffle(pool)
    load: Counter[int] = Counter()
    names: Counter[str] = Counter()
    plans, meetings_made = [], 0
    for n in range(org.groups):
        if org.meetings_target is not None and meetings_made >= org.meetings_target:
            break
        kind = GROUP_KINDS[n % len(GROUP_KINDS)]
        department = org.departments[n % len(org.departments)]
        free = [f for f in org.facilitators if load[f] < 2]
        if not free:
            break
        facilitators = rng.sample(free, min(len(free), 2 if rng.random() < 0.6 else 1))
        starts_on = first_day
        if rng.random() < 0.35 and (today - first_day).days > 120:
            starts_on += datetime.timedelta(days=rng.randint(40, (today - first_day).days - 60))
        plan = _schedule(h, org, kind, facilitators, starts_on, today + GROUP_HORIZON)
        if plan is None:
            continue
        name = f"{GroupType(kind).label}: {department.name}"
        names[name] += 1
        if names[name] > 1:  # a second group of the kind in the department
            name += f" {string.ascii_uppercase[(names[name] - 1) % 26]}"
        plan.update(name=name, kind=kind)
        plan["members"] = _members(h, org, plan, pool, department)
        for f in facilitators:
            load[f] += 1
        plans.append(plan)
        meetings_made += len(plan["meetings"])
    _write_groups(h, org, plans)


def _schedule(h: History, org, kind, facilitators, starts_on, last):
    """A rhythm whose meetings up to `last` all fit the facilitators' time, or None."""
    rng = h.rng
    ids = [f.user_id for f in facilitators]
    for _attempt in range(40):
        fortnightly = kind == GroupType.PRECEPTORSHIP and rng.random() < 0.5
        start_time = datetime.time(rng.randint(9, 15), rng.choice((0, 30)))
        end_time = (datetime.datetime.combine(starts_on, start_time) + MEETING).time()
        schedule = {
            "recurrence": "fortnightly" if fortnightly else "monthly",
            "weekday": rng.randint(0, 4),
            "week_of_month": rng.randint(1, 4),
            "start_time": start_time,
            "end_time": end_time,
            "starts_on": starts_on,
        }
        found = occurrences(
            **schedule,
            ends_on=None,
            time_zone=org.organisation.time_zone,
            date_from=starts_on,
            date_to=last,
        )
        meetings = []
        for o in found:
            start, end = o.starts_at.astimezone(UTC), o.ends_at.astimezone(UTC)
            cancelled = end <= h.now and rng.random() < 0.04
            meetings.append([o.date, start, end, cancelled, None])
        if h.busy.claim(ids, [(m[1], m[2]) for m in meetings if not m[3]]):
            return {**schedule, "facilitators": facilitators, "meetings": meetings}
    return None


def _members(h: History, org, plan, pool, department):
    """Members with their time in the group: most stay, some leave and are replaced."""
    rng = h.rng
    held = [m for m in plan["meetings"] if not m[3]]
    begins = h.local(org, plan["starts_on"], datetime.time(9)) - rng.randint(3, 20) * DAY
    # Free people of the department first (Band 5 first for preceptorship), then the
    # rest, in the pool's order: read lazily, as far as the group needs, not the whole
    # staff twice per group. Only people already read join, so the order is the same.
    first = [lambda p: p.department.pk == department.pk]
    if plan["kind"] == GroupType.PRECEPTORSHIP:
        first = [
            lambda p: p.department.pk == department.pk and p.band == Band.BAND_5,
            lambda p: p.department.pk == department.pk and p.band != Band.BAND_5,
        ]
    tests = [*first, lambda p: p.department.pk != department.pk]
    candidates = (p for test in tests for p in pool if test(p) and not p.in_group)
    members = []

    def join(joined, leaves):
        for person in candidates:
            ends = None
            if leaves and h.now - joined > 90 * DAY:
                ends = h.between(joined + 60 * DAY, h.now - 14 * DAY)
            mine = [m for m in held if joined <= m[1] and (ends is None or m[1] < ends)]
            if not h.busy.claim([person.user_id], [(m[1], m[2]) for m in mine]):
                continue
            person.in_group = True
            members.append(
                {
                    "person": person,
                    "joined": joined,
                    "ends": ends,
                    "presence": min(0.95, max(0.4, rng.gauss(0.78, 0.1))),
                }
            )
            return members[-1]
        return None

    seats = rng.randint(6, 8)
    leaving = set(rng.sample(range(seats), round(seats * 0.2)))  # some move on
    for seat in range(seats):
        member = join(begins, seat in leaving)
        while member is not None and member["ends"] is not None:
            replaced = member["ends"] + rng.randint(10, 40) * DAY
            member = join(replaced, False) if replaced < h.now - 7 * DAY else None
    return members


def _write_groups(h: History, org, plans) -> None:
    """The groups with their facilitators, meetings and members, then what happened
    at the meetings."""
    if not plans:
        return
    programme = org.group_programme
    groups = h.writer.add(
        Group,
        (
            Group(
                programme=programme.programme,
                organisation=org.organisation,
                name=plan["name"],
                group_type=plan["kind"],
                capacity=8,
                mode=Mode.ONLINE,
                meeting_link=meeting_link(f"group-{org.organisation.pk}-{n}"),
                recurrence=plan["recurrence"],
                weekday=plan["weekday"],
                week_of_month=plan["week_of_month"],
                start_time=plan["start_time"],
                end_time=plan["end_time"],
                starts_on=plan["starts_on"],
                created_at=h.local(org, plan["starts_on"], datetime.time(9)) - 21 * DAY,
            )
            for n, plan in enumerate(plans, start=1)
        ),
    )
    h.writer.links(
        Group.facilitators,
        [group.pk for group in groups],
        [[f.user_id for f in plan["facilitators"]] for plan in plans],
    )
    meetings = h.writer.add(
        GroupSession,
        (
            GroupSession(
                uid=h.new_uuid(),
                group_id=group.pk,
                occurrence=m[0],
                starts_at=m[1],
                ends_at=m[2],
                status=GroupSession.Status.CANCELLED if m[3] else GroupSession.Status.SCHEDULED,
                sequence=1 if m[3] else 0,
            )
            for group, plan in zip(groups, plans, strict=True)
            for m in plan["meetings"]
        ),
    )
    rows = iter(meetings)
    for plan in plans:
        for m in plan["meetings"]:
            m[4] = next(rows).pk
    _write_memberships(h, org, groups, plans)
    _write_meetings(h, org, plans)


def _write_meetings(h: History, org, plans) -> None:
    """Registers, records and feedback of the meetings held; the time promised to
    those still to come."""
    rng, now = h.rng, h.now
    programme = org.group_programme
    marks, records, record_themes, feedback, commitments = [], [], [], [], []
    for plan in plans:
        quality = rng.gauss(4.3, 0.2)
        facilitator_ids = [f.user_id for f in plan["facilitators"]]
        for _day, start, end, cancelled, pk in plan["meetings"]:
            if cancelled:
                continue
            present = [
                m for m in plan["members"] if m["joined"] <= start and (m["ends"] or end) >= end
            ]
            if end > now:
                ids = facilitator_ids + [m["person"].user_id for m in present if not m["ends"]]
                commitments += [commitment_row(u, start, end, group_session_id=pk) for u in ids]
                continue
            if not (rng.random() < 0.95 if now - end > 3 * DAY else rng.random() < 0.5):
                continue
            for member in present:
                r = rng.random()
                status = Attendance.Status.PRESENT
                if r > member["presence"]:
                    status = weighted(
                        rng, [(Attendance.Status.APOLOGIES, 3), (Attendance.Status.ABSENT, 2)]
                    )
                marks.append(
                    {"session_id": pk, "user_id": member["person"].user_id, "status": status}
                )
                if status == Attendance.Status.PRESENT and rng.random() < 0.35:
                    submitted = h.after(end, 24)
                    if submitted < now:
                        response = feedback_row(
                            author_id=member["person"].user_id,
                            programme_id=programme.programme.pk,
                            group_session_id=pk,
                            submitted_at=submitted,
                        )
                        feedback.append((response, programme.questions, quality))
            written = h.after(end, 24)
            if rng.random() < 0.82 and written < now:
                records.append(
                    GroupRecord(
                        session_id=pk,
                        functions=h.functions(0.9, 0.6, 0.2, 0.25),
                        notes=rng.choice(GROUP_NOTES) if rng.random() < 0.3 else "",
                        systemic_issues=(rng.choice(SYSTEMIC_ISSUES) if rng.random() < 0.3 else ""),
                        written_by_id=rng.choice(facilitator_ids),
                        written_at=written,
                    )
                )
                record_themes.append(h.themes(org, start))
    h.writer.rows(Attendance, marks)
    h.writer.add(GroupRecord, records)
    h.writer.links(GroupRecord.themes, [record.pk for record in records], record_themes)
    write_feedback(h, feedback)
    h.writer.rows(Commitment, commitments)


def _write_memberships(h: History, org, groups, plans) -> None:
    """Members past and present, and a waiting list for some full groups."""
    rng, rows = h.rng, []
    # Who could wait: made once, not once per full group (that was the whole staff
    # scanned per group, quadratic at region scale); only this loop changes it.
    waiting = [p for p in org.people if p.role == "" and not p.in_group]
    for group, plan in zip(groups, plans, strict=True):
        for m in plan["members"]:
            rows.append(
                Membership(
                    group_id=group.pk,
                    user_id=m["person"].user_id,
                    state=Membership.State.LEFT if m["ends"] else Membership.State.ACTIVE,
                    requested_at=m["joined"] - rng.randint(1, 10) * DAY,
                    joined_at=m["joined"],
                    ended_at=m["ends"],
                    reason=rng.choice(LEAVING_REASONS) if m["ends"] else "",
                )
            )
        active = sum(1 for m in plan["members"] if not m["ends"])
        if active >= 8 and rng.random() < 0.4:
            for person in rng.sample(waiting, min(len(waiting), rng.randint(1, 2))):
                person.in_group = True
                waiting.remove(person)
                since = h.now - rng.randint(5, 60) * DAY
                rows.append(
                    Membership(
                        group_id=group.pk,
                        user_id=person.user_id,
                        state=Membership.State.WAITING,
                        requested_at=since - rng.randint(1, 5) * DAY,
                        waiting_since=since,
                    )
                )
    h.writer.add(Membership, rows)
