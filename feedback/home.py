"""What the home page shows of this app: a wellbeing lead's check-ins by department,
protected, and the sessions a member of staff can still give feedback on.

Registered as home sections (supervision.home_sections), so the home page
never imports this app.
"""

from datetime import datetime, timedelta

from django.utils.translation import gettext as _

from kernel.models import Role
from kernel.prepared import PreparedQuery

from .aggregates_wellbeing import wellbeing_aggregate
from .permissions import sessions_awaiting_feedback
from .permissions_wellbeing import checkins_for_lead, department_names_for_lead

# The home page asks for feedback on sessions that ended this recently; an older
# one's page still offers the form.
FEEDBACK_ASKED_FOR = timedelta(days=30)
FEEDBACK_LISTED = 3


def wellbeing_by_department(user, now) -> list[dict]:
    """Check-ins of the last 3 months by department, through disclosure control."""
    rows = wellbeing_aggregate(
        checkins_for_lead(user).filter(created_at__gte=now - timedelta(days=92)),
        group_by="department_id",
    )
    names = department_names_for_lead(user, [r["group"] for r in rows if r["group"]])
    return [{**row, "name": names.get(row["group"], _("No department"))} for row in rows]


# Only what the home page says of each (SessionQuerySet.listed): when, and with whom;
# the same query on every view of the page, its SQL built once (kernel/prepared.py).
_awaiting_feedback = PreparedQuery(
    lambda user_id, now, since: (
        sessions_awaiting_feedback(user_id, now=now, since=since)
        .listed()
        .order_by("-starts_at")[:FEEDBACK_LISTED]
    ),
    types=(int, datetime, datetime),
)


def feedback_to_give(user, now) -> list:
    """The user's latest sessions, held in the last 30 days, that they have not given
    feedback on (their own: nobody else is asked about a session they were not in)."""
    return _awaiting_feedback(user.pk, now, now - FEEDBACK_ASKED_FOR)


def register_home_sections() -> None:
    from supervision.home_sections import SUPERVISEE, Section, register

    register(Section("wellbeing_rows", Role.WELLBEING_LEAD, wellbeing_by_department))
    register(Section("feedback_to_give", SUPERVISEE, feedback_to_give))
