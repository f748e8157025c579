import dataclasses
import datetime
import functools
import logging
import zoneinfo

from django.contrib.auth import get_user_model
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from audit.services import audit_log
from feedback import reporting as feedback_reporting
from kernel.models import Organisation, Programme
from peergroups import reporting as group_reporting
from supervision import reporting as supervision_reporting

from . import cells, locks, reporting
from .checkin_cells import rebuild_checkin_cells, refresh_checkins
from .models import (
    DEFAULT_COVERAGE_TARGET,
    MONTH_FIELDS,
    ActivityRollup,
    CheckinShare,
    CoverageTarget,
    PersonShare,
    RollupPending,
)
from .versions import reports_changed

logger = logging.getLogger(__name__)


@transaction.atomic
def coverage_target_set(*, actor, programme: Programme, percent: int) -> CoverageTarget:
    """Set the share of eligible staff a programme aims to reach; audited when it changes."""
    target, _ = CoverageTarget.objects.select_for_update().get_or_create(
        programme=programme,
        defaults={"organisation_id": programme.organisation_id, "percent": DEFAULT_COVERAGE_TARGET},
    )
    if target.percent != percent:
        before = target.percent
        target.percent = percent
        target.full_clean()
        target.save(update_fields=["percent", "updated_at"])
        audit_log(
            actor=actor,
            action="report.target_set",
            target=programme,
            summary=f"Coverage target for {programme.name}: {before}% to {percent}%",
            organisation_id=programme.organisation_id,
            details={"before": before, "after": percent},
        )
        transaction.on_commit(lambda: reports_changed(programme.organisation_id))
    return target


# --- the report's roll-ups (reports.rollups) ---------------------------------

RollupKey = tuple[int, int, int, str, str, int]  # person, organisation, programme, kind, key, year


def _rolled_up(facts_by_kind) -> dict[RollupKey, list[int]]:
    """{(person, organisation, programme, kind, key, year): counts by month} of the facts."""
    rolled: dict[RollupKey, list[int]] = {}
    zones: dict[str, zoneinfo.ZoneInfo] = {}
    for kind, facts in facts_by_kind:
        for person, organisation, programme, zone_name, starts_at, key in facts:
            zone = zones.get(zone_name) or zones.setdefault(zone_name, zoneinfo.ZoneInfo(zone_name))
            local = starts_at.astimezone(zone)
            row = (person, organisation, programme, kind, key, local.year)
            rolled.setdefault(row, [0] * 12)[local.month - 1] += 1
    return rolled


def _facts(user_ids, kinds):
    """The facts of `kinds` of these people (None: everyone's), each kind from its app."""
    sources = {
        "session": supervision_reporting.session_facts,
        "theme": supervision_reporting.theme_facts,
        "group": group_reporting.attendance_facts,
        "rating": feedback_reporting.rating_facts,
    }
    return [(kind, sources[kind](user_ids)) for kind in kinds]


KINDS = ("session", "theme", "group", "rating")
# A pending row's kind for a person whose wellbeing check-ins changed: no roll-up row,
# their share of the check-in cells (reports.checkin_cells).
CHECKIN = "checkin"


def _new_rollup(key: RollupKey, months: list[int]) -> ActivityRollup:
    person, organisation, programme, kind, fact_key, year = key
    counts = dict(zip(MONTH_FIELDS, months, strict=True))
    return ActivityRollup(
        user_id=person,
        organisation_id=organisation,
        programme_id=programme,
        kind=kind,
        key=fact_key,
        year=year,
        **counts,
    )


def refresh_rollups(user_ids, kinds: tuple[str, ...] = KINDS) -> set[int]:
    """Bring these people's roll-up rows in line with their sessions and meetings;
    the organisations whose rows changed.

    The one place the roll-ups change, called by refresh_pending_rollups for the
    people a change marked stale (rollups_mark_stale). Each person's rows are
    worked out again from that person's own facts of the `kinds` that changed (a
    few dozen rows), and only what differs is written; the people are locked
    first, so two refreshes of one person never interleave.
    """
    ids = sorted({pk for pk in user_ids if pk is not None})
    if not ids:
        return set()
    # Part of the caller's transaction (no savepoint of its own: a failure fails the change).
    with transaction.atomic(savepoint=False):
        locks.lock_people(ids)
        wanted = _rolled_up(_facts(ids, kinds))
        stored = {
            (r.user_id, r.organisation_id, r.programme_id, r.kind, r.key, r.year): r
            for r in ActivityRollup.objects.filter(user_id__in=ids, kind__in=kinds)
        }
        gone = [row.pk for key, row in stored.items() if key not in wanted]
        changed = []
        for key, months in wanted.items():
            row = stored.get(key)
            if row is not None and list(row.months) != months:
                for name, value in zip(MONTH_FIELDS, months, strict=True):
                    setattr(row, name, value)
                changed.append(row)
        if gone:
            ActivityRollup.objects.filter(pk__in=gone).delete()
        if changed:
            ActivityRollup.objects.bulk_update(changed, list(MONTH_FIELDS))
        new = [_new_rollup(key, months) for key, months in wanted.items() if key not in stored]
        if new:
            ActivityRollup.objects.bulk_create(new)
    gone_organisations = {key[1] for key, row in stored.items() if key not in wanted}
    return gone_organisations | {row.organisation_id for row in changed + new}


