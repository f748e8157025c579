"""What the supervision app offers the engagement reports: querysets, never rows.

Each function takes a `reports.scope.ReportScope` and returns a queryset over
this app's tables, annotated with the names the reports app counts by:
`month` (the month in the organisation's zone), `person` (the user the figure
is about) and, where useful, `category`. The counting, and the suppression of
small numbers, happen in the reports app, in the database.
"""

import bisect
import datetime

from django.db import connection
from django.db.models import Case, CharField, Count, F, Func, IntegerField, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce

from kernel.eligibility import rule_q
from kernel.facts import fact_rows
from kernel.models import Department, Modality, Organisation, Programme, StaffProfile, Theme
from kernel.prepared import PreparedQuery

from .allowances import add_months
from .models import AvailabilitySlot, Session, SessionRecord, WeeklyAvailability

# The order the activity table shows; each session falls in exactly one.
ACTIVITY = (
    ("attended", "Attended"),
    ("did_not_attend", "Did not attend"),
    ("cancelled_late", "Cancelled late by the supervisee"),
    ("cancelled_supervisee", "Cancelled in time by the supervisee"),
    ("cancelled_supervisor", "Cancelled by the supervisor"),
    ("booked", "Booked, not yet logged"),
)

ATTENDED = Q(status=Session.Status.ATTENDED)


# An organisation's name, for a report's caption: its SQL built once per process.
_name_of = PreparedQuery(
    lambda organisation_id: (
        Organisation.objects.filter(pk=organisation_id).order_by().values_list("name")[:1]
    )
)


def organisation_name(scope) -> str:
    found = _name_of(scope.organisation_id)
    return found[0][0] if found else ""


def filter_names(scope) -> dict[str, str]:
    """{"department"/"programme": name} of the filters in use ("?" for one that is not
    the organisation's), one query each."""
    found = {}
    for key, model, pk in (
        ("department", Department, scope.department_id),
        ("programme", Programme, scope.programme_id),
    ):
        if pk is not None:
            mine = model.objects.filter(organisation_id=scope.organisation_id, pk=pk)
            found[key] = mine.values_list("name", flat=True).first() or "?"
    return found


def programmes(scope) -> list[Programme]:
    """The organisation's programmes the report covers (two queries)."""
    return organisation_programmes(scope.organisation_id, scope.programme_id)


def organisation_programmes(organisation_id: int, programme_id: int | None = None):
    """The organisation's programmes (or the one of them), by name, with their eligible
    departments (two queries)."""
    queryset = Programme.objects.filter(organisation_id=organisation_id)
    if programme_id is not None:
        queryset = queryset.filter(pk=programme_id)
    return list(queryset.prefetch_related("eligible_departments").order_by("name"))


def eligible_q(programme: Programme, prefix: str = "") -> Q:
    """Q over StaffProfile fields (through `prefix`) for who may use `programme`.

    The programme's rule as `kernel.eligibility.rule_q` states it for a
    population (allowances.eligibility asks the same rule of one person); the
    programme's eligible departments must be prefetched.
    """
    return rule_q(programme, prefix, [programme.organisation_id])


def population(scope) -> QuerySet:
    """Active staff the report is about."""
    return StaffProfile.objects.active().filter(scope.people_q(""))


def eligible_counts(scope, programme_list) -> dict[int, int]:
    """How many of the population may use each programme, in one query."""
    if not programme_list:
        return {}
    counts = population(scope).aggregate(
        **{f"p{p.pk}": Count("pk", filter=eligible_q(p)) for p in programme_list}
    )
    return {p.pk: counts[f"p{p.pk}"] for p in programme_list}


def eligible_for_any_q(programme_list, prefix: str = "") -> Q:
    query = Q(pk__in=[])
    for programme in programme_list:
        query |= eligible_q(programme, prefix)
    return query


def departments(scope) -> list[tuple[int, str]]:
    """(id, name) of the departments the report's people filter leaves in, by name."""
    queryset = Department.objects.filter(organisation_id=scope.organisation_id)
    if scope.department_id is not None:
        queryset = queryset.filter(pk=scope.department_id)
    return list(queryset.order_by("name", "pk").values_list("pk", "name"))


