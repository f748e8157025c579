"""Who has left, since when, and when their private text is due to go.

A person is deactivated by `supervision.services.people.staff_deactivate`,
which writes a `staff.deactivated` audit entry. The audit trail is kept for
good, so its latest such entry for a person who is still inactive is when they
were deactivated; there is no second copy of that date to drift from it. A
person made inactive some other way (the Django admin) has no such entry, no
date, and is not anonymised automatically.
"""

import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import CharField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Cast

from audit.services import entries_about
from kernel.models import StaffProfile
from kernel.records import record_type

DEACTIVATED = "staff.deactivated"
# The audit target of a deactivation: the person's staff profile.
PROFILE_LABEL = record_type(StaffProfile)


def retention() -> datetime.timedelta:
    return datetime.timedelta(days=settings.LEAVER_RETENTION_DAYS)


def _deactivations(profile_pk):
    return entries_about(action=DEACTIVATED, target_type=PROFILE_LABEL, target_id=profile_pk)


def leavers() -> QuerySet:
    """People deactivated and not yet anonymised, annotated with `deactivated_at`."""
    latest = _deactivations(Cast(OuterRef("profile__pk"), CharField())).values("created_at")[:1]
    return (
        get_user_model()
        .objects.filter(is_active=False, anonymised_at__isnull=True)
        .annotate(deactivated_at=Subquery(latest))
    )


def leavers_due(now: datetime.datetime) -> QuerySet:
    """Leavers deactivated at least the retention period before `now`."""
    return leavers().filter(deactivated_at__lte=now - retention()).order_by("deactivated_at", "pk")


def deactivated_at(user) -> datetime.datetime | None:
    """When an inactive person was deactivated; None when active or unknown."""
    profile = getattr(user, "profile", None)
    if user.is_active or profile is None:
        return None
    entry = _deactivations(str(profile.pk)).only("created_at").first()
    return entry.created_at if entry else None


def anonymisation_due_at(user) -> datetime.datetime | None:
    """When the nightly task will anonymise this leaver; None if it will not."""
    if user.anonymised_at is not None:
        return None
    since = deactivated_at(user)
    return since + retention() if since else None
