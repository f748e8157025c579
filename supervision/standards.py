"""Supervision standards: is each person up to date, due soon or overdue?

A programme may set a minimum frequency ("at least once every 8 weeks", "at
least 4 sessions a period"); where it sets none, the organisation's default for
the person's profession applies (`ProfessionStandard`). This module is the one
place that says what those rules mean:

- held sessions count: one-to-one sessions attended (in the programme, for a
  programme's own standard; in any of the organisation's programmes, for a
  profession's default) and, where the rule says so, group meetings the person
  was present at. Booked sessions not yet held do not count; they are shown.
- "every N weeks": due N weeks after the last held session (or after the
  person started, if they have had none).
- "N a period": the period is the programme's fixed allowance period, or the
  NHS financial year (1 April to 31 March); the k-th session is due k/N of the
  way through it (from the person's start, if they started during it).
- due soon: due within DUE_SOON_DAYS; overdue: the due date has passed.
  A person under several standards has the most urgent one.

Dates are the organisation's (a session at 00:30 on a summer night counts on
that day, not the UTC one before). For a list, `standings` asks a constant
number of queries however many people there are.
"""

import datetime
import math
import zoneinfo
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db.models import (
    BooleanField,
    Count,
    DateTimeField,
    ExpressionWrapper,
    IntegerField,
    Max,
    OuterRef,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kernel.dates import today_in
from kernel.eligibility import rule_q
from kernel.models import (
    Organisation,
    PeriodKind,
    Programme,
    StaffProfile,
    StandardKind,
    StandardRule,
)
from kernel.prepared import PreparedForIds

from .models import ProfessionStandard, Session

DUE_SOON_DAYS = 14

UP_TO_DATE = "up_to_date"
DUE_SOON = "due_soon"
OVERDUE = "overdue"
NOT_APPLICABLE = "not_applicable"
STATUS_LABELS = {
    UP_TO_DATE: _("Up to date"),
    DUE_SOON: _("Due soon"),
    OVERDUE: _("Overdue"),
    NOT_APPLICABLE: _("No standard"),
}
STATUS_COLOURS = {UP_TO_DATE: "green", DUE_SOON: "yellow", OVERDUE: "red", NOT_APPLICABLE: "grey"}


@dataclass(frozen=True)
class Rule:
    kind: str
    number: int  # weeks, or sessions a period
    counts_groups: bool
    programme_id: int | None  # whose sessions count; None: any of the organisation's
    period: tuple[datetime.date, datetime.date] | None = None  # for "N a period"
    since: datetime.date | None = None  # StandardRule.standard_from: nothing due before it


@dataclass(frozen=True)
class Standing:
    status: str
    due_on: datetime.date | None = None
    programme_id: int | None = None  # the programme whose standard it is, to book in

    @property
    def overdue_since(self) -> datetime.date | None:
        if self.status != OVERDUE or self.due_on is None:
            return None
        return self.due_on + datetime.timedelta(days=1)

    @property
    def label(self) -> str:
        return str(STATUS_LABELS[self.status])

    @property
    def colour(self) -> str:
        return STATUS_COLOURS[self.status]

    @property
    def needs_attention(self) -> bool:
        return self.status in (DUE_SOON, OVERDUE)


NO_STANDARD = Standing(NOT_APPLICABLE)


def financial_year(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The NHS financial year containing `today`: 1 April to 31 March."""
    first = today.year if today.month >= 4 else today.year - 1
    return datetime.date(first, 4, 1), datetime.date(first + 1, 3, 31)


def period_for(programme: Programme | None, today: datetime.date):
    """The programme's fixed allowance period if today is in it, else the financial year."""
    if (
        programme is not None
        and programme.period_kind == PeriodKind.FIXED
        and programme.period_end is not None
    ):
        start = programme.period_start or (programme.period_end - datetime.timedelta(days=364))
        if start <= today <= programme.period_end:
            return start, programme.period_end
    return financial_year(today)


def rule_of(
    source: StandardRule, today: datetime.date, programme: Programme | None = None
) -> Rule | None:
    """The rule a programme (its own) or a profession default states, or None."""
    if source.standard_kind == StandardKind.EVERY_WEEKS and source.standard_weeks:
        number, period = source.standard_weeks, None
    elif source.standard_kind == StandardKind.PER_PERIOD and source.standard_sessions:
        number, period = source.standard_sessions, period_for(programme, today)
    else:
        return None
    return Rule(
        kind=source.standard_kind,
        number=number,
        counts_groups=source.standard_counts_groups,
        programme_id=programme.pk if programme is not None else None,
        period=period,
        since=source.standard_from,
    )


def standard_key(source: StandardRule) -> tuple:
    """What a standard states; when it changes, it is counted afresh (`standard_counted_from`)."""
    return (source.standard_kind, source.standard_weeks, source.standard_sessions)


def standard_counted_from(source: StandardRule, before: tuple | None, time_zone: str) -> None:
    """Set `source.standard_from` to today (the organisation's date) when a standard is new
    or states something else than `before` (its `standard_key` before the change): a
    standard adopted today makes nobody overdue for the years before it. The one place
    that decides it, for programmes and profession defaults alike."""
    if not source.standard_kind:
        source.standard_from = None
    elif before is None or standard_key(source) != before or source.standard_from is None:
        source.standard_from = today_in(time_zone)


def due_date(
    rule: Rule, *, last_held: datetime.date | None, held_in_period: int, baseline: datetime.date
) -> datetime.date:
    """When the next held session is due under `rule` (the last day it may be)."""
    if rule.since is not None:
        baseline = max(baseline, rule.since)
    if rule.kind == StandardKind.EVERY_WEEKS:
        anchor = max(last_held, baseline) if last_held else baseline
        return anchor + datetime.timedelta(weeks=rule.number)
    if rule.period is None:
        raise ValueError("A rule of so many a period has a period.")
    start, end = rule.period
    if held_in_period >= rule.number:
        # Done for this period: the first of the next is due a share into it.
        length = (end - start).days + 1
        return end + datetime.timedelta(days=math.ceil(length / rule.number))
    begin = max(start, baseline)
    span = (end - begin).days + 1
    return begin + datetime.timedelta(days=math.ceil((held_in_period + 1) * span / rule.number) - 1)


def standing_on(today: datetime.date, due_on: datetime.date, programme_id=None) -> Standing:
    if due_on < today:
        return Standing(OVERDUE, due_on, programme_id)
    if (due_on - today).days <= DUE_SOON_DAYS:
        return Standing(DUE_SOON, due_on, programme_id)
    return Standing(UP_TO_DATE, due_on, programme_id)


def most_urgent(standings: Iterable[Standing]) -> Standing:
    dated = [s for s in standings if s.due_on is not None]
    return min(dated, key=lambda s: s.due_on) if dated else NO_STANDARD  # type: ignore[arg-type,return-value]


# --- Group meetings, which the groups app counts ------------------------------------

# (user OuterRef) -> a queryset of meetings the person was present at, with the
# meeting's start as `starts_at`; registered by peergroups.
_GROUP_PRESENCE: list[Callable] = []


def register_group_presence(meetings: Callable) -> None:
    if meetings not in _GROUP_PRESENCE:
        _GROUP_PRESENCE.append(meetings)


# --- Many people at once ------------------------------------------------------------


def _local_midnight(day: datetime.date, zone: zoneinfo.ZoneInfo) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=zone)


def _held_sessions(programme_id: int | None, now) -> QuerySet:
    held = Session.objects.filter(
        supervisee_id=OuterRef("user_id"),
        programme__organisation_id=OuterRef("organisation_id"),
        status=Session.Status.ATTENDED,
        starts_at__lte=now,
    )
    if programme_id is not None:
        held = held.filter(programme_id=programme_id)
    return held.order_by().values("supervisee_id")


def _meetings() -> QuerySet | None:
    if not _GROUP_PRESENCE:
        return None
    return _GROUP_PRESENCE[0](OuterRef("user_id"))


def _last(queryset: QuerySet):
    return Subquery(
        queryset.annotate(last=Max("starts_at")).values("last")[:1], output_field=DateTimeField()
    )


def _count(queryset: QuerySet, since: datetime.datetime):
    counted = queryset.filter(starts_at__gte=since).annotate(n=Count("pk")).values("n")[:1]
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


class _Plan:
    """The annotations a set of rules needs, each named once."""

    def __init__(self, now):
        self.now = now
        self.annotations: dict = {}

    def last(self, source: int | None) -> str:
        name = f"std_last_{source or 'any'}"
        if name not in self.annotations:
            self.annotations[name] = _last(_held_sessions(source, self.now))
        return name

    def count(self, source: int | None, since: datetime.datetime) -> str:
        name = f"std_n_{source or 'any'}_{since:%Y%m%d%H}"
        if name not in self.annotations:
            self.annotations[name] = _count(_held_sessions(source, self.now), since)
        return name

    def meetings_last(self) -> str | None:
        meetings = _meetings()
        if meetings is None:
            return None
        self.annotations.setdefault("std_meet_last", _last(meetings))
        return "std_meet_last"

    def meetings_count(self, since: datetime.datetime) -> str | None:
        meetings = _meetings()
        if meetings is None:
            return None
        name = f"std_meet_n_{since:%Y%m%d%H}"
        self.annotations.setdefault(name, _count(meetings, since))
        return name


@dataclass(frozen=True)
class _Applied:
    rule: Rule
    eligible: str | None  # the annotation saying whether the person may use the programme
    last: str
    count: str | None
    meetings_last: str | None
    meetings_count: str | None


def _apply(plan: _Plan, rule: Rule, zone, eligible: str | None = None) -> _Applied:
    since = _local_midnight(rule.period[0], zone) if rule.period else None
    groups = rule.counts_groups
    return _Applied(
        rule=rule,
        eligible=eligible,
        last=plan.last(rule.programme_id),
        count=plan.count(rule.programme_id, since) if since else None,
        meetings_last=plan.meetings_last() if groups else None,
        meetings_count=plan.meetings_count(since) if groups and since else None,
    )


def _date(value, zone) -> datetime.date | None:
    return timezone.localtime(value, zone).date() if value is not None else None


def _standing(applied: _Applied, row: dict, zone, today, baseline) -> Standing:
    lasts = [_date(row[applied.last], zone)]
    held = row[applied.count] if applied.count else 0
    if applied.meetings_last:
        lasts.append(_date(row[applied.meetings_last], zone))
    if applied.meetings_count:
        held += row[applied.meetings_count]
    known = [d for d in lasts if d is not None]
    due = due_date(
        applied.rule,
        last_held=max(known) if known else None,
        held_in_period=held,
        baseline=baseline,
    )
    return standing_on(today, due, applied.rule.programme_id)


# Asked on every home page: built once for each number of organisations.
_standard_programmes_of = PreparedForIds(
    lambda ids: (
        Programme.objects.filter(organisation_id__in=ids, is_active=True)
        .exclude(standard_kind=StandardKind.NONE)
        .prefetch_related("eligible_departments")
    )
)
_profession_standards_of = PreparedForIds(
    lambda ids: ProfessionStandard.objects.filter(organisation_id__in=ids)
)


def _programmes_with_standards(organisation_ids, programme: Programme | None):
    if programme is not None:
        return [programme] if programme.standard_kind else []
    return _standard_programmes_of(organisation_ids)


def standings(
    people: QuerySet,
    *,
    now=None,
    programme: Programme | None = None,
    organisation: Organisation | None = None,
) -> dict[int, Standing]:
    """{staff profile id: Standing} for `people` (a StaffProfile queryset).

    With `programme`, under that programme's standard (or, if it sets none, the
    profession's default); without, under every standard of a programme the
    person may use (or, if none, their profession's default), the most urgent.
    Six queries, however many people; four where the caller names the one
    `organisation` all of `people` belong to.
    """
    now = now or timezone.now()
    if organisation is not None:
        organisation_ids = {organisation.pk}
        names = [(organisation.pk, organisation.time_zone)]
    else:
        organisation_ids = set(people.values_list("organisation_id", flat=True).distinct())
        if not organisation_ids:
            return {}
        names = list(
            Organisation.objects.filter(pk__in=organisation_ids).values_list("pk", "time_zone")
        )
    own = _programmes_with_standards(organisation_ids, programme)
    defaults = _profession_standards_of(organisation_ids)
    zones = {pk: zoneinfo.ZoneInfo(name) for pk, name in names}
    plan = _Plan(now)
    by_programme: dict[int, list[_Applied]] = {}
    for index, item in enumerate(own):
        zone = zones[item.organisation_id]
        rule = rule_of(item, timezone.localtime(now, zone).date(), item)
        if rule is None:
            continue
        eligible = None
        if programme is None:
            eligible = f"std_may_{index}"
            plan.annotations[eligible] = ExpressionWrapper(
                rule_q(item, "", [item.organisation_id]), output_field=BooleanField()
            )
        by_programme.setdefault(item.organisation_id, []).append(_apply(plan, rule, zone, eligible))
    by_profession: dict[tuple[int, str], _Applied] = {}
    for default in defaults:
        zone = zones[default.organisation_id]
        rule = rule_of(default, timezone.localtime(now, zone).date())
        if rule is not None:
            by_profession[(default.organisation_id, default.profession)] = _apply(plan, rule, zone)
    if not by_programme and not by_profession:
        return {}
    rows = people.order_by().values(
        "pk", "organisation_id", "profession", "start_date", "created_at"
    )
    result = {}
    for row in rows.annotate(**plan.annotations):
        zone = zones[row["organisation_id"]]
        today = timezone.localtime(now, zone).date()
        baseline = row["start_date"] or _date(row["created_at"], zone)
        applying = [
            a
            for a in by_programme.get(row["organisation_id"], [])
            if a.eligible is None or row[a.eligible]
        ]
        if not applying and (row["organisation_id"], row["profession"]) in by_profession:
            applying = [by_profession[(row["organisation_id"], row["profession"])]]
        result[row["pk"]] = most_urgent(_standing(a, row, zone, today, baseline) for a in applying)
    return result


def booked_not_held(programme: Programme | None = None, now=None):
    """An annotation for StaffProfile: one-to-one sessions booked and not yet held."""
    booked = Session.objects.filter(
        supervisee_id=OuterRef("user_id"),
        programme__organisation_id=OuterRef("organisation_id"),
        status=Session.Status.BOOKED,
        ends_at__gt=now or timezone.now(),
    )
    if programme is not None:
        booked = booked.filter(programme_id=programme.pk)
    counted = booked.order_by().values("supervisee_id").annotate(n=Count("pk")).values("n")[:1]
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def standing_of(profile, *, now=None) -> Standing:
    """One person's standing (the home page), in the same few queries."""
    if profile is None:
        return NO_STANDARD
    found = standings(
        StaffProfile.objects.filter(pk=profile.pk), now=now, organisation=profile.organisation
    )
    return found.get(profile.pk, NO_STANDARD)