def coverage_by_department(scope, programme_list, *others) -> tuple[dict, dict]:
    """Eligible and covered people per department, in one query.

    Covered: an attended one-to-one session here or a row of any of `others`
    (querysets with a `person`, such as group presence), in a programme the
    person is eligible for.
    """
    people = population(scope).filter(eligible_for_any_q(programme_list))
    had = Q(user_id__in=covered(scope, programme_list).values("person"))
    for other in others:
        had |= Q(user_id__in=other.values("person"))
    rows = people.values("department_id").annotate(
        eligible=Count("pk"), covered=Count("pk", filter=had)
    )
    eligible, covered_people = {}, {}
    for row in rows.order_by():
        eligible[row["department_id"]] = row["eligible"]
        covered_people[row["department_id"]] = row["covered"]
    return eligible, covered_people


def sessions(scope) -> QuerySet:
    """One-to-one sessions starting in the period, of people in the population."""
    return (
        Session.objects.filter(
            programme__organisation_id=scope.organisation_id,
            starts_at__gte=scope.start,
            starts_at__lt=scope.end,
        )
        .filter(scope.programme_q())
        .filter(scope.people_q("supervisee__profile__"))
        .filter(supervisee__is_active=True)
    )


def activity(scope) -> QuerySet:
    """Sessions with `month`, `person` and `category` (one of ACTIVITY)."""
    cancelled = Q(status=Session.Status.CANCELLED)
    category = Case(
        When(ATTENDED, then=Value("attended")),
        When(status=Session.Status.DID_NOT_ATTEND, then=Value("did_not_attend")),
        When(cancelled & Q(cancelled_by="supervisor"), then=Value("cancelled_supervisor")),
        When(cancelled & Q(late_cancellation=True), then=Value("cancelled_late")),
        When(cancelled, then=Value("cancelled_supervisee")),
        default=Value("booked"),
        output_field=CharField(),
    )
    return sessions(scope).annotate(
        month=scope.month("starts_at"), person=F("supervisee_id"), category=category
    )


def covered(scope, programme_list) -> QuerySet:
    """Attended sessions of people eligible for the session's programme.

    Annotated with `month`, `person` and `programme`, for coverage counts.
    """
    one_to_one = [p for p in programme_list if p.modality == Modality.ONE_TO_ONE]
    eligible = Q(pk__in=[])
    for programme in one_to_one:
        eligible |= Q(programme_id=programme.pk) & eligible_q(programme, "supervisee__profile__")
    return (
        sessions(scope)
        .filter(ATTENDED)
        .filter(eligible)
        .annotate(month=scope.month("starts_at"), person=F("supervisee_id"))
        .annotate(programme_ref=F("programme_id"))
    )


def usage_q(programme: Programme) -> Q:
    """Sessions that use up `programme`'s allowance, by its rules."""
    counted = Q(programme_id=programme.pk) & ATTENDED
    if programme.did_not_attend_counts:
        counted |= Q(programme_id=programme.pk, status=Session.Status.DID_NOT_ATTEND)
    if programme.late_cancellation_counts:
        counted |= Q(
            programme_id=programme.pk,
            status=Session.Status.CANCELLED,
            late_cancellation=True,
            cancelled_by="supervisee",
        )
    return counted


def allowance_used(scope, programme_list) -> dict[int, tuple[int, int]]:
    """Sessions used and people using them, per one-to-one programme, in one query."""
    one_to_one = [p for p in programme_list if p.modality == Modality.ONE_TO_ONE]
    if not one_to_one:
        return {}
    stats = {}
    for programme in one_to_one:
        condition = usage_q(programme)
        stats[f"s{programme.pk}"] = Count("pk", filter=condition)
        stats[f"p{programme.pk}"] = Count("supervisee", filter=condition, distinct=True)
    row = sessions(scope).aggregate(**stats)
    return {p.pk: (row[f"s{p.pk}"], row[f"p{p.pk}"]) for p in one_to_one}


