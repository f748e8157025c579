"""What the home page shows a wellbeing lead: check-ins by department, protected.

Registered as a home section (supervision.home_sections), so the home page
never imports this app.
"""

from datetime import timedelta

from django.utils.translation import gettext as _

from kernel.models import Role

from .aggregates_wellbeing import wellbeing_aggregate
from .permissions_wellbeing import checkins_for_lead, department_names_for_lead


def wellbeing_by_department(user, now) -> list[dict]:
    """Check-ins of the last 3 months by department, through disclosure control."""
    rows = wellbeing_aggregate(
        checkins_for_lead(user).filter(created_at__gte=now - timedelta(days=92)),
        group_by="department_id",
    )
    names = department_names_for_lead(user, [r["group"] for r in rows if r["group"]])
    return [{**row, "name": names.get(row["group"], _("No department"))} for row in rows]


def register_home_sections() -> None:
    from supervision.home_sections import Section, register

    register(Section("wellbeing_rows", Role.WELLBEING_LEAD, wellbeing_by_department))
