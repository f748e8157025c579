"""Benchmark mode: new organisations, set up as an admin would set them up, with
history at the scale `make bench` measures."""

import datetime
import math
import random
import time
from typing import Any

from django.db import transaction
from django.utils import timezone

from kernel.models import Band, Modality, Organisation, PeriodKind, Profession
from supervision.services.organisations import department_create
from supervision.services.programmes import programme_create, themes_add_defaults

from .constants import BENCH_DEPARTMENTS, BENCH_SLUG
from .run import HistorySummary, org_plan, run
from .state import History


@transaction.atomic
def generate_benchmark_history(
    *,
    organisations: int = 5,
    staff: int = 10_000,
    sessions: int = 100_000,
    months: int = 24,
    seed: int = 1,
    now: datetime.datetime | None = None,
) -> HistorySummary:
    """New organisations with `staff` people and about `sessions` one-to-one sessions
    and group meetings (about a tenth) over `months` months, ending today."""
    started = time.monotonic()
    now = now or timezone.now()
    slugs = [BENCH_SLUG.format(n) for n in range(1, organisations + 1)]
    if Organisation.objects.filter(slug__in=slugs).exists():
        return HistorySummary(skipped=True)
    rng = random.Random(seed)  # noqa: S311 - made-up history, not security
    shares = [rng.uniform(0.8, 1.2) for _ in slugs]
    sizes = [math.floor(staff * s / sum(shares)) for s in shares]
    sizes[0] += staff - sum(sizes)
    history = History(seed=seed, now=now, months=months)
    orgs = []
    for n, (slug, size) in enumerate(zip(slugs, sizes, strict=True), start=1):
        organisation = _bench_organisation(n, slug, rng)
        org = org_plan(organisation, size, now, months, growth=0.3, wellbeing_rate=0.25)
        org.support_rate = 0.01
        org.sessions_target = round(sessions * size / staff)
        org.meetings_target = round(org.sessions_target * 0.1)
        per_group = months * 0.85 + 6  # meetings of a monthly group, and 6 months ahead
        org.groups = math.ceil(org.meetings_target / per_group * 1.2) + 1
        orgs.append(org)
    return run(history, orgs, started)


def _bench_organisation(n, slug, rng) -> Organisation:
    """An organisation set up through the same services an admin uses."""
    organisation = Organisation(name=f"Generated Health NHS Trust {n}", slug=slug)
    organisation.full_clean()
    organisation.save()
    for name in sorted(rng.sample(BENCH_DEPARTMENTS, 10)):
        department_create(actor=None, organisation=organisation, name=name, kind="ward")
    themes_add_defaults(actor=None, organisation=organisation)
    common: dict[str, Any] = {
        "actor": None,
        "organisation": organisation,
        "period_kind": PeriodKind.ROLLING,
    }
    programme_create(
        **common,
        name="One-to-one clinical supervision",
        description="Monthly one-to-one supervision for everyone, online or in person.",
        modality=Modality.ONE_TO_ONE,
        allowance_sessions=None,
    )
    programme_create(
        **common,
        name="Professional Nurse Advocate (PNA) programme",
        description="Restorative supervision for Band 5 and 6 nurses and midwives.",
        modality=Modality.ONE_TO_ONE,
        eligible_everyone=False,
        eligible_bands=[Band.BAND_5, Band.BAND_6],
        eligible_professions=[Profession.NURSE, Profession.MIDWIFE],
        allowance_sessions=4,
    )
    programme_create(
        **common,
        name="Reflective practice groups",
        description="Monthly facilitated groups of at most eight.",
        modality=Modality.GROUP,
    )
    programme_create(
        **common,
        name="Peer support after hard events",
        description="Trained colleagues who check in after an adverse event.",
        modality=Modality.PEER_SUPPORT,
    )
    return organisation