def themes(scope) -> QuerySet:
    """(theme name, records, people) for the sessions in the period."""
    through = SessionRecord.themes.through
    return (
        through.objects.filter(sessionrecord__session__in=sessions(scope).values("pk"))
        .values(theme_name=F("theme__name"))
        .annotate(
            count=Count("sessionrecord", distinct=True),
            people=Count("sessionrecord__session__supervisee", distinct=True),
        )
        .order_by("-count", "theme_name")
    )


def _offering(scope) -> Q:
    """Supervisors whose availability the report counts: of the organisation, and of the
    programme when the report has one."""
    # A subquery on the staff profiles alone: joined through the user, the statement
    # read every user of every organisation (half the offered table's time at 100,000
    # staff, bench/run.py).
    staff = StaffProfile.objects.filter(organisation_id=scope.organisation_id)
    supervisors = Q(supervisor_id__in=staff.values("user_id"))
    if scope.programme_id is not None:
        supervisors &= Q(supervisor__supervisor_profile__programmes=scope.programme_id)
    return supervisors


def offered(scope, weekly_counted_in_python: bool = False) -> dict[datetime.date, tuple[int, int]]:
    """Times supervisors offered, per month: one-off slots plus weekly windows.

    Two queries: the one-off slots grouped by month in the database, and the
    weekly windows counted per month in the database too (`weekly_offered`), so
    no window is read into Python. `weekly_counted_in_python` reads every window
    and counts them here instead (`weekly_windows_by_month`): the computation the
    report used before, kept so tests hold the two equal.
    Returns {month: (times offered, supervisors offering)}.
    """
    slots = (
        AvailabilitySlot.objects.filter(_offering(scope))
        .filter(starts_at__gte=scope.start, starts_at__lt=scope.end)
        .annotate(month=scope.month("starts_at"))
        .values("month")
        .annotate(count=Count("pk", distinct=True), supervisors=Count("supervisor", distinct=True))
    )
    totals: dict[datetime.date, int] = dict.fromkeys(scope.months, 0)
    slot_people: dict[datetime.date, int] = {}
    for row in slots:
        month = _as_month(row["month"], scope)
        if month in totals:
            totals[month] += row["count"]
            slot_people[month] = row["supervisors"]
    if weekly_counted_in_python:
        windows = WeeklyAvailability.objects.filter(_offering(scope)).values_list(
            "supervisor_id", "weekday", "valid_from", "valid_until"
        )
        weeks, offering = weekly_windows_by_month(scope.months, windows)
    else:
        weeks, offering = weekly_offered(scope)
    return {
        month: (count + weeks[index], max(offering[index], slot_people.get(month, 0)))
        for index, (month, count) in enumerate(totals.items())
    }


# Day numbers count from a Monday, so a day's number modulo 7 is its weekday (Monday 0,
# as WeeklyAvailability.weekday and date.weekday() number them).
DAY_ZERO = datetime.date(1970, 1, 5)


def day_number(day: datetime.date) -> int:
    return (day - DAY_ZERO).days


class DayNumber(Func):
    """`day_number` of a date column, in the database (PostgreSQL or SQLite)."""

    output_field = IntegerField()

    def as_postgresql(self, compiler, connection, **extra):
        template = f"(%(expressions)s - DATE '{DAY_ZERO.isoformat()}')"
        return self.as_sql(compiler, connection, template=template, **extra)

    def as_sqlite(self, compiler, connection, **extra):
        zero = DAY_ZERO.isoformat()
        template = f"CAST(julianday(%(expressions)s) - julianday('{zero}') AS INTEGER)"
        return self.as_sql(compiler, connection, template=template, **extra)


