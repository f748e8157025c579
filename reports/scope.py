"""What a report covers: one organisation, a slice of its staff, a programme, whole months.

The people filters (department, band, profession) select the staff a figure
is about; the programme filter selects the service. Each app's `reporting`
module turns a scope into a queryset over its own tables, so the reports app
never reaches into their tables itself.
"""

import dataclasses
import datetime
import functools
import zoneinfo
from dataclasses import dataclass

from django.db.models import Case, DateField, F, Func, Q, Value, When

from supervision.allowances import add_months

PEOPLE_DIMENSIONS = ("department_id", "band", "profession")


@dataclass(frozen=True)
class ReportScope:
    organisation_id: int
    time_zone: str
    first_month: datetime.date  # the 1st of the first month
    last_month: datetime.date  # the 1st of the last month (inclusive)
    department_id: int | None = None
    band: str = ""
    profession: str = ""
    programme_id: int | None = None

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    @property
    def start(self) -> datetime.datetime:
        return datetime.datetime.combine(self.first_month, datetime.time.min, tzinfo=self.zone)

    @property
    def end(self) -> datetime.datetime:
        """Exclusive: midnight at the start of the month after the last."""
        after = add_months(self.last_month, 1)
        return datetime.datetime.combine(after, datetime.time.min, tzinfo=self.zone)

    @functools.cached_property
    def months(self) -> list[datetime.date]:
        """The firsts of the months, in order (worked out once: every table asks)."""
        first, last = self.first_month, self.last_month
        count = (last.year - first.year) * 12 + last.month - first.month + 1
        return [
            datetime.date(
                first.year + (first.month - 1 + n) // 12, (first.month - 1 + n) % 12 + 1, 1
            )
            for n in range(count)
        ]

    def month(self, field: str) -> "MonthOf":
        """The 1st of the month, in the organisation's zone, of the moment in `field`
        (within the report's months): what TruncMonth(field, tzinfo=zone) gives, as a
        date, without converting every row's time to the zone in the database."""
        return MonthOf(field, self)

    def people_q(self, prefix: str) -> Q:
        """Q over StaffProfile fields reached through `prefix` ("" or "supervisee__profile__")."""
        query = Q(**{f"{prefix}organisation_id": self.organisation_id})
        for name in PEOPLE_DIMENSIONS:
            value = getattr(self, name)
            if value in (None, ""):
                continue
            query &= Q(**{f"{prefix}{name}": value})
        return query

    def programme_q(self, field: str = "programme_id") -> Q:
        if self.programme_id is None:
            return Q()
        return Q(**{field: self.programme_id})

    def key(self) -> tuple:
        """A hashable description, for caching and CSV file names."""
        return dataclasses.astuple(self)


class MonthOf(Func):
    """The month a moment falls in, looked up among the report's months by their bounds
    (each month's first midnight in the organisation's zone, as an instant, worked out
    once here) rather than by DATE_TRUNC(... AT TIME ZONE ...) on every row: at
    100,000 staff the wellbeing check-ins' statement took a fifth less
    (bench/run.py). PostgreSQL finds the bound with width_bucket; other databases
    with a CASE over the bounds. A moment outside the months has no month (NULL).
    """

    output_field = DateField()

    def __init__(self, field: str, scope: ReportScope):
        zone = scope.zone
        self.starts = list(scope.months)
        self.bounds = [
            datetime.datetime.combine(month, datetime.time.min, tzinfo=zone)
            for month in self.starts
        ] + [scope.end]
        before = When(**{f"{field}__lt": self.bounds[0]}, then=Value(None))
        within = [
            When(**{f"{field}__lt": bound}, then=Value(month))
            for bound, month in zip(self.bounds[1:], self.starts, strict=True)
        ]
        super().__init__(F(field), Case(before, *within, output_field=DateField()))

    def as_sql(self, compiler, connection, function=None, template=None, arg_joiner=None, **extra):
        return compiler.compile(self.source_expressions[1])

    def as_postgresql(self, compiler, connection, **extra_context):
        moment, params = compiler.compile(self.source_expressions[0])
        # Bucket i (1-based) is [bounds[i-1], bounds[i]): the i-th month; before the
        # first bound 0 and from the last len(bounds), both outside the array (NULL).
        return (
            f"(%s::date[])[width_bucket({moment}, %s::timestamptz[])]",
            [self.starts, *params, self.bounds],
        )
