"""What keeping the report's roll-ups adds to booking and logging, and what the worker
spends on them (issue 19: "booking, logging and check-in latency unchanged within
10% by roll-up maintenance").

The real services, on real people of the organisation, in one transaction rolled
back at the end: each active agreement in turn books the next free slot with its
supervisor (supervision.services.sessions.session_book), and the supervisor logs
it as attended with a theme (session_log; the session is first moved into the
past, untimed, as logging needs it to have started). Agreements take turns
between three ways of keeping the roll-ups, so the three are measured in the
same minute on the same kind of people:

- "marked": what the app does (reports.services.rollups_mark_stale, one row in
  the booking's transaction; reports.rollup_signals);
- "without": no roll-ups kept at all (the signals disconnected);
- "refreshed": the person's roll-ups worked out in the booking's own transaction,
  as before the drain (reports.services.refresh_rollups, and for a check-in
  reports.checkin_cells.refresh_checkins), for comparison.

After each booking and log the supervisee makes a wellbeing check-in
(feedback.services.wellbeing.wellbeing_checkin_create), kept the same way, which
the report's check-in cells count. Then the rows "marked" left are drained
(reports.services.refresh_pending_rollups, the worker's batch) and timed per row.
A peer-support check-in changes no fact the roll-ups count (none of its models
is watched), so it has nothing to compare.
"""

import statistics
import time

# How many bookings (and logs) each way of keeping the roll-ups gets.
OPERATIONS = 150
# Passes over the organisation's agreements at most (a few hundred at 2,000 staff).
PASSES = 5
MODES = ("marked", "without", "refreshed")


def _keeping(mode: str) -> None:
    from reports import rollup_signals
    from reports.services import rollups_mark_stale

    rollup_signals.disconnect()
    if mode == "marked":
        rollup_signals.connect(rollups_mark_stale)
    elif mode == "refreshed":
        rollup_signals.connect(_refreshed)


def _refreshed(people, kinds) -> None:
    """The people's roll-ups of `kinds` worked out in the changing transaction."""
    from reports.checkin_cells import refresh_checkins
    from reports.services import CHECKIN, KINDS, refresh_rollups

    counted = tuple(kind for kind in kinds if kind in KINDS)
    if counted:
        refresh_rollups(people, counted)
    if CHECKIN in kinds:
        refresh_checkins(people)


def _agreements(organisation_id: int):
    from supervision.models import Agreement

    return (
        Agreement.objects.filter(
            programme__organisation_id=organisation_id,
            programme__modality="one_to_one",
            ended_at__isnull=True,
            supervisor_accepted_at__isnull=False,
            supervisee_accepted_at__isnull=False,
            supervisee__is_active=True,
        )
        .select_related("programme__organisation", "supervisor", "supervisee")
        .order_by("pk")
    )


def _book_and_log(agreement, theme_ids) -> tuple[float, float, float] | None:
    """(booking s, logging s, check-in s) for one agreement, or None when it cannot book."""
    import datetime

    from django.db.models import F
    from django.utils import timezone

    from feedback.services.wellbeing import wellbeing_checkin_create
    from kernel.models import SupervisionFunction
    from supervision.availability import free_slots
    from supervision.models import Session
    from supervision.services.sessions import BookingRefused, session_book, session_log

    slots = free_slots(
        supervisor=agreement.supervisor,
        programme=agreement.programme,
        supervisee=agreement.supervisee,
    )
    if not slots:
        return None
    started = time.perf_counter()
    try:
        session = session_book(
            actor=agreement.supervisee,
            programme=agreement.programme,
            supervisor=agreement.supervisor,
            agreement=agreement,
            starts_at=slots[0].starts_at,
        )
    except BookingRefused:
        return None
    booking = time.perf_counter() - started
    # Into the past (logging needs the session to have started), untimed and unwatched.
    back = session.starts_at - (timezone.now() - datetime.timedelta(days=2))
    moved = Session.objects.filter(pk=session.pk)
    moved.update(starts_at=F("starts_at") - back, ends_at=F("ends_at") - back)
    session.refresh_from_db()
    started = time.perf_counter()
    session_log(
        actor=agreement.supervisor,
        session=session,
        attendance=Session.Status.ATTENDED,
        actual_minutes=60,
        functions=[SupervisionFunction.RESTORATIVE],
        themes=theme_ids,
        agreed_actions="",
        escalated=False,
        escalated_on=None,
        escalated_to="",
    )
    logging = time.perf_counter() - started
    started = time.perf_counter()
    wellbeing_checkin_create(actor=agreement.supervisee, feeling=4)
    return booking, logging, time.perf_counter() - started