def weekly_offered(scope) -> tuple[list[int], list[int]]:
    """Times offered by the weekly windows in each month of the scope, and the distinct
    supervisors offering any: ([times by month], [supervisors by month]), counted in
    the database in one query (what `weekly_windows_by_month` counts in Python).

    A window offers in a month each day of its weekday from the later of its first
    day and the month's first to the earlier of its last day and the month's last:
    with days numbered from a Monday (`day_number`), the days of weekday d up to
    day n are (n - d + 7) / 7, so those from a to b are that at b less that at
    a - 1 (every number is positive, so integer division floors on both databases).
    """
    months = scope.months
    if not months:
        return [], []
    windows = (
        WeeklyAvailability.objects.filter(_offering(scope))
        .order_by()
        .values(
            "supervisor_id",
            "weekday",
            opens=DayNumber("valid_from"),
            closes=Coalesce(DayNumber("valid_until"), Value(day_number(datetime.date.max))),
        )
    )
    sql, params = windows.query.sql_with_params()
    # Two levels: each supervisor's times per month summed first, then those rows
    # counted, so no DISTINCT is needed.
    columns = [f"t{index}" for index in range(len(months))]
    per_supervisor = ", ".join(
        f"SUM({_times_in(month)}) AS {column}"
        for month, column in zip(months, columns, strict=True)
    )
    totals = ", ".join(f"SUM({column})" for column in columns)
    people = ", ".join(f"COUNT(CASE WHEN {column} > 0 THEN 1 END)" for column in columns)
    # Only Django's parameterised SQL, our own names and whole numbers go into the text.
    query = (
        f"SELECT {totals}, {people} FROM "  # noqa: S608
        f"(SELECT supervisor_id, {per_supervisor} FROM ({sql}) AS w GROUP BY supervisor_id) AS s"
    )
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        found = cursor.fetchone()
    count = len(months)
    return [int(n or 0) for n in found[:count]], [int(n or 0) for n in found[count:]]


def _times_in(month: datetime.date) -> str:
    """SQL for the days a window of `weekday`, `opens`, `closes` offers in `month`."""
    first = day_number(month)
    last = day_number(add_months(month, 1) - datetime.timedelta(days=1))
    a = f"(CASE WHEN opens > {first:d} THEN opens ELSE {first:d} END)"
    b = f"(CASE WHEN closes < {last:d} THEN closes ELSE {last:d} END)"
    return f"CASE WHEN {b} >= {a} THEN ({b} - weekday + 7) / 7 - ({a} - weekday + 6) / 7 ELSE 0 END"


def weekly_windows_by_month(months: list[datetime.date], windows) -> tuple[list[int], list[int]]:
    """Times offered by weekly windows in each of `months` (consecutive), and the distinct
    supervisors offering any: ([times by month], [supervisors by month]).

    A window is (supervisor, weekday, valid from, valid until or None). A month
    it covers whole has that weekday a fixed number of times, so only the (at
    most two) months where it starts or ends are worked out day by day; the rest
    are added as a range, so the cost grows with the windows, not windows times months.
    """
    count = len(months)
    if not count:
        return [], []
    lasts = [add_months(month, 1) - datetime.timedelta(days=1) for month in months]
    whole = [
        [_weekdays_in_month(month, weekday, month, None) for weekday in range(7)]
        for month in months
    ]
    spans: dict[int, list[int]] = {weekday: [0] * (count + 1) for weekday in range(7)}
    weeks = [0] * count
    active: dict[int, list[tuple[int, int]]] = {}
    for supervisor_id, weekday, valid_from, valid_until in windows:
        # The months the window touches: from the one valid_from falls in to valid_until's.
        first = 0 if valid_from <= months[0] else bisect.bisect_right(months, valid_from) - 1
        last = count - 1 if valid_until is None else bisect.bisect_right(months, valid_until) - 1
        if valid_from > lasts[-1] or last < 0 or first > last:
            continue
        inner_first, inner_last = first, last
        for index in {first, last}:
            month = months[index]
            if valid_from > month or (valid_until is not None and valid_until < lasts[index]):
                weeks[index] += _weekdays_in_month(month, weekday, valid_from, valid_until)
                if index == first:
                    inner_first = first + 1
                if index == last:
                    inner_last = last - 1
        if inner_first <= inner_last:
            spans[weekday][inner_first] += 1
            spans[weekday][inner_last + 1] -= 1
        # The months with at least one time: the whole range but a partial end with none.
        low, high = first, last
        if _weekdays_in_month(months[low], weekday, valid_from, valid_until) == 0:
            low += 1
        if high >= low and _weekdays_in_month(months[high], weekday, valid_from, valid_until) == 0:
            high -= 1
        if low <= high:
            active.setdefault(supervisor_id, []).append((low, high))
    for weekday, diff in spans.items():
        running = 0
        for index in range(count):
            running += diff[index]
            weeks[index] += running * whole[index][weekday]
    people = [0] * (count + 1)
    for ranges in active.values():
        ranges.sort()
        start, end = ranges[0]
        for low, high in ranges[1:]:
            if low > end + 1:
                people[start] += 1
                people[end + 1] -= 1
                start, end = low, high
            else:
                end = max(end, high)
        people[start] += 1
        people[end + 1] -= 1
    offering, running = [], 0
    for index in range(count):
        running += people[index]
        offering.append(running)
    return weeks, offering