# --- keeping the roll-ups off the changing transaction --------------------------
#
# Working a person's rows out again in the transaction of every booking, log or
# register doubled what those cost (bench/report_sql.py). The change now only
# marks the person stale, one row per person and kind (RollupPending), and the
# rows are worked out later: by a Celery task every few seconds, and before a
# report of the person's organisation is read, so a report is exact whenever
# the backlog is small and says how far behind it is when not.
#
# The race: a booking that commits while a drain works its person out must not
# be lost. The mark is an upsert that takes the row's lock even when the row is
# there already (ON CONFLICT DO UPDATE, not DO NOTHING, which locks nothing), and
# a drain locks the rows it takes before it reads any fact. So either the booking
# holds the row first, and the drain skips it (SKIP LOCKED) for a later drain, or
# the drain holds it first, and the booking waits for the drain to commit and
# then inserts the row again, for a later drain to count.


def _marked_in_this_transaction() -> set[tuple[int, str]] | None:
    """The (person, kind) pairs this transaction has marked stale already, or None
    outside a transaction (each statement commits on its own there).

    Django gives `run_on_commit` a new list at the end of every transaction and
    when a savepoint rolls back, so the list in use names the transaction: pairs
    remembered with another list are forgotten (tests/reports/
    test_rollup_upkeep.py holds Django to it).
    """
    if not connection.in_atomic_block:
        return None
    remembered = getattr(connection, "_rollups_marked", None)
    if remembered is None or remembered[0] is not connection.run_on_commit:
        remembered = (connection.run_on_commit, set())
        connection._rollups_marked = remembered  # type: ignore[attr-defined]
    return remembered[1]


def _forget_marked() -> None:
    """The pending rows were deleted in this transaction: a later change marks again."""
    connection._rollups_marked = None  # type: ignore[attr-defined]


def rollups_mark_stale(user_ids, kinds: tuple[str, ...]) -> None:
    """Note, in the transaction that changed their facts, that these people's roll-up
    rows of `kinds` are to be worked out again (refresh_pending_rollups).

    What every change to a fact calls (reports.rollup_signals): one statement,
    and none for a person and kind this transaction has marked already (a
    service saves a session twice). The row keeps the time of the oldest change
    waiting.
    """
    marked = _marked_in_this_transaction()
    pairs = sorted({(pk, kind) for pk in user_ids if pk is not None for kind in kinds})
    if marked is not None:
        pairs = [pair for pair in pairs if pair not in marked]
    if not pairs:
        return
    table = connection.ops.quote_name(RollupPending._meta.db_table)
    now = timezone.now()
    values = ", ".join(["(%s, %s, %s)"] * len(pairs))
    # The same statement on PostgreSQL and SQLite (3.24 and later); only our own
    # table name and placeholders go into the text.
    sql = (
        f"INSERT INTO {table} (user_id, kind, created_at) VALUES {values} "  # noqa: S608
        f"ON CONFLICT (user_id, kind) DO UPDATE SET created_at = {table}.created_at"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [value for pk, kind in pairs for value in (pk, kind, now)])
    if marked is not None:
        marked.update(pairs)


# Pending rows (a person and a kind each) one drain works out: the worker's
# batch, and what a report's read works out before it is shown (a few ms each).
DRAIN_LIMIT = 200


def _changed_reports(organisation_ids: set[int]) -> None:
    """Forget the cached reports of these organisations, now and once the drain commits:
    now, so a report read later in this transaction is built again; after, so one
    built from the old rows by another process meanwhile is not kept."""
    for organisation_id in organisation_ids:
        reports_changed(organisation_id)
        transaction.on_commit(functools.partial(reports_changed, organisation_id))


def refresh_pending_rollups(organisation_id: int | None = None, limit: int = DRAIN_LIMIT) -> int:
    """Work out again the roll-ups of up to `limit` pending rows, oldest people first
    by id, of people of `organisation_id` (None: anyone's); how many rows it took.

    One transaction: the rows are locked (skipping those another drain or a
    change in progress holds), refresh_rollups runs for their people, the rows
    are deleted, and the reports of the organisations whose roll-ups changed are
    forgotten from the cache.
    """
    with transaction.atomic():
        pending = RollupPending.objects.order_by("user_id", "kind")
        if organisation_id is not None:
            pending = pending.filter(user__profile__organisation_id=organisation_id)
        pending = pending.select_for_update(skip_locked=True, of=("self",))
        taken = list(pending.values_list("pk", "user_id", "kind")[:limit])
        if not taken:
            return 0
        kinds = tuple(kind for kind in KINDS if any(row[2] == kind for row in taken))
        people = [user_id for _, user_id, kind in taken if kind != CHECKIN]
        changed = refresh_rollups(people, kinds) if kinds else set()
        # and their shares of the report's cells, from their rows and who they are now
        changed |= cells.refresh_shares(people)
        changed |= refresh_checkins([user_id for _, user_id, kind in taken if kind == CHECKIN])
        RollupPending.objects.filter(pk__in=[pk for pk, _, _ in taken]).delete()
        _forget_marked()
        _changed_reports(changed)
    return len(taken)


