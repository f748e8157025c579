"""Demo mode: a year of history for the demo organisations (nonprod/demo.py),
around what their own people have set up and booked."""

import datetime
import time
from itertools import chain

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from kernel.models import Organisation
from supervision.models import Commitment, Session, SupervisorProfile, WeeklyAvailability

from .constants import DEMO_SLUGS, EMAIL
from .plan import OrgPlan, SupervisorPlan, Window
from .run import HistoryError, HistorySummary, org_plan, run
from .state import History


def _demo_supervisors(org: OrgPlan) -> list:
    """The demo's own supervisors, with their windows, for past supervisees only."""
    by_programme = {p.programme.pk: p for p in org.programmes}
    found = []
    profiles = (
        SupervisorProfile.objects.filter(user__profile__organisation=org.organisation)
        .prefetch_related("programmes")
        .order_by("pk")
    )
    for profile in profiles:
        mine = [by_programme[p.pk] for p in profile.programmes.all() if p.pk in by_programme]
        windows = [
            Window(
                w.weekday,
                w.start_time,
                w.end_time,
                w.valid_from,
                w.mode,
                w.meeting_link,
                w.location,
            )
            for w in WeeklyAvailability.objects.filter(
                supervisor_id=profile.user_id, valid_until__isnull=True
            )
        ]
        if mine and windows:
            found.append(SupervisorPlan(profile.user_id, windows, 4.4, profile.capacity, mine))
    return found


def _existing_time(history: History, user_ids) -> None:
    """What the demo's own people have booked already, so nothing new overlaps it."""
    commitments = Commitment.objects.filter(user_id__in=user_ids).values_list(
        "user_id", "starts_at", "ends_at"
    )
    sessions = (
        Session.objects.not_cancelled()
        .filter(supervisor_id__in=user_ids)
        .values_list("supervisor_id", "starts_at", "ends_at")
    )
    for user_id, start, end in chain(commitments, sessions):
        history.busy.take([user_id], start, end)


@transaction.atomic
def generate_demo_history(
    *,
    westfield_staff: int = 300,
    northgate_staff: int = 60,
    months: int = 12,
    seed: int = 2026,
    now: datetime.datetime | None = None,
) -> HistorySummary:
    """A year (`months`) of history ending today for the demo organisations.

    Needs `manage.py demo_data` first; does nothing if it has run here before.
    """
    started = time.monotonic()
    now = now or timezone.now()
    organisations = {o.slug: o for o in Organisation.objects.filter(slug__in=DEMO_SLUGS)}
    if len(organisations) < len(DEMO_SLUGS):
        raise HistoryError("Load the demo data first: manage.py demo_data.")
    if get_user_model().objects.filter(email=EMAIL.format(1, DEMO_SLUGS[0])).exists():
        return HistorySummary(skipped=True)
    history = History(seed=seed, now=now, months=months)
    orgs = []
    for slug, staff in zip(DEMO_SLUGS, (westfield_staff, northgate_staff), strict=True):
        org = org_plan(organisations[slug], staff, now, months)
        fixed = [p for p in org.programmes if p.opens > org.start]
        # The Band 7 and 8 programme starts with its period: the shift the run charts show.
        org.launch = min((p.opens for p in fixed), default=None)
        org.groups = staff // 50 if org.group_programme else 0
        org.existing_supervisors = _demo_supervisors(org)
        _existing_time(history, [s.user_id for s in org.existing_supervisors])
        orgs.append(org)
    return run(history, orgs, started)