def _weekdays_in_month(month, weekday, valid_from, valid_until) -> int:
    first = max(month, valid_from)
    last = add_months(month, 1) - datetime.timedelta(days=1)
    if valid_until is not None:
        last = min(last, valid_until)
    if first > last:
        return 0
    first += datetime.timedelta(days=(weekday - first.weekday()) % 7)
    return 0 if first > last else (last - first).days // 7 + 1


def _as_month(value, scope) -> datetime.date:
    """A truncated month from the database (an aware datetime) as the 1st of the month."""
    if isinstance(value, datetime.datetime):
        value = value.astimezone(scope.zone) if value.tzinfo else value
    return datetime.date(value.year, value.month, 1)


month_of = _as_month


def attended_per_person(scope):
    """Subqueries for one person (OuterRef "user_id"): sessions attended, and the last one."""
    from django.db.models import IntegerField, Max, OuterRef, Subquery
    from django.db.models.functions import Coalesce

    mine = (
        Session.objects.filter(
            supervisee_id=OuterRef("user_id"),
            status=Session.Status.ATTENDED,
            starts_at__gte=scope.start,
            starts_at__lt=scope.end,
        )
        .filter(scope.programme_q())
        .order_by()
        .values("supervisee_id")
    )
    count = Subquery(mine.annotate(n=Count("pk")).values("n"), output_field=IntegerField())
    last = Subquery(mine.annotate(last=Max("starts_at")).values("last"))
    return Coalesce(count, 0), last


# --- facts for the report's roll-ups (reports.rollups) -----------------------


def session_key(status: str, cancelled_by: str, late: bool) -> str:
    """What the roll-ups keep of a session's outcome: enough for every table's categories."""
    if status != Session.Status.CANCELLED:
        return status
    return f"cancelled:{cancelled_by}:{'late' if late else 'in_time'}"


SESSION_KEYS = tuple(
    session_key(status, cancelled_by, late)
    for status in Session.Status.values
    for cancelled_by in ("", *Session.CancelledBy.values)
    for late in (False, True)
)


def activity_category(key: str) -> str:
    """The ACTIVITY category of a session_key: the rule of `activity()`'s Case, in Python."""
    status, _, rest = key.partition(":")
    cancelled_by, _, late = rest.partition(":")
    if status == Session.Status.ATTENDED:
        return "attended"
    if status == Session.Status.DID_NOT_ATTEND:
        return "did_not_attend"
    if status == Session.Status.CANCELLED and cancelled_by == "supervisor":
        return "cancelled_supervisor"
    if status == Session.Status.CANCELLED and late == "late":
        return "cancelled_late"
    if status == Session.Status.CANCELLED:
        return "cancelled_supervisee"
    return "booked"


def usage_keys(programme: Programme) -> list[str]:
    """The session_keys that use up `programme`'s allowance: `usage_q` as keys."""
    keys = [Session.Status.ATTENDED.value]
    if programme.did_not_attend_counts:
        keys.append(Session.Status.DID_NOT_ATTEND.value)
    if programme.late_cancellation_counts:
        keys.append(session_key(Session.Status.CANCELLED, "supervisee", True))
    return keys