# A pending row's kind that changes no roll-up row, only the person's share of the
# report's cells (reports.cells): they moved, left, or became eligible or not.
SHARE = "share"


def catch_up_moves(organisation_id: int) -> bool:
    """The people whose share of the organisation's cells is not who they are now
    (reports.cells.moved_people) counted again: up to DRAIN_LIMIT now, more marked
    stale for the worker (those erased meanwhile, who cannot be marked, now too).
    Whether any were left for the worker."""
    moved = cells.moved_people(organisation_id)
    if not moved:
        return False
    now, later = moved, []
    if len(moved) > DRAIN_LIMIT:
        here = set(get_user_model().objects.filter(pk__in=moved).values_list("pk", flat=True))
        now = [pk for pk in moved if pk not in here]
        later = [pk for pk in moved if pk in here]
    if now:
        with transaction.atomic():
            _changed_reports(cells.refresh_shares(now))
    for start in range(0, len(later), 5000):
        rollups_mark_stale(later[start : start + 5000], (SHARE,))
    return bool(later)


@dataclasses.dataclass(frozen=True)
class Backlog:
    """Changes not yet in an organisation's roll-ups: since when (the oldest waiting)."""

    since: datetime.datetime


def rollups_catch_up(
    organisation_id: int, moves: bool = True, drain: bool = True
) -> Backlog | None:
    """Before a report of the organisation is read: work its pending rows out (up to
    DRAIN_LIMIT), and say what is still waiting, if anything.

    Then, with `moves`, the people who moved, left or changed eligibility since
    their share of the cells was counted are counted again (catch_up_moves):
    four queries when nothing waits and nobody moved; without, one. (Without
    `drain`, the pending rows are left to the worker and only counted.) What a
    worker or a change in progress holds is not waited for: it is counted as
    still waiting. A drain that fails (a deadlock, say) leaves the rows for the
    worker; the report is still shown, with its backlog.
    """
    waiting = reporting.rollup_backlog(organisation_id)
    taken = 0
    if waiting["rows"] and drain:
        try:
            taken = refresh_pending_rollups(organisation_id, limit=DRAIN_LIMIT)
        except DatabaseError:
            logger.warning(
                "Could not bring the roll-ups of organisation %s up to date", organisation_id
            )
    # then the people who moved since their share was counted (no facts changed)
    moved = False
    if moves:
        try:
            moved = catch_up_moves(organisation_id)
        except DatabaseError:
            logger.warning(
                "Could not bring the cells of organisation %s up to date", organisation_id
            )
            moved = True
    if taken >= waiting["rows"] and not moved:
        # all done: only changes made since could wait, shown next time
        return None
    waiting = reporting.rollup_backlog(organisation_id)
    if not waiting["rows"]:
        return None
    return Backlog(since=waiting["since"])


# The columns of a roll-up row, in the order of RollupKey and then the months.
ROLLUP_COLUMNS = (
    "user_id",
    "organisation_id",
    "programme_id",
    "kind",
    "key",
    "year",
    *MONTH_FIELDS,
)


def rebuild_rollups(write=None) -> int:
    """Every roll-up row worked out again from all the facts (`manage.py rebuild_rollups`).

    `write(model, columns, rows)`, if given, writes the rows (tuples of the
    columns' values) in place of bulk_create: the history generator's COPY, for a
    million sessions' worth of rows (and the report's cells, reports.cells).
    """
    with transaction.atomic():
        ActivityRollup.objects.all().delete()
        # Every person is worked out from scratch here: nobody is left waiting.
        RollupPending.objects.all().delete()
        _forget_marked()
        made = _rolled_up(_facts(None, KINDS))
        if write is None:
            rows = (_new_rollup(key, months) for key, months in made.items())
            ActivityRollup.objects.bulk_create(rows, batch_size=5000)
        else:
            write(ActivityRollup, ROLLUP_COLUMNS, ((*key, *months) for key, months in made.items()))
        cells.rebuild_cells(write)
        rebuild_checkin_cells(write)
        # Every organisation's cached reports were counted from the rows just replaced.
        for organisation_id in Organisation.objects.values_list("pk", flat=True):
            transaction.on_commit(functools.partial(reports_changed, organisation_id))
    return len(made)


def rollups_fill_if_empty(**kwargs) -> None:
    """After `migrate`: a database that has facts but no roll-ups yet (the first deployment
    with them, or a restored copy from before) gets them built, so no report reads
    an empty table."""
    if ActivityRollup.objects.exists():
        if not PersonShare.objects.exists():  # the roll-ups from before the cells
            cells.rebuild_cells()
    elif any(next(iter(facts), None) is not None for _, facts in _facts(None, KINDS)):
        rebuild_rollups()  # the check-ins' cells too
        return
    # the roll-ups from before the check-ins' cells, or check-ins and nothing else
    if not CheckinShare.objects.exists() and feedback_reporting.any_checkins():
        rebuild_checkin_cells()
