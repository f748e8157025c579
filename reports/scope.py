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

from django.db.models import Q

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