def session_facts(supervisee_ids=None):
    """(person, organisation, programme, time zone, starts_at, session_key) of every
    one-to-one session of `supervisee_ids` (None: everyone's), for the roll-ups."""
    rows = fact_rows(
        Session.objects,
        "supervisee_id",
        supervisee_ids,
        "programme__organisation",
        "programme",
        "starts_at",
        "status",
        "cancelled_by",
        "late_cancellation",
    )
    for person, organisation, programme, zone, starts_at, status, by, late in rows:
        yield person, organisation, programme, zone, starts_at, session_key(status, by, late)


def theme_facts(supervisee_ids=None):
    """(person, organisation, programme, time zone, starts_at, theme id) of every theme
    recorded for a one-to-one session of `supervisee_ids` (None: everyone's)."""
    session = "sessionrecord__session"
    rows = fact_rows(
        SessionRecord.themes.through.objects,
        f"{session}__supervisee_id",
        supervisee_ids,
        f"{session}__programme__organisation",
        f"{session}__programme",
        f"{session}__starts_at",
        "theme_id",
    )
    for *fact, theme in rows:
        yield (*fact, str(theme))


def theme_names(scope, theme_ids) -> dict[int, str]:
    """{theme id: name} of the organisation's themes and any other among `theme_ids` (found
    in a report's roll-ups): one query, whether or not any theme was recorded."""
    themes = Theme.objects.filter(
        Q(organisation_id=scope.organisation_id) | Q(pk__in=list(theme_ids))
    )
    return dict(themes.values_list("pk", "name"))


def supervisees_with_theme(theme_id: int) -> list[int]:
    through = SessionRecord.themes.through.objects.filter(theme_id=theme_id)
    return list(through.values_list("sessionrecord__session__supervisee_id", flat=True).distinct())


def supervisee_of(session_id: int) -> int | None:
    return Session.objects.filter(pk=session_id).values_list("supervisee_id", flat=True).first()


def watch_facts(refresh) -> None:
    """Call `refresh(people, kinds)` in the transaction of every change to a session or
    its record's themes: the report's roll-ups (reports.rollup_signals) follow them.
    A session's themes count in its month and programme, so a session touches both."""
    from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete

    from kernel.facts import counted

    fields = {"status", "cancelled_by", "late_cancellation", "starts_at", "programme", "supervisee"}

    def session_changed(sender, instance, created=False, update_fields=None, **kwargs):
        if counted(fields, update_fields):
            # A new session has no record, so no themes yet.
            refresh([instance.supervisee_id], ("session",) if created else ("session", "theme"))

    def record_gone(sender, instance, **kwargs):
        refresh([supervisee_of(instance.session_id)], ("theme",))

    def themes_changed(sender, instance, action, reverse, pk_set, **kwargs):
        if action not in ("post_add", "post_remove", "post_clear"):
            return
        if not reverse and SessionRecord.session.is_cached(instance):
            # One record's themes, its session at hand (session_log made the record).
            refresh([instance.session.supervisee_id], ("theme",))
            return
        records = SessionRecord.objects.filter(
            # a theme's records changed (pk_set are records), or one record's themes
            pk__in=(pk_set or ()) if reverse else [instance.pk]
        )
        refresh(list(records.values_list("session__supervisee_id", flat=True)), ("theme",))

    def theme_going(sender, instance, **kwargs):
        instance.rollup_people = supervisees_with_theme(instance.pk)

    def theme_gone(sender, instance, **kwargs):
        refresh(getattr(instance, "rollup_people", []), ("theme",))

    for signal in (post_save, post_delete):
        signal.connect(session_changed, sender=Session, weak=False, dispatch_uid="rollups-session")
    post_delete.connect(
        record_gone, sender=SessionRecord, weak=False, dispatch_uid="rollups-record"
    )
    m2m_changed.connect(
        themes_changed,
        sender=SessionRecord.themes.through,
        weak=False,
        dispatch_uid="rollups-themes",
    )
    pre_delete.connect(theme_going, sender=Theme, weak=False, dispatch_uid="rollups-theme-going")
    post_delete.connect(theme_gone, sender=Theme, weak=False, dispatch_uid="rollups-theme-gone")