def rollup_service_cost(organisation_id: int, operations: int = OPERATIONS) -> dict:
    """p95 ms of booking, logging and checking in each way of keeping the roll-ups (MODES), and the
    drain's ms per row; in a transaction rolled back at the end."""
    from django.db import transaction

    from bench.report_sql import p95_ms
    from kernel.models import Theme
    from reports import rollup_signals
    from reports.models import RollupPending
    from reports.services import refresh_pending_rollups

    theme_ids = list(
        Theme.objects.filter(organisation_id=organisation_id).values_list("pk", flat=True)[:2]
    )
    timings: dict[str, dict[str, list[float]]] = {
        mode: {"book": [], "log": [], "checkin": []} for mode in MODES
    }
    drain: dict = {}
    with transaction.atomic():
        agreements = list(_agreements(organisation_id))
        try:
            # Pass after pass over the agreements, each booking its next free slot once
            # each way, in an order that turns with the agreement and the pass (so no way
            # always goes first), until every way has its operations or a pass books
            # nothing (allowances used up).
            for turn in range(PASSES):
                booked = 0
                for index, agreement in enumerate(agreements):
                    first = (index + turn) % len(MODES)
                    for mode in MODES[first:] + MODES[:first]:
                        if len(timings[mode]["book"]) >= operations:
                            continue
                        _keeping(mode)
                        timed = _book_and_log(agreement, theme_ids)
                        if timed is None:
                            continue
                        booked += 1
                        for action, seconds in zip(("book", "log", "checkin"), timed, strict=True):
                            timings[mode][action].append(seconds)
                if not booked:
                    break
        finally:
            rollup_signals.disconnect()
            rollup_signals.connect()
        waiting = RollupPending.objects.count()
        started = time.perf_counter()
        taken = 0
        while batch := refresh_pending_rollups():
            taken += batch
        seconds = time.perf_counter() - started
        drain = {
            "rows": taken,
            "waiting": waiting,
            "ms_per_row": round(seconds * 1000 / max(taken, 1), 2),
        }
        transaction.set_rollback(True)
    result: dict = {"drain": drain}
    for mode, actions in timings.items():
        result[mode] = {
            "operations": len(actions["book"]),
            **{
                f"{action}_p95_ms": p95_ms(values) if values else None
                for action, values in actions.items()
            },
            **{
                f"{action}_median_ms": round(statistics.median(values) * 1000, 2)
                if values
                else None
                for action, values in actions.items()
            },
        }
    return result


def rollup_update_ratios(organisation_slug: str) -> dict:
    """For bench/run.py (HOOKS): {operation: {"p95_ms", "without_p95_ms",
    "refreshed_in_transaction_p95_ms"}} of booking, logging and checking in, and the drain."""
    from kernel.models import Organisation

    organisation_id = Organisation.objects.values_list("pk", flat=True).get(slug=organisation_slug)
    cost = rollup_service_cost(organisation_id)
    if not cost["marked"]["operations"] or not cost["without"]["operations"]:
        return {"not_measured": "no agreement of the organisation could book"}
    found = {
        name: {
            "p95_ms": cost["marked"][f"{action}_p95_ms"],
            "without_p95_ms": cost["without"][f"{action}_p95_ms"],
            "refreshed_in_transaction_p95_ms": cost["refreshed"][f"{action}_p95_ms"],
            "median_ms": cost["marked"][f"{action}_median_ms"],
            "without_median_ms": cost["without"][f"{action}_median_ms"],
            "refreshed_in_transaction_median_ms": cost["refreshed"][f"{action}_median_ms"],
            "operations": cost["marked"]["operations"],
        }
        for action, name in (("book", "booking"), ("log", "logging"), ("checkin", "check-in"))
    }
    found["worker drain"] = cost["drain"]
    return found
