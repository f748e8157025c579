"""The plan of a run: people, programmes, supervisors, pairs and sessions."""

import bisect
import datetime
import zoneinfo
from dataclasses import dataclass, field

from kernel.models import Department, Organisation, PeriodKind, Programme
from supervision.allowances import add_months
from supervision.models import Session

from .constants import QUARTER, UTC


@dataclass(eq=False)
class Person:
    number: int
    first: str
    last: str
    department: Department
    profession: str
    band: str
    title: str
    mood: float
    role: str = ""  # manager, supervisor, facilitator, supporter
    manager: "Person | None" = None
    user_id: int = 0
    profile_id: int = 0
    supervised_from: datetime.datetime | None = None
    in_group: bool = False
    supervises: object = None  # the ProgrammePlan a generated supervisor works in


@dataclass(eq=False)
class ProgrammePlan:
    programme: Programme
    questions: list
    opens: datetime.datetime
    closes: datetime.datetime
    departments: set
    participation: float = 0.75
    target: int | None = None

    def eligible(self, person: Person) -> bool:
        """supervision.allowances.eligibility, without a query per person."""
        p = self.programme
        if p.eligible_everyone:
            return True
        if p.eligible_bands and person.band not in p.eligible_bands:
            return False
        if p.eligible_professions and person.profession not in p.eligible_professions:
            return False
        return not self.departments or person.department.pk in self.departments

    @property
    def rate(self) -> float:
        """Sessions a month a participant is aimed at: most of the allowance, not all."""
        p = self.programme
        if p.allowance_sessions is None:
            return 1.0
        if p.period_kind == PeriodKind.ROLLING:
            return 0.85 * p.allowance_sessions / p.rolling_months
        return 0.95 * p.allowance_sessions / max((self.closes - self.opens).days / 30.4, 1)

    def counts(self, status: str, by: str, late: bool) -> bool:
        """Whether a session uses up allowance (supervision.allowances.counted_sessions)."""
        p = self.programme
        if status in (Session.Status.BOOKED, Session.Status.ATTENDED):
            return True
        if status == Session.Status.DID_NOT_ATTEND:
            return p.did_not_attend_counts
        return p.late_cancellation_counts and late and by == Session.CancelledBy.SUPERVISEE

    def allows(self, counted: list, start: datetime.datetime) -> bool:
        """Whether one more counted session at `start` keeps every booking within the
        allowance, booked in date order (supervision.allowances.allowance)."""
        p = self.programme
        if p.allowance_sessions is None:
            return True
        if p.period_kind == PeriodKind.FIXED:
            return len(counted) < p.allowance_sessions  # opens..closes is the one period
        trial = sorted([*counted, start])
        horizon = add_months(start, p.rolling_months)
        for u in trial[bisect.bisect_left(trial, start) :]:
            if u >= horizon:
                break
            before = bisect.bisect_left(trial, u) - bisect.bisect_left(
                trial, add_months(u, -p.rolling_months)
            )
            if before >= p.allowance_sessions:
                return False
        return True


@dataclass(frozen=True)
class Window:
    weekday: int
    start: datetime.time
    end: datetime.time
    valid_from: datetime.date
    mode: str
    link: str
    location: str


@dataclass(eq=False)
class SupervisorPlan:
    user_id: int
    windows: list
    quality: float
    capacity: int
    programmes: list
    person: Person | None = None  # None: a demo supervisor who keeps their own set-up
    pairs: int = 0
    slots: dict = field(default_factory=dict)


@dataclass(eq=False)
class Pair:
    programme: ProgrammePlan
    supervisee: Person
    supervisor: SupervisorPlan
    joins: datetime.datetime
    until: datetime.datetime
    weight: float
    history_only: bool = False  # an agreement that has ended (demo supervisors)
    counted: list = field(default_factory=list)
    sessions: list = field(default_factory=list)
    months: tuple | None = None
    agreement_id: int = 0


class PlannedSession:
    __slots__ = (
        "by",
        "cancelled_at",
        "created",
        "end",
        "late",
        "logged",
        "pair",
        "start",
        "status",
        "window",
    )

    def __init__(self, pair, start, end, window, created):
        self.pair, self.start, self.end, self.window = pair, start, end, window
        self.created, self.status, self.by = created, Session.Status.BOOKED, ""
        self.cancelled_at, self.late, self.logged = None, False, None


@dataclass(eq=False)
class OrgPlan:
    organisation: Organisation
    departments: list
    themes: list  # (id, name)
    programmes: list  # one-to-one ProgrammePlan
    group_programme: ProgrammePlan | None
    staff: int
    start: datetime.datetime
    zone: zoneinfo.ZoneInfo = field(init=False)  # set as its history is written (run.py)
    launch: datetime.datetime | None = None  # activity rises from here (the run chart's shift)
    growth: float = 0.0  # gentle growth in activity across the months
    groups: int = 0
    meetings_target: int | None = None
    sessions_target: int | None = None
    existing_supervisors: list = field(default_factory=list)
    people: list = field(default_factory=list)
    supervisors: list = field(default_factory=list)
    facilitators: list = field(default_factory=list)
    supporters: list = field(default_factory=list)
    wellbeing_rate: float = 0.3
    support_rate: float = 0.02


class Busy:
    """Who is busy when, in quarter hours: a session or meeting claims its quarters."""

    def __init__(self):
        self.taken: dict[int, set] = {}

    @staticmethod
    def _quarters(start, end):
        return range(int(start.timestamp()) // QUARTER, -(-int(end.timestamp()) // QUARTER))

    def free(self, user_ids, start, end) -> bool:
        quarters = self._quarters(start, end)
        for user_id in user_ids:
            taken = self.taken.get(user_id)
            if taken and any(q in taken for q in quarters):
                return False
        return True

    def take(self, user_ids, start, end) -> None:
        quarters = self._quarters(start, end)
        for user_id in user_ids:
            self.taken.setdefault(user_id, set()).update(quarters)

    def claim(self, user_ids, spans) -> bool:
        """Take every (start, end) of `spans` for all of `user_ids`, if all are free."""
        spans = list(spans)
        if not all(self.free(user_ids, start, end) for start, end in spans):
            return False
        for start, end in spans:
            self.take(user_ids, start, end)
        return True


def weighted(rng, pairs):
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights=weights)[0]


def month_key(moment, zone):
    local = moment.astimezone(zone)
    return local.year, local.month


def next_month(year: int, month: int) -> tuple[int, int]:
    return (year + 1, 1) if month == 12 else (year, month + 1)


def christmas(day: datetime.date) -> bool:
    return (day.month == 12 and day.day >= 24) or (day.month == 1 and day.day == 1)


def local_moment(zone, day: datetime.date, at: datetime.time) -> datetime.datetime:
    """`at` o'clock on `day` in `zone`, in UTC."""
    return datetime.datetime.combine(day, at, tzinfo=zone).astimezone(UTC)
